package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrontDoorRoutesByPriorityWithHealthProbes(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	og := rec.one(t, "azure-native:cdn:AFDOriginGroup")
	for path, want := range map[string]any{
		"healthProbeSettings.probePath":                         "/",
		"healthProbeSettings.probeProtocol":                     "Http",
		"healthProbeSettings.probeRequestType":                  "HEAD",
		"healthProbeSettings.probeIntervalInSeconds":            30.0,
		"loadBalancingSettings.sampleSize":                      4.0,
		"loadBalancingSettings.successfulSamplesRequired":       2.0,
		"loadBalancingSettings.additionalLatencyInMilliseconds": 50.0,
	} {
		assert.Equal(t, want, plain(get(t, og.Inputs, path)), path)
	}
	primary := origin(t, rec, "eus2")
	assert.EqualValues(t, 1, plain(get(t, primary.Inputs, "priority")))
	assert.EqualValues(t, 1000, plain(get(t, primary.Inputs, "weight")))
	assert.Equal(t, "Enabled", plain(get(t, primary.Inputs, "enabledState")))
	assert.Equal(t, "app-aksdr-eus2-tenanthash.eastus2.cloudapp.azure.com", plain(get(t, primary.Inputs, "hostName")),
		"the origin is the region's Application Gateway")

	route := rec.one(t, "azure-native:cdn:Route")
	assert.Equal(t, "Enabled", plain(get(t, route.Inputs, "httpsRedirect")))
	assert.Equal(t, []any{"Http", "Https"}, plain(get(t, route.Inputs, "supportedProtocols")))
	for _, o := range rec.ofType("azure-native:cdn:AFDOrigin") {
		assert.Contains(t, route.Dependencies, o.URN, "the route waits for every origin")
	}

	waf := rec.one(t, "azure-native:network:Policy")
	assert.Equal(t, "Prevention", plain(get(t, waf.Inputs, "policySettings.mode")))
	assert.Equal(t, "Premium_AzureFrontDoor", plain(get(t, waf.Inputs, "sku.name")))
	assert.Equal(t, "Microsoft_DefaultRuleSet", plain(get(t, waf.Inputs, "managedRules.managedRuleSets[0].ruleSetType")))
	sp := rec.one(t, "azure-native:cdn:SecurityPolicy")
	assert.Contains(t, plain(get(t, sp.Inputs, "parameters.wafPolicy.id")), "/frontDoorWebApplicationFirewallPolicies/")
	assert.Contains(t, plain(get(t, sp.Inputs, "parameters.associations[0].domains[0].id")), "fde-aksdr-global")
}

// origin returns the Front Door origin of the stamp with the given region code.
func origin(t *testing.T, rec *recorder, code string) registered {
	t.Helper()
	for _, o := range rec.ofType("azure-native:cdn:AFDOrigin") {
		if plain(get(t, o.Inputs, "originName")) == "origin-aksdr-"+code {
			return o
		}
	}
	t.Fatalf("no origin for %s", code)
	return registered{}
}

func TestGeoRegistry(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	acr := rec.one(t, "azure-native:containerregistry:Registry")
	assert.Equal(t, "Premium", plain(get(t, acr.Inputs, "sku.name")))
	assert.Equal(t, false, plain(get(t, acr.Inputs, "adminUserEnabled")))
	assert.Equal(t, "Enabled", plain(get(t, acr.Inputs, "zoneRedundancy")))
	assert.Equal(t, "westus3", plain(get(t, acr.Inputs, "location")), "the registry's home is the global layer's region, outside both stamps'")
	replicas := []any{}
	for _, rep := range rec.ofType("azure-native:containerregistry:Replication") {
		replicas = append(replicas, plain(get(t, rep.Inputs, "location")))
		assert.Equal(t, "Enabled", plain(get(t, rep.Inputs, "zoneRedundancy")))
	}
	assert.ElementsMatch(t, []any{"eastus2", "centralus"}, replicas, "replicated to every stamp's region")
}

// failoverConfig is the shipped global config with the priorities swapped.
func failoverConfig(t *testing.T) map[string]string {
	t.Helper()
	return with(stackConfig(t, "global"), "origins",
		`{"primary":{"location":"eastus2","priority":2},"secondary":{"location":"centralus","priority":1}}`)
}

// TestFailoverChangesOnlyTheOrigins runs the global stack with the shipped priorities and with
// them swapped: every resource but the two Front Door origins must be registered with
// identical inputs. The stamps are not part of a failover at all.
func TestFailoverChangesOnlyTheOrigins(t *testing.T) {
	t.Parallel()
	before := mustRun(t, "global", stackConfig(t, "global"), deployed()).byURN()
	after := mustRun(t, "global", failoverConfig(t), deployed()).byURN()
	require.Len(t, after, len(before), "same resources")
	changed := []string{}
	for urn, b := range before {
		a, ok := after[urn]
		require.True(t, ok, "%s still registered", urn)
		if !b.Inputs.DeepEquals(a.Inputs) {
			changed = append(changed, b.Type)
		}
	}
	assert.Equal(t, []string{"azure-native:cdn:AFDOrigin", "azure-native:cdn:AFDOrigin"}, changed, "only the origins change")
}

// TestPromoteBeforeDemote: the origin with the worse priority waits for the better one, so a
// failover's single update promotes first, then demotes; if the promotion fails, the demotion
// does not run.
func TestPromoteBeforeDemote(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		cfg               map[string]string
		promoted, demoted string
	}{
		"shipped":  {stackConfig(t, "global"), "eus2", "cus"},
		"failover": {failoverConfig(t), "cus", "eus2"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := mustRun(t, "global", tc.cfg, deployed())
			promoted, demoted := origin(t, rec, tc.promoted), origin(t, rec, tc.demoted)
			assert.Contains(t, demoted.Dependencies, promoted.URN, "the demoted origin waits for the promoted one")
			assert.NotContains(t, promoted.Dependencies, demoted.URN)
		})
	}
	rec := mustRun(t, "global", with(stackConfig(t, "global"), "origins",
		`{"primary":{"location":"eastus2","priority":1},"secondary":{"location":"centralus","priority":1}}`), deployed())
	assert.NotContains(t, origin(t, rec, "cus").Dependencies, origin(t, rec, "eus2").URN, "equal priorities do not wait for each other")
}

func TestDisabledOrigin(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", with(stackConfig(t, "global"), "origins",
		`{"primary":{"location":"eastus2","priority":1},"secondary":{"location":"centralus","priority":"2","weight":"10","enabled":"false"}}`), deployed())
	o := origin(t, rec, "cus")
	assert.Equal(t, "Disabled", plain(get(t, o.Inputs, "enabledState")))
	assert.EqualValues(t, 2, plain(get(t, o.Inputs, "priority")), "numbers set with `pulumi config set --path` as strings are read too")
	assert.EqualValues(t, 10, plain(get(t, o.Inputs, "weight")))
}
