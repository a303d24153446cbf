package stacks

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/components/naming"
)

// deployMonitoring registers the global layer's alerts, action group and availability tests
// (issue 9). Only deployed stamps (those with an origin) get per-region alerts and tests, like
// origins; all of it lives in the global layer's resource group, so it survives a stamp region.
func deployMonitoring(ctx *pulumi.Context, cfg *Config, subscriptionID string, shared *components.SharedServices, fd *components.GlobalFrontDoor,
	origins []registeredOrigin, stamps map[string]deployedStamp, names *components.Namer, tags map[string]string) (*components.Monitoring, error) {
	m := cfg.Global.Monitoring
	if len(m.Emails)+len(m.Webhooks) == 0 {
		_ = ctx.Log.Warn("alertEmails and alertWebhooks are empty: alerts fire and show in the portal, but nobody is told; set at least one receiver", nil)
	}
	var monitored []components.MonitoredRegion
	for _, o := range origins {
		s := stamps[o.cfg.Stack]
		code := regions[o.cfg.Location].code
		monitored = append(monitored, components.MonitoredRegion{
			Code: code, Location: o.cfg.Location, OriginHostName: s.hostName, AppGatewayID: s.appGatewayID,
			// The same name NewFrontDoorOrigin gives the origin.
			OriginName: (&components.Namer{Prefix: cfg.NamePrefix, Region: code}).Of(naming.FrontDoorOrigin),
		})
	}
	// In region order, not priority order: a failover changes the priorities and must change
	// nothing here (the queries' region mapping included).
	slices.SortFunc(monitored, func(a, b components.MonitoredRegion) int { return strings.Compare(a.Location, b.Location) })
	return components.NewMonitoring(ctx, "monitoring", &components.MonitoringArgs{
		ResourceGroupName:       shared.ResourceGroup.Name,
		Location:                cfg.Location,
		Names:                   names,
		WorkspaceID:             shared.Workspace.ID(),
		WorkspaceName:           shared.Workspace.Name,
		SubscriptionID:          subscriptionID,
		FrontDoorProfileID:      fd.Profile.ID(),
		FrontDoorID:             fd.FrontDoorID,
		EndpointHostName:        fd.Endpoint.HostName,
		Regions:                 monitored,
		Emails:                  m.Emails,
		Webhooks:                m.Webhooks,
		OriginHealthPercent:     m.OriginHealthPercent,
		Percent5xx:              m.Percent5xx,
		WindowMinutes:           m.WindowMinutes,
		WebTestFrequencySeconds: m.WebTestFrequencySeconds,
		Tags:                    tags,
	})
}

// deployDrill registers the stamp's Chaos Studio failover drill (issue 9): created by every
// `pulumi up`, started only by `go run ./cmd/drill -real -drill <stamp>`.
func deployDrill(ctx *pulumi.Context, cfg *Config, client *authorization.GetClientConfigResult, stamp *components.RegionalStamp,
	names *components.Namer) (*components.FailoverDrill, error) {
	return components.NewFailoverDrill(ctx, "drill-"+cfg.Location, &components.FailoverDrillArgs{
		ResourceGroupName: stamp.ResourceGroup.Name,
		Location:          cfg.Location,
		Names:             names,
		SubscriptionID:    client.SubscriptionId,
		GatewayNsgID:      stamp.Network.AppGatewayNsg.ID(),
		FaultMinutes:      cfg.Stamp.DrillFaultMinutes,
		Tags:              stackTags(ctx, cfg),
	})
}

// servesRegionPage reports whether the workload image is NGINX's unprivileged nginx, whose
// entrypoint renders the region page's template (components.WorkloadArgs.RegionPage).
func servesRegionPage(image string) bool {
	repo, _, err := components.SplitImage(image)
	return err == nil && (strings.HasSuffix(repo, "/nginx-unprivileged") || repo == "nginx-unprivileged")
}
