package tests

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/stacks"
)

// alertsByName indexes the metric alerts by their Azure rule name.
func alertsByName(t *testing.T, rec *recorder) map[string]registered {
	t.Helper()
	out := map[string]registered{}
	for _, a := range rec.ofType("azure-native:insights:MetricAlert") {
		out[plain(get(t, a.Inputs, "ruleName")).(string)] = a
	}
	return out
}

func monitoringConfig(t *testing.T) map[string]string {
	t.Helper()
	return with(stackConfig(t, "global"),
		"alertEmails", `["oncall@example.com","platform@example.org"]`,
		"alertWebhooks", `["https://hooks.example.com/aks-dr?token=abc"]`)
}

func TestActionGroupHasTheConfiguredReceivers(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", monitoringConfig(t), deployed())
	ag := rec.one(t, "azure-native:insights:ActionGroup")
	assert.Equal(t, "rg-aksdr-global", plain(get(t, ag.Inputs, "resourceGroupName")), "in the global layer's group: it survives a stamp region")
	assert.Equal(t, "Global", plain(get(t, ag.Inputs, "location")))
	assert.LessOrEqual(t, len(plain(get(t, ag.Inputs, "groupShortName")).(string)), 12)
	assert.Equal(t, "oncall@example.com", plain(get(t, ag.Inputs, "emailReceivers[0].emailAddress")))
	assert.Equal(t, "platform@example.org", plain(get(t, ag.Inputs, "emailReceivers[1].emailAddress")))
	assert.Equal(t, true, plain(get(t, ag.Inputs, "emailReceivers[0].useCommonAlertSchema")))
	hook := ag.Inputs["webhookReceivers"].ArrayValue()[0].ObjectValue()["serviceUri"]
	require.True(t, hook.IsSecret(), "a webhook URL may hold a token: it is stored as a secret")
	assert.Equal(t, "https://hooks.example.com/aks-dr?token=abc", hook.SecretValue().Element.StringValue())

	// Without receivers the group still exists (the alerts show in the portal).
	bare := mustRun(t, "global", stackConfig(t, "global"), deployed())
	empty := bare.one(t, "azure-native:insights:ActionGroup")
	assert.Empty(t, plain(get(t, empty.Inputs, "emailReceivers")))
}

