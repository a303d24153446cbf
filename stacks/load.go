package stacks

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Namespace is the config namespace: the project name in Pulumi.yaml.
const Namespace = "aks-dr"

// Defaults are the values of the optional keys. Pulumi.yaml declares the same defaults for the
// CLI (a test keeps the two equal); the program applies them too, so it behaves the same under
// mocks and the Automation API, where Pulumi.yaml is not read.
var Defaults = map[string]any{
	"namePrefix":                 "aksdr",
	"tags":                       map[string]string{},
	"kubernetesVersion":          "1.35",
	"systemNodeVmSize":           "Standard_D4ds_v5",
	"systemNodeMinCount":         3,
	"systemNodeMaxCount":         4,
	"userNodeVmSize":             "Standard_D4ds_v5",
	"userNodeMinCount":           3,
	"userNodeMaxCount":           9,
	"maxPodsPerNode":             30,
	"serviceCidr":                "172.16.0.0/16",
	"dnsServiceIp":               "172.16.0.10",
	"ingressIp":                  "",
	"workloadImage":              DefaultWorkloadImage,
	"workloadPort":               8080,
	"workloadHealthPath":         "/",
	"workloadReplicas":           3,
	"workloadMaxReplicas":        12,
	"workloadCpuRequest":         "250m",
	"workloadMemoryRequest":      "256Mi",
	"workloadCpuTargetPercent":   70,
	"frontDoorWeight":            1000,
	"frontDoorOriginEnabled":     true,
	"probePath":                  "/",
	"probeProtocol":              "Http",
	"probeRequestType":           "HEAD",
	"probeIntervalSeconds":       30,
	"probeSampleSize":            4,
	"probeSuccessfulSamples":     2,
	"probeAdditionalLatencyMs":   50,
	"registryReplicaLocations":   []string{},
	"kubeLoginMode":              "azurecli",
	"keyVaultGeneration":         1,
	"primaryStack":               "primary",
	"globalLocation":             "",
	"clusterAdminGroupObjectIds": []string{},

	// Hardening (issue 10): egress capacity, API server and registry network access.
	"firewallPublicIpCount":       4,
	"apiServerAuthorizedIpRanges": []string{},
	"registryAllowedIpRanges":     []string{},
}

// DefaultWorkloadImage is nginx 1.30.5 on Alpine, built by NGINX to run unprivileged: user 101,
// port 8080, temporary files and pid under /tmp, so it runs under the Pod Security Standard
// "restricted" profile with a read-only root filesystem (the workload mounts /tmp). It is pinned
// by the digest of its multi-architecture index, the tag 1.30.5-alpine when it was pinned (the
// same digest is published as docker.io/nginxinc/nginx-unprivileged). The digest comes from
// public references and could not be checked from the machine that wrote this; check it with
// `docker buildx imagetools inspect ghcr.io/nginx/nginx-unprivileged:1.30.5-alpine`. GHCR, not
// Docker Hub: the registry's import of it is not subject to Docker Hub's anonymous pull limits.
// Pods never pull it from GHCR: the registry imports it, and the pods pull it from there.
const DefaultWorkloadImage = "ghcr.io/nginx/nginx-unprivileged@sha256:ed04ec1ff34502c339ee5c3ae3f855442398edc1d05591e2b98981dcbbd20b1e"

