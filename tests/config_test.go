package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/aks-dr/aks-dr/stacks"
)

func TestShippedStackConfigsAreValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stack    string
		role     stacks.Role
		location string
	}{
		{"global", stacks.RoleGlobal, "westus3"},
		{"primary", stacks.RoleStamp, "eastus2"},
		{"secondary", stacks.RoleStamp, "centralus"},
	} {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			var cfg *stacks.Config
			rec := &recorder{}
			err := runProgram(rec, tc.stack, stackConfig(t, tc.stack), func(c *stacks.Config) { cfg = c })
			require.NoError(t, err)
			assert.Equal(t, tc.role, cfg.Role)
			assert.Equal(t, tc.location, cfg.Location)
			if tc.role == stacks.RoleStamp {
				n := cfg.Stamp.Network
				assert.True(t, n.AksSubnet.Contains(n.IngressIP), "default ingress IP %s lies in the AKS subnet", n.IngressIP)
				assert.Equal(t, "organization/aks-dr/global", cfg.Stamp.GlobalStack, "a bare globalStack is qualified with org and project")
			} else {
				require.Len(t, cfg.Global.Origins, 2)
				assert.Equal(t, stacks.OriginConfig{Stack: "primary", StackRef: "organization/aks-dr/primary", Location: "eastus2", Priority: 1, Weight: 1000, Enabled: true}, cfg.Global.Origins[0])
				assert.Equal(t, 2, cfg.Global.Origins[1].Priority)
			}
			assert.Empty(t, rec.resources, "LoadConfig registers nothing")
		})
	}
}

// TestCLIDefaultsAreNoForeignKeys: the CLI passes Pulumi.yaml's defaults to every stack, the
// other role's keys included; a default is not a key the stack's file sets.
func TestCLIDefaultsAreNoForeignKeys(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"global", "primary"} {
		cfg := stackConfig(t, stack)
		for key, def := range stacks.Defaults {
			if _, set := cfg["aks-dr:"+key]; set {
				continue
			}
			switch d := def.(type) {
			case []string, map[string]string:
				b, err := json.Marshal(d)
				require.NoError(t, err)
				cfg["aks-dr:"+key] = string(b)
			default:
				cfg["aks-dr:"+key] = fmt.Sprint(d)
			}
		}
		require.NoError(t, runProgram(&recorder{}, stack, cfg, func(*stacks.Config) {}), stack)
	}
}

func TestDefaultIngressIPIsLastUsableAddress(t *testing.T) {
	t.Parallel()
	var cfg *stacks.Config
	require.NoError(t, runProgram(&recorder{}, "secondary", stackConfig(t, "secondary"), func(c *stacks.Config) { cfg = c }))
	assert.Equal(t, "10.241.3.254", cfg.Stamp.Network.IngressIP.String())
}

// origins is the global stack's origins map as JSON, with the shipped regions and the given
// priorities.
func origins(primary, secondary string) string {
	return `{"primary":{"location":"eastus2","priority":` + primary + `},"secondary":{"location":"centralus","priority":` + secondary + `}}`
}

