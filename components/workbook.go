package components

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FailoverQuery is one saved query of the shared workspace, shown in the failover workbook too.
type FailoverQuery struct {
	// ID is the saved search's ID and the workbook item's name.
	ID string
	// Title is what the portal shows.
	Title string
	// Query is the KQL, over the last hour at one-minute bins.
	Query string
	// Chart is the workbook visualization ("timechart" or "table").
	Chart string
}

// savedSearchCategory groups the queries in the workspace's query explorer.
const savedSearchCategory = "aks-dr failover"

// FailoverQueries are the queries a person runs to watch a failover, in the shared workspace.
// Front Door (Standard/Premium) writes its access and health-probe logs to AzureDiagnostics
// (categories FrontDoorAccessLog and FrontDoorHealthProbeLog, field originName_s: the origin's
// host name; https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-logs and
// https://learn.microsoft.com/azure/frontdoor/front-door-diagnostics). An origin is a stamp's
// Application Gateway FQDN, <label>[.<hash>].<region>.cloudapp.azure.com, so the region is read
// from the host name itself: the queries do not change when a stamp is added or fails over.
// Container Insights writes KubePodInventory and KubeNodeInventory for both clusters; the
// availability tests write AppAvailabilityResults (workspace-based Application Insights).
func FailoverQueries() []FailoverQuery {
	region := `coalesce(extract(@"\.([a-z0-9]+)\.cloudapp\.azure\.com$", 1, originName_s), originName_s)`
	return []FailoverQuery{
		{
			ID: "aksdr-requests-per-origin", Title: "Requests per origin per minute", Chart: "timechart",
			Query: "AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.CDN\" and Category == \"FrontDoorAccessLog\"\n" +
				"| extend Region = " + region + "\n| summarize Requests = count() by Region, bin(TimeGenerated, 1m)\n| order by TimeGenerated asc",
		},
		{
			ID: "aksdr-errors-per-origin", Title: "5xx answers per origin per minute", Chart: "timechart",
			Query: "AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.CDN\" and Category == \"FrontDoorAccessLog\"\n" +
				"| where toint(httpStatusCode_s) >= 500\n| extend Region = " + region + "\n| summarize Errors = count() by Region, bin(TimeGenerated, 1m)\n| order by TimeGenerated asc",
		},
		{
			ID: "aksdr-probe-failures", Title: "Front Door health-probe failures per origin", Chart: "timechart",
			Query: "AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.CDN\" and Category == \"FrontDoorHealthProbeLog\"\n" +
				"| extend Region = " + region + "\n| summarize Failures = count() by Region, bin(TimeGenerated, 1m)\n| order by TimeGenerated asc",
		},
		{
			ID: "aksdr-availability", Title: "Availability tests: success per test", Chart: "timechart",
			Query: "AppAvailabilityResults\n| summarize SuccessPercent = 100.0 * countif(Success == true) / count() by Name, bin(TimeGenerated, 5m)\n| order by TimeGenerated asc",
		},
		{
			ID: "aksdr-replicas", Title: "Workload replicas running per region", Chart: "timechart",
			Query: "KubePodInventory\n| where Namespace == \"workload\" and PodStatus == \"Running\"\n" +
				"| summarize Replicas = dcount(Name) by ClusterName, bin(TimeGenerated, 1m)\n| order by TimeGenerated asc",
		},
		{
			ID: "aksdr-nodes", Title: "Ready nodes per region", Chart: "timechart",
			Query: "KubeNodeInventory\n| where Status == \"Ready\"\n| summarize Nodes = dcount(Computer) by ClusterName, bin(TimeGenerated, 1m)\n| order by TimeGenerated asc",
		},
	}
}