func TestEveryAlertWatchesTheRightScopeAndNotifiesTheGroup(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", with(monitoringConfig(t), "alertOriginHealthPercent", "60", "alert5xxPercent", "10", "alertWindowMinutes", "15"), deployed())
	agID := ArmID("azure-native:insights:ActionGroup", "rg-aksdr-global", "ag-aksdr-dr-global")
	profileID := ArmID("azure-native:cdn:Profile", "rg-aksdr-global", "afd-aksdr-global")
	alerts := alertsByName(t, rec)
	type want struct {
		scope, namespace, metric, operator, aggregation string
		threshold                                       float64
		dimension                                       []any
	}
	for name, w := range map[string]want{
		"alert-aksdr-origin-health-eus2-global": {profileID, "Microsoft.Cdn/profiles", "OriginHealthPercentage", "LessThan", "Average", 60, []any{stampFixture("primary")[stacks.OutOriginHostName], "origin-aksdr-eus2"}},
		"alert-aksdr-origin-health-cus-global":  {profileID, "Microsoft.Cdn/profiles", "OriginHealthPercentage", "LessThan", "Average", 60, []any{stampFixture("secondary")[stacks.OutOriginHostName], "origin-aksdr-cus"}},
		"alert-aksdr-frontdoor-5xx-global":      {profileID, "Microsoft.Cdn/profiles", "Percentage5XX", "GreaterThan", "Average", 10, nil},
		"alert-aksdr-appgw-unhealthy-eus2-global": {stampFixture("primary")[stacks.OutAppGatewayID].(string), "Microsoft.Network/applicationGateways",
			"UnhealthyHostCount", "GreaterThan", "Maximum", 0, nil},
		"alert-aksdr-appgw-unhealthy-cus-global": {stampFixture("secondary")[stacks.OutAppGatewayID].(string), "Microsoft.Network/applicationGateways",
			"UnhealthyHostCount", "GreaterThan", "Maximum", 0, nil},
	} {
		a, ok := alerts[name]
		if !assert.True(t, ok, "alert %s exists (have %v)", name, keysOfRegistered(alerts)) {
			continue
		}
		in := a.Inputs
		assert.Equal(t, []any{w.scope}, plain(get(t, in, "scopes")), name)
		assert.Equal(t, w.namespace, plain(get(t, in, "targetResourceType")), name)
		assert.Equal(t, "PT1M", plain(get(t, in, "evaluationFrequency")), name)
		assert.Equal(t, "PT15M", plain(get(t, in, "windowSize")), name)
		assert.Equal(t, "global", plain(get(t, in, "location")), name)
		assert.Equal(t, "rg-aksdr-global", plain(get(t, in, "resourceGroupName")), name)
		assert.Equal(t, agID, plain(get(t, in, "actions[0].actionGroupId")), name)
		assert.Equal(t, "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", plain(get(t, in, "criteria.odataType")), name)
		c := "criteria.allOf[0]."
		assert.Equal(t, w.metric, plain(get(t, in, c+"metricName")), name)
		assert.Equal(t, w.namespace, plain(get(t, in, c+"metricNamespace")), name)
		assert.Equal(t, w.operator, plain(get(t, in, c+"operator")), name)
		assert.Equal(t, w.aggregation, plain(get(t, in, c+"timeAggregation")), name)
		assert.InDelta(t, w.threshold, plain(get(t, in, c+"threshold")), 0, name)
		if w.dimension != nil {
			assert.Equal(t, "Origin", plain(get(t, in, c+"dimensions[0].name")), name)
			assert.Equal(t, w.dimension, plain(get(t, in, c+"dimensions[0].values")), "%s watches its own origin only (by host name or name)", name)
		} else {
			assert.NotContains(t, plain(get(t, in, "criteria.allOf[0]")).(map[string]any), "dimensions", name)
		}
	}
}

func keysOfRegistered(m map[string]registered) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestAvailabilityTestsReachFrontDoorAndEachOrigin(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", with(stackConfig(t, "global"), "webTestFrequencySeconds", "600"), deployed())
	appi := rec.one(t, "azure-native:insights:Component")
	assert.Equal(t, globalFixture()[stacks.OutSharedWorkspaceID], plain(get(t, appi.Inputs, "workspaceResourceId")), "availability results land in the shared workspace")
	assert.Equal(t, "westus3", plain(get(t, appi.Inputs, "location")), "in the global region, outside every stamp's")
	appiID := ArmID("azure-native:insights:Component", "rg-aksdr-global", "appi-aksdr-dr-global")

	tests := map[string]registered{}
	for _, w := range rec.ofType("azure-native:insights:WebTest") {
		tests[plain(get(t, w.Inputs, "request.requestUrl")).(string)] = w
		in := w.Inputs
		name := w.Name
		assert.Equal(t, "standard", plain(get(t, in, "kind")), name)
		assert.Equal(t, "standard", plain(get(t, in, "webTestKind")), name)
		assert.EqualValues(t, 600, plain(get(t, in, "frequency")), name)
		assert.Equal(t, plain(get(t, in, "webTestName")), plain(get(t, in, "syntheticMonitorId")), name)
		assert.EqualValues(t, 200, plain(get(t, in, "validationRules.expectedHttpStatusCode")), name)
		assert.Equal(t, "Resource", plain(get(t, in, "tags")).(map[string]any)["hidden-link:"+appiID], "%s is linked to its Application Insights", name)
		var locs []string
		for _, l := range plain(get(t, in, "locations")).([]any) {
			locs = append(locs, l.(map[string]any)["location"].(string))
		}
		assert.Equal(t, components.WebTestLocations, locs, name)
	}
	endpoint := "https://" + "fde-aksdr-global"
	var found bool
	for url, w := range tests {
		if strings.HasPrefix(url, endpoint) {
			found = true
			assert.Equal(t, true, plain(get(t, w.Inputs, "validationRules.sSLCheck")))
		}
	}
	assert.True(t, found, "a test calls the Front Door endpoint: have %v", tests)
	for _, stack := range []string{"primary", "secondary"} {
		url := "http://" + stampFixture(stack)[stacks.OutOriginHostName].(string) + "/"
		w, ok := tests[url]
		if !assert.True(t, ok, "a test calls the %s origin directly", stack) {
			continue
		}
		assert.Equal(t, "X-Azure-FDID", plain(get(t, w.Inputs, "request.headers[0].headerFieldName")), "the gateway's WAF admits only this profile's header")
		assert.Equal(t, frontDoorID, plain(get(t, w.Inputs, "request.headers[0].headerFieldValue")))
	}

	alerts := alertsByName(t, rec)
	agID := ArmID("azure-native:insights:ActionGroup", "rg-aksdr-global", "ag-aksdr-dr-global")
	for _, key := range []string{"frontdoor", "origin-eus2", "origin-cus"} {
		a, ok := alerts["alert-aksdr-webtest-"+key+"-global"]
		if !assert.True(t, ok, "availability alert for %s", key) {
			continue
		}
		testID := ArmID("azure-native:insights:WebTest", "rg-aksdr-global", "webt-aksdr-"+key+"-global")
		assert.Equal(t, []any{testID, appiID}, plain(get(t, a.Inputs, "scopes")), key)
		assert.Equal(t, "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria", plain(get(t, a.Inputs, "criteria.odataType")))
		assert.Equal(t, testID, plain(get(t, a.Inputs, "criteria.webTestId")))
		assert.Equal(t, appiID, plain(get(t, a.Inputs, "criteria.componentId")))
		assert.InDelta(t, float64(components.WebTestFailedLocations), plain(get(t, a.Inputs, "criteria.failedLocationCount")), 0)
		assert.Equal(t, agID, plain(get(t, a.Inputs, "actions[0].actionGroupId")))
	}
}