// TestBadConfigIsRejected runs the whole program: each bad config must fail with a message that
// names the key and the valid values, and register nothing.
func TestBadConfigIsRejected(t *testing.T) {
	t.Parallel()
	primary := stackConfig(t, "primary")
	global := stackConfig(t, "global")
	cases := []badConfig{
		{"missing location", "primary", with(primary, "location", ""), []string{"aks-dr:location: is required"}},
		{"missing role", "primary", with(primary, "role", ""), []string{"aks-dr:role: is required"}},
		{"unknown role", "primary", with(primary, "role", "tertiary"), []string{"aks-dr:role: must be one of global, stamp"}},
		{"role of the two-stack layout", "primary", with(primary, "role", "primary"), []string{"aks-dr:role: \"primary\" is the earlier two-stack layout", "Moving from the two-stack layout"}},
		{"priority left in a stamp file", "primary", with(primary, "frontDoorPriority", "1"), []string{"aks-dr:frontDoorPriority: is no longer read: set origins.<stamp stack>.priority in the global stack"}},
		{"global location left in a stamp file", "primary", with(primary, "globalLocation", "westus3"), []string{"aks-dr:globalLocation: is no longer read"}},
		{"global key in a stamp file", "primary", with(primary, "probePath", "/health"), []string{"aks-dr:probePath: is read only by a global stack; remove it from this stamp stack's file"}},
		{"stamp key in the global file", "global", with(global, "hubAddressSpace", "10.0.0.0/24"), []string{"aks-dr:hubAddressSpace: is read only by a stamp stack; remove it from this global stack's file"}},
		{"unknown region", "primary", with(primary, "location", "atlantis"), []string{"aks-dr:location: \"atlantis\" is not a supported region", "eastus2"}},
		{"malformed CIDR", "primary", with(primary, "hubAddressSpace", "10.200.0.0/33"), []string{"aks-dr:hubAddressSpace: \"10.200.0.0/33\" is not an IPv4 CIDR"}},
		{"CIDR with host bits", "primary", with(primary, "spokeAddressSpace", "10.240.1.0/16"), []string{"aks-dr:spokeAddressSpace", "did you mean 10.240.0.0/16"}},
		{"hub overlaps spoke", "primary", with(primary, "hubAddressSpace", "10.240.0.0/24", "firewallSubnetPrefix", "10.240.0.0/26"), []string{"aks-dr:spokeAddressSpace: 10.240.0.0/16 overlaps hubAddressSpace 10.240.0.0/24"}},
		{"subnet outside its VNet", "primary", with(primary, "appGatewaySubnetPrefix", "10.250.4.0/24"), []string{"aks-dr:appGatewaySubnetPrefix: 10.250.4.0/24 must lie inside spokeAddressSpace"}},
		{"subnets overlap", "primary", with(primary, "appGatewaySubnetPrefix", "10.240.3.0/24"), []string{"aks-dr:appGatewaySubnetPrefix: 10.240.3.0/24 overlaps aksSubnetPrefix"}},
		{"firewall subnet too small", "primary", with(primary, "firewallSubnetPrefix", "10.200.0.0/27"), []string{"aks-dr:firewallSubnetPrefix: 10.200.0.0/27 is too small: use a /26"}},
		{"AKS subnet too small for the surge", "primary", with(primary, "aksSubnetPrefix", "10.240.0.0/24"), []string{"aks-dr:aksSubnetPrefix: 10.240.0.0/24 has 251 usable addresses but the node pools at their maximum need 559", "5 upgrade surge nodes"}},
		{"surge grows past the subnet", "primary", with(primary, "userNodeMaxCount", "40"), []string{"aks-dr:aksSubnetPrefix", "need 1892", "17 upgrade surge nodes"}},
		{"ingress IP outside the subnet", "primary", with(primary, "ingressIp", "10.240.4.10"), []string{"aks-dr:ingressIp: 10.240.4.10 must be a usable address in aksSubnetPrefix 10.240.0.0/22 (10.240.0.4 to 10.240.3.254)"}},
		{"service CIDR overlaps the spoke", "primary", with(primary, "serviceCidr", "10.240.128.0/20", "dnsServiceIp", "10.240.128.10"), []string{"aks-dr:serviceCidr: 10.240.128.0/20 overlaps spokeAddressSpace"}},
		{"system pool min above max", "primary", with(primary, "systemNodeMinCount", "5", "systemNodeMaxCount", "4"), []string{"aks-dr:systemNodeMinCount: (5) must not exceed systemNodeMaxCount (4)"}},
		{"user pool min above max", "primary", with(primary, "userNodeMinCount", "10"), []string{"aks-dr:userNodeMinCount: (10) must not exceed userNodeMaxCount (9)"}},
		{"node count not a number", "primary", with(primary, "userNodeMaxCount", "many"), []string{"aks-dr:userNodeMaxCount: must be a whole number, got \"many\""}},
		{"max pods out of range", "primary", with(primary, "maxPodsPerNode", "500"), []string{"aks-dr:maxPodsPerNode: must be between 30 and 250, got 500"}},
		{"max pods below the AKS system pool minimum", "primary", with(primary, "maxPodsPerNode", "20"), []string{"aks-dr:maxPodsPerNode: must be at least 30, got 20: AKS requires at least 30 pods per node on a system node pool"}},
		{"service CIDR in a range AKS reserves", "primary", with(primary, "serviceCidr", "172.30.0.0/16", "dnsServiceIp", "172.30.0.10"), []string{"aks-dr:serviceCidr: 172.30.0.0/16 overlaps 172.30.0.0/16, which AKS reserves and refuses as a service CIDR (reserved: 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24)"}},
		{"service CIDR around a reserved range", "primary", with(primary, "serviceCidr", "192.0.0.0/16", "dnsServiceIp", "192.0.0.10"), []string{"aks-dr:serviceCidr: 192.0.0.0/16 overlaps 192.0.2.0/24, which AKS reserves"}},
		{"service CIDR in link-local", "primary", with(primary, "serviceCidr", "169.254.128.0/20", "dnsServiceIp", "169.254.128.10"), []string{"aks-dr:serviceCidr: 169.254.128.0/20 overlaps 169.254.0.0/16, which AKS reserves"}},
		{"image pinned by tag only", "primary", with(primary, "workloadImage", "docker.io/nginxinc/nginx-unprivileged:1.30.5-alpine"), []string{"aks-dr:workloadImage: must be a registry image reference pinned by digest"}},
		{"firewall without public IPs", "primary", with(primary, "firewallPublicIpCount", "0"), []string{"aks-dr:firewallPublicIpCount: must be between 1 and 250, got 0"}},
		{"API server range not a CIDR", "primary", with(primary, "apiServerAuthorizedIpRanges", `["office"]`), []string{"aks-dr:apiServerAuthorizedIpRanges: \"office\" is not an IPv4 address or CIDR"}},
		{"API server range private", "primary", with(primary, "apiServerAuthorizedIpRanges", `["10.0.0.0/8"]`), []string{"aks-dr:apiServerAuthorizedIpRanges: \"10.0.0.0/8\" is not a public range"}},
		{"API server range open to all", "primary", with(primary, "apiServerAuthorizedIpRanges", `["0.0.0.0/0"]`), []string{"aks-dr:apiServerAuthorizedIpRanges: \"0.0.0.0/0\" allows every address"}},
		{"API server ranges plus firewall IPs over the limit", "primary", with(primary, "apiServerAuthorizedIpRanges", manyRanges(197)), []string{"aks-dr:apiServerAuthorizedIpRanges: lists 197 ranges; with the 4 firewall IPs the program adds (firewallPublicIpCount), AKS accepts at most 200"}},
		{"registry key in a stamp file", "primary", with(primary, "registryAllowedIpRanges", `["203.0.113.0/24"]`), []string{"aks-dr:registryAllowedIpRanges: is read only by a global stack"}},
		{"registry ranges over the limit", "global", with(global, "registryAllowedIpRanges", manyRanges(201)), []string{"aks-dr:registryAllowedIpRanges: lists 201 ranges; Azure accepts at most 200"}},
		{"registry range with host bits", "global", with(global, "registryAllowedIpRanges", `["203.0.113.7/24"]`), []string{"aks-dr:registryAllowedIpRanges: \"203.0.113.7/24\" has host bits set; did you mean 203.0.113.0/24?"}},
		{"registry image not pinned", "global", with(global, "registryImages", `["docker.io/library/nginx:1.27"]`), []string{"aks-dr:registryImages: \"docker.io/library/nginx:1.27\" must be an image reference pinned by digest"}},
		{"replicas above autoscaler max", "primary", with(primary, "workloadReplicas", "13"), []string{"aks-dr:workloadReplicas: (13) must not exceed workloadMaxReplicas (12)"}},
		{"standby ceiling below the active's load", "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm", "workloadMaxReplicas", "8"), []string{"aks-dr:workloadMaxReplicas: (8) cannot carry stack primary's full load (its workloadMaxReplicas is 12); a standby's ceilings must be at least the active region's"}},
		{"standby node ceiling below the active's", "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm", "userNodeMaxCount", "6"), []string{"aks-dr:userNodeMaxCount: (6 x Standard_D4ds_v5) cannot carry stack primary's full load (9 x Standard_D4ds_v5)"}},
		{"standby pod ceiling below its HPA maximum", "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm", "maxPodsPerNode", "30", "userNodeMaxCount", "3", "workloadMaxReplicas", "100"), []string{"aks-dr:workloadMaxReplicas: (100) exceeds what the user pool can hold at its maximum (userNodeMaxCount 3 x maxPodsPerNode 30 = 90)"}},
		{"standby subnet cannot hold the surge", "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm", "aksSubnetPrefix", "10.241.0.0/24", "ingressIp", "10.241.0.250"), []string{"aks-dr:aksSubnetPrefix: 10.241.0.0/24 has 251 usable addresses but the node pools at their maximum need 559"}},
		{"unknown standby profile", "primary", with(primary, "standbyProfile", "cold"), []string{"aks-dr:standbyProfile: must be one of hot, warm, got \"cold\""}},
		{"warm replicas above the serving ones", "primary", with(primary, "standbyProfile", "warm", "warmWorkloadReplicas", "4"), []string{"aks-dr:warmWorkloadReplicas: must be between 1 and 3, got 4"}},
		{"warm node floor of zero", "primary", with(primary, "standbyProfile", "warm", "warmUserNodeMinCount", "0"), []string{"aks-dr:warmUserNodeMinCount: must be between 1 and 3, got 0"}},
		{"warm gateway floor above serving", "primary", with(primary, "warmAppGatewayMinCapacity", "3"), []string{"aks-dr:warmAppGatewayMinCapacity: must be between 0 and 2, got 3"}},
		{"user pool maximum below one per zone", "primary", with(primary, "userNodeMinCount", "1", "userNodeMaxCount", "2", "workloadMaxReplicas", "12"), []string{"aks-dr:userNodeMaxCount: (2) must be at least 3: the user nodes are one autoscaled pool per availability zone"}},
		{"version skew between the regions", "secondary", with(stackConfig(t, "secondary"), "kubernetesVersion", "1.36"), []string{"aks-dr:kubernetesVersion: 1.36 here, but stack primary runs 1.35", "allowVersionSkew true", "passive region"}},
		{"allowVersionSkew not a bool", "secondary", with(stackConfig(t, "secondary"), "allowVersionSkew", "sometimes"), []string{"aks-dr:allowVersionSkew: must be true or false, got \"sometimes\""}},
		{"autoscaler beyond pool capacity", "primary", with(primary, "workloadMaxReplicas", "300"), []string{"aks-dr:workloadMaxReplicas: (300) exceeds what the user pool can hold"}},
		{"image without tag", "primary", with(primary, "workloadImage", "nginx"), []string{"aks-dr:workloadImage: must be a registry image reference"}},
		{"bad kubernetes version", "primary", with(primary, "kubernetesVersion", "latest"), []string{"aks-dr:kubernetesVersion: must look like 1.35"}},
		{"tags malformed", "primary", with(primary, "tags", `[1,2]`), []string{"aks-dr:tags: must be a map of strings"}},
		{"name prefix", "primary", with(primary, "namePrefix", "AKS-DR-Production"), []string{"aks-dr:namePrefix: must be 2-8 lowercase letters or digits"}},
		{"kubelogin mode", "primary", with(primary, "kubeLoginMode", "devicecode"), []string{"aks-dr:kubeLoginMode: must be one of azurecli, workloadidentity"}},
		{"cluster admin not a GUID", "primary", with(primary, "clusterAdminGroupObjectIds", `["platform-team"]`), []string{"aks-dr:clusterAdminGroupObjectIds: \"platform-team\" is not an Entra ID group object ID"}},
		{"DNS service IP is the API server's", "primary", with(primary, "dnsServiceIp", "172.16.0.1"), []string{"aks-dr:dnsServiceIp: 172.16.0.1 must be an address inside serviceCidr 172.16.0.0/16 other than its first two"}},
		{"CI login without an admin group", "primary", with(primary, "kubeLoginMode", "workloadidentity"), []string{"aks-dr:clusterAdminGroupObjectIds: is required with kubeLoginMode workloadidentity"}},
		{"vault generation", "primary", with(primary, "keyVaultGeneration", "100"), []string{"aks-dr:keyVaultGeneration: must be between 1 and 99"}},
		{"several problems at once", "primary", with(primary, "workloadCpuTargetPercent", "5", "keyVaultGeneration", "0"), []string{"workloadCpuTargetPercent: must be between 10 and 95", "keyVaultGeneration: must be between 1 and 99"}},

		{"origins missing", "global", with(global, "origins", ""), []string{"aks-dr:origins: is required but not set"}},
		{"origins empty", "global", with(global, "origins", "{}"), []string{"aks-dr:origins: lists no stamp"}},
		{"origins malformed", "global", with(global, "origins", `["primary"]`), []string{"aks-dr:origins: must be a map of stamp stack name to {location, priority, weight, enabled}"}},
		{"origin without location", "global", with(global, "origins", `{"primary":{"priority":1}}`), []string{"aks-dr:origins.primary.location: is required"}},
		{"origin without priority", "global", with(global, "origins", `{"primary":{"location":"eastus2"}}`), []string{"aks-dr:origins.primary.priority: is required"}},
		{"priority too high", "global", with(global, "origins", origins("6", "2")), []string{"aks-dr:origins.primary.priority: must be between 1 and 5, got 6"}},
		{"priority zero", "global", with(global, "origins", origins("1", "0")), []string{"aks-dr:origins.secondary.priority: must be between 1 and 5, got 0"}},
		{"priority not a number", "global", with(global, "origins", origins(`"first"`, "2")), []string{"aks-dr:origins.primary.priority: must be a whole number, got \"first\""}},
		{"weight too high", "global", with(global, "origins", `{"primary":{"location":"eastus2","priority":1,"weight":1001}}`), []string{"aks-dr:origins.primary.weight: must be between 1 and 1000, got 1001"}},
		{"weight zero", "global", with(global, "origins", `{"primary":{"location":"eastus2","priority":1,"weight":0}}`), []string{"aks-dr:origins.primary.weight: must be between 1 and 1000, got 0"}},
		{"origin enabled not a bool", "global", with(global, "origins", `{"primary":{"location":"eastus2","priority":1,"enabled":"perhaps"}}`), []string{"aks-dr:origins.primary.enabled: must be true or false"}},
		{"every origin disabled", "global", with(global, "origins", `{"primary":{"location":"eastus2","priority":1,"enabled":false}}`), []string{"aks-dr:origins: every origin is disabled"}},
		{"stamp in the global region", "global", with(global, "origins", `{"primary":{"location":"westus3","priority":1}}`), []string{"aks-dr:origins.primary.location: westus3 is also the global layer's region (aks-dr:location); the global layer and the registry's home must live in a third region"}},
		{"global in a stamp region", "global", with(global, "location", "eastus2"), []string{"aks-dr:origins.primary.location: eastus2 is also the global layer's region"}},
		{"two stamps in one region", "global", with(global, "origins", `{"primary":{"location":"eastus2","priority":1},"secondary":{"location":"East US 2","priority":2}}`), []string{"aks-dr:origins.secondary.location: eastus2 is also the region of origins.primary"}},
		{"stamp region unknown", "global", with(global, "origins", `{"primary":{"location":"moon","priority":1}}`), []string{"aks-dr:origins.primary.location: \"moon\" is not a supported region"}},
		{"global region unknown", "global", with(global, "location", "mars"), []string{"aks-dr:location: \"mars\" is not a supported region"}},
		{"probe interval too long", "global", with(global, "probeIntervalSeconds", "256"), []string{"aks-dr:probeIntervalSeconds: must be between 1 and 255, got 256"}},
		{"probe protocol", "global", with(global, "probeProtocol", "Tcp"), []string{"aks-dr:probeProtocol: must be one of Http, Https, got \"Tcp\""}},
		{"probe method", "global", with(global, "probeRequestType", "POST"), []string{"aks-dr:probeRequestType: must be one of HEAD, GET"}},
		{"probe samples", "global", with(global, "probeSuccessfulSamples", "5"), []string{"aks-dr:probeSuccessfulSamples: (5) must not exceed probeSampleSize (4)"}},
		{"probe path", "global", with(global, "probePath", "health"), []string{"aks-dr:probePath: must start with /"}},
		{"latency band", "global", with(global, "probeAdditionalLatencyMs", "5000"), []string{"aks-dr:probeAdditionalLatencyMs: must be between 0 and 1000"}},
		{"several global problems at once", "global", with(global, "origins", origins("9", "2"), "probeSampleSize", "0"), []string{"origins.primary.priority: must be between 1 and 5", "probeSampleSize: must be between 1 and 255"}},
	}
	checkRejected(t, cases)
}

