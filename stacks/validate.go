package stacks

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aks-dr/aks-dr/components"
)

// Limits that Azure enforces; validation quotes them so a person knows the valid range.
const (
	minProbeInterval, maxProbeInterval = 1, 255 // seconds
	maxSampleSize                      = 255
	maxAdditionalLatencyMs             = 1000
	maxPodsLow, maxPodsHigh            = 30, 250 // AKS system pools need >= 30, Azure CNI allows <= 250
	maxNodesPerPool                    = 1000
	azureReservedIPsPerSubnet          = 5
	minFirewallSubnetBits              = 26 // AzureFirewallSubnet must be /26 or larger
	minAppGatewaySubnetBits            = 26 // smallest subnet for an autoscaling v2 gateway
	minPrivateEndpointSubnetBits       = 28

	// maxAuthorizedIPRanges is both the AKS API server's limit on authorized IP ranges (without
	// API server VNet integration) and the registry's limit on IP rules.
	maxAuthorizedIPRanges = 200
	maxFirewallPublicIPs  = 250 // Azure Firewall accepts up to 250 public IPs
)

// aksReservedServiceRanges are the ranges AKS refuses as a service CIDR (AKS networking docs,
// "Kubernetes service address range": it must not use 169.254.0.0/16, 172.30.0.0/16,
// 172.31.0.0/16 or 192.0.2.0/24, https://learn.microsoft.com/azure/aks/configure-azure-cni).
var aksReservedServiceRanges = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("172.30.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"), netip.MustParsePrefix("192.0.2.0/24"),
}

var (
	prefixPattern     = regexp.MustCompile(`^[a-z][a-z0-9]{1,7}$`)
	k8sVersionPattern = regexp.MustCompile(`^1\.\d{2}(\.\d+)?$`)
	quantityPattern   = regexp.MustCompile(`^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$`)
	// A registry host, a lowercase repository, an optional tag, and the digest that pins it.
	imagePattern     = regexp.MustCompile(`^[a-z0-9.-]+(:\d+)?/[a-z0-9._/-]+(:[\w.-]+)?@sha256:[a-f0-9]{64}$`)
	vmSizePattern    = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	guidPattern      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	stackNamePattern = regexp.MustCompile(`^([A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]+$`)
)

// validate checks every rule of the stack's role and returns all violations, each naming its key
// and valid values.
func (c *Config) validate() []error {
	v := &violations{}
	if _, ok := regions[c.Location]; !ok {
		v.add("location", "%q is not a supported region (zone-redundant regions: %s)", c.Location, regionNames())
	}
	if !prefixPattern.MatchString(c.NamePrefix) {
		v.add("namePrefix", "must be 2-8 lowercase letters or digits starting with a letter, got %q", c.NamePrefix)
	}
	for k := range c.Tags {
		if len(k) > 512 || strings.ContainsAny(k, "<>%&\\?/") {
			v.add("tags", "tag name %q must be at most 512 characters without < > %% & \\ ? /", k)
		}
	}
	switch c.Role {
	case RoleGlobal:
		c.validateGlobal(v)
		c.validateMonitoring(v)
	case RoleStamp:
		c.validateStampIdentity(v)
		c.validateNetwork(v)
		c.validateCluster(v)
		c.validateWorkload(v)
		c.validateAccess(v)
		c.validateStandby(v)
		c.validateDrill(v)
	}
	return v.errs
}

type violations struct{ errs []error }

func (v *violations) add(key, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s:%s: %s", Namespace, key, fmt.Sprintf(format, args...)))
}

func (v *violations) between(key string, got, lo, hi int) {
	if got < lo || got > hi {
		v.add(key, "must be between %d and %d, got %d", lo, hi, got)
	}
}

func (v *violations) oneOf(key, got string, valid ...string) {
	for _, ok := range valid {
		if got == ok {
			return
		}
	}
	v.add(key, "must be one of %s, got %q", strings.Join(valid, ", "), got)
}

