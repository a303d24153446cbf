package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/cdn/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// Front Door's accepted origin settings: priority 1-5 (lower wins), weight 1-1000.
const (
	// MinOriginPriority is the highest priority an origin can have.
	MinOriginPriority = 1
	// MaxOriginPriority is the lowest priority an origin can have.
	MaxOriginPriority = 5
	// MinOriginWeight is the smallest origin weight.
	MinOriginWeight = 1
	// MaxOriginWeight is the largest origin weight.
	MaxOriginWeight = 1000
)

// FrontDoorOriginArgs adds one regional stamp to the shared origin group.
type FrontDoorOriginArgs struct {
	// ResourceGroupName holds the Front Door profile. Required.
	ResourceGroupName pulumi.StringInput
	// ProfileName is the Front Door profile. Required.
	ProfileName pulumi.StringInput
	// OriginGroupName is the shared origin group. Required.
	OriginGroupName pulumi.StringInput
	// HostName is the stamp's public host name (its Application Gateway). Required.
	HostName pulumi.StringInput
	// Names derives the origin's Azure name from the stamp's region. Required.
	Names *Namer
	// Priority 1-5: Front Door sends traffic to the healthy origins of the lowest value. Required.
	Priority int
	// Weight 1-1000 splits traffic among origins of equal priority. Required.
	Weight int
	// Enabled takes the origin in or out of rotation. Required (false disables it).
	Enabled bool
	// DependsOn must be written before this origin: the origins of a better priority, so that a
	// failover promotes before it demotes. Optional.
	DependsOn []pulumi.Resource
}

// FrontDoorOrigin is one stamp's origin in the shared origin group: the only thing a failover
// changes. The global layer owns every origin, so a failover never runs a stamp's program.
type FrontDoorOrigin struct {
	pulumi.ResourceState

	Origin *cdn.AFDOrigin
}

// NewFrontDoorOrigin registers a regional stamp with Front Door.
func NewFrontDoorOrigin(ctx *pulumi.Context, name string, args *FrontDoorOriginArgs, opts ...pulumi.ResourceOption) (*FrontDoorOrigin, error) {
	if args == nil {
		args = &FrontDoorOriginArgs{}
	}
	if err := require("FrontDoorOrigin", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "ProfileName": set(args.ProfileName),
		"OriginGroupName": set(args.OriginGroupName), "HostName": set(args.HostName), "Names": args.Names != nil,
	}); err != nil {
		return nil, err
	}
	if args.Priority < MinOriginPriority || args.Priority > MaxOriginPriority {
		return nil, fmt.Errorf("FrontDoorOrigin: Priority must be between %d and %d, got %d", MinOriginPriority, MaxOriginPriority, args.Priority)
	}
	if args.Weight < MinOriginWeight || args.Weight > MaxOriginWeight {
		return nil, fmt.Errorf("FrontDoorOrigin: Weight must be between %d and %d, got %d", MinOriginWeight, MaxOriginWeight, args.Weight)
	}
	c := &FrontDoorOrigin{}
	if err := ctx.RegisterComponentResource("aks-dr:frontdoor:Origin", name, c, opts...); err != nil {
		return nil, err
	}
	state := "Enabled"
	if !args.Enabled {
		state = "Disabled"
	}
	var err error
	c.Origin, err = cdn.NewAFDOrigin(ctx, name+"-origin", &cdn.AFDOriginArgs{
		ResourceGroupName: args.ResourceGroupName,
		ProfileName:       args.ProfileName,
		OriginGroupName:   args.OriginGroupName,
		OriginName:        pulumi.String(args.Names.Of(naming.FrontDoorOrigin)),
		HostName:          args.HostName,
		OriginHostHeader:  args.HostName,
		HttpPort:          pulumi.Int(80),
		HttpsPort:         pulumi.Int(443),
		Priority:          pulumi.Int(args.Priority),
		Weight:            pulumi.Int(args.Weight),
		EnabledState:      pulumi.String(state),
	}, pulumi.Parent(c), pulumi.DependsOn(args.DependsOn))
	if err != nil {
		return nil, err
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"originId": c.Origin.ID(),
		"priority": pulumi.Int(args.Priority),
	})
}

// FrontDoorRouteArgs connects the endpoint to the origin group.
type FrontDoorRouteArgs struct {
	// ResourceGroupName holds the Front Door profile. Required.
	ResourceGroupName pulumi.StringInput
	// ProfileName is the Front Door profile. Required.
	ProfileName pulumi.StringInput
	// EndpointName is the Front Door endpoint. Required.
	EndpointName pulumi.StringInput
	// OriginGroupID is the origin group the route serves. Required.
	OriginGroupID pulumi.StringInput
	// Origins must exist before the route: Azure rejects a route to an empty origin group. Required.
	Origins []*FrontDoorOrigin
	// Names derives the route's Azure name. Required.
	Names *Namer
}

// FrontDoorRoute serves the endpoint over HTTPS (HTTP redirects to HTTPS) from the origin group.
type FrontDoorRoute struct {
	pulumi.ResourceState

	Route *cdn.Route
}

// NewFrontDoorRoute creates the route once at least one origin exists.
func NewFrontDoorRoute(ctx *pulumi.Context, name string, args *FrontDoorRouteArgs, opts ...pulumi.ResourceOption) (*FrontDoorRoute, error) {
	if args == nil {
		args = &FrontDoorRouteArgs{}
	}
	if err := require("FrontDoorRoute", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "ProfileName": set(args.ProfileName), "EndpointName": set(args.EndpointName),
		"OriginGroupID": set(args.OriginGroupID), "Origins": len(args.Origins) > 0, "Names": args.Names != nil,
	}); err != nil {
		return nil, err
	}
	c := &FrontDoorRoute{}
	if err := ctx.RegisterComponentResource("aks-dr:frontdoor:Route", name, c, opts...); err != nil {
		return nil, err
	}
	origins := make([]pulumi.Resource, len(args.Origins))
	for i, o := range args.Origins {
		origins[i] = o.Origin
	}
	var err error
	c.Route, err = cdn.NewRoute(ctx, name+"-route", &cdn.RouteArgs{
		ResourceGroupName:   args.ResourceGroupName,
		ProfileName:         args.ProfileName,
		EndpointName:        args.EndpointName,
		RouteName:           pulumi.String(args.Names.Of(naming.FrontDoorRoute)),
		OriginGroup:         &cdn.ResourceReferenceArgs{Id: args.OriginGroupID},
		SupportedProtocols:  pulumi.StringArray{pulumi.String("Http"), pulumi.String("Https")},
		HttpsRedirect:       pulumi.String("Enabled"),
		ForwardingProtocol:  pulumi.String("HttpOnly"), // the gateways listen on HTTP; see README, "TLS to the origins"
		LinkToDefaultDomain: pulumi.String("Enabled"),
		PatternsToMatch:     pulumi.StringArray{pulumi.String("/*")},
		EnabledState:        pulumi.String("Enabled"),
	}, pulumi.Parent(c), pulumi.DependsOn(origins))
	if err != nil {
		return nil, err
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"routeId": c.Route.ID()})
}
