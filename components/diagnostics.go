package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// allLogs selects every log category a resource emits.
var allLogs []string

// newDiagnostics sends a resource's logs (the named categories, or all of them when categories
// is nil) and all its metrics to a Log Analytics workspace, in resource-specific tables.
func newDiagnostics(ctx *pulumi.Context, name string, resourceURI, workspaceID pulumi.StringInput,
	categories []string, opts ...pulumi.ResourceOption) (*insights.DiagnosticSetting, error) {
	logs := insights.LogSettingsArray{}
	if categories == nil {
		logs = append(logs, insights.LogSettingsArgs{CategoryGroup: pulumi.String("allLogs"), Enabled: pulumi.Bool(true)})
	}
	for _, c := range categories {
		logs = append(logs, insights.LogSettingsArgs{Category: pulumi.String(c), Enabled: pulumi.Bool(true)})
	}
	return insights.NewDiagnosticSetting(ctx, name, &insights.DiagnosticSettingArgs{
		Name:                        pulumi.String("to-log-analytics"),
		ResourceUri:                 resourceURI,
		WorkspaceId:                 workspaceID,
		LogAnalyticsDestinationType: pulumi.String("Dedicated"),
		Logs:                        logs,
		Metrics: insights.MetricSettingsArray{
			insights.MetricSettingsArgs{Category: pulumi.String("AllMetrics"), Enabled: pulumi.Bool(true)},
		},
	}, opts...)
}
