package tests

import (
	"fmt"
	"os"
	"path/filepath"
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
		priority int
	}{
		{"primary", stacks.RolePrimary, "eastus2", 1},
		{"secondary", stacks.RoleSecondary, "centralus", 2},
	} {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			var cfg *stacks.Config
			rec := &recorder{}
			err := runProgram(rec, tc.stack, stackConfig(t, tc.stack), func(c *stacks.Config) { cfg = c })
			require.NoError(t, err)
			assert.Equal(t, tc.role, cfg.Role)
			assert.Equal(t, tc.location, cfg.Location)
			assert.Equal(t, tc.priority, cfg.Origin.Priority)
			assert.True(t, cfg.Network.AksSubnet.Contains(cfg.Network.IngressIP), "default ingress IP %s lies in the AKS subnet", cfg.Network.IngressIP)
			assert.Equal(t, "organization/aks-dr/primary", cfg.PrimaryStack, "a bare primaryStack is qualified with org and project")
			assert.Empty(t, rec.resources, "LoadConfig registers nothing")
		})
	}
}

func TestDefaultIngressIPIsLastUsableAddress(t *testing.T) {
	t.Parallel()
	var cfg *stacks.Config
	require.NoError(t, runProgram(&recorder{}, "secondary", stackConfig(t, "secondary"), func(c *stacks.Config) { cfg = c }))
	assert.Equal(t, "10.241.3.254", cfg.Network.IngressIP.String())
}