// TestMonitoringFollowsTheDeployedStamps: per-region alerts and tests exist only for stamps with
// an origin; a stamp deployed before it exported appGatewayId keeps its origin and its
// Front Door alerts, and only lacks the gateway alert.
func TestMonitoringFollowsTheDeployedStamps(t *testing.T) {
	t.Parallel()
	global := stackConfig(t, "global")
	t.Run("no stamp deployed", func(t *testing.T) {
		t.Parallel()
		rec := mustRun(t, "global", global, without(deployed(), true, "primary", "secondary"))
		assert.Len(t, rec.ofType("azure-native:insights:WebTest"), 1, "only the Front Door endpoint's test")
		assert.ElementsMatch(t, []string{"alert-aksdr-frontdoor-5xx-global", "alert-aksdr-webtest-frontdoor-global"}, keysOfRegistered(alertsByName(t, rec)))
	})
	t.Run("stamp without appGatewayId", func(t *testing.T) {
		t.Parallel()
		others := deployed()
		old := stampFixture("secondary")
		delete(old, stacks.OutAppGatewayID)
		others[qualified("secondary")] = old
		rec := mustRun(t, "global", global, others)
		assert.Len(t, rec.ofType("azure-native:cdn:AFDOrigin"), 2, "its origin stays")
		alerts := alertsByName(t, rec)
		assert.Contains(t, alerts, "alert-aksdr-origin-health-cus-global")
		assert.Contains(t, alerts, "alert-aksdr-appgw-unhealthy-eus2-global")
		assert.NotContains(t, alerts, "alert-aksdr-appgw-unhealthy-cus-global")
	})
}

func TestGlobalExportsTheMonitoringIDs(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	m := rec.one(t, "aks-dr:global:Monitoring")
	assert.True(t, atRoot(m.Parent))
	for _, typ := range []string{"azure-native:insights:ActionGroup", "azure-native:insights:MetricAlert", "azure-native:insights:WebTest", "azure-native:insights:Component"} {
		for _, r := range rec.ofType(typ) {
			assert.Equal(t, m.URN, r.Parent, "%s is a child of the Monitoring component", r.Name)
			assert.True(t, strings.HasPrefix(r.Name, m.Name+"-"), "%s is prefixed", r.Name)
		}
	}
}