// LoadConfig reads this stack's config and validates it. It registers nothing, so a stack with
// bad config fails before any resource is touched. All problems are reported at once.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	r := &reader{ctx: ctx}
	cfg := &Config{
		Role:       Role(r.required("role")),
		Location:   normalizeRegion(r.required("location")),
		NamePrefix: r.str("namePrefix"),
		Tags:       r.stringMap("tags"),
		Network: NetworkConfig{
			HubAddressSpace:       r.prefix("hubAddressSpace", true),
			FirewallSubnet:        r.prefix("firewallSubnetPrefix", true),
			SpokeAddressSpace:     r.prefix("spokeAddressSpace", true),
			AksSubnet:             r.prefix("aksSubnetPrefix", true),
			AppGatewaySubnet:      r.prefix("appGatewaySubnetPrefix", true),
			PrivateEndpointSubnet: r.prefix("privateEndpointSubnetPrefix", true),
			ServiceCidr:           r.prefix("serviceCidr", false),
			DNSServiceIP:          r.addr("dnsServiceIp"),
			IngressIP:             r.addr("ingressIp"),
		},
		Cluster: ClusterConfig{
			KubernetesVersion: r.str("kubernetesVersion"),
			SystemPool:        NodePoolConfig{VMSize: r.str("systemNodeVmSize"), MinCount: r.integer("systemNodeMinCount"), MaxCount: r.integer("systemNodeMaxCount")},
			UserPool:          NodePoolConfig{VMSize: r.str("userNodeVmSize"), MinCount: r.integer("userNodeMinCount"), MaxCount: r.integer("userNodeMaxCount")},
			MaxPodsPerNode:    r.integer("maxPodsPerNode"),
		},
		Workload: WorkloadConfig{
			Image:            r.str("workloadImage"),
			Port:             r.integer("workloadPort"),
			HealthPath:       r.str("workloadHealthPath"),
			Replicas:         r.integer("workloadReplicas"),
			MaxReplicas:      r.integer("workloadMaxReplicas"),
			CPURequest:       r.str("workloadCpuRequest"),
			MemoryRequest:    r.str("workloadMemoryRequest"),
			TargetCPUPercent: r.integer("workloadCpuTargetPercent"),
		},
		Origin: OriginConfig{
			Priority: r.requiredInt("frontDoorPriority"),
			Weight:   r.integer("frontDoorWeight"),
			Enabled:  r.boolean("frontDoorOriginEnabled"),
		},
		KubeLoginMode:              r.str("kubeLoginMode"),
		KeyVaultGeneration:         r.integer("keyVaultGeneration"),
		ClusterAdminGroupObjectIDs: r.stringList("clusterAdminGroupObjectIds"),
		Global: GlobalConfig{
			Location: normalizeRegion(r.str("globalLocation")),
			Probe: ProbeConfig{
				Path:                      r.str("probePath"),
				Protocol:                  r.str("probeProtocol"),
				RequestType:               r.str("probeRequestType"),
				IntervalSeconds:           r.integer("probeIntervalSeconds"),
				SampleSize:                r.integer("probeSampleSize"),
				SuccessfulSamplesRequired: r.integer("probeSuccessfulSamples"),
				AdditionalLatencyMs:       r.integer("probeAdditionalLatencyMs"),
			},
			RegistryReplicaLocations: normalizeRegions(r.stringList("registryReplicaLocations")),
		},
		PrimaryStack: qualifyStack(ctx, r.str("primaryStack")),
		Access: AccessConfig{
			FirewallPublicIPCount:       r.integer("firewallPublicIpCount"),
			APIServerAuthorizedIPRanges: r.stringList("apiServerAuthorizedIpRanges"),
			RegistryAllowedIPRanges:     r.stringList("registryAllowedIpRanges"),
		},
	}
	if len(r.errs) > 0 {
		return nil, configError(r.errs)
	}
	if cfg.Global.Location == "" {
		cfg.Global.Location = cfg.Location
	}
	// The ingress IP defaults to the AKS subnet's last usable address: Azure hands out node and
	// pod IPs from the bottom.
	if n := &cfg.Network; !n.IngressIP.IsValid() && n.AksSubnet.IsValid() {
		n.IngressIP = lastUsable(n.AksSubnet)
	}
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, configError(errs)
	}
	return cfg, nil
}

// configError joins every problem into one error a person can act on in one pass.
func configError(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = "  - " + e.Error()
	}
	return fmt.Errorf("invalid stack configuration (fix with `pulumi config set <key> <value>`):\n%s", strings.Join(msgs, "\n"))
}

