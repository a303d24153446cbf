package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// StampNetworkArgs is the stamp's address plan.
type StampNetworkArgs struct {
	// AddressPlan holds the VNet and subnet ranges. Required.
	AddressPlan
	// IngressIP is the workload's internal load balancer IP inside the AKS subnet. Required.
	IngressIP string
	// ServiceCidr is the Kubernetes service range, not routable in the VNets. Required.
	ServiceCidr string
	// DNSServiceIP is the cluster DNS service address inside ServiceCidr. Required.
	DNSServiceIP string
	// FirewallPublicIPCount is the firewall's number of outbound public IPs (SNAT capacity).
	// Default DefaultFirewallPublicIPCount.
	FirewallPublicIPCount int
}

// RegionalStampArgs configures one region of the DR pair.
type RegionalStampArgs struct {
	// Location is the Azure region, e.g. "eastus2". Required.
	Location string
	// Names derives the stamp's Azure names (prefix and region code). Required.
	Names *Namer
	// SubscriptionID is the target subscription (from getClientConfig). Required.
	SubscriptionID string
	// TenantID is the Entra ID tenant of the Key Vault and AKS. Required.
	TenantID string
	// UniqueSuffix makes globally unique names (Key Vault) unique per subscription and stack. Required.
	UniqueSuffix string
	// Network is the address plan. Required.
	Network StampNetworkArgs
	// Cluster sizes AKS. Required.
	Cluster ClusterArgs
	// Workload is the application deployed on the cluster. Required.
	Workload WorkloadArgs
	// AppGatewayCapacity bounds the Application Gateway's autoscaling. Default 2-10 (serving).
	AppGatewayCapacity AppGatewayCapacityArgs
	// KubeLoginMode is "azurecli" (a person) or "workloadidentity" (CI). Default "azurecli".
	KubeLoginMode string
	// SharedWorkspaceID is the global Log Analytics workspace for Container Insights and AKS
	// control-plane logs. Required.
	SharedWorkspaceID pulumi.StringInput
	// RegistryID is the global container registry the kubelet pulls from. Required.
	RegistryID pulumi.StringInput
	// RegistryLoginServer is that registry's login server, e.g. "craksdr1a2b3c.azurecr.io": the
	// workload's image is pulled from it, and it is the only registry the firewall admits.
	// Required.
	RegistryLoginServer pulumi.StringInput
	// RegistryLocations are the registry's home and replica regions (the firewall admits each
	// one's data endpoint). Required.
	RegistryLocations []string
	// APIServerAuthorizedRanges restrict the AKS API server to these public ranges, plus the
	// firewall's own public IPs (the nodes reach the API server through it). Empty leaves the API
	// server reachable from any address, Entra ID authentication still required. Optional.
	APIServerAuthorizedRanges []string
	// WorkloadDependsOn must exist before the workload, e.g. the registry's import of the
	// workload image when this stack creates the registry too. Optional.
	WorkloadDependsOn []pulumi.Resource
	// BaseFirewallPolicyID is the global base firewall policy. Required.
	BaseFirewallPolicyID pulumi.StringInput
	// BaseFirewallPolicyLocation is the base policy's region: Azure requires a child policy in
	// the same region as its parent (a firewall may use a policy of any region). Required.
	BaseFirewallPolicyLocation string
	// ClusterAdminGroupObjectIDs are Entra ID groups with cluster-admin (AKS admin groups).
	// Optional, but with neither it nor Deployer nobody could deploy the workload.
	ClusterAdminGroupObjectIDs []string
	// Deployer, when set, gets AKS RBAC Cluster Admin on the cluster so that the identity
	// running the deployment can install the workload. Optional.
	Deployer *Principal
	// FrontDoorID is the Front Door profile's ID, the expected X-Azure-FDID header. Required.
	FrontDoorID pulumi.StringInput
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// Principal is an Entra ID identity and its kind, which a role assignment must state exactly.
type Principal struct {
	// ObjectID is the principal's object ID. Required.
	ObjectID string
	// Type is "User", "Group" or "ServicePrincipal". Required.
	Type string
}

// RegionalStamp is one region of the DR pair: network, AKS, Application Gateway, Key Vault,
// regional monitoring and the workload.
type RegionalStamp struct {
	pulumi.ResourceState

	ResourceGroup   *resources.ResourceGroup
	Workspace       *operationalinsights.Workspace
	Network         *HubSpoke
	ClusterIdentity *managedidentity.UserAssignedIdentity
	KubeletIdentity *managedidentity.UserAssignedIdentity
	RoleAssignments []*authorization.RoleAssignment
	Cluster         *containerservice.ManagedCluster
	// ContainerInsightsRule sends the cluster's Container Insights data to the shared workspace.
	ContainerInsightsRule *insights.DataCollectionRule
	KeyVault              *keyvault.Vault
	KeyVaultEndpoint      *network.PrivateEndpoint
	AppGatewayWafPolicy   *network.WebApplicationFirewallPolicy
	AppGatewayPublicIP    *network.PublicIPAddress
	AppGateway            *network.ApplicationGateway
	KubernetesProvider    *kubernetes.Provider
	Workload              *Workload

	// WorkloadIdentity is the workload's own identity (Entra workload identity): the only one
	// with access to the Key Vault's secrets.
	WorkloadIdentity *managedidentity.UserAssignedIdentity
	// WorkloadCredential federates WorkloadIdentity with the workload's Kubernetes service account.
	WorkloadCredential *managedidentity.FederatedIdentityCredential
	// RegistryEndpoint is the spoke's private endpoint to the project's registry.
	RegistryEndpoint *network.PrivateEndpoint

	// OriginHostName is the Application Gateway's public FQDN: Front Door's origin for this region.
	OriginHostName pulumi.StringOutput
	ClusterName    pulumi.StringOutput
	ClusterID      pulumi.IDOutput
	KeyVaultURI    pulumi.StringOutput
	// WorkloadImage is the image reference the pods pull: the configured image's repository and
	// digest in the project's registry.
	WorkloadImage pulumi.StringOutput
}

// NewRegionalStamp creates one regional stamp.
func NewRegionalStamp(ctx *pulumi.Context, name string, args *RegionalStampArgs, opts ...pulumi.ResourceOption) (*RegionalStamp, error) {
	if args == nil {
		args = &RegionalStampArgs{}
	}
	if err := require("RegionalStamp", map[string]bool{
		"Location": args.Location != "", "Names": args.Names != nil, "SubscriptionID": args.SubscriptionID != "",
		"TenantID": args.TenantID != "", "UniqueSuffix": args.UniqueSuffix != "", "Network.IngressIP": args.Network.IngressIP != "",
		"Cluster.KubernetesVersion": args.Cluster.KubernetesVersion != "", "Workload.Image": args.Workload.Image != "",
		"SharedWorkspaceID": set(args.SharedWorkspaceID), "RegistryID": set(args.RegistryID),
		"RegistryLoginServer": set(args.RegistryLoginServer), "RegistryLocations": len(args.RegistryLocations) > 0,
		"BaseFirewallPolicyID": set(args.BaseFirewallPolicyID), "FrontDoorID": set(args.FrontDoorID),
		"BaseFirewallPolicyLocation":             args.BaseFirewallPolicyLocation != "",
		"ClusterAdminGroupObjectIDs or Deployer": len(args.ClusterAdminGroupObjectIDs) > 0 || args.Deployer != nil,
	}); err != nil {
		return nil, err
	}
	if args.KubeLoginMode == "" {
		args.KubeLoginMode = KubeLoginAzureCLI
	}
	s := &RegionalStamp{}
	if err := ctx.RegisterComponentResource("aks-dr:stamp:RegionalStamp", name, s, opts...); err != nil {
		return nil, err
	}
	b := &stampBuilder{ctx: ctx, name: name, args: args, stamp: s, names: args.Names,
		parent: pulumi.Parent(s), tags: pulumi.ToStringMap(args.Tags)}
	for _, step := range []func() error{b.foundation, b.network, b.keyVault, b.registryEndpoint, b.cluster, b.appGateway, b.workload} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := b.names.Err(); err != nil {
		return nil, err
	}
	s.OriginHostName = s.AppGatewayPublicIP.DnsSettings.Fqdn().Elem()
	s.ClusterName = s.Cluster.Name
	s.ClusterID = s.Cluster.ID()
	s.KeyVaultURI = s.KeyVault.Properties.VaultUri()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"originHostName":    s.OriginHostName,
		"appGatewayIp":      s.AppGatewayPublicIP.IpAddress,
		"clusterName":       s.ClusterName,
		"clusterId":         s.ClusterID,
		"keyVaultUri":       s.KeyVaultURI,
		"resourceGroupName": s.ResourceGroup.Name,
		"workloadImage":     s.WorkloadImage,
	})
}

