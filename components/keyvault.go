package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// keyVaultSoftDeleteDays is the longest retention Azure allows: a DR secret store must survive
// an accidental delete. With purge protection on, the vault's name stays reserved that long
// after a delete, which is why its name carries a generation (see stacks, keyVaultGeneration).
const keyVaultSoftDeleteDays = 90

// keyVault creates the regional Key Vault, reachable only through a private endpoint in the
// spoke and resolved through a private DNS zone linked to the spoke.
func (b *stampBuilder) keyVault() error {
	s, a := b.stamp, b.args
	var err error
	s.KeyVault, err = keyvault.NewVault(b.ctx, b.name+"-kv", &keyvault.VaultArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String(a.Location),
		VaultName:         pulumi.String(b.names.Of(naming.KeyVault, a.UniqueSuffix)),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId:                  pulumi.String(a.TenantID),
			Sku:                       &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			EnableRbacAuthorization:   pulumi.Bool(true),
			EnableSoftDelete:          pulumi.Bool(true),
			SoftDeleteRetentionInDays: pulumi.Int(keyVaultSoftDeleteDays),
			EnablePurgeProtection:     pulumi.Bool(true),
			PublicNetworkAccess:       pulumi.String("Disabled"),
			NetworkAcls: &keyvault.NetworkRuleSetArgs{
				DefaultAction: pulumi.String("Deny"),
				Bypass:        pulumi.String("AzureServices"),
			},
		},
		Tags: b.tags,
		// Its secrets are state: a change that would replace it must stop, not recreate it empty.
	}, b.parent, pulumi.Protect(true))
	if err != nil {
		return err
	}
	zone, err := network.NewPrivateZone(b.ctx, b.name+"-kv-dns", &network.PrivateZoneArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String("global"),
		PrivateZoneName:   pulumi.String("privatelink.vaultcore.azure.net"),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err = network.NewVirtualNetworkLink(b.ctx, b.name+"-kv-dns-spoke", &network.VirtualNetworkLinkArgs{
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
	s.KeyVaultEndpoint, err = network.NewPrivateEndpoint(b.ctx, b.name+"-kv-pe", &network.PrivateEndpointArgs{
		ResourceGroupName:   b.rgName,
		Location:            pulumi.String(a.Location),
		PrivateEndpointName: pulumi.String(b.names.Of(naming.PrivateEndpoint, "kv")),
		Subnet:              &network.SubnetTypeArgs{Id: s.Network.PrivateEndpointSubnet.ID()},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{network.PrivateLinkServiceConnectionArgs{
			Name:                 pulumi.String("vault"),
			PrivateLinkServiceId: s.KeyVault.ID(),
			GroupIds:             pulumi.StringArray{pulumi.String("vault")},
		}},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err = network.NewPrivateDnsZoneGroup(b.ctx, b.name+"-kv-pe-dns", &network.PrivateDnsZoneGroupArgs{
		ResourceGroupName:       b.rgName,
		PrivateEndpointName:     s.KeyVaultEndpoint.Name,
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{network.PrivateDnsZoneConfigArgs{
			Name:             pulumi.String("vault"),
			PrivateDnsZoneId: zone.ID(),
		}},
	}, b.parent); err != nil {
		return err
	}
	_, err = newDiagnostics(b.ctx, b.name+"-kv-diag", s.KeyVault.ID(), s.Workspace.ID(), allLogs, b.parent)
	return err
}
