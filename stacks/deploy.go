// Package stacks turns one stack's configuration into the resources of aks-dr: Program is what
// `pulumi up` runs (main.go), the Automation API driver runs, and the tests run under mocks.
package stacks

import (
	"maps"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/components/naming"
)

// Program loads and validates the stack's config, then deploys it.
func Program(ctx *pulumi.Context) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	return Deploy(ctx, cfg)
}

// Deploy registers one stack: the primary creates the global layer, the secondary reads it;
// both deploy their regional stamp and add it to Front Door as an origin.
func Deploy(ctx *pulumi.Context, cfg *Config) error {
	var global *globalLayer
	var err error
	if cfg.Role == RoleSecondary {
		// Read and check the primary before anything is registered.
		if global, err = readGlobal(ctx, cfg); err != nil {
			return err
		}
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return err
	}
	tags := stackTags(ctx, cfg)
	if cfg.Role == RolePrimary {
		if global, err = deployGlobal(ctx, cfg, client.SubscriptionId, tags); err != nil {
			return err
		}
	}
	stampNames := &components.Namer{Prefix: cfg.NamePrefix, Region: regions[cfg.Location].code}
	stamp, err := components.NewRegionalStamp(ctx, "stamp-"+cfg.Location, stampArgs(ctx, cfg, client, global, stampNames, tags))
	if err != nil {
		return err
	}
	origin, err := components.NewFrontDoorOrigin(ctx, "origin-"+cfg.Location, &components.FrontDoorOriginArgs{
		ResourceGroupName: global.ResourceGroupName,
		ProfileName:       global.ProfileName,
		OriginGroupName:   global.OriginGroupName,
		HostName:          stamp.OriginHostName,
		Names:             stampNames,
		Priority:          cfg.Origin.Priority,
		Weight:            cfg.Origin.Weight,
		Enabled:           cfg.Origin.Enabled,
	})
	if err != nil {
		return err
	}
	if global.frontDoor != nil {
		fd := global.frontDoor
		if _, err := components.NewFrontDoorRoute(ctx, "route", &components.FrontDoorRouteArgs{
			ResourceGroupName: global.ResourceGroupName,
			ProfileName:       fd.Profile.Name,
			EndpointName:      fd.Endpoint.Name,
			OriginGroupID:     fd.OriginGroup.ID(),
			Origins:           []*components.FrontDoorOrigin{origin},
			Names:             &components.Namer{Prefix: cfg.NamePrefix, Region: "global"},
		}); err != nil {
			return err
		}
	}
	exportRegion(ctx, cfg, global, stamp, origin)
	return nil
}

func exportRegion(ctx *pulumi.Context, cfg *Config, global *globalLayer, stamp *components.RegionalStamp, origin *components.FrontDoorOrigin) {
	ctx.Export(OutLocation, pulumi.String(cfg.Location))
	ctx.Export(OutHubAddressSpace, pulumi.String(cfg.Network.HubAddressSpace.String()))
	ctx.Export(OutSpokeAddressSpace, pulumi.String(cfg.Network.SpokeAddressSpace.String()))
	ctx.Export(OutFrontDoorPriority, pulumi.Int(cfg.Origin.Priority))
	ctx.Export(OutFrontDoorWeight, pulumi.Int(cfg.Origin.Weight))
	ctx.Export(OutFrontDoorEndpoint, global.EndpointHostName)
	ctx.Export(OutDetectionSeconds, pulumi.Int(global.DetectionSeconds))
	ctx.Export(OutOriginURN, origin.Origin.URN())
	ctx.Export(OutFrontDoorOriginName, origin.Origin.Name)
	ctx.Export(OutOriginHostName, stamp.OriginHostName)
	ctx.Export(OutClusterName, stamp.ClusterName)
	ctx.Export(OutClusterID, stamp.ClusterID)
	ctx.Export(OutKeyVaultURI, stamp.KeyVaultURI)
	ctx.Export(OutResourceGroupName, stamp.ResourceGroup.Name)
}

// stackTags are the user's tags plus the ones that tell which deployment owns a resource.
func stackTags(ctx *pulumi.Context, cfg *Config) map[string]string {
	tags := map[string]string{"workload": cfg.NamePrefix, "managed-by": "pulumi", "pulumi-project": ctx.Project()}
	maps.Copy(tags, cfg.Tags)
	return tags
}