// stampBuilder carries the shared state of NewRegionalStamp's steps.
type stampBuilder struct {
	ctx    *pulumi.Context
	name   string
	args   *RegionalStampArgs
	stamp  *RegionalStamp
	names  *Namer
	parent pulumi.ResourceOption
	tags   pulumi.StringMap
	rgName pulumi.StringOutput
	// acrPull lets the nodes pull from the registry, and deployerAdmin lets the deployment write
	// to the cluster: the workload waits for both.
	acrPull       *authorization.RoleAssignment
	deployerAdmin *authorization.RoleAssignment
	// registryDNS makes the registry resolve to the spoke's private endpoint; workloadVault lets
	// the workload's identity read secrets. The workload waits for both.
	registryDNS   *network.PrivateDnsZoneGroup
	workloadVault *authorization.RoleAssignment
}

func (b *stampBuilder) foundation() error {
	s, a := b.stamp, b.args
	var err error
	s.ResourceGroup, err = resources.NewResourceGroup(b.ctx, b.name+"-rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(b.names.Of(naming.ResourceGroup)),
		Location:          pulumi.String(a.Location),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.rgName = s.ResourceGroup.Name
	s.Workspace, err = operationalinsights.NewWorkspace(b.ctx, b.name+"-log", &operationalinsights.WorkspaceArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String(a.Location),
		WorkspaceName:     pulumi.String(b.names.Of(naming.LogAnalytics)),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(30),
		Tags:              b.tags,
	}, b.parent, pulumi.Protect(true)) // its logs are state: never replaced silently
	return err
}

func (b *stampBuilder) network() error {
	a := b.args
	var err error
	b.stamp.Network, err = NewHubSpoke(b.ctx, b.name+"-net", &HubSpokeArgs{
		ResourceGroupName:      b.rgName,
		Location:               a.Location,
		Names:                  b.names,
		AddressPlan:            a.Network.AddressPlan,
		BaseFirewallPolicyID:   a.BaseFirewallPolicyID,
		FirewallPolicyLocation: a.BaseFirewallPolicyLocation,
		WorkspaceID:            b.stamp.Workspace.ID(),
		FirewallPublicIPCount:  a.Network.FirewallPublicIPCount,
		RegistryLoginServer:    a.RegistryLoginServer,
		RegistryLocations:      a.RegistryLocations,
		Tags:                   a.Tags,
	}, b.parent)
	return err
}
