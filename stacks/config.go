package stacks

import (
	"net/netip"

	"github.com/aks-dr/aks-dr/components"
)

// Role says which part of the DR architecture a stack deploys.
type Role string

const (
	// RoleGlobal deploys the shared layer (Front Door with every stamp's origin, the registry,
	// the shared workspace, the base firewall policy) in a region of its own. The Front Door
	// priorities live in its config: a failover is an update of this stack alone.
	RoleGlobal Role = "global"
	// RoleStamp deploys one regional stamp and reads the global layer's outputs.
	RoleStamp Role = "stamp"
)

// Config is one stack's validated configuration. LoadConfig builds it from the `aks-dr:*` keys
// declared in Pulumi.yaml; every field has passed validation when it is returned. Fields of the
// other role keep their zero values.
type Config struct {
	Role Role
	// Location is this stack's region: the stamp's, or the global layer's (a third region).
	Location string
	// NamePrefix is the workload name embedded in every Azure name.
	NamePrefix string
	Tags       map[string]string

	// Stamp is read by stamp stacks only.
	Stamp StampConfig
	// Global is read by the global stack only.
	Global GlobalConfig
}

// StampConfig is a regional stamp's configuration.
type StampConfig struct {
	Network  NetworkConfig
	Cluster  ClusterConfig
	Workload WorkloadConfig

	// KubeLoginMode is how kubelogin gets tokens for the workload's Kubernetes provider.
	KubeLoginMode string
	// KeyVaultGeneration is part of the Key Vault name, bumped to redeploy while an old vault
	// of the same stack is still soft-deleted.
	KeyVaultGeneration int
	// ClusterAdminGroupObjectIDs are Entra ID groups with cluster-admin on the cluster; empty
	// means the identity running `pulumi up` gets it through an Azure role assignment.
	ClusterAdminGroupObjectIDs []string
	// GlobalStack is the fully qualified global stack whose outputs the stamp reads.
	GlobalStack string

	// FirewallPublicIPCount sizes the firewall's outbound SNAT capacity: Azure Firewall has 2,496
	// SNAT ports per public IP per firewall instance.
	FirewallPublicIPCount int
	// APIServerAuthorizedIPRanges are the public ranges allowed to reach the AKS API server;
	// empty leaves it reachable from any address (Entra ID authentication still applies).
	APIServerAuthorizedIPRanges []string

	// Standby is the stamp's standby profile: the floors it runs at while another region serves.
	Standby StandbyConfig
	// AllowVersionSkew lets this stamp run another Kubernetes version or workload image than its
	// sibling stamps, for the duration of an upgrade (passive region first).
	AllowVersionSkew bool
	// DrillFaultMinutes is how long the Chaos Studio failover drill keeps this stamp's serving
	// path blocked (issue 9).
	DrillFaultMinutes int
}

// Standby profiles.
const (
	// ProfileHot runs at the serving floors at all times: identical to the active region.
	ProfileHot = "hot"
	// ProfileWarm runs at lower floors while its origin does not have priority 1; its ceilings
	// stay those of a serving region.
	ProfileWarm = "warm"
)

// StandbyConfig is the standby profile and the floors a warm standby runs at. Ceilings
// (userNodeMaxCount, workloadMaxReplicas, the gateway's maximum) are never lowered by a profile.
type StandbyConfig struct {
	Profile string
	// WarmUserNodeMinCount is the user node pools' total autoscaler minimum while warm.
	WarmUserNodeMinCount int
	// WarmWorkloadReplicas is the workload's replicas and HPA minimum while warm.
	WarmWorkloadReplicas int
	// WarmAppGatewayMinCapacity is the Application Gateway's autoscale minimum while warm.
	WarmAppGatewayMinCapacity int
}

// Floors are the lower bounds a stamp runs at: the serving floors (its config) or a warm
// standby's.
type Floors struct {
	// Serving is true when these are the serving floors.
	Serving               bool
	UserNodeMinCount      int
	WorkloadReplicas      int
	AppGatewayMinCapacity int
}

// FloorsFor returns the floors the stamp applies: the serving floors when it is hot or its
// origin has priority 1 (serving), the warm floors otherwise.
func (s StampConfig) FloorsFor(serving bool) Floors {
	if serving || s.Standby.Profile != ProfileWarm {
		return Floors{Serving: true, UserNodeMinCount: s.Cluster.UserPool.MinCount, WorkloadReplicas: s.Workload.Replicas,
			AppGatewayMinCapacity: components.ServingAppGatewayMinCapacity}
	}
	return Floors{UserNodeMinCount: s.Standby.WarmUserNodeMinCount, WorkloadReplicas: s.Standby.WarmWorkloadReplicas,
		AppGatewayMinCapacity: s.Standby.WarmAppGatewayMinCapacity}
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

// OriginConfig is one stamp's Front Door origin: the failover lever.
type OriginConfig struct {
	// Stack is the stamp's stack name as written in the origins map (e.g. "primary").
	Stack string
	// StackRef is the fully qualified stack the global layer reads the stamp's outputs from.
	StackRef string
	// Location is the stamp's region, declared here so the registry is replicated there
	// before the stamp exists, and checked against the stamp's own config.
	Location string
	Priority int
	Weight   int
	Enabled  bool
}

// ProbeConfig is the Front Door health probe and load-balancing settings.
type ProbeConfig = components.FrontDoorProbeArgs

// GlobalConfig configures the shared layer.
type GlobalConfig struct {
	Probe ProbeConfig
	// RegistryAllowedIPRanges are public ranges, e.g. a CI runner that pushes images, allowed
	// through the registry's public endpoint; empty disables public network access.
	RegistryAllowedIPRanges []string
	// RegistryImages are the images, pinned by digest, the registry imports from their source;
	// each stamp's workloadImage must be one of them.
	RegistryImages []string
	// Origins are the stamps behind Front Door, sorted by stack name.
	Origins []OriginConfig
	// Monitoring configures the alerts and synthetic checks of the global layer (issue 9).
	Monitoring MonitoringConfig
}

// MonitoringConfig is the global layer's alerting: who is told, and when.
type MonitoringConfig struct {
	// Emails and Webhooks are the action group's receivers.
	Emails   []string
	Webhooks []string
	// OriginHealthPercent: an origin whose Front Door health-probe success falls below it, on
	// average over the window, raises an alert.
	OriginHealthPercent int
	// Percent5xx: the endpoint's share of 5xx responses above it raises an alert.
	Percent5xx int
	// WindowMinutes is the metric alerts' evaluation window (evaluated every minute).
	WindowMinutes int
	// WebTestFrequencySeconds is how often each availability test runs from each location.
	WebTestFrequencySeconds int
}

// StampLocations are the regions of the stamps, in the order of Origins.
func (g GlobalConfig) StampLocations() []string {
	out := make([]string, len(g.Origins))
	for i, o := range g.Origins {
		out[i] = o.Location
	}
	return out
}
