package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/cdn/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// FrontDoorProbeArgs are the origin group's health probe and load-balancing settings.
type FrontDoorProbeArgs struct {
	// Path is the probed path, e.g. "/". Required.
	Path string
	// Protocol is "Http" or "Https". Required.
	Protocol string
	// RequestType is "HEAD" or "GET". Required.
	RequestType string
	// IntervalSeconds between probes from each edge (1-255). Required.
	IntervalSeconds int
	// SampleSize is how many recent probes are considered. Required.
	SampleSize int
	// SuccessfulSamplesRequired of SampleSize keep an origin healthy. Required.
	SuccessfulSamplesRequired int
	// AdditionalLatencyMs is the latency band within which origins count as equally fast. Required.
	AdditionalLatencyMs int
}

// DetectionSeconds estimates how long Front Door takes to mark a dead origin unhealthy at one
// edge: it needs (SampleSize - SuccessfulSamplesRequired + 1) failed probes in a row, one per
// interval, before fewer than SuccessfulSamplesRequired of the last SampleSize can succeed.
func (p FrontDoorProbeArgs) DetectionSeconds() int {
	return (p.SampleSize - p.SuccessfulSamplesRequired + 1) * p.IntervalSeconds
}

// GlobalFrontDoorArgs configures the global entry point.
type GlobalFrontDoorArgs struct {
	// ResourceGroupName holds the profile. Required.
	ResourceGroupName pulumi.StringInput
	// Names derives the Azure names. Required.
	Names *Namer
	// Probe configures health probes and load balancing. Required.
	Probe FrontDoorProbeArgs
	// WorkspaceID receives access, health-probe and WAF logs. Required.
	WorkspaceID pulumi.StringInput
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// GlobalFrontDoor is the Premium Front Door profile with its endpoint, WAF (managed rule sets,
// prevention mode) and the one origin group both regions join. Origins and the route are added
// with NewFrontDoorOrigin and NewFrontDoorRoute (see the package comment for why).
type GlobalFrontDoor struct {
	pulumi.ResourceState

	WafPolicy      *network.Policy
	Profile        *cdn.Profile
	Endpoint       *cdn.AFDEndpoint
	OriginGroup    *cdn.AFDOriginGroup
	SecurityPolicy *cdn.SecurityPolicy

	// FrontDoorID is the value Front Door sends in X-Azure-FDID; origins accept only it.
	FrontDoorID pulumi.StringOutput
}

// NewGlobalFrontDoor creates the Front Door profile and its shared parts.
func NewGlobalFrontDoor(ctx *pulumi.Context, name string, args *GlobalFrontDoorArgs, opts ...pulumi.ResourceOption) (*GlobalFrontDoor, error) {
	if args == nil {
		args = &GlobalFrontDoorArgs{}
	}
	if err := require("GlobalFrontDoor", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "Names": args.Names != nil, "WorkspaceID": set(args.WorkspaceID),
		"Probe.Path": args.Probe.Path != "", "Probe.IntervalSeconds": args.Probe.IntervalSeconds > 0, "Probe.SampleSize": args.Probe.SampleSize > 0,
	}); err != nil {
		return nil, err
	}
	c := &GlobalFrontDoor{}
	if err := ctx.RegisterComponentResource("aks-dr:frontdoor:GlobalFrontDoor", name, c, opts...); err != nil {
		return nil, err
	}
	parent, tags, rg, n := pulumi.Parent(c), pulumi.ToStringMap(args.Tags), args.ResourceGroupName, args.Names
	var err error
	c.WafPolicy, err = network.NewPolicy(ctx, name+"-waf", &network.PolicyArgs{
		ResourceGroupName: rg,
		Location:          pulumi.String("Global"),
		PolicyName:        pulumi.String(n.Of(naming.FrontDoorWafPolicy)),
		Sku:               &network.SkuArgs{Name: pulumi.String("Premium_AzureFrontDoor")}, // managed rules need Premium
		PolicySettings: &network.FrontDoorPolicySettingsArgs{
			EnabledState:     pulumi.String("Enabled"),
			Mode:             pulumi.String("Prevention"),
			RequestBodyCheck: pulumi.String("Enabled"),
		},
		ManagedRules: &network.ManagedRuleSetListArgs{ManagedRuleSets: network.FrontDoorManagedRuleSetArray{
			network.FrontDoorManagedRuleSetArgs{RuleSetType: pulumi.String("Microsoft_DefaultRuleSet"), RuleSetVersion: pulumi.String("2.1"), RuleSetAction: pulumi.String("Block")},
			network.FrontDoorManagedRuleSetArgs{RuleSetType: pulumi.String("Microsoft_BotManagerRuleSet"), RuleSetVersion: pulumi.String("1.1")},
		}},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.Profile, err = cdn.NewProfile(ctx, name+"-profile", &cdn.ProfileArgs{
		ResourceGroupName:            rg,
		Location:                     pulumi.String("Global"),
		ProfileName:                  pulumi.String(n.Of(naming.FrontDoorProfile)),
		Sku:                          &cdn.SkuArgs{Name: pulumi.String("Premium_AzureFrontDoor")},
		OriginResponseTimeoutSeconds: pulumi.Int(60),
		Tags:                         tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.FrontDoorID = c.Profile.FrontDoorId
	c.Endpoint, err = cdn.NewAFDEndpoint(ctx, name+"-endpoint", &cdn.AFDEndpointArgs{
		ResourceGroupName: rg,
		ProfileName:       c.Profile.Name,
		Location:          pulumi.String("Global"),
		EndpointName:      pulumi.String(n.Of(naming.FrontDoorEndpoint)),
		EnabledState:      pulumi.String("Enabled"),
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	p := args.Probe
	c.OriginGroup, err = cdn.NewAFDOriginGroup(ctx, name+"-origin-group", &cdn.AFDOriginGroupArgs{
		ResourceGroupName: rg,
		ProfileName:       c.Profile.Name,
		OriginGroupName:   pulumi.String(n.Of(naming.FrontDoorOriginGroup)),
		HealthProbeSettings: &cdn.HealthProbeParametersArgs{
			ProbePath:              pulumi.String(p.Path),
			ProbeProtocol:          cdn.ProbeProtocol(p.Protocol),
			ProbeRequestType:       cdn.HealthProbeRequestType(p.RequestType),
			ProbeIntervalInSeconds: pulumi.Int(p.IntervalSeconds),
		},
		LoadBalancingSettings: &cdn.LoadBalancingSettingsParametersArgs{
			SampleSize:                      pulumi.Int(p.SampleSize),
			SuccessfulSamplesRequired:       pulumi.Int(p.SuccessfulSamplesRequired),
			AdditionalLatencyInMilliseconds: pulumi.Int(p.AdditionalLatencyMs),
		},
		SessionAffinityState: pulumi.String("Disabled"),
	}, parent)
	if err != nil {
		return nil, err
	}
	c.SecurityPolicy, err = cdn.NewSecurityPolicy(ctx, name+"-security-policy", &cdn.SecurityPolicyArgs{
		ResourceGroupName:  rg,
		ProfileName:        c.Profile.Name,
		SecurityPolicyName: pulumi.String(n.Of(naming.FrontDoorSecurity, "waf")),
		Parameters: &cdn.SecurityPolicyWebApplicationFirewallParametersArgs{
			Type:      pulumi.String("WebApplicationFirewall"),
			WafPolicy: &cdn.ResourceReferenceArgs{Id: c.WafPolicy.ID()},
			Associations: cdn.SecurityPolicyWebApplicationFirewallAssociationArray{cdn.SecurityPolicyWebApplicationFirewallAssociationArgs{
				Domains:         cdn.ActivatedResourceReferenceArray{cdn.ActivatedResourceReferenceArgs{Id: c.Endpoint.ID()}},
				PatternsToMatch: pulumi.StringArray{pulumi.String("/*")},
			}},
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err = newDiagnostics(ctx, name+"-diag", c.Profile.ID(), args.WorkspaceID, allLogs, parent); err != nil {
		return nil, err
	}
	if err := n.Err(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"profileName":     c.Profile.Name,
		"frontDoorId":     c.FrontDoorID,
		"endpointHost":    c.Endpoint.HostName,
		"originGroupName": c.OriginGroup.Name,
		"originGroupId":   c.OriginGroup.ID(),
	})
}