// TestBadConfigIsRejected runs the whole program: each bad config must fail with a message that
// names the key and the valid values, and register nothing.
func TestBadConfigIsRejected(t *testing.T) {
	t.Parallel()
	primary := stackConfig(t, "primary")
	cases := []struct {
		name string
		cfg  map[string]string
		want []string
	}{
		{"missing location", with(primary, "location", ""), []string{"aks-dr:location: is required"}},
		{"missing role", with(primary, "role", ""), []string{"aks-dr:role: is required"}},
		{"unknown role", with(primary, "role", "tertiary"), []string{"aks-dr:role: must be one of primary, secondary"}},
		{"unknown region", with(primary, "location", "atlantis"), []string{"aks-dr:location: \"atlantis\" is not a supported region", "eastus2"}},
		{"malformed CIDR", with(primary, "hubAddressSpace", "10.200.0.0/33"), []string{"aks-dr:hubAddressSpace: \"10.200.0.0/33\" is not an IPv4 CIDR"}},
		{"CIDR with host bits", with(primary, "spokeAddressSpace", "10.240.1.0/16"), []string{"aks-dr:spokeAddressSpace", "did you mean 10.240.0.0/16"}},
		{"hub overlaps spoke", with(primary, "hubAddressSpace", "10.240.0.0/24", "firewallSubnetPrefix", "10.240.0.0/26"), []string{"aks-dr:spokeAddressSpace: 10.240.0.0/16 overlaps hubAddressSpace 10.240.0.0/24"}},
		{"subnet outside its VNet", with(primary, "appGatewaySubnetPrefix", "10.250.4.0/24"), []string{"aks-dr:appGatewaySubnetPrefix: 10.250.4.0/24 must lie inside spokeAddressSpace"}},
		{"subnets overlap", with(primary, "appGatewaySubnetPrefix", "10.240.3.0/24"), []string{"aks-dr:appGatewaySubnetPrefix: 10.240.3.0/24 overlaps aksSubnetPrefix"}},
		{"firewall subnet too small", with(primary, "firewallSubnetPrefix", "10.200.0.0/27"), []string{"aks-dr:firewallSubnetPrefix: 10.200.0.0/27 is too small: use a /26"}},
		{"AKS subnet too small for the surge", with(primary, "aksSubnetPrefix", "10.240.0.0/24"), []string{"aks-dr:aksSubnetPrefix: 10.240.0.0/24 has 251 usable addresses but the node pools at their maximum need 559", "5 upgrade surge nodes"}},
		{"surge grows past the subnet", with(primary, "userNodeMaxCount", "40"), []string{"aks-dr:aksSubnetPrefix", "need 1861"}},
		{"ingress IP outside the subnet", with(primary, "ingressIp", "10.240.4.10"), []string{"aks-dr:ingressIp: 10.240.4.10 must be a usable address in aksSubnetPrefix 10.240.0.0/22 (10.240.0.4 to 10.240.3.254)"}},
		{"service CIDR overlaps the spoke", with(primary, "serviceCidr", "10.240.128.0/20", "dnsServiceIp", "10.240.128.10"), []string{"aks-dr:serviceCidr: 10.240.128.0/20 overlaps spokeAddressSpace"}},
		{"system pool min above max", with(primary, "systemNodeMinCount", "5", "systemNodeMaxCount", "4"), []string{"aks-dr:systemNodeMinCount: (5) must not exceed systemNodeMaxCount (4)"}},
		{"user pool min above max", with(primary, "userNodeMinCount", "10"), []string{"aks-dr:userNodeMinCount: (10) must not exceed userNodeMaxCount (9)"}},
		{"node count not a number", with(primary, "userNodeMaxCount", "many"), []string{"aks-dr:userNodeMaxCount: must be a whole number, got \"many\""}},
		{"max pods out of range", with(primary, "maxPodsPerNode", "500"), []string{"aks-dr:maxPodsPerNode: must be between 30 and 250, got 500"}},
		{"max pods below the AKS system pool minimum", with(primary, "maxPodsPerNode", "20"), []string{"aks-dr:maxPodsPerNode: must be at least 30, got 20: AKS requires at least 30 pods per node on a system node pool"}},
		{"service CIDR in a range AKS reserves", with(primary, "serviceCidr", "172.30.0.0/16", "dnsServiceIp", "172.30.0.10"), []string{"aks-dr:serviceCidr: 172.30.0.0/16 overlaps 172.30.0.0/16, which AKS reserves and refuses as a service CIDR (reserved: 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24)"}},
		{"service CIDR around a reserved range", with(primary, "serviceCidr", "192.0.0.0/16", "dnsServiceIp", "192.0.0.10"), []string{"aks-dr:serviceCidr: 192.0.0.0/16 overlaps 192.0.2.0/24, which AKS reserves"}},
		{"service CIDR in link-local", with(primary, "serviceCidr", "169.254.128.0/20", "dnsServiceIp", "169.254.128.10"), []string{"aks-dr:serviceCidr: 169.254.128.0/20 overlaps 169.254.0.0/16, which AKS reserves"}},
		{"image pinned by tag only", with(primary, "workloadImage", "docker.io/nginxinc/nginx-unprivileged:1.30.5-alpine"), []string{"aks-dr:workloadImage: must be a registry image reference pinned by digest"}},
		{"firewall without public IPs", with(primary, "firewallPublicIpCount", "0"), []string{"aks-dr:firewallPublicIpCount: must be between 1 and 250, got 0"}},
		{"API server range not a CIDR", with(primary, "apiServerAuthorizedIpRanges", `["office"]`), []string{"aks-dr:apiServerAuthorizedIpRanges: \"office\" is not an IPv4 address or CIDR"}},
		{"API server range private", with(primary, "apiServerAuthorizedIpRanges", `["10.0.0.0/8"]`), []string{"aks-dr:apiServerAuthorizedIpRanges: \"10.0.0.0/8\" is not a public range"}},
		{"API server range open to all", with(primary, "apiServerAuthorizedIpRanges", `["0.0.0.0/0"]`), []string{"aks-dr:apiServerAuthorizedIpRanges: \"0.0.0.0/0\" allows every address"}},
		{"API server ranges plus firewall IPs over the limit", with(primary, "apiServerAuthorizedIpRanges", manyRanges(197)), []string{"aks-dr:apiServerAuthorizedIpRanges: lists 197 ranges; with the 4 firewall IPs the program adds (firewallPublicIpCount), AKS accepts at most 200"}},
		{"registry ranges over the limit", with(primary, "registryAllowedIpRanges", manyRanges(201)), []string{"aks-dr:registryAllowedIpRanges: lists 201 ranges; Azure accepts at most 200"}},
		{"registry range with host bits", with(primary, "registryAllowedIpRanges", `["203.0.113.7/24"]`), []string{"aks-dr:registryAllowedIpRanges: \"203.0.113.7/24\" has host bits set; did you mean 203.0.113.0/24?"}},
		{"replicas above autoscaler max", with(primary, "workloadReplicas", "13"), []string{"aks-dr:workloadReplicas: (13) must not exceed workloadMaxReplicas (12)"}},
		{"autoscaler cannot absorb failover", with(primary, "workloadReplicas", "8"), []string{"aks-dr:workloadMaxReplicas: (12) must be at least twice workloadReplicas (8)"}},
		{"autoscaler beyond pool capacity", with(primary, "workloadMaxReplicas", "300"), []string{"aks-dr:workloadMaxReplicas: (300) exceeds what the user pool can hold"}},
		{"image without tag", with(primary, "workloadImage", "nginx"), []string{"aks-dr:workloadImage: must be a registry image reference"}},
		{"bad kubernetes version", with(primary, "kubernetesVersion", "latest"), []string{"aks-dr:kubernetesVersion: must look like 1.35"}},
		{"priority too high", with(primary, "frontDoorPriority", "6"), []string{"aks-dr:frontDoorPriority: must be between 1 and 5, got 6"}},
		{"priority zero", with(primary, "frontDoorPriority", "0"), []string{"aks-dr:frontDoorPriority: must be between 1 and 5, got 0"}},
		{"priority missing", with(primary, "frontDoorPriority", ""), []string{"aks-dr:frontDoorPriority: is required"}},
		{"weight too high", with(primary, "frontDoorWeight", "1001"), []string{"aks-dr:frontDoorWeight: must be between 1 and 1000, got 1001"}},
		{"weight zero", with(primary, "frontDoorWeight", "0"), []string{"aks-dr:frontDoorWeight: must be between 1 and 1000, got 0"}},
		{"origin enabled not a bool", with(primary, "frontDoorOriginEnabled", "perhaps"), []string{"aks-dr:frontDoorOriginEnabled: must be true or false"}},
		{"probe interval too long", with(primary, "probeIntervalSeconds", "256"), []string{"aks-dr:probeIntervalSeconds: must be between 1 and 255, got 256"}},
		{"probe protocol", with(primary, "probeProtocol", "Tcp"), []string{"aks-dr:probeProtocol: must be one of Http, Https, got \"Tcp\""}},
		{"probe method", with(primary, "probeRequestType", "POST"), []string{"aks-dr:probeRequestType: must be one of HEAD, GET"}},
		{"probe samples", with(primary, "probeSuccessfulSamples", "5"), []string{"aks-dr:probeSuccessfulSamples: (5) must not exceed probeSampleSize (4)"}},
		{"probe path", with(primary, "probePath", "health"), []string{"aks-dr:probePath: must start with /"}},
		{"latency band", with(primary, "probeAdditionalLatencyMs", "5000"), []string{"aks-dr:probeAdditionalLatencyMs: must be between 0 and 1000"}},
		{"replica region unknown", with(primary, "registryReplicaLocations", `["moon"]`), []string{"aks-dr:registryReplicaLocations: \"moon\" is not a supported region"}},
		{"replica in home region", with(primary, "registryReplicaLocations", `["eastus2"]`), []string{"aks-dr:registryReplicaLocations: \"eastus2\" is listed twice or is the registry's home region"}},
		{"replica list malformed", with(primary, "registryReplicaLocations", `centralus`), []string{"aks-dr:registryReplicaLocations: must be a list of strings"}},
		{"tags malformed", with(primary, "tags", `[1,2]`), []string{"aks-dr:tags: must be a map of strings"}},
		{"name prefix", with(primary, "namePrefix", "AKS-DR-Production"), []string{"aks-dr:namePrefix: must be 2-8 lowercase letters or digits"}},
		{"kubelogin mode", with(primary, "kubeLoginMode", "devicecode"), []string{"aks-dr:kubeLoginMode: must be one of azurecli, workloadidentity"}},
		{"global region unknown", with(primary, "globalLocation", "mars"), []string{"aks-dr:globalLocation: \"mars\" is not a supported region"}},
		{"cluster admin not a GUID", with(primary, "clusterAdminGroupObjectIds", `["platform-team"]`), []string{"aks-dr:clusterAdminGroupObjectIds: \"platform-team\" is not an Entra ID group object ID"}},
		{"DNS service IP is the API server's", with(primary, "dnsServiceIp", "172.16.0.1"), []string{"aks-dr:dnsServiceIp: 172.16.0.1 must be an address inside serviceCidr 172.16.0.0/16 other than its first two"}},
		{"CI login without an admin group", with(primary, "kubeLoginMode", "workloadidentity"), []string{"aks-dr:clusterAdminGroupObjectIds: is required with kubeLoginMode workloadidentity"}},
		{"vault generation", with(primary, "keyVaultGeneration", "100"), []string{"aks-dr:keyVaultGeneration: must be between 1 and 99"}},
		{"several problems at once", with(primary, "frontDoorPriority", "9", "frontDoorWeight", "0"), []string{"frontDoorPriority: must be between 1 and 5", "frontDoorWeight: must be between 1 and 1000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, err := run(t, "primary", tc.cfg, nil)
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
	required := []string{"role", "location", "hubAddressSpace", "firewallSubnetPrefix", "spokeAddressSpace",
		"aksSubnetPrefix", "appGatewaySubnetPrefix", "privateEndpointSubnetPrefix", "frontDoorPriority"}
	for _, key := range required {
		decl, ok := project.Config[key]
		require.True(t, ok, "Pulumi.yaml declares %s", key)
		assert.Nil(t, decl.Default, "%s is required and has no default", key)
	}
	var declared []string
	for key, decl := range project.Config {
		declared = append(declared, key)
		assert.NotEmpty(t, decl.Description, "%s has a description", key)
	}
	sort.Strings(declared)
	assert.Len(t, declared, len(stacks.Defaults)+len(required), "every declared key is read by the program: %v", declared)
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
