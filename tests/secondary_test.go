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

// onlyStackReferences asserts that a failed stack registered nothing but reference reads.
func onlyStackReferences(t *testing.T, rec *recorder) {
	t.Helper()
	assert.Empty(t, rec.resources, "nothing is registered")
	assert.NotContains(t, rec.invokes, "azure-native:authorization:getClientConfig", "Azure is not even asked")
}

// withGlobalOutput returns the deployed stacks with one of the global stack's outputs changed
// (or removed, for nil).
func withGlobalOutput(key string, v any) map[string]map[string]any {
	all := deployed()
	g := maps.Clone(all[qualified("global")])
	if v == nil {
		delete(g, key)
	} else {
		g[key] = v
	}
	all[qualified("global")] = g
	return all
}

func TestStampChecksTheGlobalLayer(t *testing.T) {
	t.Parallel()
	secondary := stackConfig(t, "secondary")
	siblingAt := func(hub, spoke string) map[string]map[string]any {
		all := deployed()
		p := maps.Clone(all[qualified("primary")])
		p[stacks.OutHubAddressSpace], p[stacks.OutSpokeAddressSpace] = hub, spoke
		all[qualified("primary")] = p
		return all
	}
	cases := []struct {
		name   string
		cfg    map[string]string
		others map[string]map[string]any
		want   []string
	}{
		// The engine's own error for the failed read wins; the program logs its advice beside it.
		{"global stack missing", secondary, without(deployed(), false, "global"), []string{`unknown stack "organization/aks-dr/global"`}},
		{"global stack exists but was never deployed", secondary, without(deployed(), true, "global"),
			[]string{`aks-dr:globalStack: stack "organization/aks-dr/global" has none of the global layer's outputs`, "pulumi up -s global"}},
		{"reference names a stack that is not the global one", secondary, map[string]map[string]any{qualified("global"): stampFixture("primary")},
			[]string{`aks-dr:globalStack: stack "organization/aks-dr/global" lacks the global outputs`, "frontDoorId", "is it the global stack"}},
		{"one global output missing", secondary, withGlobalOutput(stacks.OutFrontDoorID, nil), []string{"lacks the global outputs frontDoorId;"}},
		{"stamp not listed in the origins", secondary, withGlobalOutput(stacks.OutStamps, map[string]any{qualified("primary"): "eastus2"}),
			[]string{"aks-dr:globalStack: the global layer has no origin for this stack (organization/aks-dr/secondary)", "add origins.secondary"}},
		{"stamp in another region than its origin says", with(secondary, "location", "westeurope"), deployed(),
			[]string{"aks-dr:location: westeurope, but the global stack's origins.secondary.location says centralus"}},
		{"stamp in the global layer's region", secondary, withGlobalOutput(stacks.OutLocation, "centralus"),
			[]string{"aks-dr:location: centralus is the global layer's region"}},
		{"no registry replica in this region", secondary, withGlobalOutput(stacks.OutRegistryLocations, []any{"westus3", "eastus2"}),
			[]string{"aks-dr:location: the registry has no replica in centralus"}},
		{"hub overlaps the sibling's spoke", with(secondary, "hubAddressSpace", "10.240.200.0/24", "firewallSubnetPrefix", "10.240.200.0/26"), deployed(),
			[]string{"aks-dr:hubAddressSpace: 10.240.200.0/24 overlaps primary's spokeAddressSpace 10.240.0.0/16"}},
		{"spoke equals the sibling's", secondary, siblingAt("10.200.0.0/24", "10.241.0.0/16"),
			[]string{"aks-dr:spokeAddressSpace: 10.241.0.0/16 overlaps primary's spokeAddressSpace 10.241.0.0/16"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, err := run(t, "secondary", tc.cfg, tc.others)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			onlyStackReferences(t, rec)
		})
	}
}

func TestStampDeploysBesideAnUndeployedSibling(t *testing.T) {
	t.Parallel()
	mustRun(t, "secondary", stackConfig(t, "secondary"), without(deployed(), true, "primary"))
}