func (c *Config) validateStampIdentity(v *violations) {
	s := c.Stamp
	v.oneOf("kubeLoginMode", s.KubeLoginMode, "azurecli", "workloadidentity")
	v.between("keyVaultGeneration", s.KeyVaultGeneration, 1, 99)
	for _, id := range s.ClusterAdminGroupObjectIDs {
		if !guidPattern.MatchString(id) {
			v.add("clusterAdminGroupObjectIds", "%q is not an Entra ID group object ID (a GUID such as 00000000-0000-0000-0000-000000000000)", id)
		}
	}
	if s.KubeLoginMode == "workloadidentity" && len(s.ClusterAdminGroupObjectIDs) == 0 {
		// Otherwise the cluster-admin grant would follow whichever identity runs: a read-only
		// preview identity would show a plan the deploy identity never makes.
		v.add("clusterAdminGroupObjectIds", "is required with kubeLoginMode workloadidentity (CI): put the deploy identity in an Entra ID group and list the group's object ID")
	}
}

func (c *Config) validateCluster(v *violations) {
	cl := c.Stamp.Cluster
	if !k8sVersionPattern.MatchString(cl.KubernetesVersion) {
		v.add("kubernetesVersion", "must look like 1.35 or 1.35.2, got %q", cl.KubernetesVersion)
	}
	pools := []struct {
		prefix string
		pool   NodePoolConfig
		min    int
	}{{"systemNode", cl.SystemPool, 2}, {"userNode", cl.UserPool, 1}}
	for _, p := range pools {
		if !vmSizePattern.MatchString(p.pool.VMSize) {
			v.add(p.prefix+"VmSize", "must be an Azure VM size such as Standard_D4ds_v5, got %q", p.pool.VMSize)
		}
		// The system pool keeps at least two nodes so CoreDNS and the metrics server survive a zone.
		v.between(p.prefix+"MinCount", p.pool.MinCount, p.min, maxNodesPerPool)
		v.between(p.prefix+"MaxCount", p.pool.MaxCount, p.min, maxNodesPerPool)
		if p.pool.MinCount > p.pool.MaxCount {
			v.add(p.prefix+"MinCount", "(%d) must not exceed %sMaxCount (%d)", p.pool.MinCount, p.prefix, p.pool.MaxCount)
		}
	}
	if zones := len(components.Zones); cl.UserPool.MaxCount < zones {
		v.add("userNodeMaxCount", "(%d) must be at least %d: the user nodes are one autoscaled pool per availability zone (1, 2, 3), each with a maximum of at least one", cl.UserPool.MaxCount, zones)
	}
	if cl.MaxPodsPerNode < maxPodsLow {
		v.add("maxPodsPerNode", "must be at least %d, got %d: AKS requires at least %d pods per node on a system node pool, and this value sizes both pools", maxPodsLow, cl.MaxPodsPerNode, maxPodsLow)
	} else {
		v.between("maxPodsPerNode", cl.MaxPodsPerNode, maxPodsLow, maxPodsHigh)
	}
}

func (c *Config) validateWorkload(v *violations) {
	w, cl := c.Stamp.Workload, c.Stamp.Cluster
	if !imagePattern.MatchString(w.Image) {
		v.add("workloadImage", "must be a registry image reference pinned by digest, e.g. docker.io/org/app@sha256:<64 hex digits> (a tag may precede the digest); pods pull it from the project's registry, got %q", w.Image)
	}
	v.between("workloadPort", w.Port, 1, 65535)
	if !strings.HasPrefix(w.HealthPath, "/") {
		v.add("workloadHealthPath", "must start with /, got %q", w.HealthPath)
	}
	v.between("workloadReplicas", w.Replicas, 2, 1000)
	v.between("workloadMaxReplicas", w.MaxReplicas, 2, 1000)
	// Active-passive: the region that takes the load takes the active region's load, not both
	// regions'. The ceilings must carry it (the same ceilings as the active region's, checked
	// against the deployed siblings in checkAgainstGlobal); a standby profile lowers floors only.
	if w.Replicas > w.MaxReplicas {
		v.add("workloadReplicas", "(%d) must not exceed workloadMaxReplicas (%d)", w.Replicas, w.MaxReplicas)
	}
	if capacity := cl.UserPool.MaxCount * cl.MaxPodsPerNode; w.MaxReplicas > capacity {
		v.add("workloadMaxReplicas", "(%d) exceeds what the user pool can hold at its maximum (userNodeMaxCount %d x maxPodsPerNode %d = %d)", w.MaxReplicas, cl.UserPool.MaxCount, cl.MaxPodsPerNode, capacity)
	}
	if !quantityPattern.MatchString(w.CPURequest) {
		v.add("workloadCpuRequest", "must be a Kubernetes quantity such as 250m or 1, got %q", w.CPURequest)
	}
	if !quantityPattern.MatchString(w.MemoryRequest) {
		v.add("workloadMemoryRequest", "must be a Kubernetes quantity such as 256Mi, got %q", w.MemoryRequest)
	}
	v.between("workloadCpuTargetPercent", w.TargetCPUPercent, 10, 95)
}

