// Package stacks turns one stack's configuration into the resources of aks-dr: Program is what
// `pulumi up` runs (main.go), the Automation API driver runs, and the tests run under mocks.
//
// There are three stacks. `global` owns the shared layer in a region of its own: Front Door
// (with every stamp's origin, so the failover lever, the priorities, is in its config), the
// geo-replicated registry, the shared workspace and the base firewall policy. `primary` and
// `secondary` are identical regional stamps; each reads the global layer through a
// StackReference, and the global stack reads each stamp's origin host name the same way. A
// failover is an update of the global stack alone: it never runs the program of a stamp, so it
// never needs the region it leaves.
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

// Deploy registers one stack: the global layer, or one regional stamp.
func Deploy(ctx *pulumi.Context, cfg *Config) error {
	if cfg.Role == RoleGlobal {
		return deployGlobal(ctx, cfg)
	}
	return deployStamp(ctx, cfg)
}

// deployStamp registers one regional stamp against the global layer it reads.
func deployStamp(ctx *pulumi.Context, cfg *Config) error {
	// Read and check the global layer (and the sibling stamps) before anything is registered.
	global, err := readGlobal(ctx, cfg)
	if err != nil {
		return err
	}
	names := &components.Namer{Prefix: cfg.NamePrefix, Region: regions[cfg.Location].code}
	if err := checkRegion(ctx, RoleStamp, cfg.Location, names.Of(naming.ResourceGroup)); err != nil {
		return err
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return err
	}
	// The floors follow the stamp's role: serving when hot or when its origin has priority 1.
	floors := cfg.Stamp.FloorsFor(global.OriginPriority == 1)
	capacity := capacityOf(cfg, floors)
	_ = ctx.Log.Info(standbyNote(cfg, capacity, global.OriginPriority), nil)
	stamp, err := components.NewRegionalStamp(ctx, "stamp-"+cfg.Location, stampArgs(ctx, cfg, client, global, names, stackTags(ctx, cfg), floors))
	if err != nil {
		return err
	}
	drill, err := deployDrill(ctx, cfg, client, stamp, names)
	if err != nil {
		return err
	}
	n := cfg.Stamp.Network
	ctx.Export(OutLocation, pulumi.String(cfg.Location))
	ctx.Export(OutHubAddressSpace, pulumi.String(n.HubAddressSpace.String()))
	ctx.Export(OutSpokeAddressSpace, pulumi.String(n.SpokeAddressSpace.String()))
	ctx.Export(OutOriginHostName, stamp.OriginHostName)
	ctx.Export(OutClusterName, stamp.ClusterName)
	ctx.Export(OutClusterID, stamp.ClusterID)
	ctx.Export(OutKeyVaultURI, stamp.KeyVaultURI)
	ctx.Export(OutResourceGroupName, stamp.ResourceGroup.Name)
	ctx.Export(OutAppGatewayID, stamp.AppGateway.ID())
	ctx.Export(OutChaosExperimentID, drill.ExperimentID)
	ctx.Export(OutFrontDoorEndpoint, pulumi.String(global.EndpointHostName))
	ctx.Export(OutDetectionSeconds, pulumi.Int(global.DetectionSeconds))
	ctx.Export(OutServingCapacity, pulumi.Bool(floors.Serving))
	ctx.Export(OutStandbyProfile, pulumi.String(cfg.Stamp.Standby.Profile))
	ctx.Export(OutCapacity, capacity.toMap())
	ctx.Export(OutKubernetesVersion, pulumi.String(cfg.Stamp.Cluster.KubernetesVersion))
	ctx.Export(OutWorkloadImage, pulumi.String(cfg.Stamp.Workload.Image))
	return nil
}

// stackTags are the user's tags plus the ones that tell which deployment owns a resource.
func stackTags(ctx *pulumi.Context, cfg *Config) map[string]string {
	tags := map[string]string{"workload": cfg.NamePrefix, "managed-by": "pulumi", "pulumi-project": ctx.Project()}
	maps.Copy(tags, cfg.Tags)
	return tags
}