func stampArgs(ctx *pulumi.Context, cfg *Config, client *authorization.GetClientConfigResult, global *globalLayer,
	names *components.Namer, tags map[string]string) *components.RegionalStampArgs {
	n, c, w := cfg.Network, cfg.Cluster, cfg.Workload
	pool := func(p NodePoolConfig) components.NodePoolArgs {
		return components.NodePoolArgs{VMSize: p.VMSize, MinCount: p.MinCount, MaxCount: p.MaxCount}
	}
	return &components.RegionalStampArgs{
		Location:       cfg.Location,
		Names:          names,
		SubscriptionID: client.SubscriptionId,
		TenantID:       client.TenantId,
		// The generation lets a stack redeploy while its previous, purge-protected vault is
		// still soft-deleted and holds the old name.
		UniqueSuffix: naming.Hash(client.SubscriptionId, ctx.Project(), ctx.Stack(), strconv.Itoa(cfg.KeyVaultGeneration)),
		Network: components.StampNetworkArgs{
			AddressPlan: components.AddressPlan{
				HubAddressSpace: n.HubAddressSpace.String(), FirewallSubnetPrefix: n.FirewallSubnet.String(),
				SpokeAddressSpace: n.SpokeAddressSpace.String(), AksSubnetPrefix: n.AksSubnet.String(),
				AppGatewaySubnetPrefix: n.AppGatewaySubnet.String(), PrivateEndpointSubnetPrefix: n.PrivateEndpointSubnet.String(),
			},
			IngressIP: n.IngressIP.String(), ServiceCidr: n.ServiceCidr.String(), DNSServiceIP: n.DNSServiceIP.String(),
			FirewallPublicIPCount: cfg.Access.FirewallPublicIPCount,
		},
		Cluster: components.ClusterArgs{
			KubernetesVersion: c.KubernetesVersion, SystemPool: pool(c.SystemPool), UserPool: pool(c.UserPool), MaxPodsPerNode: c.MaxPodsPerNode,
		},
		Workload: components.WorkloadArgs{
			Image: w.Image, Port: w.Port, HealthPath: w.HealthPath, Replicas: w.Replicas, MaxReplicas: w.MaxReplicas,
			CPURequest: w.CPURequest, MemoryRequest: w.MemoryRequest, TargetCPUPercent: w.TargetCPUPercent,
		},
		KubeLoginMode:              cfg.KubeLoginMode,
		SharedWorkspaceID:          global.SharedWorkspaceID,
		RegistryID:                 global.RegistryID,
		RegistryLoginServer:        global.RegistryLoginServer,
		RegistryLocations:          global.RegistryLocations,
		APIServerAuthorizedRanges:  cfg.Access.APIServerAuthorizedIPRanges,
		WorkloadDependsOn:          global.imageImport,
		BaseFirewallPolicyID:       global.BaseFirewallPolicyID,
		BaseFirewallPolicyLocation: global.Location,
		FrontDoorID:                global.FrontDoorID,
		ClusterAdminGroupObjectIDs: cfg.ClusterAdminGroupObjectIDs,
		Deployer:                   deployer(ctx, cfg, client),
		Tags:                       tags,
	}
}

// azureCLIAppID is the client ID Azure reports for a person signed in with `az login`.
const azureCLIAppID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// deployer is the identity running this deployment, when no admin group is configured: it then
// gets AKS RBAC Cluster Admin so that it can deploy the workload. A person signed in with the
// Azure CLI is a User; anything else (CI with OIDC, a managed identity) a ServicePrincipal.
// The assignment follows whoever runs `pulumi up`, hence the advice to configure a group.
func deployer(ctx *pulumi.Context, cfg *Config, client *authorization.GetClientConfigResult) *components.Principal {
	if len(cfg.ClusterAdminGroupObjectIDs) > 0 {
		return nil
	}
	_ = ctx.Log.Warn("clusterAdminGroupObjectIds is empty: the identity running this deployment ("+client.ObjectId+
		") gets AKS RBAC Cluster Admin; set an admin group so that people and CI share one assignment", nil)
	kind := "ServicePrincipal"
	if client.ClientId == azureCLIAppID {
		kind = "User"
	}
	return &components.Principal{ObjectID: client.ObjectId, Type: kind}
}