// TestGlobalChecksTheStamps: the global layer refuses stamps that do not match their origins
// entry, and leaves a stamp that was never deployed without an origin.
func TestGlobalChecksTheStamps(t *testing.T) {
	t.Parallel()
	global := stackConfig(t, "global")
	movedPrimary := deployed()
	movedPrimary[qualified("primary")] = maps.Clone(movedPrimary[qualified("primary")])
	movedPrimary[qualified("primary")][stacks.OutLocation] = "westeurope"
	overlapping := deployed()
	overlapping[qualified("secondary")] = maps.Clone(overlapping[qualified("secondary")])
	overlapping[qualified("secondary")][stacks.OutSpokeAddressSpace] = "10.240.0.0/12"
	notAStamp := deployed()
	notAStamp[qualified("secondary")] = map[string]any{stacks.OutLocation: "centralus"}
	for _, tc := range []struct {
		name   string
		others map[string]map[string]any
		want   []string
	}{
		{"stamp stack missing", without(deployed(), false, "secondary"), []string{`unknown stack "organization/aks-dr/secondary"`}},
		{"stamp deployed elsewhere", movedPrimary, []string{"aks-dr:origins.primary.location: says eastus2, but stack primary is deployed in westeurope"}},
		{"stamps overlap", overlapping, []string{"stack secondary: aks-dr:spokeAddressSpace: 10.240.0.0/12 overlaps primary's spokeAddressSpace 10.240.0.0/16"}},
		{"not a stamp", notAStamp, []string{"aks-dr:origins.secondary: stack \"organization/aks-dr/secondary\" lacks the stamp outputs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, err := run(t, "global", global, tc.others)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			onlyStackReferences(t, rec)
		})
	}
	t.Run("stamp not deployed yet", func(t *testing.T) {
		t.Parallel()
		rec := mustRun(t, "global", global, without(deployed(), true, "secondary"))
		origin := rec.one(t, "azure-native:cdn:AFDOrigin")
		assert.Equal(t, "origin-aksdr-eus2", plain(get(t, origin.Inputs, "originName")), "only the deployed stamp gets an origin")
		rec.one(t, "azure-native:cdn:Route")
	})
	t.Run("no stamp deployed yet", func(t *testing.T) {
		t.Parallel()
		rec := mustRun(t, "global", global, without(deployed(), true, "primary", "secondary"))
		assert.Empty(t, rec.ofType("azure-native:cdn:AFDOrigin"))
		assert.Empty(t, rec.ofType("azure-native:cdn:Route"), "Azure rejects a route to an empty origin group")
		rec.one(t, "azure-native:cdn:Profile")
	})
}

// TestFixtureMatchesWhatTheStacksExport keeps the hand-written fixtures honest: they have
// exactly the outputs the other stacks read (the engine test reads the real ones).
func TestFixtureMatchesWhatTheStacksExport(t *testing.T) {
	t.Parallel()
	assert.ElementsMatch(t, stacks.GlobalOutputs(), keysOf(globalFixture()))
	assert.ElementsMatch(t, append(stacks.StampOutputs(), stacks.StampMonitoringOutputs()...), keysOf(stampFixture("primary")))
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStampUsesTheNamedGlobalStack(t *testing.T) {
	t.Parallel()
	rec, err := run(t, "secondary", with(stackConfig(t, "secondary"), "globalStack", "acme/aks-dr/prod-global"), deployed())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown stack "acme/aks-dr/prod-global"`, "a qualified name is used as given")
	onlyStackReferences(t, rec)
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
// stamp.
func TestStampsAreIdenticalInBothRegions(t *testing.T) {
	t.Parallel()
	shapes := map[string][]string{}
	for _, stack := range []string{"primary", "secondary"} {
		rec := mustRun(t, stack, stackConfig(t, stack), deployed())
		kv := plain(get(t, rec.one(t, "azure-native:keyvault:Vault").Inputs, "vaultName")).(string)
		unique := strings.Split(kv, "-")[2]
		for _, res := range rec.resources {
			shapes[stack] = append(shapes[stack], shape(t, res, []string{unique}))
		}
		sort.Strings(shapes[stack])
	}
	require.NotEmpty(t, shapes["primary"])
	assert.Equal(t, shapes["primary"], shapes["secondary"])
}
