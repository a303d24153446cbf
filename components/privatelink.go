package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// privateLink describes one service the spoke reaches through a private endpoint.
type privateLink struct {
	// short names the Pulumi resources (<stamp>-<short>-pe, ...) and the endpoint's Azure name.
	short string
	// zone is the service's privatelink DNS zone, e.g. privatelink.vaultcore.azure.net.
	zone string
	// group is the sub-resource the endpoint connects to ("vault", "registry").
	group string
	// target is the ID of the resource the endpoint connects to.
	target pulumi.StringInput
	// after must be written before the endpoint (Azure rejects concurrent writes to a subnet).
	after []pulumi.Resource
}

// privateEndpoint creates the service's private DNS zone linked to the spoke, a private endpoint
// in the private-endpoint subnet, and the zone group that registers the endpoint's addresses in
// the zone, so that the service's public host names resolve to private addresses in the spoke.
func (b *stampBuilder) privateEndpoint(l privateLink) (*network.PrivateEndpoint, *network.PrivateDnsZoneGroup, error) {
	s, a := b.stamp, b.args
	zone, err := network.NewPrivateZone(b.ctx, b.name+"-"+l.short+"-dns", &network.PrivateZoneArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String("global"),
		PrivateZoneName:   pulumi.String(l.zone),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err = network.NewVirtualNetworkLink(b.ctx, b.name+"-"+l.short+"-dns-spoke", &network.VirtualNetworkLinkArgs{
		ResourceGroupName:      b.rgName,
		Location:               pulumi.String("global"),
		PrivateZoneName:        zone.Name,
		VirtualNetworkLinkName: pulumi.String("spoke"),
		VirtualNetwork:         &network.SubResourceArgs{Id: s.Network.SpokeVnet.ID()},
		RegistrationEnabled:    pulumi.Bool(false),
		Tags:                   b.tags,
	}, b.parent); err != nil {
		return nil, nil, err
	}
	pe, err := network.NewPrivateEndpoint(b.ctx, b.name+"-"+l.short+"-pe", &network.PrivateEndpointArgs{
		ResourceGroupName:   b.rgName,
		Location:            pulumi.String(a.Location),
		PrivateEndpointName: pulumi.String(b.names.Of(naming.PrivateEndpoint, l.short)),
		Subnet:              &network.SubnetTypeArgs{Id: s.Network.PrivateEndpointSubnet.ID()},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{network.PrivateLinkServiceConnectionArgs{
			Name:                 pulumi.String(l.group),
			PrivateLinkServiceId: l.target,
			GroupIds:             pulumi.StringArray{pulumi.String(l.group)},
		}},
		Tags: b.tags,
	}, b.parent, pulumi.DependsOn(l.after))
	if err != nil {
		return nil, nil, err
	}
	dns, err := network.NewPrivateDnsZoneGroup(b.ctx, b.name+"-"+l.short+"-pe-dns", &network.PrivateDnsZoneGroupArgs{
		ResourceGroupName:       b.rgName,
		PrivateEndpointName:     pe.Name,
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{network.PrivateDnsZoneConfigArgs{
			Name:             pulumi.String(l.group),
			PrivateDnsZoneId: zone.ID(),
		}},
	}, b.parent)
	return pe, dns, err
}
