package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// GeoRegistryArgs configures the shared container registry.
type GeoRegistryArgs struct {
	// ResourceGroupName holds the registry. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the registry's home region, which holds its management plane (replicas,
	// network rules): the global layer's region, outside every stamp's. Required.
	Location string
	// ReplicaLocations are the other regions that get a replica (each stamp's region). Optional.
	ReplicaLocations []string
	// Names derives the Azure names. Required.
	Names *Namer
	// UniqueSuffix makes the globally unique registry name unique per subscription. Required.
	UniqueSuffix string
	// WorkspaceID receives the registry's diagnostics. Required.
	WorkspaceID pulumi.StringInput
	// AllowedIPRanges are public IPv4 addresses or CIDRs allowed through the public endpoint (a CI
	// runner that pushes images, say). Empty (the default) disables public network access:
	// clusters pull through their spokes' private endpoints. Optional.
	AllowedIPRanges []string
	// ImportImages are images, pinned by digest, that the registry imports from their source
	// registries (az acr import, run by an Azure deployment script), so that pods pull them from
	// this registry and its replicas: see RegistryImage. Optional.
	ImportImages []string
	// SubscriptionID is the registry's subscription, for the import's role assignment. Required
	// with ImportImages.
	SubscriptionID string
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// GeoRegistry is one Premium, zone-redundant registry replicated to every region of the pair, so
// each cluster pulls from its own region and keeps pulling when the home region is down.
type GeoRegistry struct {
	pulumi.ResourceState

	Registry     *containerregistry.Registry
	Replications []*containerregistry.Replication
	// ImageImport imports ImportImages (nil without them); what pulls them should wait for it.
	ImageImport *resources.AzureCliScript

	// Locations are the home region followed by the replica regions.
	Locations []string
}

// NewGeoRegistry creates the registry and its replicas.
func NewGeoRegistry(ctx *pulumi.Context, name string, args *GeoRegistryArgs, opts ...pulumi.ResourceOption) (*GeoRegistry, error) {
	if args == nil {
		args = &GeoRegistryArgs{}
	}
	if err := require("GeoRegistry", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "Location": args.Location != "", "Names": args.Names != nil,
		"UniqueSuffix": args.UniqueSuffix != "", "WorkspaceID": set(args.WorkspaceID),
		"SubscriptionID (with ImportImages)": len(args.ImportImages) == 0 || args.SubscriptionID != "",
	}); err != nil {
		return nil, err
	}
	c := &GeoRegistry{Locations: append([]string{args.Location}, args.ReplicaLocations...)}
	if err := ctx.RegisterComponentResource("aks-dr:global:GeoRegistry", name, c, opts...); err != nil {
		return nil, err
	}
	parent, tags := pulumi.Parent(c), pulumi.ToStringMap(args.Tags)
	var err error
	registryArgs := &containerregistry.RegistryArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		RegistryName:      pulumi.String(args.Names.Of(naming.ContainerRegistry, args.UniqueSuffix)),
		Sku:               &containerregistry.SkuArgs{Name: pulumi.String("Premium")}, // geo-replication needs Premium
		AdminUserEnabled:  pulumi.Bool(false),
		// Layers then come from <registry>.<region>.data.azurecr.io, which the firewall allows,
		// instead of a storage account host it would have to open wide (*.blob.core.windows.net).
		DataEndpointEnabled: pulumi.Bool(true),
		ZoneRedundancy:      pulumi.String("Enabled"),
		// Trusted Azure services, az acr import among them, pass the network rules
		// (https://learn.microsoft.com/azure/container-registry/allow-access-trusted-services).
		NetworkRuleBypassOptions: pulumi.String("AzureServices"),
		Tags:                     tags,
	}
	setNetworkAccess(registryArgs, args.AllowedIPRanges)
	// Its images are state: a change that would replace it must stop, not recreate it empty.
	c.Registry, err = containerregistry.NewRegistry(ctx, name+"-acr", registryArgs, parent, pulumi.Protect(true))
	if err != nil {
		return nil, err
	}
	for _, loc := range args.ReplicaLocations {
		rep, err := containerregistry.NewReplication(ctx, name+"-replica-"+loc, &containerregistry.ReplicationArgs{
			ResourceGroupName:     args.ResourceGroupName,
			RegistryName:          c.Registry.Name,
			ReplicationName:       pulumi.String(loc),
			Location:              pulumi.String(loc),
			ZoneRedundancy:        pulumi.String("Enabled"),
			RegionEndpointEnabled: pulumi.Bool(true),
			Tags:                  tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		c.Replications = append(c.Replications, rep)
	}
	if len(args.ImportImages) > 0 {
		if c.ImageImport, err = importImages(ctx, name, args, c, parent); err != nil {
			return nil, err
		}
	}
	if _, err := newDiagnostics(ctx, name+"-acr-diag", c.Registry.ID(), args.WorkspaceID, allLogs, parent); err != nil {
		return nil, err
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"registryId":  c.Registry.ID(),
		"loginServer": c.Registry.LoginServer,
		"locations":   pulumi.ToStringArray(c.Locations),
	})
}

// setNetworkAccess closes the registry's public endpoint, or opens it to the allowed ranges only:
// clusters reach the registry through private endpoints in their spokes either way
// (https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks).
func setNetworkAccess(r *containerregistry.RegistryArgs, allowed []string) {
	if len(allowed) == 0 {
		r.PublicNetworkAccess = pulumi.String("Disabled")
		return
	}
	rules := containerregistry.IPRuleArray{}
	for _, cidr := range allowed {
		rules = append(rules, containerregistry.IPRuleArgs{Action: pulumi.String("Allow"), IPAddressOrRange: pulumi.String(cidr)})
	}
	r.PublicNetworkAccess = pulumi.String("Enabled")
	r.NetworkRuleSet = &containerregistry.NetworkRuleSetArgs{DefaultAction: pulumi.String("Deny"), IpRules: rules}
}
