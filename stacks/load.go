package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
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
	// Required by one role only: Pulumi.yaml must give them a default, or the CLI would require
	// them in every stack; blank means "not set" and the program requires them by role.
	"origins":                     map[string]string{},
	"hubAddressSpace":             "",
	"firewallSubnetPrefix":        "",
	"spokeAddressSpace":           "",
	"aksSubnetPrefix":             "",
	"appGatewaySubnetPrefix":      "",
	"privateEndpointSubnetPrefix": "",

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
	"probePath":                  "/",
	"probeProtocol":              "Http",
	"probeRequestType":           "HEAD",
	"probeIntervalSeconds":       30,
	"probeSampleSize":            4,
	"probeSuccessfulSamples":     2,
	"probeAdditionalLatencyMs":   50,
	"kubeLoginMode":              "azurecli",
	"keyVaultGeneration":         1,
	"globalStack":                "global",
	"clusterAdminGroupObjectIds": []string{},

	// Hardening (issue 10): egress capacity, API server and registry network access.
	"firewallPublicIpCount":       4,
	"apiServerAuthorizedIpRanges": []string{},
	"registryAllowedIpRanges":     []string{},
	"registryImages":              []string{DefaultWorkloadImage},

	// Standby profiles (issue 12): what the passive region runs at while it waits.
	"standbyProfile":            ProfileHot,
	"warmUserNodeMinCount":      1,
	"warmWorkloadReplicas":      2,
	"warmAppGatewayMinCapacity": 0,
	"allowVersionSkew":          false,

	// Observability (issue 9): alerts, synthetic checks and the failover drill.
	"alertEmails":              []string{},
	"alertWebhooks":            []string{},
	"alertOriginHealthPercent": 75,
	"alert5xxPercent":          5,
	"alertWindowMinutes":       5,
	"webTestFrequencySeconds":  300,
	"drillFaultMinutes":        10,
}

// Origin defaults, inside each entry of the global stack's `origins` map.
const (
	defaultOriginWeight  = 1000
	defaultOriginEnabled = true
)

// RequiredKeys are the keys each role must set. Only role and location are required by every
// role, so only they lack a default in Pulumi.yaml.
var RequiredKeys = map[Role][]string{
	RoleGlobal: {"role", "location", "origins"},
	RoleStamp: {"role", "location", "hubAddressSpace", "firewallSubnetPrefix", "spokeAddressSpace",
		"aksSubnetPrefix", "appGatewaySubnetPrefix", "privateEndpointSubnetPrefix"},
}

// roleKeys are the keys each role reads besides role, location, namePrefix and tags. A key of
// the other role set in a stack's file is an error: it would be silently ignored otherwise.
var roleKeys = map[Role][]string{
	RoleGlobal: {"origins", "probePath", "probeProtocol", "probeRequestType", "probeIntervalSeconds",
		"probeSampleSize", "probeSuccessfulSamples", "probeAdditionalLatencyMs", "registryAllowedIpRanges", "registryImages",
		// Observability (issue 9).
		"alertEmails", "alertWebhooks", "alertOriginHealthPercent", "alert5xxPercent", "alertWindowMinutes", "webTestFrequencySeconds"},
	RoleStamp: {"hubAddressSpace", "firewallSubnetPrefix", "spokeAddressSpace", "aksSubnetPrefix",
		"appGatewaySubnetPrefix", "privateEndpointSubnetPrefix", "ingressIp", "serviceCidr", "dnsServiceIp",
		"kubernetesVersion", "systemNodeVmSize", "systemNodeMinCount", "systemNodeMaxCount", "userNodeVmSize",
		"userNodeMinCount", "userNodeMaxCount", "maxPodsPerNode", "workloadImage", "workloadPort",
		"workloadHealthPath", "workloadReplicas", "workloadMaxReplicas", "workloadCpuRequest",
		"workloadMemoryRequest", "workloadCpuTargetPercent", "kubeLoginMode", "keyVaultGeneration",
		"clusterAdminGroupObjectIds", "globalStack", "firewallPublicIpCount", "apiServerAuthorizedIpRanges",
		"standbyProfile", "warmUserNodeMinCount", "warmWorkloadReplicas", "warmAppGatewayMinCapacity", "allowVersionSkew", "drillFaultMinutes"},
}

