package simprovider

import (
	"context"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// TestObservabilityTypesGetTheirARMIDs: the resource types of issue 9 (alerts, availability
// tests, workbook, saved searches, and the ARM deployment holding the Chaos Studio experiment)
// get the IDs Azure gives them, so the alerts' scopes and the web tests' hidden-link tags read
// true IDs in the engine tests.
func TestObservabilityTypesGetTheirARMIDs(t *testing.T) {
	rg := "/subscriptions/" + SimSubscriptionID + "/resourceGroups/rg-g/providers/"
	for _, c := range []struct {
		typ    string
		inputs map[string]any
		want   string
	}{
		{"insights:ActionGroup", map[string]any{"actionGroupName": "ag-x"}, rg + "Microsoft.Insights/actionGroups/ag-x"},
		{"insights:MetricAlert", map[string]any{"ruleName": "alert-x"}, rg + "Microsoft.Insights/metricAlerts/alert-x"},
		{"insights:Component", map[string]any{"resourceName": "appi-x"}, rg + "Microsoft.Insights/components/appi-x"},
		{"insights:WebTest", map[string]any{"webTestName": "webt-x"}, rg + "Microsoft.Insights/webtests/webt-x"},
		{"insights:Workbook", map[string]any{"resourceName": "0f0e0d0c-0000-0000-0000-000000000001"}, rg + "Microsoft.Insights/workbooks/0f0e0d0c-0000-0000-0000-000000000001"},
		{"operationalinsights:SavedSearch", map[string]any{"workspaceName": "log-x", "savedSearchId": "aksdr-q"}, rg + "Microsoft.OperationalInsights/workspaces/log-x/savedSearches/aksdr-q"},
		{"resources:Deployment", map[string]any{"deploymentName": "chaos-x", "properties": map[string]any{
			"mode": "Incremental", "template": map[string]any{"resources": []any{map[string]any{"scope": "[parameters('nsgId')]"}}},
		}}, rg + "Microsoft.Resources/deployments/chaos-x"},
	} {
		t.Run(c.typ, func(t *testing.T) {
			in := map[string]any{"resourceGroupName": "rg-g"}
			for k, v := range c.inputs {
				in[k] = v
			}
			urn := "urn:pulumi:global::aks-dr::azure-native:" + c.typ + "::x"
			p := NewAzureNative()
			check, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: props(t, in)})
			if err != nil || len(check.Failures) > 0 {
				t.Fatalf("check: %v %v", err, check.GetFailures())
			}
			resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: check.Inputs})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Id != c.want {
				t.Fatalf("id = %s, want %s", resp.Id, c.want)
			}
		})
	}
}