// TestBadMonitoringConfigIsRejected: malformed receivers and out-of-range thresholds are named
// config errors, and nothing is registered.
func TestBadMonitoringConfigIsRejected(t *testing.T) {
	t.Parallel()
	global := stackConfig(t, "global")
	primary := stackConfig(t, "primary")
	cases := []badConfig{
		{"e-mail without domain", "global", with(global, "alertEmails", `["oncall"]`), []string{`aks-dr:alertEmails: "oncall" is not an e-mail address such as oncall@example.com`}},
		{"e-mail with display name", "global", with(global, "alertEmails", `["On Call <oncall@example.com>"]`), []string{`aks-dr:alertEmails: "On Call <oncall@example.com>" is not an e-mail address`}},
		{"e-mail without dotted domain", "global", with(global, "alertEmails", `["oncall@localhost"]`), []string{`aks-dr:alertEmails: "oncall@localhost" is not an e-mail address`}},
		{"e-mails not a list", "global", with(global, "alertEmails", `"oncall@example.com"`), []string{"aks-dr:alertEmails: must be a list of strings"}},
		{"webhook not a URL", "global", with(global, "alertWebhooks", `["hooks.example.com/x"]`), []string{`aks-dr:alertWebhooks: "hooks.example.com/x" is not an absolute URL such as https://hooks.example.com/alerts`}},
		{"webhook in clear text", "global", with(global, "alertWebhooks", `["http://hooks.example.com/x"]`), []string{`aks-dr:alertWebhooks: "http://hooks.example.com/x" must use https`}},
		{"webhook with credentials", "global", with(global, "alertWebhooks", `["https://user:pw@hooks.example.com/x"]`), []string{"aks-dr:alertWebhooks:", "must not carry credentials"}},
		{"origin health threshold zero", "global", with(global, "alertOriginHealthPercent", "0"), []string{"aks-dr:alertOriginHealthPercent: must be between 1 and 100, got 0"}},
		{"5xx threshold above 100", "global", with(global, "alert5xxPercent", "101"), []string{"aks-dr:alert5xxPercent: must be between 1 and 100, got 101"}},
		{"alert window", "global", with(global, "alertWindowMinutes", "10"), []string{"aks-dr:alertWindowMinutes: must be one of 1, 5, 15, 30, 60 (minutes), got 10"}},
		{"web test frequency", "global", with(global, "webTestFrequencySeconds", "60"), []string{"aks-dr:webTestFrequencySeconds: must be one of 300, 600, 900 (seconds), got 60"}},
		{"alert key in a stamp file", "primary", with(primary, "alertEmails", `["oncall@example.com"]`), []string{"aks-dr:alertEmails: is read only by a global stack"}},
		{"drill key in the global file", "global", with(global, "drillFaultMinutes", "5"), []string{"aks-dr:drillFaultMinutes: is read only by a stamp stack"}},
		{"drill too long", "primary", with(primary, "drillFaultMinutes", "121"), []string{"aks-dr:drillFaultMinutes: must be between 1 and 120, got 121"}},
		{"drill zero", "primary", with(primary, "drillFaultMinutes", "0"), []string{"aks-dr:drillFaultMinutes: must be between 1 and 120, got 0"}},
	}
	checkRejected(t, cases)
}

