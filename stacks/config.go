package stacks

import (
	"net/netip"

	"github.com/aks-dr/aks-dr/components"
)

// Role says which half of the DR pair a stack deploys.
type Role string

const (
	// RolePrimary deploys its regional stamp and the shared global layer.
	RolePrimary Role = "primary"
	// RoleSecondary deploys its regional stamp and reads the global layer from the primary stack.
	RoleSecondary Role = "secondary"
)

// Config is one stack's validated configuration. LoadConfig builds it from the `aks-dr:*` keys
// declared in Pulumi.yaml; every field has passed validation when it is returned.
type Config struct {
	Role     Role
	Location string
	// NamePrefix is the workload name embedded in every Azure name.
	NamePrefix string
	Tags       map[string]string

	Network  NetworkConfig
	Cluster  ClusterConfig
	Workload WorkloadConfig
	Origin   OriginConfig

	// KubeLoginMode is how kubelogin gets tokens for the workload's Kubernetes provider.
	KubeLoginMode string
	// KeyVaultGeneration is part of the Key Vault name, bumped to redeploy while an old vault
	// of the same stack is still soft-deleted.
	KeyVaultGeneration int
	// ClusterAdminGroupObjectIDs are Entra ID groups with cluster-admin on the cluster; empty
	// means the identity running `pulumi up` gets it through an Azure role assignment.
	ClusterAdminGroupObjectIDs []string

	// Global is read by the primary stack only (it owns the global layer).
	Global GlobalConfig
	// PrimaryStack is the fully qualified stack the secondary reads the global layer from.
	PrimaryStack string

	// Access is who and what may reach the stamp's egress, API server and registry.
	Access AccessConfig
}

// AccessConfig holds the network-access settings of issue 10's hardening.
type AccessConfig struct {
	// FirewallPublicIPCount sizes the firewall's outbound SNAT capacity: Azure Firewall has 2,496
	// SNAT ports per public IP per firewall instance.
	FirewallPublicIPCount int
	// APIServerAuthorizedIPRanges are the public ranges allowed to reach the AKS API server;
	// empty leaves it reachable from any address (Entra ID authentication still applies).
	APIServerAuthorizedIPRanges []string
	// RegistryAllowedIPRanges (primary: the registry belongs to the global layer) are public
	// ranges, e.g. a CI runner that pushes images, allowed through the registry's public
	// endpoint; empty disables public network access.
	RegistryAllowedIPRanges []string
}

// NetworkConfig holds the regional address plan.
type NetworkConfig struct {
	HubAddressSpace       netip.Prefix
	FirewallSubnet        netip.Prefix
	SpokeAddressSpace     netip.Prefix
	AksSubnet             netip.Prefix
	AppGatewaySubnet      netip.Prefix
	PrivateEndpointSubnet netip.Prefix
	IngressIP             netip.Addr
	ServiceCidr           netip.Prefix
	DNSServiceIP          netip.Addr
}

// NodePoolConfig sizes one AKS node pool.
type NodePoolConfig struct {
	VMSize   string
	MinCount int
	MaxCount int
}

// ClusterConfig sizes the AKS cluster.
type ClusterConfig struct {
	KubernetesVersion string
	SystemPool        NodePoolConfig
	UserPool          NodePoolConfig
	MaxPodsPerNode    int
}

// WorkloadConfig describes the application the stamp runs.
type WorkloadConfig struct {
	Image            string
	Port             int
	HealthPath       string
	Replicas         int
	MaxReplicas      int
	CPURequest       string
	MemoryRequest    string
	TargetCPUPercent int
}

// OriginConfig is this stack's Front Door origin: the failover lever.
type OriginConfig struct {
	Priority int
	Weight   int
	Enabled  bool
}

// ProbeConfig is the Front Door health probe and load-balancing settings.
type ProbeConfig = components.FrontDoorProbeArgs

// GlobalConfig configures the shared layer the primary stack owns.
type GlobalConfig struct {
	// Location holds the global layer's resource group, shared workspace and base firewall
	// policy: ideally a third region, so that neither stamp's outage takes them down.
	Location                 string
	Probe                    ProbeConfig
	RegistryReplicaLocations []string
}