// movedKeys are the keys of the earlier two-stack layout (primary owned the global layer), with
// where their setting lives now. Left in a stack file they would be silently ignored, and an
// operator could believe a failover was made.
var movedKeys = map[string]string{
	"frontDoorPriority":        "origins.<stamp stack>.priority in the global stack (Pulumi.global.yaml)",
	"frontDoorWeight":          "origins.<stamp stack>.weight in the global stack (Pulumi.global.yaml)",
	"frontDoorOriginEnabled":   "origins.<stamp stack>.enabled in the global stack (Pulumi.global.yaml)",
	"globalLocation":           "location of the global stack (Pulumi.global.yaml)",
	"registryReplicaLocations": "origins.<stamp stack>.location in the global stack: every stamp region gets a replica",
	"primaryStack":             "globalStack (the stack every stamp reads the global layer from)",
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
	role := Role(r.required("role"))
	cfg := &Config{
		Role:       role,
		Location:   normalizeRegion(r.required("location")),
		NamePrefix: r.str("namePrefix"),
		Tags:       r.stringMap("tags"),
	}
	switch role {
	case RoleGlobal:
		cfg.Global = r.global()
	case RoleStamp:
		cfg.Stamp = r.stamp()
	case "primary", "secondary":
		r.fail("role", "%q is the earlier two-stack layout; stamps now have role stamp and the global layer has a stack of its own (role global): see README, \"Moving from the two-stack layout\"", role)
	default:
		if role != "" {
			r.fail("role", "must be one of %s, %s, got %q", RoleGlobal, RoleStamp, role)
		}
	}
	r.rejectForeignKeys(role)
	if len(r.errs) > 0 {
		return nil, configError(r.errs)
	}
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, configError(errs)
	}
	return cfg, nil
}

func (r *reader) stamp() StampConfig {
	s := StampConfig{
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
		KubeLoginMode:               r.str("kubeLoginMode"),
		KeyVaultGeneration:          r.integer("keyVaultGeneration"),
		ClusterAdminGroupObjectIDs:  r.stringList("clusterAdminGroupObjectIds"),
		GlobalStack:                 qualifyStack(r.ctx, r.str("globalStack")),
		FirewallPublicIPCount:       r.integer("firewallPublicIpCount"),
		APIServerAuthorizedIPRanges: r.stringList("apiServerAuthorizedIpRanges"),
		Standby: StandbyConfig{
			Profile:                   r.str("standbyProfile"),
			WarmUserNodeMinCount:      r.integer("warmUserNodeMinCount"),
			WarmWorkloadReplicas:      r.integer("warmWorkloadReplicas"),
			WarmAppGatewayMinCapacity: r.integer("warmAppGatewayMinCapacity"),
		},
		AllowVersionSkew:  r.boolean("allowVersionSkew"),
		DrillFaultMinutes: r.integer("drillFaultMinutes"),
	}
	// The ingress IP defaults to the AKS subnet's last usable address: Azure hands out node and
	// pod IPs from the bottom.
	if n := &s.Network; !n.IngressIP.IsValid() && n.AksSubnet.IsValid() {
		n.IngressIP = lastUsable(n.AksSubnet)
	}
	return s
}

func (r *reader) global() GlobalConfig {
	return GlobalConfig{
		Probe: ProbeConfig{
			Path:                      r.str("probePath"),
			Protocol:                  r.str("probeProtocol"),
			RequestType:               r.str("probeRequestType"),
			IntervalSeconds:           r.integer("probeIntervalSeconds"),
			SampleSize:                r.integer("probeSampleSize"),
			SuccessfulSamplesRequired: r.integer("probeSuccessfulSamples"),
			AdditionalLatencyMs:       r.integer("probeAdditionalLatencyMs"),
		},
		Origins:                 r.origins(),
		RegistryAllowedIPRanges: r.stringList("registryAllowedIpRanges"),
		RegistryImages:          r.stringList("registryImages"),
		Monitoring: MonitoringConfig{
			Emails:                  r.stringList("alertEmails"),
			Webhooks:                r.stringList("alertWebhooks"),
			OriginHealthPercent:     r.integer("alertOriginHealthPercent"),
			Percent5xx:              r.integer("alert5xxPercent"),
			WindowMinutes:           r.integer("alertWindowMinutes"),
			WebTestFrequencySeconds: r.integer("webTestFrequencySeconds"),
		},
	}
}

// originEntry is one entry of the `origins` map as written in the stack file. Numbers and
// booleans may arrive as JSON numbers or as strings (`pulumi config set --path` writes either).
type originEntry struct {
	Location string          `json:"location"`
	Priority json.RawMessage `json:"priority"`
	Weight   json.RawMessage `json:"weight"`
	Enabled  json.RawMessage `json:"enabled"`
}