// TestWorkbookAndSavedQueriesShowWhereTrafficGoes: the queries live in the shared workspace,
// map each origin host to its region, and the workbook shows them with the origin-health
// metric of this Front Door profile.
func TestWorkbookAndSavedQueriesShowWhereTrafficGoes(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	workspaceID := globalFixture()[stacks.OutSharedWorkspaceID].(string)
	profileID := ArmID("azure-native:cdn:Profile", "rg-aksdr-global", "afd-aksdr-global")
	// The region is read from the origin's host name, <label>[.<hash>].<region>.cloudapp.azure.com,
	// so the queries do not depend on which stamps are deployed.
	regionOfOrigin := `extend Region = coalesce(extract(@"\.([a-z0-9]+)\.cloudapp\.azure\.com$", 1, originName_s), originName_s)`
	for _, stack := range []string{"primary", "secondary"} {
		host := stampFixture(stack)[stacks.OutOriginHostName].(string)
		m := regexp.MustCompile(`\.([a-z0-9]+)\.cloudapp\.azure\.com$`).FindStringSubmatch(host)
		require.Len(t, m, 2, host)
		assert.Equal(t, stampFixture(stack)[stacks.OutLocation], m[1], "the pattern finds the region in %s", host)
	}

	queries := map[string]string{}
	for _, s := range rec.ofType("azure-native:operationalinsights:SavedSearch") {
		assert.Equal(t, "log-aksdr-global", plain(get(t, s.Inputs, "workspaceName")), "in the shared workspace")
		assert.Equal(t, "rg-aksdr-global", plain(get(t, s.Inputs, "resourceGroupName")))
		assert.Equal(t, "aks-dr failover", plain(get(t, s.Inputs, "category")))
		queries[plain(get(t, s.Inputs, "savedSearchId")).(string)] = plain(get(t, s.Inputs, "query")).(string)
	}
	for id, wants := range map[string][]string{
		"aksdr-requests-per-origin": {`Category == "FrontDoorAccessLog"`, regionOfOrigin, "bin(TimeGenerated, 1m)"},
		"aksdr-errors-per-origin":   {`Category == "FrontDoorAccessLog"`, "httpStatusCode_s) >= 500"},
		"aksdr-probe-failures":      {`Category == "FrontDoorHealthProbeLog"`, regionOfOrigin},
		"aksdr-availability":        {"AppAvailabilityResults"},
		"aksdr-replicas":            {"KubePodInventory", `Namespace == "workload"`, "by ClusterName"},
		"aksdr-nodes":               {"KubeNodeInventory", `Status == "Ready"`},
	} {
		q, ok := queries[id]
		if !assert.True(t, ok, "saved query %s", id) {
			continue
		}
		for _, want := range wants {
			assert.Contains(t, q, want, id)
		}
	}

	wb := rec.one(t, "azure-native:insights:Workbook")
	assert.Equal(t, workspaceID, plain(get(t, wb.Inputs, "sourceId")), "the workbook belongs to the shared workspace")
	assert.Equal(t, "shared", plain(get(t, wb.Inputs, "kind")))
	assert.Equal(t, "westus3", plain(get(t, wb.Inputs, "location")))
	name := plain(get(t, wb.Inputs, "resourceName")).(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, name, "a workbook's name is a GUID")
	again := mustRun(t, "global", stackConfig(t, "global"), deployed())
	assert.Equal(t, name, plain(get(t, again.one(t, "azure-native:insights:Workbook").Inputs, "resourceName")), "and a stable one")

	var content struct {
		Version string `json:"version"`
		Items   []struct {
			Type    int            `json:"type"`
			Name    string         `json:"name"`
			Content map[string]any `json:"content"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(plain(get(t, wb.Inputs, "serializedData")).(string)), &content))
	assert.Equal(t, "Notebook/1.0", content.Version)
	items := map[string]map[string]any{}
	for _, it := range content.Items {
		items[it.Name] = it.Content
	}
	health := items["origin-health"]
	require.NotNil(t, health, "the workbook charts origin health")
	assert.Equal(t, []any{profileID}, health["resourceIds"])
	metric := health["metrics"].([]any)[0].(map[string]any)
	assert.Contains(t, metric["metric"], "OriginHealthPercentage")
	assert.Equal(t, "Origin", metric["splitBy"], "one line per origin")
	for id, q := range queries {
		it, ok := items[id]
		if !assert.True(t, ok, "the workbook shows %s", id) {
			continue
		}
		assert.Equal(t, q, it["query"], "the workbook and the saved query are the same query")
		assert.Equal(t, []any{workspaceID}, it["crossComponentResources"])
	}
}
