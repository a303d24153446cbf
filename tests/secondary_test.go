package tests

import (
	"encoding/json"
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/stacks"
)

// onlyStackReference asserts that a failed secondary registered nothing but the reference read.
func onlyStackReference(t *testing.T, rec *recorder) {
	t.Helper()
	assert.Empty(t, rec.resources, "nothing is registered")
	assert.NotContains(t, rec.invokes, "azure-native:authorization:getClientConfig", "Azure is not even asked")
}

func TestSecondaryChecksThePrimary(t *testing.T) {
	t.Parallel()
	secondary := stackConfig(t, "secondary")
	without := func(keys ...string) map[string]any {
		out := maps.Clone(primaryFixture())
		for _, k := range keys {
			delete(out, k)
		}
		return out
	}
	withOutput := func(k string, v any) map[string]any {
		out := primaryFixture()
		out[k] = v
		return out
	}
	cases := []struct {
		name    string
		cfg     map[string]string
		primary map[string]any
		want    []string
	}{
		// The engine's own error for the failed read wins; the program logs its advice beside it.
		{"primary stack missing", secondary, nil, []string{`unknown stack "organization/aks-dr/primary"`}},
		{"primary stack exists but was never deployed", secondary, map[string]any{},
			[]string{"aks-dr:primaryStack: stack \"organization/aks-dr/primary\" has none of the primary's outputs", "pulumi up -s primary"}},
		{"reference names a stack that is not a primary", secondary, map[string]any{"location": "westeurope"},
			[]string{"aks-dr:primaryStack: stack \"organization/aks-dr/primary\" lacks the global outputs", "frontDoorProfileName", "is it a primary stack"}},
		{"one global output missing", secondary, without(stacks.OutFrontDoorID), []string{"lacks the global outputs frontDoorId;"}},
		{"same region as the primary", with(secondary, "location", "eastus2"), primaryFixture(), []string{"aks-dr:location: eastus2 is the primary's region too"}},
		{"hub overlaps the primary's spoke", with(secondary, "hubAddressSpace", "10.240.200.0/24", "firewallSubnetPrefix", "10.240.200.0/26"), primaryFixture(),
			[]string{"aks-dr:hubAddressSpace: 10.240.200.0/24 overlaps the primary's spokeAddressSpace 10.240.0.0/16"}},
		{"spoke equals the primary's", with(secondary, "spokeAddressSpace", "10.240.0.0/16", "aksSubnetPrefix", "10.240.0.0/22",
			"appGatewaySubnetPrefix", "10.240.4.0/24", "privateEndpointSubnetPrefix", "10.240.5.0/27"), primaryFixture(),
			[]string{"aks-dr:spokeAddressSpace: 10.240.0.0/16 overlaps the primary's spokeAddressSpace"}},
		{"no registry replica in this region", secondary, withOutput(stacks.OutRegistryLocations, []any{"eastus2"}),
			[]string{"aks-dr:location: the registry has no replica in centralus", "add centralus to registryReplicaLocations in the primary stack"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, err := run(t, "secondary", tc.cfg, tc.primary)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			onlyStackReference(t, rec)
		})
	}
}

// TestFixtureMatchesWhatThePrimaryExports keeps the hand-written primary fixture honest: it has
// exactly the outputs the secondary reads (the engine test reads the real ones).
func TestFixtureMatchesWhatThePrimaryExports(t *testing.T) {
	t.Parallel()
	var keys []string
	for k := range primaryFixture() {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, stacks.GlobalOutputs(), keys)
}

func TestSecondaryUsesTheNamedPrimaryStack(t *testing.T) {
	t.Parallel()
	rec, err := run(t, "secondary", with(stackConfig(t, "secondary"), "primaryStack", "acme/aks-dr/prod-east"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown stack "acme/aks-dr/prod-east"`, "a qualified name is used as given")
	onlyStackReference(t, rec)
}

// regionalTokens are the values that may differ between the two shipped stamps.
var regionalTokens = map[string]string{
	"eastus2": "REGION", "centralus": "REGION", "-eus2": "-RC", "-cus": "-RC",
	"10.200.": "HUB.", "10.201.": "HUB.", "10.240.": "SPOKE.", "10.241.": "SPOKE.",
}

// shape is a resource with every regional token replaced, for comparing the two stamps.
func shape(t *testing.T, res registered, uniqueSuffixes []string) string {
	t.Helper()
	b, err := json.Marshal(res.Inputs.Mappable())
	require.NoError(t, err)
	s := res.Type + " " + res.Name + " " + string(b)
	for _, u := range uniqueSuffixes {
		s = strings.ReplaceAll(s, u, "UNIQUE")
	}
	keys := make([]string, 0, len(regionalTokens))
	for k := range regionalTokens {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, regionalTokens[k])
	}
	return s
}

// TestStampsAreIdenticalInBothRegions compares every resource of the two stamps once region,
// address plan and the per-stack unique name suffix are masked: the same config gives the same
// stamp, apart from the origin's priority.
func TestStampsAreIdenticalInBothRegions(t *testing.T) {
	t.Parallel()
	shapes := map[string][]string{}
	for _, stack := range []string{"primary", "secondary"} {
		rec := mustRun(t, stack, with(stackConfig(t, stack), "frontDoorPriority", "1"), primaryFixture())
		kv := plain(get(t, rec.one(t, "azure-native:keyvault:Vault").Inputs, "vaultName")).(string)
		unique := strings.Split(kv, "-")[2]
		global := map[string]bool{}
		for typ := range globalTypes {
			if _, inStamp := stampTypes[typ]; !inStamp {
				global[typ] = true
			}
		}
		for _, res := range rec.resources {
			if global[res.Type] || strings.Contains(res.URN, "aks-dr:global:") || strings.Contains(res.URN, "GlobalFrontDoor") {
				continue
			}
			shapes[stack] = append(shapes[stack], shape(t, res, []string{unique}))
		}
		sort.Strings(shapes[stack])
	}
	require.NotEmpty(t, shapes["primary"])
	assert.Equal(t, shapes["primary"], shapes["secondary"])
}
