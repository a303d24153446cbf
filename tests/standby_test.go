package tests

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/stacks"
)

// standbyFixture is what a shipped stamp (hot, serving) exports about its capacity and versions,
// as a StackReference returns it (numbers as float64).
func standbyFixture() map[string]any {
	return map[string]any{
		stacks.OutServingCapacity:   true,
		stacks.OutStandbyProfile:    "hot",
		stacks.OutKubernetesVersion: "1.35",
		stacks.OutWorkloadImage:     stacks.DefaultWorkloadImage,
		stacks.OutCapacity: map[string]any{
			"profile": "hot", "serving": true,
			"systemNodeVmSize": "Standard_D4ds_v5", "systemNodeMinCount": 3.0,
			"userNodeVmSize": "Standard_D4ds_v5", "userNodeMinCount": 3.0, "userNodeMinCountPerZone": []any{1.0, 1.0, 1.0},
			"workloadReplicas": 3.0, "appGatewayMinCapacity": 2.0, "firewalls": 1.0, "firewallPublicIps": 4.0,
			"servingUserNodeMinCount": 3.0, "servingWorkloadReplicas": 3.0, "servingAppGatewayMinCapacity": 2.0,
			"userNodeMaxCount": 9.0, "maxPodsPerNode": 30.0, "workloadMaxReplicas": 12.0, "appGatewayMaxCapacity": 10.0,
			"absorbSeconds": 60.0,
		},
	}
}

// warmStandbyFixture is the secondary's outputs while it runs as a warm standby.
func warmStandbyFixture() map[string]any {
	out := stampFixture("secondary")
	out[stacks.OutServingCapacity] = false
	out[stacks.OutStandbyProfile] = "warm"
	c := maps.Clone(out[stacks.OutCapacity].(map[string]any))
	c["profile"], c["serving"] = "warm", false
	c["userNodeMinCount"], c["workloadReplicas"], c["appGatewayMinCapacity"] = 1.0, 2.0, 0.0
	out[stacks.OutCapacity] = c
	return out
}

// withDeclared returns the deployed stacks with the global stack declaring these priorities.
func withDeclared(primary, secondary int) map[string]map[string]any {
	all := deployed()
	g := maps.Clone(all[qualified("global")])
	g[stacks.OutDeclaredPriorities] = map[string]any{"primary": float64(primary), "secondary": float64(secondary)}
	all[qualified("global")] = g
	return all
}

// floorPaths are the only inputs a standby profile may change: the user pools' minimums, the
// gateway's autoscale minimum, the HPA minimum and the Deployment's replicas (which the HPA owns
// once it exists, so updates ignore them).
var floorPaths = map[string][]string{
	"azure-native:containerservice:ManagedCluster":      {"agentPoolProfiles[1].minCount", "agentPoolProfiles[2].minCount", "agentPoolProfiles[3].minCount"},
	"azure-native:network:ApplicationGateway":           {"autoscaleConfiguration.minCapacity"},
	"kubernetes:autoscaling/v2:HorizontalPodAutoscaler": {"spec.minReplicas"},
	"kubernetes:apps/v1:Deployment":                     {"spec.replicas"},
}

// changedFloors compares two runs of one stamp: every resource must be registered in both, and
// where inputs differ, only floor paths may differ. It returns the types that changed.
func changedFloors(t *testing.T, before, after *recorder) []string {
	t.Helper()
	b, a := before.byURN(), after.byURN()
	require.Len(t, a, len(b), "same resources")
	var changed []string
	for urn, x := range b {
		y, ok := a[urn]
		require.True(t, ok, "%s still registered", urn)
		if x.Inputs.DeepEquals(y.Inputs) {
			continue
		}
		paths, known := floorPaths[x.Type]
		require.True(t, known, "%s (%s) changed, but only floors may", x.Name, x.Type)
		// Deep copies (Copy is shallow): Delete must not touch the recorded inputs.
		xi, yi := resource.NewPropertyMapFromMap(x.Inputs.Mappable()), resource.NewPropertyMapFromMap(y.Inputs.Mappable())
		for _, p := range paths {
			pp, err := resource.ParsePropertyPath(p)
			require.NoError(t, err)
			pp.Delete(resource.NewObjectProperty(xi))
			pp.Delete(resource.NewObjectProperty(yi))
		}
		assert.True(t, xi.DeepEquals(yi), "%s changed beyond its floors (%v)", x.Name, paths)
		changed = append(changed, x.Type)
	}
	slices.Sort(changed)
	return changed
}