// validateGlobal checks the probe settings and the origins. Nothing global may share a stamp's
// region: an outage there would take the layer a failover needs with it.
func (c *Config) validateGlobal(v *violations) {
	p := c.Global.Probe
	if !strings.HasPrefix(p.Path, "/") {
		v.add("probePath", "must start with /, got %q", p.Path)
	}
	v.oneOf("probeProtocol", p.Protocol, "Http", "Https")
	v.oneOf("probeRequestType", p.RequestType, "HEAD", "GET")
	v.between("probeIntervalSeconds", p.IntervalSeconds, minProbeInterval, maxProbeInterval)
	v.between("probeSampleSize", p.SampleSize, 1, maxSampleSize)
	v.between("probeSuccessfulSamples", p.SuccessfulSamplesRequired, 1, maxSampleSize)
	if p.SuccessfulSamplesRequired > p.SampleSize {
		v.add("probeSuccessfulSamples", "(%d) must not exceed probeSampleSize (%d)", p.SuccessfulSamplesRequired, p.SampleSize)
	}
	v.between("probeAdditionalLatencyMs", p.AdditionalLatencyMs, 0, maxAdditionalLatencyMs)

	publicRanges(v, "registryAllowedIpRanges", c.Global.RegistryAllowedIPRanges)
	for _, img := range c.Global.RegistryImages {
		if !imagePattern.MatchString(img) {
			v.add("registryImages", "%q must be an image reference pinned by digest, e.g. docker.io/org/app@sha256:<64 hex digits>", img)
		}
	}

	byLocation := map[string]string{}
	enabled := 0
	for _, o := range c.Global.Origins {
		key := "origins." + o.Stack
		if !stackNamePattern.MatchString(o.Stack) {
			v.add(key, "%q is not a stack name (letters, digits, - _ . and optionally org/project/ in front)", o.Stack)
		}
		switch {
		case o.Location == "":
			// reported while reading
		case regions[o.Location] == (region{}):
			v.add(key+".location", "%q is not a supported region (%s)", o.Location, regionNames())
		case o.Location == c.Location:
			v.add(key+".location", "%s is also the global layer's region (aks-dr:location); the global layer and the registry's home must live in a third region, outside every stamp's, so that losing a stamp's region leaves them manageable", o.Location)
		case byLocation[o.Location] != "":
			v.add(key+".location", "%s is also the region of origins.%s; each stamp needs a region of its own", o.Location, byLocation[o.Location])
		}
		if o.Location != "" {
			byLocation[o.Location] = o.Stack
		}
		v.between(key+".priority", o.Priority, components.MinOriginPriority, components.MaxOriginPriority)
		v.between(key+".weight", o.Weight, components.MinOriginWeight, components.MaxOriginWeight)
		if o.Enabled {
			enabled++
		}
	}
	if len(c.Global.Origins) > 0 && enabled == 0 {
		v.add("origins", "every origin is disabled: Front Door would have nowhere to send traffic; enable at least one")
	}
}

func (c *Config) validateNetwork(v *violations) {
	n := &c.Stamp.Network
	if !n.HubAddressSpace.IsValid() || !n.SpokeAddressSpace.IsValid() {
		return // already reported as missing or malformed
	}
	if n.HubAddressSpace.Overlaps(n.SpokeAddressSpace) {
		v.add("spokeAddressSpace", "%s overlaps hubAddressSpace %s; peered networks need disjoint ranges", n.SpokeAddressSpace, n.HubAddressSpace)
	}
	subnets := []struct {
		key     string
		prefix  netip.Prefix
		vnet    netip.Prefix
		vnetKey string
		minBits int
	}{
		{"firewallSubnetPrefix", n.FirewallSubnet, n.HubAddressSpace, "hubAddressSpace", minFirewallSubnetBits},
		{"aksSubnetPrefix", n.AksSubnet, n.SpokeAddressSpace, "spokeAddressSpace", 29},
		{"appGatewaySubnetPrefix", n.AppGatewaySubnet, n.SpokeAddressSpace, "spokeAddressSpace", minAppGatewaySubnetBits},
		{"privateEndpointSubnetPrefix", n.PrivateEndpointSubnet, n.SpokeAddressSpace, "spokeAddressSpace", minPrivateEndpointSubnetBits},
	}
	for i, s := range subnets {
		if !s.prefix.IsValid() {
			continue
		}
		if !contains(s.vnet, s.prefix) {
			v.add(s.key, "%s must lie inside %s %s", s.prefix, s.vnetKey, s.vnet)
		}
		if s.prefix.Bits() > s.minBits {
			v.add(s.key, "%s is too small: use a /%d or larger", s.prefix, s.minBits)
		}
		for _, other := range subnets[:i] {
			if other.prefix.IsValid() && other.prefix.Overlaps(s.prefix) {
				v.add(s.key, "%s overlaps %s %s", s.prefix, other.key, other.prefix)
			}
		}
	}
	c.validateAksCapacity(v)
	c.validateIngressIP(v)
	c.validateServiceCidr(v)
}

