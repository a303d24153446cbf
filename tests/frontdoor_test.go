package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrontDoorRoutesByPriorityWithHealthProbes(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), nil)
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
	origin := rec.one(t, "azure-native:cdn:AFDOrigin")
	assert.EqualValues(t, 1, plain(get(t, origin.Inputs, "priority")))
	assert.EqualValues(t, 1000, plain(get(t, origin.Inputs, "weight")))
	assert.Equal(t, "Enabled", plain(get(t, origin.Inputs, "enabledState")))
	assert.Equal(t, "app-aksdr-eus2.eastus2.cloudapp.azure.com", plain(get(t, origin.Inputs, "hostName")),
		"the origin is the region's Application Gateway")

	route := rec.one(t, "azure-native:cdn:Route")
	assert.Equal(t, "Enabled", plain(get(t, route.Inputs, "httpsRedirect")))
	assert.Equal(t, []any{"Http", "Https"}, plain(get(t, route.Inputs, "supportedProtocols")))
	assert.Contains(t, route.Dependencies, origin.URN, "the route waits for an origin")

	waf := rec.one(t, "azure-native:network:Policy")
	assert.Equal(t, "Prevention", plain(get(t, waf.Inputs, "policySettings.mode")))
	assert.Equal(t, "Premium_AzureFrontDoor", plain(get(t, waf.Inputs, "sku.name")))
	assert.Equal(t, "Microsoft_DefaultRuleSet", plain(get(t, waf.Inputs, "managedRules.managedRuleSets[0].ruleSetType")))
	sp := rec.one(t, "azure-native:cdn:SecurityPolicy")
	assert.Contains(t, plain(get(t, sp.Inputs, "parameters.wafPolicy.id")), "/frontDoorWebApplicationFirewallPolicies/")
	assert.Contains(t, plain(get(t, sp.Inputs, "parameters.associations[0].domains[0].id")), "fde-aksdr-global")
}

func TestGeoRegistry(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), nil)
	acr := rec.one(t, "azure-native:containerregistry:Registry")
	assert.Equal(t, "Premium", plain(get(t, acr.Inputs, "sku.name")))
	assert.Equal(t, false, plain(get(t, acr.Inputs, "adminUserEnabled")))
	assert.Equal(t, "Enabled", plain(get(t, acr.Inputs, "zoneRedundancy")))
	assert.Equal(t, "eastus2", plain(get(t, acr.Inputs, "location")))
	rep := rec.one(t, "azure-native:containerregistry:Replication")
	assert.Equal(t, "centralus", plain(get(t, rep.Inputs, "location")), "replicated to the secondary's region")
	assert.Equal(t, "Enabled", plain(get(t, rep.Inputs, "zoneRedundancy")))
}

// TestFailoverChangesOnlyTheOrigins runs each stack with the shipped priorities and with them
// swapped: every resource but the Front Door origin must be registered with identical inputs.
func TestFailoverChangesOnlyTheOrigins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ stack, before, after string }{{"primary", "1", "2"}, {"secondary", "2", "1"}} {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			cfg := stackConfig(t, tc.stack)
			require.Equal(t, tc.before, cfg["aks-dr:frontDoorPriority"], "shipped priority")
			before := mustRun(t, tc.stack, cfg, primaryFixture()).byURN()
			after := mustRun(t, tc.stack, with(cfg, "frontDoorPriority", tc.after), primaryFixture()).byURN()
			require.Len(t, after, len(before), "same resources")
			changed := []string{}
			for urn, b := range before {
				a, ok := after[urn]
				require.True(t, ok, "%s still registered", urn)
				if !b.Inputs.DeepEquals(a.Inputs) {
					changed = append(changed, b.Type)
				}
			}
			assert.Equal(t, []string{"azure-native:cdn:AFDOrigin"}, changed, "only the origin changes")
		})
	}
}

func TestDisabledOrigin(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "secondary", with(stackConfig(t, "secondary"), "frontDoorOriginEnabled", "false"), primaryFixture())
	assert.Equal(t, "Disabled", plain(get(t, rec.one(t, "azure-native:cdn:AFDOrigin").Inputs, "enabledState")))
}