func intAt(t *testing.T, r registered, path string) int {
	t.Helper()
	return int(get(t, r.Inputs, path).NumberValue())
}

// TestHotIsTodaysStamp: the default profile runs the serving floors, whatever the priority.
func TestHotIsTodaysStamp(t *testing.T) {
	t.Parallel()
	for name, others := range map[string]map[string]map[string]any{"priority 2": withDeclared(1, 2), "no priority yet": deployed()} {
		rec := mustRun(t, "secondary", stackConfig(t, "secondary"), others)
		aks := rec.one(t, "azure-native:containerservice:ManagedCluster")
		for i := 1; i <= 3; i++ {
			assert.Equal(t, 1, intAt(t, aks, "agentPoolProfiles["+string(rune('0'+i))+"].minCount"), "%s: a third of userNodeMinCount per zone", name)
		}
		assert.Equal(t, 2, intAt(t, rec.one(t, "azure-native:network:ApplicationGateway"), "autoscaleConfiguration.minCapacity"), name)
		assert.Equal(t, 3, intAt(t, rec.one(t, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"), "spec.minReplicas"), name)
		assert.Equal(t, 3, intAt(t, rec.one(t, "kubernetes:apps/v1:Deployment"), "spec.replicas"), name)
	}
}

// TestWarmStandbyLowersOnlyItsFloors: a warm standby (priority 2) differs from a hot stamp in
// its floors alone; its ceilings are the serving ones. Promoting it (standbyProfile hot) is
// therefore a stamp update of the floors alone.
func TestWarmStandbyLowersOnlyItsFloors(t *testing.T) {
	t.Parallel()
	hot := mustRun(t, "secondary", stackConfig(t, "secondary"), withDeclared(1, 2))
	warm := mustRun(t, "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm"), withDeclared(1, 2))
	assert.Equal(t, []string{"azure-native:containerservice:ManagedCluster", "azure-native:network:ApplicationGateway",
		"kubernetes:apps/v1:Deployment", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"}, changedFloors(t, warm, hot),
		"promotion touches the node pool minimums, the gateway minimum and the HPA minimum (and replicas), nothing else")

	aks := warm.one(t, "azure-native:containerservice:ManagedCluster")
	for i, want := range []struct{ min, max int }{{1, 3}, {0, 3}, {0, 3}} {
		p := "agentPoolProfiles[" + string(rune('1'+i)) + "]."
		assert.Equal(t, want.min, intAt(t, aks, p+"minCount"), "warm floor: one user node, in zone 1")
		assert.Equal(t, want.max, intAt(t, aks, p+"maxCount"), "ceilings never shrink")
	}
	assert.Equal(t, 3, intAt(t, aks, "agentPoolProfiles[0].minCount"), "the system pool keeps a node per zone")
	for i := 1; i <= 3; i++ {
		assert.Equal(t, 1, intAt(t, aks, "agentPoolProfiles["+string(rune('0'+i))+"].count"),
			"created at the serving count, so that raising the minimum later never sends a count below it")
	}
	gw := warm.one(t, "azure-native:network:ApplicationGateway")
	assert.Equal(t, 0, intAt(t, gw, "autoscaleConfiguration.minCapacity"))
	assert.Equal(t, 10, intAt(t, gw, "autoscaleConfiguration.maxCapacity"))
	hpa := warm.one(t, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
	assert.Equal(t, 2, intAt(t, hpa, "spec.minReplicas"))
	assert.Equal(t, 12, intAt(t, hpa, "spec.maxReplicas"), "the HPA can still reach the active region's full load")
}

// TestPriorityOneRunsAtServingFloors: a warm stamp whose origin has priority 1 (declared, or as
// an earlier global version exported it) runs exactly as a hot one.
func TestPriorityOneRunsAtServingFloors(t *testing.T) {
	t.Parallel()
	hot := mustRun(t, "secondary", stackConfig(t, "secondary"), withDeclared(2, 1))
	warm := mustRun(t, "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm"), withDeclared(2, 1))
	assert.Empty(t, changedFloors(t, warm, hot))

	legacy := deployed()
	g := maps.Clone(legacy[qualified("global")])
	g[stacks.OutOriginPriorities] = map[string]any{"primary": 2.0, "secondary": 1.0}
	legacy[qualified("global")] = g
	old := mustRun(t, "secondary", with(stackConfig(t, "secondary"), "standbyProfile", "warm"), legacy)
	assert.Empty(t, changedFloors(t, old, hot), "originPriorities of an earlier global stack counts too")
}

// TestGlobalRefusesTrafficBeforeCapacity: the failover config gives priority 1 to a warm
// standby: the global stack stops before registering anything and says what to run first.
// Once the standby exports servingCapacity true, the same config changes only the origins.
func TestGlobalRefusesTrafficBeforeCapacity(t *testing.T) {
	t.Parallel()
	warm := deployed()
	warm[qualified("secondary")] = warmStandbyFixture()
	rec, err := run(t, "global", failoverConfig(t), warm)
	require.Error(t, err)
	for _, want := range []string{
		"aks-dr:origins.secondary.priority: 1 would send the traffic to secondary, which runs at warm standby floors (user nodes minimum 1 of 3, workload replicas 2 of 3, gateway minimum 0 of 2)",
		"Capacity first, then traffic: run `pulumi config set aks-dr:standbyProfile hot -s secondary && pulumi up -s secondary` (in centralus, which must answer), then `pulumi up -s global` again",
	} {
		assert.Contains(t, err.Error(), want)
	}
	onlyStackReferences(t, rec)

	// The warm standby at priority 2 is fine, and so is a stamp of an earlier version (no
	// servingCapacity output: it ran today's hot profile).
	mustRun(t, "global", stackConfig(t, "global"), warm)
	legacy := deployed()
	for _, k := range []string{stacks.OutServingCapacity, stacks.OutStandbyProfile, stacks.OutCapacity, stacks.OutKubernetesVersion, stacks.OutWorkloadImage} {
		delete(legacy[qualified("secondary")], k)
	}
	mustRun(t, "global", failoverConfig(t), legacy)
}

// TestWarmPromotionIsFloorsThenOrigins is the warm failover, both updates: the stamp's (its
// floors alone), then the global one (the two origins alone), as with a hot standby.
func TestWarmPromotionIsFloorsThenOrigins(t *testing.T) {
	t.Parallel()
	// 1. The target stamp, warm at priority 2, promoted by its profile.
	warmCfg := with(stackConfig(t, "secondary"), "standbyProfile", "warm")
	before := mustRun(t, "secondary", warmCfg, withDeclared(1, 2))
	after := mustRun(t, "secondary", with(warmCfg, "standbyProfile", "hot"), withDeclared(1, 2))
	assert.Len(t, changedFloors(t, before, after), 4, "the stamp update raises the floors only")

	// 2. The global update: refused before step 1, then it changes the two origins only.
	warm := deployed()
	warm[qualified("secondary")] = warmStandbyFixture()
	_, err := run(t, "global", failoverConfig(t), warm)
	require.Error(t, err, "traffic before capacity is refused")
	g0 := mustRun(t, "global", stackConfig(t, "global"), warm).byURN()
	g1 := mustRun(t, "global", failoverConfig(t), deployed()).byURN()
	var changed []string
	for urn, b := range g0 {
		if !b.Inputs.DeepEquals(g1[urn].Inputs) {
			changed = append(changed, b.Type)
		}
	}
	assert.Equal(t, []string{"azure-native:cdn:AFDOrigin", "azure-native:cdn:AFDOrigin"}, changed)
}

// TestUserPoolsPerZone: one autoscaled user pool per zone, the totals split evenly, the system
// pool across the three zones, the autoscaler balancing similar pools, and a zone spread that
// stays strict but does not count the tainted system nodes.
func TestUserPoolsPerZone(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", with(stackConfig(t, "primary"), "userNodeMinCount", "4", "userNodeMaxCount", "10"), deployed())
	aks := rec.one(t, "azure-native:containerservice:ManagedCluster")
	for i, want := range []struct {
		name     string
		min, max int
	}{{"userz1", 2, 4}, {"userz2", 1, 3}, {"userz3", 1, 3}} {
		p := "agentPoolProfiles[" + string(rune('1'+i)) + "]."
		assert.Equal(t, want.name, plain(get(t, aks.Inputs, p+"name")))
		assert.Equal(t, "User", plain(get(t, aks.Inputs, p+"mode")))
		assert.Equal(t, []any{string(rune('1' + i))}, plain(get(t, aks.Inputs, p+"availabilityZones")))
		assert.Equal(t, want.min, intAt(t, aks, p+"minCount"), want.name)
		assert.Equal(t, want.max, intAt(t, aks, p+"maxCount"), want.name)
		assert.Equal(t, true, plain(get(t, aks.Inputs, p+"enableAutoScaling")))
	}
	assert.Equal(t, "true", plain(get(t, aks.Inputs, "autoScalerProfile.balanceSimilarNodeGroups")))
	assert.Len(t, aks.IgnoreChanges, 4, "every pool's count belongs to the autoscaler")
	dep := rec.one(t, "kubernetes:apps/v1:Deployment")
	assert.Equal(t, "DoNotSchedule", plain(get(t, dep.Inputs, "spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable")))
	assert.Equal(t, "Honor", plain(get(t, dep.Inputs, "spec.template.spec.topologySpreadConstraints[0].nodeTaintsPolicy")))
}

// otherImage is another digest of the workload's repository.
var otherImage = "ghcr.io/nginx/nginx-unprivileged@sha256:" + strings.Repeat("ab", 32)

// TestVersionSkewNeedsAnExplicitUpgradeSetting: the secondary refuses another Kubernetes
// version or image than the deployed primary's, naming both values, unless allowVersionSkew.
func TestVersionSkewNeedsAnExplicitUpgradeSetting(t *testing.T) {
	t.Parallel()
	imported := deployed()
	g := maps.Clone(imported[qualified("global")])
	g[stacks.OutRegistryImages] = []any{stacks.DefaultWorkloadImage, otherImage}
	imported[qualified("global")] = g
	skewed := with(stackConfig(t, "secondary"), "workloadImage", otherImage, "kubernetesVersion", "1.36")

	rec, err := run(t, "secondary", skewed, imported)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aks-dr:kubernetesVersion: 1.36 here, but stack primary runs 1.35")
	assert.Contains(t, err.Error(), "aks-dr:workloadImage: "+otherImage+" here, but stack primary runs "+stacks.DefaultWorkloadImage)
	onlyStackReferences(t, rec)

	up := mustRun(t, "secondary", with(skewed, "allowVersionSkew", "true"), imported)
	assert.Equal(t, "1.36", plain(get(t, up.one(t, "azure-native:containerservice:ManagedCluster").Inputs, "kubernetesVersion")))

	// A sibling of an earlier version exports neither: no comparison until its next update.
	legacy := deployed()
	for _, k := range []string{stacks.OutKubernetesVersion, stacks.OutWorkloadImage, stacks.OutServingCapacity, stacks.OutStandbyProfile, stacks.OutCapacity} {
		delete(legacy[qualified("primary")], k)
	}
	mustRun(t, "secondary", with(stackConfig(t, "secondary"), "kubernetesVersion", "1.36"), legacy)
}

// TestStandbyProfileScript: the script the failover workflow uses reads a stamp file's profile
// and promotes a warm one to hot in place, as the program then reads it.
func TestStandbyProfileScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH")
	}
	file := filepath.Join(t.TempDir(), "Pulumi.secondary.yaml")
	script := func(args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{filepath.Join("..", "scripts", "standby-profile.sh"), "secondary"}, args...)...)
		cmd.Env = append(os.Environ(), "STAMP_STACK_FILE="+file)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	profile := func() string {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		var got *stacks.Config
		require.NoError(t, runProgram(&recorder{}, "secondary", stackConfigFrom(t, raw), func(c *stacks.Config) { got = c }))
		return got.Stamp.Standby.Profile
	}
	shipped := read(t, "Pulumi.secondary.yaml")
	require.NoError(t, os.WriteFile(file, []byte(shipped), 0o600))
	out, err := script()
	require.NoError(t, err, out)
	assert.Equal(t, "hot", out, "absent means hot")
	out, err = script("hot")
	require.NoError(t, err, out)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, shipped, string(raw), "a hot file is left alone")

	require.NoError(t, os.WriteFile(file, []byte(shipped+"  aks-dr:standbyProfile: warm # standby\n"), 0o600))
	out, err = script()
	require.NoError(t, err, out)
	assert.Equal(t, "warm", out)
	assert.Equal(t, "warm", profile())
	out, err = script("hot")
	require.NoError(t, err, out)
	assert.Equal(t, "hot", profile())
	raw, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(raw), "  aks-dr:standbyProfile: hot # standby\n", "the comment stays")

	require.NoError(t, os.WriteFile(file, []byte(shipped+"  aks-dr:standbyProfile: cold\n"), 0o600))
	out, err = script("hot")
	require.Error(t, err)
	assert.Contains(t, out, "aks-dr:standbyProfile is 'cold', expected hot or warm")
}