// validateAksCapacity checks the failover surge fits: with Azure CNI every node takes one IP and
// pre-allocates one per pod, so both pools at their maximum, plus the extra nodes an upgrade
// surges, must fit beside the ingress IP.
func (c *Config) validateAksCapacity(v *violations) {
	n, cl := c.Stamp.Network, c.Stamp.Cluster
	if !n.AksSubnet.IsValid() {
		return
	}
	nodes := cl.SystemPool.MaxCount + cl.UserPool.MaxCount
	// The user nodes are one pool per zone, and each pool surges on its own.
	surge := surgeNodes(cl.SystemPool.MaxCount)
	for _, perZone := range components.SplitAcrossZones(cl.UserPool.MaxCount) {
		surge += surgeNodes(perZone)
	}
	needed := (nodes+surge)*(cl.MaxPodsPerNode+1) + 1
	usable := subnetSize(n.AksSubnet) - azureReservedIPsPerSubnet
	if needed > usable {
		v.add("aksSubnetPrefix", "%s has %d usable addresses but the node pools at their maximum need %d ((systemNodeMaxCount %d + userNodeMaxCount %d + %d upgrade surge nodes) x (maxPodsPerNode %d + 1) + 1 ingress IP); use a larger subnet or lower the maximums",
			n.AksSubnet, usable, needed, cl.SystemPool.MaxCount, cl.UserPool.MaxCount, surge, cl.MaxPodsPerNode)
	}
}

// surgeNodes is how many extra nodes an upgrade adds to a pool of the given size.
func surgeNodes(poolSize int) int {
	return (poolSize*components.UpgradeMaxSurgePercent + 99) / 100
}

// validateIngressIP checks the workload's internal load balancer IP (LoadConfig defaults it).
func (c *Config) validateIngressIP(v *violations) {
	n := c.Stamp.Network
	if !n.AksSubnet.IsValid() || !n.IngressIP.IsValid() {
		return
	}
	first := n.AksSubnet.Addr().Next().Next().Next().Next() // Azure reserves .0 to .3
	if !n.AksSubnet.Contains(n.IngressIP) || n.IngressIP.Less(first) || lastUsable(n.AksSubnet).Less(n.IngressIP) {
		v.add("ingressIp", "%s must be a usable address in aksSubnetPrefix %s (%s to %s)", n.IngressIP, n.AksSubnet, first, lastUsable(n.AksSubnet))
	}
}

func (c *Config) validateServiceCidr(v *violations) {
	n := c.Stamp.Network
	if !n.ServiceCidr.IsValid() {
		return
	}
	for _, vnet := range []struct {
		key string
		p   netip.Prefix
	}{{"hubAddressSpace", n.HubAddressSpace}, {"spokeAddressSpace", n.SpokeAddressSpace}} {
		if vnet.p.Overlaps(n.ServiceCidr) {
			v.add("serviceCidr", "%s overlaps %s %s; Kubernetes service IPs must not be routable in the VNet", n.ServiceCidr, vnet.key, vnet.p)
		}
	}
	for _, reserved := range aksReservedServiceRanges {
		if reserved.Overlaps(n.ServiceCidr) {
			v.add("serviceCidr", "%s overlaps %s, which AKS reserves and refuses as a service CIDR (reserved: 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24)", n.ServiceCidr, reserved)
		}
	}
	// The first address is the network's, the second the kubernetes API service's.
	if !n.ServiceCidr.Contains(n.DNSServiceIP) || n.DNSServiceIP == n.ServiceCidr.Addr() || n.DNSServiceIP == n.ServiceCidr.Addr().Next() {
		v.add("dnsServiceIp", "%s must be an address inside serviceCidr %s other than its first two", n.DNSServiceIP, n.ServiceCidr)
	}
}

