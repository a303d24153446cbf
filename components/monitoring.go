package components

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// Metric names and namespaces the alerts watch. Front Door (Standard/Premium) metrics:
// https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-cdn-profiles-metrics
// (OriginHealthPercentage, dimensions Origin and OriginGroup; Percentage5XX, dimensions
// Endpoint, ClientRegion, ClientCountry). Application Gateway v2:
// https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-applicationgateways-metrics
// (UnhealthyHostCount, dimension BackendSettingsPool). Front Door emits them per minute and they
// can arrive up to 3 minutes late, which is why the windows are minutes, not seconds.
const (
	frontDoorMetricNamespace  = "Microsoft.Cdn/profiles"
	appGatewayMetricNamespace = "Microsoft.Network/applicationGateways"
	metricOriginHealth        = "OriginHealthPercentage"
	metric5xx                 = "Percentage5XX"
	metricUnhealthyHosts      = "UnhealthyHostCount"

	singleResourceCriteria   = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
	webTestLocationsCriteria = "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"

	// WebTestFailedLocations is how many test locations must fail at once before an
	// availability alert fires: one location failing is usually that location's network.
	WebTestFailedLocations = 2
)

// WebTestLocations are the five standard-test locations every availability test runs from, in
// the United States and Europe, none of them a stamp's data path: the IDs Application Insights
// uses for East US, West US, North Central US, South Central US and West Europe
// (https://learn.microsoft.com/azure/azure-monitor/app/availability#location-population-tags).
var WebTestLocations = []string{"us-va-ash-azr", "us-ca-sjc-azr", "us-il-ch1-azr", "us-tx-sn1-azr", "emea-nl-ams-azr"}

// MonitoredRegion is one deployed stamp as the global layer's alerts see it.
type MonitoredRegion struct {
	// Code is the region's short code in Azure names, e.g. "eus2". Required.
	Code string
	// Location is the stamp's region, e.g. "eastus2". Required.
	Location string
	// OriginHostName is the stamp's origin (its Application Gateway's public FQDN): the target
	// of the region's web test, and one of the values its origin-health alert watches.
	// Required.
	OriginHostName string
	// OriginName is the region's Front Door origin's Azure name. Required.
	OriginName string
	// AppGatewayID is the stamp's Application Gateway. Optional: a stamp deployed before it
	// exported appGatewayId gets no unhealthy-backend alert until it is deployed again.
	AppGatewayID string
}