// qualifyStack expands a bare stack name to org/project/stack, so the shipped short name works
// on Pulumi Cloud and on a self-managed backend alike.
func qualifyStack(ctx *pulumi.Context, name string) string {
	if name == "" || strings.Contains(name, "/") {
		return name
	}
	return ctx.Organization() + "/" + ctx.Project() + "/" + name
}

// reader reads keys with config.Try*, applies Defaults, and records malformed values instead of
// panicking, so that LoadConfig can report every problem at once.
type reader struct {
	ctx  *pulumi.Context
	errs []error
}

func (r *reader) fail(key, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s:%s: %s", Namespace, key, fmt.Sprintf(format, args...)))
}

func (r *reader) raw(key string) (string, bool) {
	v, err := config.Try(r.ctx, Namespace+":"+key)
	if errors.Is(err, config.ErrMissingVar) {
		return "", false
	}
	return v, err == nil
}

func (r *reader) required(key string) string {
	v, ok := r.raw(key)
	if !ok || strings.TrimSpace(v) == "" {
		r.fail(key, "is required but not set")
	}
	return v
}

// str reads a string key; unset or blank means the default.
func (r *reader) str(key string) string {
	if v, ok := r.raw(key); ok && strings.TrimSpace(v) != "" {
		return v
	}
	s, _ := Defaults[key].(string)
	return s
}

func (r *reader) parseInt(key string) (int, bool) {
	v, err := config.TryInt(r.ctx, Namespace+":"+key)
	if errors.Is(err, config.ErrMissingVar) {
		return 0, false
	}
	if err != nil {
		raw, _ := r.raw(key)
		r.fail(key, "must be a whole number, got %q", raw)
	}
	return v, true
}

func (r *reader) integer(key string) int {
	if v, ok := r.parseInt(key); ok {
		return v
	}
	n, _ := Defaults[key].(int)
	return n
}

func (r *reader) requiredInt(key string) int {
	v, ok := r.parseInt(key)
	if !ok {
		r.fail(key, "is required but not set")
	}
	return v
}

func (r *reader) boolean(key string) bool {
	v, err := config.TryBool(r.ctx, Namespace+":"+key)
	if errors.Is(err, config.ErrMissingVar) {
		b, _ := Defaults[key].(bool)
		return b
	}
	if err != nil {
		raw, _ := r.raw(key)
		r.fail(key, "must be true or false, got %q", raw)
	}
	return v
}

func (r *reader) stringList(key string) []string {
	var out []string
	err := config.TryObject(r.ctx, Namespace+":"+key, &out)
	if errors.Is(err, config.ErrMissingVar) {
		def, _ := Defaults[key].([]string)
		return append([]string(nil), def...)
	}
	if err != nil {
		r.fail(key, "must be a list of strings, e.g. [\"centralus\"]")
	}
	return out
}

func (r *reader) stringMap(key string) map[string]string {
	out := map[string]string{}
	err := config.TryObject(r.ctx, Namespace+":"+key, &out)
	if err != nil && !errors.Is(err, config.ErrMissingVar) {
		r.fail(key, "must be a map of strings, e.g. {\"costCenter\": \"1234\"}")
	}
	return out
}

func (r *reader) prefix(key string, required bool) netip.Prefix {
	var s string
	if required {
		s = r.required(key)
	} else {
		s = r.str(key)
	}
	if s == "" {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	switch {
	case err != nil || !p.Addr().Is4():
		r.fail(key, "%q is not an IPv4 CIDR such as 10.1.0.0/16", s)
	case p.Masked() != p:
		r.fail(key, "%q has host bits set; did you mean %s?", s, p.Masked())
	}
	return p
}

func (r *reader) addr(key string) netip.Addr {
	s := r.str(key)
	if s == "" {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || !a.Is4() {
		r.fail(key, "%q is not an IPv4 address such as 10.1.0.4", s)
	}
	return a
}