// contains reports whether inner lies entirely inside outer.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func subnetSize(p netip.Prefix) int {
	return 1 << (32 - p.Bits())
}

// lastUsable is the highest address Azure lets a resource use: the broadcast address is reserved.
func lastUsable(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(subnetSize(p) - 2)
	base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	last := base + host
	return netip.AddrFrom4([4]byte{byte(last >> 24), byte(last >> 16), byte(last >> 8), byte(last)})
}

// validateAccess checks the firewall's outbound capacity and the public ranges allowed to reach
// the API server and the registry.
func (c *Config) validateAccess(v *violations) {
	a := c.Stamp
	v.between("firewallPublicIpCount", a.FirewallPublicIPCount, 1, maxFirewallPublicIPs)
	publicRanges(v, "apiServerAuthorizedIpRanges", a.APIServerAuthorizedIPRanges)
	if n := len(a.APIServerAuthorizedIPRanges); n > 0 && n <= maxAuthorizedIPRanges && n+a.FirewallPublicIPCount > maxAuthorizedIPRanges {
		v.add("apiServerAuthorizedIpRanges", "lists %d ranges; with the %d firewall IPs the program adds (firewallPublicIpCount), AKS accepts at most %d", n, a.FirewallPublicIPCount, maxAuthorizedIPRanges)
	}
}

// publicRanges checks a list of public IPv4 addresses or CIDRs for a service's public endpoint.
func publicRanges(v *violations, key string, ranges []string) {
	if len(ranges) > maxAuthorizedIPRanges {
		v.add(key, "lists %d ranges; Azure accepts at most %d", len(ranges), maxAuthorizedIPRanges)
	}
	for _, r := range ranges {
		p, err := netip.ParsePrefix(r)
		if err != nil {
			a, aerr := netip.ParseAddr(r)
			if aerr != nil || !a.Is4() {
				v.add(key, "%q is not an IPv4 address or CIDR such as 203.0.113.0/24", r)
				continue
			}
			p = netip.PrefixFrom(a, 32)
		}
		switch {
		case !p.Addr().Is4():
			v.add(key, "%q is not an IPv4 address or CIDR such as 203.0.113.0/24", r)
		case p.Masked() != p:
			v.add(key, "%q has host bits set; did you mean %s?", r, p.Masked())
		case p.Bits() == 0:
			v.add(key, "%q allows every address; list the deployers' and CI's public ranges instead", r)
		case p.Addr().IsPrivate() || p.Addr().IsLoopback() || p.Addr().IsLinkLocalUnicast() || p.Addr().IsUnspecified():
			v.add(key, "%q is not a public range; these rules filter the public endpoint, which private addresses never reach", r)
		}
	}
}

// validateStandby checks the standby profile: a warm standby lowers floors (and only floors)
// below the serving ones, and still runs the workload (so that Front Door's probes find it
// healthy and its automatic failover has somewhere to go).
func (c *Config) validateStandby(v *violations) {
	s := c.Stamp
	v.oneOf("standbyProfile", s.Standby.Profile, ProfileHot, ProfileWarm)
	v.between("warmUserNodeMinCount", s.Standby.WarmUserNodeMinCount, 1, max(1, s.Cluster.UserPool.MinCount))
	v.between("warmWorkloadReplicas", s.Standby.WarmWorkloadReplicas, 1, max(1, s.Workload.Replicas))
	v.between("warmAppGatewayMinCapacity", s.Standby.WarmAppGatewayMinCapacity, 0, components.ServingAppGatewayMinCapacity)
	if s.Standby.Profile == ProfileWarm {
		// The warm floor must hold the warm replicas, or the standby would sit with pods Pending.
		if capacity := s.Standby.WarmUserNodeMinCount * s.Cluster.MaxPodsPerNode; s.Standby.WarmWorkloadReplicas > capacity {
			v.add("warmWorkloadReplicas", "(%d) exceeds what warmUserNodeMinCount %d x maxPodsPerNode %d = %d nodes' pods can hold", s.Standby.WarmWorkloadReplicas, s.Standby.WarmUserNodeMinCount, s.Cluster.MaxPodsPerNode, capacity)
		}
	}
}