func stampArgs(ctx *pulumi.Context, cfg *Config, client *authorization.GetClientConfigResult, global *globalLayer,
	names *components.Namer, tags map[string]string, floors Floors) *components.RegionalStampArgs {
	s := cfg.Stamp
	n, c, w := s.Network, s.Cluster, s.Workload
	w.Replicas = floors.WorkloadReplicas
	pool := func(p NodePoolConfig) components.NodePoolArgs {
		return components.NodePoolArgs{VMSize: p.VMSize, MinCount: p.MinCount, MaxCount: p.MaxCount}
	}
	// The user pools are created with the serving count (the autoscaler owns it afterwards), so
	// that raising a warm floor later never asks for fewer nodes than the new minimum.
	userPool := pool(c.UserPool)
	userPool.InitialCount, userPool.MinCount = c.UserPool.MinCount, floors.UserNodeMinCount
	return &components.RegionalStampArgs{
		Location:       cfg.Location,
		Names:          names,
		SubscriptionID: client.SubscriptionId,
		TenantID:       client.TenantId,
		// The generation lets a stack redeploy while its previous, purge-protected vault is
		// still soft-deleted and holds the old name.
		UniqueSuffix: naming.Hash(client.SubscriptionId, ctx.Project(), ctx.Stack(), strconv.Itoa(s.KeyVaultGeneration)),
		Network: components.StampNetworkArgs{
			AddressPlan: components.AddressPlan{
				HubAddressSpace: n.HubAddressSpace.String(), FirewallSubnetPrefix: n.FirewallSubnet.String(),
				SpokeAddressSpace: n.SpokeAddressSpace.String(), AksSubnetPrefix: n.AksSubnet.String(),
				AppGatewaySubnetPrefix: n.AppGatewaySubnet.String(), PrivateEndpointSubnetPrefix: n.PrivateEndpointSubnet.String(),
			},
			IngressIP: n.IngressIP.String(), ServiceCidr: n.ServiceCidr.String(), DNSServiceIP: n.DNSServiceIP.String(),
			FirewallPublicIPCount: s.FirewallPublicIPCount,
		},
		Cluster: components.ClusterArgs{
			KubernetesVersion: c.KubernetesVersion, SystemPool: pool(c.SystemPool), UserPool: userPool, MaxPodsPerNode: c.MaxPodsPerNode,
		},
		AppGatewayCapacity: components.AppGatewayCapacityArgs{Min: floors.AppGatewayMinCapacity, Max: components.AppGatewayMaxCapacity},
		Workload: components.WorkloadArgs{
			Image: w.Image, Port: w.Port, HealthPath: w.HealthPath, Replicas: w.Replicas, MaxReplicas: w.MaxReplicas,
			CPURequest: w.CPURequest, MemoryRequest: w.MemoryRequest, TargetCPUPercent: w.TargetCPUPercent,
			// Issue 9: the default nginx image answers with the region; another image gets the
			// region in AKSDR_REGION and should send the X-Served-By-Region header itself.
			RegionPage: servesRegionPage(w.Image),
		},
		KubeLoginMode:              s.KubeLoginMode,
		SharedWorkspaceID:          pulumi.String(global.SharedWorkspaceID),
		RegistryID:                 pulumi.String(global.RegistryID),
		RegistryLoginServer:        pulumi.String(global.RegistryLoginServer),
		RegistryLocations:          global.RegistryLocations,
		APIServerAuthorizedRanges:  s.APIServerAuthorizedIPRanges,
		BaseFirewallPolicyID:       pulumi.String(global.BaseFirewallPolicyID),
		BaseFirewallPolicyLocation: global.Location,
		FrontDoorID:                pulumi.String(global.FrontDoorID),
		ClusterAdminGroupObjectIDs: s.ClusterAdminGroupObjectIDs,
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
	if len(cfg.Stamp.ClusterAdminGroupObjectIDs) > 0 {
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