// badConfig is a configuration that must stop the program: each of want is in its error.
type badConfig struct {
	name, stack string
	cfg         map[string]string
	want        []string
}

// checkRejected runs each case through the whole program: it must fail with a message that
// names the key and the valid values, and register nothing.
func checkRejected(t *testing.T, cases []badConfig) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, err := run(t, tc.stack, tc.cfg, deployed())
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.Empty(t, rec.resources, "nothing is registered when config is invalid")
		})
	}
}

// TestPulumiYamlDeclaresEveryKey keeps Pulumi.yaml (what the CLI checks and documents) and the
// program's defaults in step.
func TestPulumiYamlDeclaresEveryKey(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	require.NoError(t, err)
	var project struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Type        string `yaml:"type"`
			Description string `yaml:"description"`
			Default     any    `yaml:"default"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &project))
	assert.Equal(t, stacks.Namespace, project.Name)
	for key, def := range stacks.Defaults {
		decl, ok := project.Config[key]
		if !assert.True(t, ok, "Pulumi.yaml declares %s", key) {
			continue
		}
		assert.Equal(t, normalize(def), normalize(decl.Default), "default of %s", key)
	}
	// Only the keys every role requires lack a default: the CLI would require the others in every
	// stack. The program requires those by role.
	everywhere := []string{"role", "location"}
	for _, key := range everywhere {
		decl, ok := project.Config[key]
		require.True(t, ok, "Pulumi.yaml declares %s", key)
		assert.Nil(t, decl.Default, "%s is required and has no default", key)
	}
	for role, keys := range stacks.RequiredKeys {
		for _, key := range keys {
			decl := project.Config[key]
			if !slices.Contains(everywhere, key) {
				assert.NotNil(t, decl.Default, "%s is required by %s stacks only, so it needs a (blank) default", key, role)
			}
		}
	}
	var declared []string
	for key, decl := range project.Config {
		declared = append(declared, key)
		assert.NotEmpty(t, decl.Description, "%s has a description", key)
	}
	sort.Strings(declared)
	assert.Len(t, declared, len(stacks.Defaults)+len(everywhere), "every declared key is read by the program: %v", declared)
}

// normalize makes YAML and Go defaults comparable.
func normalize(v any) string {
	switch v := v.(type) {
	case []string:
		if len(v) == 0 {
			return "[]"
		}
	case []any:
		if len(v) == 0 {
			return "[]"
		}
	case map[string]string:
		if len(v) == 0 {
			return "{}"
		}
	case map[string]any:
		if len(v) == 0 {
			return "{}"
		}
	case nil:
		return "<nil>"
	}
	return fmt.Sprint(v)
}