// MonitoringArgs configures the global layer's alerts and synthetic checks. They live in the
// global layer's resource group and region, so they keep working when a stamp's region is down.
type MonitoringArgs struct {
	// ResourceGroupName is the global layer's resource group. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the global layer's region (Application Insights lives there). Required.
	Location string
	// Names derives the Azure names. Required.
	Names *Namer
	// WorkspaceID is the shared Log Analytics workspace Application Insights writes to; the
	// workbook and the saved queries read it. Required.
	WorkspaceID pulumi.StringInput
	// WorkspaceName is that workspace's name (the saved queries live in it). Required.
	WorkspaceName pulumi.StringInput
	// SubscriptionID makes the workbook's GUID name stable and unique. Required.
	SubscriptionID string
	// FrontDoorProfileID is the Front Door profile the Front Door alerts watch. Required.
	FrontDoorProfileID pulumi.StringInput
	// FrontDoorID is the profile's X-Azure-FDID value: the origin web tests send it, as the
	// stamps' gateways refuse requests without it. Required.
	FrontDoorID pulumi.StringInput
	// EndpointHostName is the Front Door endpoint the outside-in web test calls. Required.
	EndpointHostName pulumi.StringInput
	// Regions are the deployed stamps; each gets an origin-health alert, a web test against its
	// origin with its alert, and (with AppGatewayID) an unhealthy-backend alert. Optional.
	Regions []MonitoredRegion
	// Emails and Webhooks are the action group's receivers (validated by the caller). Optional.
	Emails, Webhooks []string
	// OriginHealthPercent is the origin-health threshold (1-100). Required.
	OriginHealthPercent int
	// Percent5xx is the endpoint's 5xx threshold (1-100). Required.
	Percent5xx int
	// WindowMinutes is every metric alert's window (1, 5, 15, 30 or 60). Required.
	WindowMinutes int
	// WebTestFrequencySeconds is each web test's interval (300, 600 or 900). Required.
	WebTestFrequencySeconds int
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// Monitoring is the global layer's operational view: one action group, the Front Door and
// Application Gateway metric alerts, Application Insights with standard availability tests
// against the Front Door endpoint and each region's origin (and their alerts), saved queries in
// the shared workspace and a workbook that shows where traffic goes.
type Monitoring struct {
	pulumi.ResourceState

	ActionGroup *insights.ActionGroup
	// OriginHealthAlerts, UnhealthyBackendAlerts and OriginWebTests are keyed by region code.
	OriginHealthAlerts     map[string]*insights.MetricAlert
	UnhealthyBackendAlerts map[string]*insights.MetricAlert
	ErrorRateAlert         *insights.MetricAlert
	AppInsights            *insights.Component
	EndpointWebTest        *insights.WebTest
	OriginWebTests         map[string]*insights.WebTest
	// WebTestAlerts is keyed by "frontdoor" and "origin-<region code>".
	WebTestAlerts map[string]*insights.MetricAlert
	// SavedSearches are FailoverQueries in the shared workspace; Workbook shows them and the
	// origin-health metric, so a person can watch a failover happen.
	SavedSearches []*operationalinsights.SavedSearch
	Workbook      *insights.Workbook
}

// NewMonitoring creates the alerts, the action group and the availability tests.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		args = &MonitoringArgs{}
	}
	if err := require("Monitoring", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "Location": args.Location != "", "Names": args.Names != nil,
		"WorkspaceID": set(args.WorkspaceID), "FrontDoorProfileID": set(args.FrontDoorProfileID),
		"WorkspaceName": set(args.WorkspaceName), "SubscriptionID": args.SubscriptionID != "",
		"FrontDoorID": set(args.FrontDoorID), "EndpointHostName": set(args.EndpointHostName),
		"OriginHealthPercent": args.OriginHealthPercent > 0, "Percent5xx": args.Percent5xx > 0,
		"WindowMinutes": args.WindowMinutes > 0, "WebTestFrequencySeconds": args.WebTestFrequencySeconds > 0,
	}); err != nil {
		return nil, err
	}
	for _, r := range args.Regions {
		if r.Code == "" || r.Location == "" || r.OriginHostName == "" || r.OriginName == "" {
			return nil, fmt.Errorf("Monitoring: Regions: each region needs Code, Location, OriginHostName and OriginName, got %+v", r)
		}
	}
	c := &Monitoring{
		OriginHealthAlerts: map[string]*insights.MetricAlert{}, UnhealthyBackendAlerts: map[string]*insights.MetricAlert{},
		OriginWebTests: map[string]*insights.WebTest{}, WebTestAlerts: map[string]*insights.MetricAlert{},
	}
	if err := ctx.RegisterComponentResource("aks-dr:global:Monitoring", name, c, opts...); err != nil {
		return nil, err
	}
	m := &monitoringBuilder{ctx: ctx, name: name, args: args, c: c, parent: pulumi.Parent(c), tags: pulumi.ToStringMap(args.Tags)}
	for _, step := range []func() error{m.actionGroup, m.frontDoorAlerts, m.appGatewayAlerts, m.webTests, m.workbook} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"actionGroupId": c.ActionGroup.ID(),
		"appInsightsId": c.AppInsights.ID(),
		"workbookId":    c.Workbook.ID(),
	})
}

type monitoringBuilder struct {
	ctx    *pulumi.Context
	name   string
	args   *MonitoringArgs
	c      *Monitoring
	parent pulumi.ResourceOption
	tags   pulumi.StringMap
}