// stableGUID is a GUID derived from its inputs: a workbook's name must be a GUID, and a random
// one would replace the workbook on every run.
func stableGUID(parts ...string) string {
	s := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// failoverWorkbook is the workbook's serialized content: the origin-health metric of the Front
// Door profile split by origin, then each query as a chart. Workbook schema:
// https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-automate.
func failoverWorkbook(profileID, workspaceID string, queries []FailoverQuery) (string, error) {
	items := []any{
		map[string]any{"type": 1, "name": "intro", "content": map[string]any{"json": "## aks-dr failover\n" +
			"Where traffic goes, minute by minute. During a failover or a drill, *Requests per origin* moves from one region to the other " +
			"once Front Door has marked the origin unhealthy (*Origin health*, *probe failures*). Metrics arrive 1-3 minutes late. " +
			"Runbook: README, \"Reading the workbook\"."}},
		map[string]any{"type": 10, "name": "origin-health", "content": map[string]any{
			"version": "MetricsItem/2.0", "title": "Origin health (Front Door probes, % successful)", "size": 0, "chartType": 2,
			"resourceType": "microsoft.cdn/profiles", "metricScope": 0, "resourceIds": []any{profileID},
			"timeContext": map[string]any{"durationMs": 3600000},
			"metrics": []any{map[string]any{
				"namespace": "microsoft.cdn/profiles", "metric": "microsoft.cdn/profiles-Origin Health-OriginHealthPercentage",
				"aggregation": 4, "splitBy": "Origin",
			}},
		}},
	}
	for _, q := range queries {
		items = append(items, map[string]any{"type": 3, "name": q.ID, "content": map[string]any{
			"version": "KqlItem/1.0", "title": q.Title, "query": q.Query, "size": 0,
			"timeContext":             map[string]any{"durationMs": 3600000},
			"queryType":               0,
			"resourceType":            "microsoft.operationalinsights/workspaces",
			"crossComponentResources": []any{workspaceID},
			"visualization":           q.Chart,
		}})
	}
	b, err := json.Marshal(map[string]any{
		"version":  "Notebook/1.0",
		"items":    items,
		"$schema":  "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
		"isLocked": false,
	})
	return string(b), err
}

// workbook registers the saved queries in the shared workspace and the failover workbook.
func (m *monitoringBuilder) workbook() error {
	a := m.args
	queries := FailoverQueries()
	for _, q := range queries {
		s, err := operationalinsights.NewSavedSearch(m.ctx, m.name+"-query-"+strings.TrimPrefix(q.ID, "aksdr-"), &operationalinsights.SavedSearchArgs{
			ResourceGroupName: a.ResourceGroupName,
			WorkspaceName:     a.WorkspaceName,
			SavedSearchId:     pulumi.String(q.ID),
			Category:          pulumi.String(savedSearchCategory),
			DisplayName:       pulumi.String(q.Title),
			Query:             pulumi.String(q.Query),
			Version:           pulumi.Float64(2),
		}, m.parent)
		if err != nil {
			return err
		}
		m.c.SavedSearches = append(m.c.SavedSearches, s)
	}
	data := pulumi.All(a.FrontDoorProfileID, a.WorkspaceID).ApplyT(func(ids []any) (string, error) {
		return failoverWorkbook(fmt.Sprint(ids[0]), fmt.Sprint(ids[1]), queries)
	}).(pulumi.StringOutput)
	var err error
	m.c.Workbook, err = insights.NewWorkbook(m.ctx, m.name+"-workbook", &insights.WorkbookArgs{
		ResourceGroupName: a.ResourceGroupName,
		ResourceName:      pulumi.String(stableGUID(a.SubscriptionID, a.Names.Prefix, "failover-workbook", a.Location)),
		Location:          pulumi.String(a.Location),
		Kind:              pulumi.String("shared"),
		Category:          pulumi.String("workbook"),
		DisplayName:       pulumi.String("aks-dr failover (" + a.Names.Prefix + ")"),
		SerializedData:    data,
		SourceId:          a.WorkspaceID,
		Tags:              m.tags,
	}, m.parent)
	return err
}
