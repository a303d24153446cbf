package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// registryEndpoint gives the spoke a private endpoint to the project's registry, with the
// privatelink.azurecr.io zone linked to the spoke: the login server and every region's data
// endpoint then resolve to private addresses in this spoke, so the nodes pull without the
// registry's public endpoint, which is disabled by default
// (https://learn.microsoft.com/azure/container-registry/container-registry-private-link).
// One endpoint covers the home region and every replica: Azure adds a data-endpoint address per
// replica region to the endpoint and to the zone group.
func (b *stampBuilder) registryEndpoint() error {
	s, a := b.stamp, b.args
	zone, err := network.NewPrivateZone(b.ctx, b.name+"-acr-dns", &network.PrivateZoneArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String("global"),
		PrivateZoneName:   pulumi.String("privatelink.azurecr.io"),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err = network.NewVirtualNetworkLink(b.ctx, b.name+"-acr-dns-spoke", &network.VirtualNetworkLinkArgs{
		ResourceGroupName:      b.rgName,
		Location:               pulumi.String("global"),
		PrivateZoneName:        zone.Name,
		VirtualNetworkLinkName: pulumi.String("spoke"),
		VirtualNetwork:         &network.SubResourceArgs{Id: s.Network.SpokeVnet.ID()},
		RegistrationEnabled:    pulumi.Bool(false),
		Tags:                   b.tags,
	}, b.parent); err != nil {
		return err
	}
	s.RegistryEndpoint, err = network.NewPrivateEndpoint(b.ctx, b.name+"-acr-pe", &network.PrivateEndpointArgs{
		ResourceGroupName:   b.rgName,
		Location:            pulumi.String(a.Location),
		PrivateEndpointName: pulumi.String(b.names.Of(naming.PrivateEndpoint, "acr")),
		Subnet:              &network.SubnetTypeArgs{Id: s.Network.PrivateEndpointSubnet.ID()},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{network.PrivateLinkServiceConnectionArgs{
			Name:                 pulumi.String("registry"),
			PrivateLinkServiceId: a.RegistryID,
			GroupIds:             pulumi.StringArray{pulumi.String("registry")},
		}},
		Tags: b.tags,
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{s.KeyVaultEndpoint})) // one write to the subnet at a time
	if err != nil {
		return err
	}
	b.registryDNS, err = network.NewPrivateDnsZoneGroup(b.ctx, b.name+"-acr-pe-dns", &network.PrivateDnsZoneGroupArgs{
		ResourceGroupName:       b.rgName,
		PrivateEndpointName:     s.RegistryEndpoint.Name,
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{network.PrivateDnsZoneConfigArgs{
			Name:             pulumi.String("registry"),
			PrivateDnsZoneId: zone.ID(),
		}},
	}, b.parent)
	return err
}
