package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// registryEndpoint gives the spoke a private endpoint to the project's registry, with the
// privatelink.azurecr.io zone linked to the spoke: the login server and every region's data
// endpoint then resolve to private addresses in this spoke, so the nodes pull without the
// registry's public endpoint, which is disabled by default
// (https://learn.microsoft.com/azure/container-registry/container-registry-private-link).
// One endpoint covers the home region and every replica: Azure adds a data-endpoint address per
// replica region to the endpoint and to the zone group.
func (b *stampBuilder) registryEndpoint() error {
	var err error
	b.stamp.RegistryEndpoint, b.registryDNS, err = b.privateEndpoint(privateLink{
		short: "acr", zone: "privatelink.azurecr.io", group: "registry", target: b.args.RegistryID,
		after: []pulumi.Resource{b.stamp.KeyVaultEndpoint},
	})
	return err
}
