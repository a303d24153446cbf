package components

import (
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// NodePoolArgs sizes one autoscaled node pool.
type NodePoolArgs struct {
	// VMSize is the Azure VM size, e.g. "Standard_D4ds_v5". Required.
	VMSize string
	// MinCount is the autoscaler's lower bound. Required.
	MinCount int
	// MaxCount is the autoscaler's upper bound. Required.
	MaxCount int
	// InitialCount is the node count at creation; afterwards the autoscaler owns the count (it is
	// ignored in diffs). Give it the serving floor when MinCount is a standby's lower one, so
	// that raising MinCount later never sends a count below the new minimum. Default MinCount.
	InitialCount int
}

func (p NodePoolArgs) initialCount() int {
	if p.InitialCount < p.MinCount {
		return p.MinCount
	}
	return min(p.InitialCount, p.MaxCount)
}

// ClusterArgs sizes the AKS cluster.
type ClusterArgs struct {
	// KubernetesVersion, e.g. "1.35". Required.
	KubernetesVersion string
	// SystemPool runs only critical add-ons (tainted CriticalAddonsOnly). Required.
	SystemPool NodePoolArgs
	// UserPool runs the workload: its counts are totals over one pool per availability zone
	// (SplitAcrossZones), so that the cluster autoscaler, with balance-similar-node-groups, adds
	// nodes in the zone a pending pod needs. MaxCount at least len(Zones). Required.
	UserPool NodePoolArgs
	// MaxPodsPerNode bounds pods (and pre-allocated Azure CNI IPs) per node. Required.
	MaxPodsPerNode int
}

// UpgradeMaxSurgePercent is how much a node pool grows during an upgrade (AKS maxSurge).
const UpgradeMaxSurgePercent = 33

// Container Insights and control-plane logs go to the shared workspace so that one place shows
// both clusters, and it survives the loss of either region.
var aksLogCategories = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-audit-admin", "cluster-autoscaler", "guard"}

func (b *stampBuilder) cluster() error {
	s, a := b.stamp, b.args
	var err error
	if s.ClusterIdentity, err = b.identity("cluster"); err != nil {
		return err
	}
	if s.KubeletIdentity, err = b.identity("kubelet"); err != nil {
		return err
	}
	// The control plane joins nodes and internal load balancers to the spoke subnets, edits the
	// egress route table, and assigns the kubelet identity to the nodes: all before it is created.
	prereqs := []struct {
		name      string
		principal pulumi.StringInput
		role      string
		scope     pulumi.StringInput
	}{
		{"cluster-network", s.ClusterIdentity.PrincipalId, roleNetworkContributor, s.Network.SpokeVnet.ID()},
		{"cluster-routes", s.ClusterIdentity.PrincipalId, roleNetworkContributor, s.Network.EgressRouteTable.ID()},
		{"cluster-kubelet-operator", s.ClusterIdentity.PrincipalId, roleManagedIdentityOperator, s.KubeletIdentity.ID()},
	}
	var before []pulumi.Resource
	for _, p := range prereqs {
		ra, err := b.roleAssignment(p.name, p.principal, p.role, p.scope)
		if err != nil {
			return err
		}
		before = append(before, ra)
	}
	// Nodes boot through the firewall in the hub, so the peerings must be up too.
	before = append(before, s.Network.HubToSpoke, s.Network.SpokeToHub)
	s.Cluster, err = containerservice.NewManagedCluster(b.ctx, b.name+"-aks", b.clusterArgs(), b.parent,
		pulumi.DependsOn(before),
		// The cluster autoscaler owns the node counts; without this every update would reset them.
		pulumi.IgnoreChanges(poolCountPaths(1+len(Zones))))
	if err != nil {
		return err
	}
	if b.acrPull, err = b.roleAssignment("kubelet-acr-pull", s.KubeletIdentity.PrincipalId, roleAcrPull, a.RegistryID); err != nil {
		return err
	}
	if err := b.workloadIdentity(); err != nil {
		return err
	}
	// With local accounts off, deploying the workload needs a Kubernetes RBAC role on the cluster.
	if d := a.Deployer; d != nil {
		b.deployerAdmin, err = b.grant("deployer-cluster-admin", pulumi.String(d.ObjectID), pulumi.String(d.Type), roleAksRbacClusterAdmin, s.Cluster.ID())
		if err != nil {
			return err
		}
	}
	if err := b.containerInsights(); err != nil {
		return err
	}
	_, err = newDiagnostics(b.ctx, b.name+"-aks-diag", s.Cluster.ID(), a.SharedWorkspaceID, aksLogCategories, b.parent)
	return err
}

// workloadIdentityAudience is the audience of the service account tokens Entra ID exchanges
// (https://learn.microsoft.com/azure/aks/workload-identity-overview).
const workloadIdentityAudience = "api://AzureADTokenExchange"

// workloadIdentity gives the workload its own user-assigned identity, federated with its
// Kubernetes service account through the cluster's OIDC issuer, and makes it the only identity
// that reads the regional Key Vault's secrets. The kubelet identity, which every pod on a node
// could use through the instance metadata endpoint, gets no vault access: it only pulls images.
func (b *stampBuilder) workloadIdentity() error {
	s, a := b.stamp, b.args
	var err error
	if s.WorkloadIdentity, err = b.identity("workload"); err != nil {
		return err
	}
	w := a.Workload.withDefaults()
	s.WorkloadCredential, err = managedidentity.NewFederatedIdentityCredential(b.ctx, b.name+"-workload-federation", &managedidentity.FederatedIdentityCredentialArgs{
		ResourceGroupName:                       b.rgName,
		ResourceName:                            s.WorkloadIdentity.Name,
		FederatedIdentityCredentialResourceName: pulumi.String("aks-" + w.Namespace + "-" + w.ServiceAccountName),
		Issuer:                                  s.Cluster.OidcIssuerProfile.IssuerURL().Elem(),
		Subject:                                 pulumi.String(w.ServiceAccountSubject()),
		Audiences:                               pulumi.StringArray{pulumi.String(workloadIdentityAudience)},
	}, b.parent)
	if err != nil {
		return err
	}
	b.workloadVault, err = b.roleAssignment("workload-keyvault-secrets", s.WorkloadIdentity.PrincipalId, roleKeyVaultSecretsUser, s.KeyVault.ID())
	return err
}

// apiServerAccess restricts the API server to the configured ranges plus the firewall's public
// IPs: with outbound type userDefinedRouting the nodes reach the API server's public endpoint
// from those addresses (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges).
// Without configured ranges the API server stays reachable from any address, so that the first
// deployment cannot lock its deployer out.
func (b *stampBuilder) apiServerAccess() containerservice.ManagedClusterAPIServerAccessProfilePtrInput {
	ranges := b.args.APIServerAuthorizedRanges
	if len(ranges) == 0 {
		return nil
	}
	all := pulumi.ToStringArray(ranges)
	for _, pip := range b.stamp.Network.FirewallPublicIPs {
		all = append(all, pulumi.Sprintf("%s/32", pip.IpAddress.Elem()))
	}
	return &containerservice.ManagedClusterAPIServerAccessProfileArgs{AuthorizedIPRanges: all}
}

// containerInsightsStream is the Container Insights data the monitoring agent collects.
const containerInsightsStream = "Microsoft-ContainerInsights-Group-Default"

// containerInsights creates the data collection rule and association that the monitoring add-on
// needs with managed-identity auth (useAADAuth): the add-on alone does not create them outside
// the Azure CLI, and without them Container Insights receives nothing.
func (b *stampBuilder) containerInsights() error {
	s, a := b.stamp, b.args
	var err error
	s.ContainerInsightsRule, err = insights.NewDataCollectionRule(b.ctx, b.name+"-ci-dcr", &insights.DataCollectionRuleArgs{
		ResourceGroupName:      b.rgName,
		Location:               pulumi.String(a.Location),
		DataCollectionRuleName: pulumi.String(b.names.Of(naming.DataCollectionRule, "ci")),
		Kind:                   pulumi.String("Linux"),
		DataSources: &insights.DataCollectionRuleDataSourcesArgs{
			Extensions: insights.ExtensionDataSourceArray{insights.ExtensionDataSourceArgs{
				Name:          pulumi.String("ContainerInsightsExtension"),
				ExtensionName: pulumi.String("ContainerInsights"),
				Streams:       pulumi.StringArray{pulumi.String(containerInsightsStream)},
				ExtensionSettings: pulumi.Map{"dataCollectionSettings": pulumi.Map{
					"interval":               pulumi.String("1m"),
					"namespaceFilteringMode": pulumi.String("Off"),
					"enableContainerLogV2":   pulumi.Bool(true),
				}},
			}},
		},
		Destinations: &insights.DataCollectionRuleDestinationsArgs{
			LogAnalytics: insights.LogAnalyticsDestinationArray{insights.LogAnalyticsDestinationArgs{
				Name:                pulumi.String("shared"),
				WorkspaceResourceId: a.SharedWorkspaceID,
			}},
		},
		DataFlows: insights.DataFlowArray{insights.DataFlowArgs{
			Streams:      pulumi.StringArray{pulumi.String(containerInsightsStream)},
			Destinations: pulumi.StringArray{pulumi.String("shared")},
		}},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	_, err = insights.NewDataCollectionRuleAssociation(b.ctx, b.name+"-ci-dcra", &insights.DataCollectionRuleAssociationArgs{
		AssociationName:      pulumi.String("ContainerInsightsExtension"),
		ResourceUri:          s.Cluster.ID(),
		DataCollectionRuleId: s.ContainerInsightsRule.ID(),
	}, b.parent)
	return err
}

func (b *stampBuilder) identity(role string) (*managedidentity.UserAssignedIdentity, error) {
	return managedidentity.NewUserAssignedIdentity(b.ctx, b.name+"-"+role+"-id", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String(b.args.Location),
		ResourceName:      pulumi.String(b.names.Of(naming.ManagedIdentity, role)),
		Tags:              b.tags,
	}, b.parent)
}

// roleAssignment grants a managed identity a role. PrincipalType ServicePrincipal skips the
// Entra ID replication wait for identities created moments before.
func (b *stampBuilder) roleAssignment(name string, principal pulumi.StringInput, role string, scope pulumi.StringInput) (*authorization.RoleAssignment, error) {
	return b.grant(name, principal, pulumi.String("ServicePrincipal"), role, scope)
}

// grant assigns a role to a principal of any type (nil principalType: user, group or app).
func (b *stampBuilder) grant(name string, principal pulumi.StringInput, principalType pulumi.StringPtrInput, role string, scope pulumi.StringInput) (*authorization.RoleAssignment, error) {
	ra, err := authorization.NewRoleAssignment(b.ctx, b.name+"-"+name, &authorization.RoleAssignmentArgs{
		PrincipalId:      principal,
		PrincipalType:    principalType,
		RoleDefinitionId: pulumi.String(roleDefinitionID(b.args.SubscriptionID, role)),
		Scope:            scope,
	}, b.parent)
	if err == nil {
		b.stamp.RoleAssignments = append(b.stamp.RoleAssignments, ra)
	}
	return ra, err
}

func (b *stampBuilder) clusterArgs() *containerservice.ManagedClusterArgs {
	s, a, c := b.stamp, b.args, b.args.Cluster
	pool := func(name, mode string, p NodePoolArgs, zones pulumi.StringArray, taints ...string) containerservice.ManagedClusterAgentPoolProfileArgs {
		return containerservice.ManagedClusterAgentPoolProfileArgs{
			Name:              pulumi.String(name),
			Mode:              pulumi.String(mode),
			VmSize:            pulumi.String(p.VMSize),
			OsType:            pulumi.String("Linux"),
			OsSKU:             pulumi.String("AzureLinux"),
			Type:              pulumi.String("VirtualMachineScaleSets"),
			AvailabilityZones: zones,
			EnableAutoScaling: pulumi.Bool(true),
			Count:             pulumi.Int(p.initialCount()),
			MinCount:          pulumi.Int(p.MinCount),
			MaxCount:          pulumi.Int(p.MaxCount),
			MaxPods:           pulumi.Int(c.MaxPodsPerNode),
			VnetSubnetID:      s.Network.AksSubnet.ID(),
			NodeTaints:        pulumi.ToStringArray(taints),
			// The VM's temporary disk, caches and OS disk are encrypted on the host; needs the
			// subscription feature Microsoft.Compute/EncryptionAtHost
			// (https://learn.microsoft.com/azure/aks/enable-host-encryption).
			EnableEncryptionAtHost: pulumi.Bool(true),
			UpgradeSettings:        &containerservice.AgentPoolUpgradeSettingsArgs{MaxSurge: pulumi.String(strconv.Itoa(UpgradeMaxSurgePercent) + "%")},
		}
	}
	return &containerservice.ManagedClusterArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String(a.Location),
		ResourceName:      pulumi.String(b.names.Of(naming.ManagedCluster)),
		DnsPrefix:         pulumi.String(b.names.Of(naming.ClusterDNSPrefix)),
		KubernetesVersion: pulumi.String(c.KubernetesVersion),
		Sku:               &containerservice.ManagedClusterSKUArgs{Name: pulumi.String("Base"), Tier: pulumi.String("Standard")},
		Identity: &containerservice.ManagedClusterIdentityArgs{
			Type:                   containerservice.ResourceIdentityTypeUserAssigned,
			UserAssignedIdentities: pulumi.StringArray{s.ClusterIdentity.ID()},
		},
		IdentityProfile: containerservice.UserAssignedIdentityMap{
			"kubeletidentity": containerservice.UserAssignedIdentityArgs{
				ResourceId: s.KubeletIdentity.ID(),
				ClientId:   s.KubeletIdentity.ClientId,
				ObjectId:   s.KubeletIdentity.PrincipalId,
			},
		},
		AgentPoolProfiles: b.agentPools(pool),
		AutoScalerProfile: &containerservice.ManagedClusterPropertiesAutoScalerProfileArgs{
			// The per-zone user pools are similar node groups: the autoscaler keeps them even as
			// they grow, and scales the zone a pending pod's zone spread asks for.
			BalanceSimilarNodeGroups: pulumi.String("true"),
			Expander:                 pulumi.String("least-waste"),
			ScanInterval:             pulumi.String("10s"),
		},
		NetworkProfile: &containerservice.ContainerServiceNetworkProfileArgs{
			NetworkPlugin:   pulumi.String("azure"),
			NetworkPolicy:   pulumi.String("azure"),
			OutboundType:    pulumi.String("userDefinedRouting"),
			LoadBalancerSku: pulumi.String("standard"),
			ServiceCidr:     pulumi.String(a.Network.ServiceCidr),
			DnsServiceIP:    pulumi.String(a.Network.DNSServiceIP),
		},
		AadProfile: &containerservice.ManagedClusterAADProfileArgs{
			Managed:             pulumi.Bool(true),
			EnableAzureRBAC:     pulumi.Bool(true),
			TenantID:            pulumi.String(a.TenantID),
			AdminGroupObjectIDs: pulumi.ToStringArray(a.ClusterAdminGroupObjectIDs),
		},
		EnableRBAC:             pulumi.Bool(true),
		DisableLocalAccounts:   pulumi.Bool(true),
		ApiServerAccessProfile: b.apiServerAccess(),
		AddonProfiles: containerservice.ManagedClusterAddonProfileMap{
			"omsagent": containerservice.ManagedClusterAddonProfileArgs{
				Enabled: pulumi.Bool(true),
				Config: pulumi.StringMap{
					"logAnalyticsWorkspaceResourceID": a.SharedWorkspaceID,
					"useAADAuth":                      pulumi.String("true"),
				},
			},
			"azureKeyvaultSecretsProvider": containerservice.ManagedClusterAddonProfileArgs{
				Enabled: pulumi.Bool(true),
				Config:  pulumi.StringMap{"enableSecretRotation": pulumi.String("true")},
			},
			"azurepolicy": containerservice.ManagedClusterAddonProfileArgs{Enabled: pulumi.Bool(true)},
		},
		OidcIssuerProfile: &containerservice.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &containerservice.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		AutoUpgradeProfile: &containerservice.ManagedClusterAutoUpgradeProfileArgs{UpgradeChannel: pulumi.String("patch")},
		Tags:               b.tags,
	}
}

// UserPoolName is the name of the user node pool in a zone ("userz1").
func UserPoolName(zone string) string { return "userz" + zone }

// agentPools is the system pool across every zone, then one user pool per zone.
//
// Why one user pool per zone: the cluster autoscaler does not balance zones inside one
// multi-zone node group; it sees one group and adds a node wherever the scale set puts it
// (kubernetes/autoscaler, cluster-autoscaler FAQ, "How can I use Cluster Autoscaler with
// multiple zones / balance-similar-node-groups"). The workload spreads its pods over zones with
// whenUnsatisfiable DoNotSchedule, so during a failover surge a pod that needs zone 2 could stay
// Pending while the only group grew in zone 1. With a group per zone the autoscaler simulates
// each zone's template node, picks the one that makes the pod schedulable, and
// balance-similar-node-groups keeps the three even. The alternative, a ScheduleAnyway zone
// spread, cannot strand pods but lets a surge land in one zone, which a zone outage then takes
// whole; the pools keep the spread strict. The cost: four pools to upgrade and three user pool
// minimums, which SplitAcrossZones derives from the totals.
func (b *stampBuilder) agentPools(pool func(string, string, NodePoolArgs, pulumi.StringArray, ...string) containerservice.ManagedClusterAgentPoolProfileArgs) containerservice.ManagedClusterAgentPoolProfileArray {
	c := b.args.Cluster
	out := containerservice.ManagedClusterAgentPoolProfileArray{
		pool("system", "System", c.SystemPool, zones, "CriticalAddonsOnly=true:NoSchedule"),
	}
	mins, maxs := SplitAcrossZones(c.UserPool.MinCount), SplitAcrossZones(c.UserPool.MaxCount)
	initial := SplitAcrossZones(c.UserPool.initialCount())
	for i, zone := range Zones {
		p := NodePoolArgs{VMSize: c.UserPool.VMSize, MinCount: mins[i], MaxCount: maxs[i], InitialCount: initial[i]}
		out = append(out, pool(UserPoolName(zone), "User", p, pulumi.StringArray{pulumi.String(zone)}))
	}
	return out
}

// poolCountPaths are the node count paths of n agent pool profiles, which the autoscaler owns.
func poolCountPaths(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "agentPoolProfiles[" + strconv.Itoa(i) + "].count"
	}
	return out
}
