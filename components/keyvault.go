package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
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
	if s.KeyVaultEndpoint, _, err = b.privateEndpoint(privateLink{
		short: "kv", zone: "privatelink.vaultcore.azure.net", group: "vault", target: s.KeyVault.ID(),
	}); err != nil {
		return err
	}
	_, err = newDiagnostics(b.ctx, b.name+"-kv-diag", s.KeyVault.ID(), s.Workspace.ID(), allLogs, b.parent)
	return err
}