// origins reads the global stack's map of stamp stack name to origin settings, sorted by name.
func (r *reader) origins() []OriginConfig {
	var entries map[string]originEntry
	err := config.TryObject(r.ctx, Namespace+":origins", &entries)
	switch {
	case errors.Is(err, config.ErrMissingVar):
		r.fail("origins", "is required but not set: a map of stamp stack name to {location, priority}, e.g. {\"primary\": {\"location\": \"eastus2\", \"priority\": 1}}")
		return nil
	case err != nil:
		r.fail("origins", "must be a map of stamp stack name to {location, priority, weight, enabled}, e.g. {\"primary\": {\"location\": \"eastus2\", \"priority\": 1}}: %v", err)
		return nil
	}
	var out []OriginConfig
	for _, stack := range slices.Sorted(maps.Keys(entries)) {
		e := entries[stack]
		key := "origins." + stack
		o := OriginConfig{Stack: stack, StackRef: qualifyStack(r.ctx, stack), Location: normalizeRegion(e.Location),
			Weight: defaultOriginWeight, Enabled: defaultOriginEnabled}
		if o.Location == "" {
			r.fail(key+".location", "is required: the stamp's region, as in its own stack file")
		}
		if n, ok := r.rawInt(key+".priority", e.Priority); ok {
			o.Priority = n
		} else if len(e.Priority) == 0 {
			r.fail(key+".priority", "is required: 1 serves traffic, 2-5 stand by")
		}
		if n, ok := r.rawInt(key+".weight", e.Weight); ok {
			o.Weight = n
		}
		if len(e.Enabled) > 0 {
			s := strings.Trim(string(e.Enabled), `"`)
			b, err := strconv.ParseBool(s)
			if err != nil {
				r.fail(key+".enabled", "must be true or false, got %s", e.Enabled)
			}
			o.Enabled = b
		}
		out = append(out, o)
	}
	if len(entries) == 0 {
		r.fail("origins", "lists no stamp: add one entry per stamp stack, e.g. {\"primary\": {\"location\": \"eastus2\", \"priority\": 1}}")
	}
	return out
}

// rawInt parses a JSON number or numeric string; ok is false when the value is absent or bad
// (a bad value is reported).
func (r *reader) rawInt(key string, raw json.RawMessage) (int, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.Trim(string(raw), `"`))
	if err != nil {
		r.fail(key, "must be a whole number, got %s", raw)
		return 0, false
	}
	return n, true
}

// rejectForeignKeys reports keys set in this stack that its role does not read, and keys of the
// earlier layout, each with where it belongs.
func (r *reader) rejectForeignKeys(role Role) {
	for _, key := range slices.Sorted(maps.Keys(movedKeys)) {
		moved := movedKeys[key]
		if _, set := r.raw(key); set {
			r.fail(key, "is no longer read: set %s instead (README, \"Moving from the two-stack layout\")", moved)
		}
	}
	if role != RoleGlobal && role != RoleStamp {
		return
	}
	for _, other := range slices.Sorted(maps.Keys(roleKeys)) {
		keys := roleKeys[other]
		if other == role {
			continue
		}
		for _, key := range keys {
			if slices.Contains(roleKeys[role], key) {
				continue
			}
			if v, set := r.raw(key); set && !isDefault(key, v) {
				r.fail(key, "is read only by a %s stack; remove it from this %s stack's file", other, role)
			}
		}
	}
}

// isDefault reports whether a raw config value is the key's default as the engine passes it
// (the CLI applies Pulumi.yaml's defaults to every stack, so a default is no sign that a
// stack's file sets the key).
func isDefault(key, raw string) bool {
	raw = strings.TrimSpace(raw)
	switch d := Defaults[key].(type) {
	case string:
		return raw == d
	case int:
		return raw == strconv.Itoa(d)
	case bool:
		return raw == strconv.FormatBool(d)
	case []string:
		var got []string
		if raw == "" {
			return len(d) == 0
		}
		return json.Unmarshal([]byte(raw), &got) == nil && slices.Equal(got, d)
	case map[string]string:
		return len(d) == 0 && (raw == "{}" || raw == "")
	}
	return false
}

// configError joins every problem into one error a person can act on in one pass, in a stable
// order.
func configError(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = "  - " + e.Error()
	}
	return fmt.Errorf("invalid stack configuration (fix with `pulumi config set <key> <value>`):\n%s", strings.Join(msgs, "\n"))
}

// qualifyStack expands a bare stack name to org/project/stack, so the shipped short names work
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

func (r *reader) integer(key string) int {
	v, err := config.TryInt(r.ctx, Namespace+":"+key)
	if errors.Is(err, config.ErrMissingVar) {
		n, _ := Defaults[key].(int)
		return n
	}
	if err != nil {
		raw, _ := r.raw(key)
		r.fail(key, "must be a whole number, got %q", raw)
	}
	return v
}

func (r *reader) boolean(key string) bool {
	v, ok := r.raw(key)
	if !ok || strings.TrimSpace(v) == "" {
		b, _ := Defaults[key].(bool)
		return b
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.fail(key, "must be true or false, got %q", v)
	}
	return b
}

func (r *reader) stringList(key string) []string {
	var out []string
	err := config.TryObject(r.ctx, Namespace+":"+key, &out)
	if errors.Is(err, config.ErrMissingVar) {
		def, _ := Defaults[key].([]string)
		return append([]string(nil), def...)
	}
	if err != nil {
		r.fail(key, "must be a list of strings, e.g. [\"00000000-0000-0000-0000-000000000000\"]")
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