// actionGroup is the one group every alert notifies, with the configured receivers and the
// common alert schema (one payload shape for every alert type).
func (m *monitoringBuilder) actionGroup() error {
	a := m.args
	emails := insights.EmailReceiverArray{}
	for i, e := range a.Emails {
		emails = append(emails, insights.EmailReceiverArgs{
			Name: pulumi.String("email-" + strconv.Itoa(i+1)), EmailAddress: pulumi.String(e), UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	hooks := insights.WebhookReceiverArray{}
	for i, w := range a.Webhooks {
		hooks = append(hooks, insights.WebhookReceiverArgs{
			Name: pulumi.String("webhook-" + strconv.Itoa(i+1)), ServiceUri: pulumi.ToSecret(pulumi.String(w)).(pulumi.StringOutput),
			UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	var err error
	m.c.ActionGroup, err = insights.NewActionGroup(m.ctx, m.name+"-action-group", &insights.ActionGroupArgs{
		ResourceGroupName: a.ResourceGroupName,
		ActionGroupName:   pulumi.String(a.Names.Of(naming.ActionGroup, "dr")),
		Location:          pulumi.String("Global"),
		// The short name is what SMS and e-mail subjects show; Azure allows 12 characters.
		GroupShortName:   pulumi.String(shortName(a.Names.Prefix + "-dr")),
		Enabled:          pulumi.Bool(true),
		EmailReceivers:   emails,
		WebhookReceivers: hooks,
		Tags:             m.tags,
	}, m.parent)
	return err
}

func shortName(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// metricAlert registers one static-threshold metric alert, evaluated every minute over the
// configured window, that notifies the action group and resolves itself when the metric recovers.
func (m *monitoringBuilder) metricAlert(suffix, azName, description string, severity int, scope pulumi.StringInput,
	targetType string, criteria insights.MetricCriteriaArgs) (*insights.MetricAlert, error) {
	a := m.args
	criteria.CriterionType = pulumi.String("StaticThresholdCriterion")
	criteria.MetricNamespace = pulumi.String(targetType)
	return insights.NewMetricAlert(m.ctx, m.name+"-"+suffix, &insights.MetricAlertArgs{
		ResourceGroupName:   a.ResourceGroupName,
		RuleName:            pulumi.String(a.Names.Of(naming.MetricAlert, azName)),
		Location:            pulumi.String("global"),
		Description:         pulumi.String(description),
		Severity:            pulumi.Int(severity),
		Enabled:             pulumi.Bool(true),
		Scopes:              pulumi.StringArray{scope},
		TargetResourceType:  pulumi.String(targetType),
		EvaluationFrequency: pulumi.String("PT1M"),
		WindowSize:          pulumi.String(window(a.WindowMinutes)),
		AutoMitigate:        pulumi.Bool(true),
		Criteria: insights.MetricAlertSingleResourceMultipleMetricCriteriaArgs{
			OdataType: pulumi.String(singleResourceCriteria),
			AllOf:     insights.MetricCriteriaArray{criteria},
		},
		Actions: insights.MetricAlertActionArray{insights.MetricAlertActionArgs{ActionGroupId: m.c.ActionGroup.ID()}},
		Tags:    m.tags,
	}, m.parent)
}

// window is an ISO 8601 duration of whole minutes.
func window(minutes int) string {
	if minutes%60 == 0 {
		return "PT" + strconv.Itoa(minutes/60) + "H"
	}
	return "PT" + strconv.Itoa(minutes) + "M"
}

// frontDoorAlerts: per origin, health-probe success below the threshold (Front Door is about to
// route around, or has routed around, that region); for the endpoint, the share of 5xx answers
// above the threshold (users see errors, whichever region serves).
func (m *monitoringBuilder) frontDoorAlerts() error {
	a := m.args
	for _, r := range a.Regions {
		alert, err := m.metricAlert("origin-health-"+r.Code, "origin-health-"+r.Code,
			fmt.Sprintf("Front Door's health probes to the %s origin (%s) succeed less than %d%% of the time: Front Door stops sending it traffic. Runbook: README, \"Alerts and what to do\".",
				r.Location, r.OriginHostName, a.OriginHealthPercent),
			1, a.FrontDoorProfileID, frontDoorMetricNamespace, insights.MetricCriteriaArgs{
				Name:            pulumi.String("origin-health"),
				MetricName:      pulumi.String(metricOriginHealth),
				Operator:        pulumi.String("LessThan"),
				Threshold:       pulumi.Float64(float64(a.OriginHealthPercent)),
				TimeAggregation: pulumi.String("Average"),
				// The metric's Origin dimension names the origin; the documentation does not say
				// whether by host name or by resource name, so the alert includes both: either
				// way it watches this origin and no other.
				Dimensions: insights.MetricDimensionArray{insights.MetricDimensionArgs{
					Name: pulumi.String("Origin"), Operator: pulumi.String("Include"),
					Values: pulumi.StringArray{pulumi.String(r.OriginHostName), pulumi.String(r.OriginName)},
				}},
			})
		if err != nil {
			return err
		}
		m.c.OriginHealthAlerts[r.Code] = alert
	}
	var err error
	m.c.ErrorRateAlert, err = m.metricAlert("5xx", "frontdoor-5xx",
		fmt.Sprintf("More than %d%% of the Front Door endpoint's responses are 5xx. Runbook: README, \"Alerts and what to do\".", a.Percent5xx),
		1, a.FrontDoorProfileID, frontDoorMetricNamespace, insights.MetricCriteriaArgs{
			Name:            pulumi.String("5xx-percentage"),
			MetricName:      pulumi.String(metric5xx),
			Operator:        pulumi.String("GreaterThan"),
			Threshold:       pulumi.Float64(float64(a.Percent5xx)),
			TimeAggregation: pulumi.String("Average"),
		})
	return err
}

// appGatewayAlerts: per region, any unhealthy backend behind the Application Gateway (the
// workload's internal load balancer fails the gateway's probe): a region degrading before Front
// Door notices, or the standby region unable to take traffic.
func (m *monitoringBuilder) appGatewayAlerts() error {
	for _, r := range m.args.Regions {
		if r.AppGatewayID == "" {
			_ = m.ctx.Log.Warn(fmt.Sprintf("the %s stamp exports no appGatewayId yet: its unhealthy-backend alert is created once it is deployed again (pulumi up -s <stamp>, then this stack)", r.Location), nil)
			continue
		}
		alert, err := m.metricAlert("appgw-unhealthy-"+r.Code, "appgw-unhealthy-"+r.Code,
			fmt.Sprintf("The %s Application Gateway reports unhealthy backends: the region's workload fails its health probe. Runbook: README, \"Alerts and what to do\".", r.Location),
			2, pulumi.String(r.AppGatewayID), appGatewayMetricNamespace, insights.MetricCriteriaArgs{
				Name:            pulumi.String("unhealthy-backends"),
				MetricName:      pulumi.String(metricUnhealthyHosts),
				Operator:        pulumi.String("GreaterThan"),
				Threshold:       pulumi.Float64(0),
				TimeAggregation: pulumi.String("Maximum"),
			})
		if err != nil {
			return err
		}
		m.c.UnhealthyBackendAlerts[r.Code] = alert
	}
	return nil
}

// webTests creates workspace-based Application Insights and one standard availability test
// against the Front Door endpoint (what users see) and one against each region's origin
// directly (a dead region is seen even after Front Door has routed around it), each from five
// locations outside the stamps' data path, each with an alert when two locations fail.
func (m *monitoringBuilder) webTests() error {
	a := m.args
	var err error
	m.c.AppInsights, err = insights.NewComponent(m.ctx, m.name+"-appi", &insights.ComponentArgs{
		ResourceGroupName:   a.ResourceGroupName,
		ResourceName:        pulumi.String(a.Names.Of(naming.AppInsights, "dr")),
		Location:            pulumi.String(a.Location),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		WorkspaceResourceId: a.WorkspaceID,
		IngestionMode:       pulumi.String("LogAnalytics"),
		Tags:                m.tags,
	}, m.parent)
	if err != nil {
		return err
	}
	endpointURL := a.EndpointHostName.ToStringOutput().ApplyT(func(h string) string { return "https://" + h + "/" }).(pulumi.StringOutput)
	m.c.EndpointWebTest, err = m.webTest("frontdoor", "frontdoor", endpointURL, nil, true)
	if err != nil {
		return err
	}
	for _, r := range a.Regions {
		// The gateway's WAF refuses requests without this profile's X-Azure-FDID, and its
		// subnet admits the ApplicationInsightsAvailability service tag on port 80 for this.
		headers := insights.HeaderFieldArray{insights.HeaderFieldArgs{
			HeaderFieldName: pulumi.String("X-Azure-FDID"), HeaderFieldValue: a.FrontDoorID.ToStringOutput(),
		}}
		m.c.OriginWebTests[r.Code], err = m.webTest("origin-"+r.Code, "origin-"+r.Code,
			pulumi.String("http://"+r.OriginHostName+"/").ToStringOutput(), headers, false)
		if err != nil {
			return err
		}
	}
	return nil
}

// webTest registers one standard availability test and its alert.
func (m *monitoringBuilder) webTest(key, azName string, url pulumi.StringOutput, headers insights.HeaderFieldArray, tls bool) (*insights.WebTest, error) {
	a := m.args
	testName := a.Names.Of(naming.WebTest, azName)
	locations := insights.WebTestGeolocationArray{}
	for _, l := range WebTestLocations {
		locations = append(locations, insights.WebTestGeolocationArgs{Location: pulumi.String(l)})
	}
	// A web test must carry the hidden-link tag to its Application Insights resource, or the
	// portal does not show it under that resource.
	tags := pulumi.All(m.c.AppInsights.ID(), m.tags).ApplyT(func(v []any) map[string]string {
		out := map[string]string{"hidden-link:" + string(v[0].(pulumi.ID)): "Resource"}
		for k, val := range v[1].(map[string]string) {
			out[k] = val
		}
		return out
	}).(pulumi.StringMapOutput)
	test, err := insights.NewWebTest(m.ctx, m.name+"-webtest-"+key, &insights.WebTestArgs{
		ResourceGroupName:  a.ResourceGroupName,
		WebTestName:        pulumi.String(testName),
		Location:           pulumi.String(a.Location),
		Kind:               insights.WebTestKindStandard,
		WebTestKind:        insights.WebTestKindStandard,
		SyntheticMonitorId: pulumi.String(testName),
		Description:        pulumi.String("aks-dr availability test: " + azName),
		Enabled:            pulumi.Bool(true),
		Frequency:          pulumi.Int(a.WebTestFrequencySeconds),
		Timeout:            pulumi.Int(30),
		RetryEnabled:       pulumi.Bool(true),
		Locations:          locations,
		Request: &insights.WebTestPropertiesRequestArgs{
			RequestUrl:             url,
			HttpVerb:               pulumi.String("GET"),
			Headers:                headers,
			ParseDependentRequests: pulumi.Bool(false),
			FollowRedirects:        pulumi.Bool(false),
		},
		ValidationRules: &insights.WebTestPropertiesValidationRulesArgs{
			ExpectedHttpStatusCode: pulumi.Int(200),
			SSLCheck:               pulumi.Bool(tls),
		},
		Tags: tags,
	}, m.parent)
	if err != nil {
		return nil, err
	}
	alert, err := insights.NewMetricAlert(m.ctx, m.name+"-webtest-"+key+"-alert", &insights.MetricAlertArgs{
		ResourceGroupName:   a.ResourceGroupName,
		RuleName:            pulumi.String(a.Names.Of(naming.MetricAlert, "webtest-"+azName)),
		Location:            pulumi.String("global"),
		Description:         pulumi.String(fmt.Sprintf("The availability test %s fails from %d or more locations. Runbook: README, \"Alerts and what to do\".", testName, WebTestFailedLocations)),
		Severity:            pulumi.Int(1),
		Enabled:             pulumi.Bool(true),
		Scopes:              pulumi.StringArray{test.ID(), m.c.AppInsights.ID()},
		EvaluationFrequency: pulumi.String("PT1M"),
		WindowSize:          pulumi.String("PT5M"),
		AutoMitigate:        pulumi.Bool(true),
		Criteria: insights.WebtestLocationAvailabilityCriteriaArgs{
			OdataType:           pulumi.String(webTestLocationsCriteria),
			WebTestId:           test.ID(),
			ComponentId:         m.c.AppInsights.ID(),
			FailedLocationCount: pulumi.Float64(WebTestFailedLocations),
		},
		Actions: insights.MetricAlertActionArray{insights.MetricAlertActionArgs{ActionGroupId: m.c.ActionGroup.ID()}},
		Tags:    m.tags,
	}, m.parent)
	if err != nil {
		return nil, err
	}
	m.c.WebTestAlerts[key] = alert
	return test, nil
}
