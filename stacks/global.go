package stacks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/components/naming"
)

// deployGlobal registers the global layer: the shared services, the registry, Front Door, one
// origin per deployed stamp (with the priority this stack's config gives it) and the route.
func deployGlobal(ctx *pulumi.Context, cfg *Config) error {
	// Read and check the stamps before anything is registered: the state backend answers, so
	// this works while a stamp's region is down.
	stamps, err := readStamps(ctx, cfg)
	if err != nil {
		return err
	}
	// Capacity before traffic: no priority 1 for a stamp below its serving floors.
	if err := checkPromotion(cfg, stamps); err != nil {
		return err
	}
	names := &components.Namer{Prefix: cfg.NamePrefix, Region: "global"}
	if err := checkRegion(ctx, RoleGlobal, cfg.Location, names.Of(naming.ResourceGroup)); err != nil {
		return err
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return err
	}
	tags := stackTags(ctx, cfg)
	shared, err := components.NewSharedServices(ctx, "shared", &components.SharedServicesArgs{
		Location: cfg.Location,
		Names:    names,
		Tags:     tags,
	})
	if err != nil {
		return err
	}
	replicas := slices.Sorted(slices.Values(cfg.Global.StampLocations()))
	registry, err := components.NewGeoRegistry(ctx, "registry", &components.GeoRegistryArgs{
		ResourceGroupName: shared.ResourceGroup.Name,
		Location:          cfg.Location,
		ReplicaLocations:  replicas,
		Names:             names,
		// The home region is part of the hash: a registry cannot move region, so a new home is
		// a new registry, and must not collide with the old one's global name.
		UniqueSuffix:    naming.Hash(client.SubscriptionId, ctx.Project(), "registry", cfg.Location),
		WorkspaceID:     shared.Workspace.ID(),
		AllowedIPRanges: cfg.Global.RegistryAllowedIPRanges,
		// The stamps pull their workload image from here, never from its public source.
		ImportImages:   cfg.Global.RegistryImages,
		SubscriptionID: client.SubscriptionId,
		Tags:           tags,
	})
	if err != nil {
		return err
	}
	fd, err := components.NewGlobalFrontDoor(ctx, "frontdoor", &components.GlobalFrontDoorArgs{
		ResourceGroupName: shared.ResourceGroup.Name,
		Names:             names,
		Probe:             cfg.Global.Probe,
		WorkspaceID:       shared.Workspace.ID(),
		Tags:              tags,
	})
	if err != nil {
		return err
	}
	origins, err := deployOrigins(ctx, cfg, shared, fd, stamps)
	if err != nil {
		return err
	}
	if len(origins) > 0 {
		list := make([]*components.FrontDoorOrigin, 0, len(origins))
		for _, o := range origins {
			list = append(list, o.origin)
		}
		if _, err := components.NewFrontDoorRoute(ctx, "route", &components.FrontDoorRouteArgs{
			ResourceGroupName: shared.ResourceGroup.Name,
			ProfileName:       fd.Profile.Name,
			EndpointName:      fd.Endpoint.Name,
			OriginGroupID:     fd.OriginGroup.ID(),
			Origins:           list,
			Names:             names,
		}); err != nil {
			return err
		}
	} else {
		_ = ctx.Log.Warn("no stamp is deployed yet, so Front Door has no origin and no route: deploy the stamps (pulumi up -s <stamp>), then run pulumi up -s "+ctx.Stack()+" again", nil)
	}

	monitoring, err := deployMonitoring(ctx, cfg, client.SubscriptionId, shared, fd, origins, stamps, names, tags)
	if err != nil {
		return err
	}

	stampLocations, declared := pulumi.StringMap{}, pulumi.IntMap{}
	for _, o := range cfg.Global.Origins {
		stampLocations[o.StackRef] = pulumi.String(o.Location)
		declared[o.Stack] = pulumi.Int(o.Priority)
	}
	priorities, originNames := pulumi.IntMap{}, pulumi.StringMap{}
	for _, o := range origins {
		priorities[o.cfg.Stack] = pulumi.Int(o.cfg.Priority)
		originNames[o.cfg.Stack] = o.origin.Origin.Name
	}
	ctx.Export(OutLocation, pulumi.String(cfg.Location))
	ctx.Export(OutGlobalResourceGroupName, shared.ResourceGroup.Name)
	ctx.Export(OutSharedWorkspaceID, shared.Workspace.ID())
	ctx.Export(OutBaseFirewallPolicyID, shared.BaseFirewallPolicyID)
	ctx.Export(OutRegistryID, registry.Registry.ID())
	ctx.Export(OutRegistryLoginServer, registry.Registry.LoginServer)
	ctx.Export(OutRegistryLocations, pulumi.ToStringArray(registry.Locations))
	ctx.Export(OutRegistryImages, pulumi.ToStringArray(cfg.Global.RegistryImages))
	ctx.Export(OutFrontDoorProfileName, fd.Profile.Name)
	ctx.Export(OutFrontDoorOriginGroupName, fd.OriginGroup.Name)
	ctx.Export(OutFrontDoorEndpointName, fd.Endpoint.Name)
	ctx.Export(OutFrontDoorEndpoint, fd.Endpoint.HostName)
	ctx.Export(OutFrontDoorID, fd.FrontDoorID)
	ctx.Export(OutDetectionSeconds, pulumi.Int(cfg.Global.Probe.DetectionSeconds()))
	ctx.Export(OutStamps, stampLocations)
	ctx.Export(OutOriginPriorities, priorities)
	ctx.Export(OutDeclaredPriorities, declared)
	ctx.Export(OutOriginNames, originNames)
	ctx.Export(OutActionGroupID, monitoring.ActionGroup.ID())
	ctx.Export(OutAppInsightsID, monitoring.AppInsights.ID())
	ctx.Export(OutWorkbookID, monitoring.Workbook.ID())
	return nil
}

// deployedStamp is what the global layer reads from a deployed stamp.
type deployedStamp struct {
	hostName string
	plan     addressPlan
	// serving is the stamp's servingCapacity output, nil when a stamp of an earlier version
	// lacks it; capacity its capacity output, when present.
	serving  *bool
	capacity *Capacity
	// appGatewayID is empty for a stamp deployed before it exported one.
	appGatewayID string
}

// readStamps reads every stamp listed in origins. A stamp stack that exists but was never
// deployed has no outputs yet: it gets no origin (with a warning). A stamp deployed in another
// region than its entry declares, or whose address space overlaps another's, stops the run.
func readStamps(ctx *pulumi.Context, cfg *Config) (map[string]deployedStamp, error) {
	out := map[string]deployedStamp{}
	var errs []error
	for _, o := range cfg.Global.Origins {
		advice := fmt.Sprintf("create it with `pulumi stack init %s` (and deploy it with `pulumi up -s %s`), or fix %s:origins.%s", o.Stack, o.Stack, Namespace, o.Stack)
		// The monitoring outputs are optional: only the origin's outputs decide whether the
		// stamp is deployed.
		values, all, err := stackOutputs(ctx, o.StackRef, append(StampOutputs(), stampMonitoringOutputs...), advice)
		if err != nil {
			return nil, err
		}
		missing := missingOf(all, stampOutputs)
		switch {
		case len(missing) == len(stampOutputs):
			_ = ctx.Log.Warn(fmt.Sprintf("stamp %s has no outputs yet (not deployed): it gets no Front Door origin until `pulumi up -s %s` and another `pulumi up -s %s`", o.Stack, o.Stack, ctx.Stack()), nil)
			continue
		case len(missing) > 0:
			errs = append(errs, fmt.Errorf("%s:origins.%s: stack %q lacks the stamp outputs %s; is it a stamp of this project (role: stamp)?", Namespace, o.Stack, o.StackRef, strings.Join(missing, ", ")))
			continue
		}
		if got := str(values, OutLocation); got != o.Location {
			errs = append(errs, fmt.Errorf("%s:origins.%s.location: says %s, but stack %s is deployed in %s; make the two agree", Namespace, o.Stack, o.Location, o.Stack, got))
		}
		plan := planOf(o.StackRef, values)
		for _, other := range slices.Sorted(maps.Keys(out)) {
			for _, msg := range plan.overlaps(out[other].plan) {
				errs = append(errs, fmt.Errorf("stack %s: %s", o.Stack, msg))
			}
		}
		st := deployedStamp{hostName: str(values, OutOriginHostName), plan: plan, appGatewayID: str(values, OutAppGatewayID)}
		if b, ok := values[OutServingCapacity].(bool); ok {
			st.serving = &b
		}
		if c, ok := capacityFrom(values[OutCapacity]); ok {
			st.capacity = &c
		}
		out[o.Stack] = st
	}
	if len(errs) > 0 {
		return nil, configError(errs)
	}
	return out, nil
}

// registeredOrigin is one origin the global layer registered.
type registeredOrigin struct {
	cfg    OriginConfig
	origin *components.FrontDoorOrigin
}

// deployOrigins registers the deployed stamps' origins, best priority first. Each origin waits
// for the origins of a better (lower) priority: in a failover the promoted origin is updated
// before the demoted one, so there is never a moment without an origin at the best priority,
// and when the promotion fails the demotion does not happen.
func deployOrigins(ctx *pulumi.Context, cfg *Config, shared *components.SharedServices, fd *components.GlobalFrontDoor,
	stamps map[string]deployedStamp) ([]registeredOrigin, error) {
	ordered := slices.Clone(cfg.Global.Origins)
	slices.SortStableFunc(ordered, func(a, b OriginConfig) int { return a.Priority - b.Priority })
	var out []registeredOrigin
	for _, o := range ordered {
		stamp, ok := stamps[o.Stack]
		if !ok {
			continue
		}
		var better []pulumi.Resource
		for _, r := range out {
			if r.cfg.Priority < o.Priority {
				better = append(better, r.origin.Origin)
			}
		}
		origin, err := components.NewFrontDoorOrigin(ctx, "origin-"+o.Location, &components.FrontDoorOriginArgs{
			ResourceGroupName: shared.ResourceGroup.Name,
			ProfileName:       fd.Profile.Name,
			OriginGroupName:   fd.OriginGroup.Name,
			HostName:          pulumi.String(stamp.hostName),
			Names:             &components.Namer{Prefix: cfg.NamePrefix, Region: regions[o.Location].code},
			Priority:          o.Priority,
			Weight:            o.Weight,
			Enabled:           o.Enabled,
			DependsOn:         better,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, registeredOrigin{cfg: o, origin: origin})
	}
	return out, nil
}

// globalLayer is what a stamp reads from the global stack.
type globalLayer struct {
	Location             string
	ResourceGroupName    string
	EndpointHostName     string
	FrontDoorID          string
	SharedWorkspaceID    string
	RegistryID           string
	RegistryLoginServer  string
	RegistryLocations    []string
	RegistryImages       []string
	BaseFirewallPolicyID string
	DetectionSeconds     int
	// Stamps maps each stamp's qualified stack name to its declared region.
	Stamps map[string]string
	// OriginPriority is this stamp's origin priority in the global config at the global stack's
	// last update, 0 when it gives none.
	OriginPriority int
}

// readGlobal reads the global stack's outputs in a stamp and checks this stamp against them and
// against its deployed siblings, before anything else is registered.
func readGlobal(ctx *pulumi.Context, cfg *Config) (*globalLayer, error) {
	stack := cfg.Stamp.GlobalStack
	values, all, err := stackOutputs(ctx, stack, append(slices.Clone(globalOutputs), optionalGlobalOutputs...),
		"deploy the global layer first with `pulumi up -s global`, or set globalStack to the global stack's org/project/stack")
	if err != nil {
		return nil, err
	}
	missing := missingOf(all, globalOutputs)
	switch {
	case len(missing) == len(globalOutputs):
		return nil, fmt.Errorf("%s:globalStack: stack %q has none of the global layer's outputs; deploy it first with `pulumi up -s global`, or point globalStack at the global stack's org/project/stack", Namespace, stack)
	case len(missing) > 0:
		return nil, fmt.Errorf("%s:globalStack: stack %q lacks the global outputs %s; is it the global stack of this project (role: global)? Run `pulumi up -s global` with this version first", Namespace, stack, strings.Join(missing, ", "))
	}
	if err := checkWorkloadImage(cfg, toStrings(values[OutRegistryImages])); err != nil {
		return nil, err
	}
	detection, _ := values[OutDetectionSeconds].(float64)
	g := &globalLayer{
		Location:             str(values, OutLocation),
		ResourceGroupName:    str(values, OutGlobalResourceGroupName),
		EndpointHostName:     str(values, OutFrontDoorEndpoint),
		FrontDoorID:          str(values, OutFrontDoorID),
		SharedWorkspaceID:    str(values, OutSharedWorkspaceID),
		RegistryID:           str(values, OutRegistryID),
		RegistryLoginServer:  str(values, OutRegistryLoginServer),
		RegistryLocations:    toStrings(values[OutRegistryLocations]),
		RegistryImages:       toStrings(values[OutRegistryImages]),
		BaseFirewallPolicyID: str(values, OutBaseFirewallPolicyID),
		DetectionSeconds:     int(detection),
		Stamps:               toStringMap(values[OutStamps]),
		OriginPriority:       originPriority(ctx, values),
	}
	if err := checkAgainstGlobal(ctx, cfg, g); err != nil {
		return nil, err
	}
	return g, nil
}

// checkAgainstGlobal rejects a stamp the global layer does not list, or lists in another
// region; a stamp in the global layer's region; a region without a registry replica (its nodes
// would pull across regions, and fail when the registry's home is down); and address spaces
// that overlap a deployed sibling's (the stamps must stay peerable).
func checkAgainstGlobal(ctx *pulumi.Context, cfg *Config, g *globalLayer) error {
	self := ctx.Organization() + "/" + ctx.Project() + "/" + ctx.Stack()
	declared, listed := g.Stamps[self]
	var errs []error
	switch {
	case !listed:
		return fmt.Errorf("%s:globalStack: the global layer has no origin for this stack (%s); add origins.%s with its location and priority to the global stack's config and run `pulumi up -s %s` first",
			Namespace, self, ctx.Stack(), shortStack(cfg.Stamp.GlobalStack))
	case declared != cfg.Location:
		errs = append(errs, fmt.Errorf("%s:location: %s, but the global stack's origins.%s.location says %s; make the two agree", Namespace, cfg.Location, ctx.Stack(), declared))
	}
	if cfg.Location == g.Location {
		errs = append(errs, fmt.Errorf("%s:location: %s is the global layer's region; a stamp must live outside it, so that losing one region never takes both", Namespace, cfg.Location))
	}
	if !slices.Contains(g.RegistryLocations, cfg.Location) {
		errs = append(errs, fmt.Errorf("%s:location: the registry has no replica in %s (it has %s); list this stamp in the global stack's origins and run `pulumi up -s %s` first",
			Namespace, cfg.Location, strings.Join(g.RegistryLocations, ", "), shortStack(cfg.Stamp.GlobalStack)))
	}
	if err := checkWorkloadImage(cfg, g.RegistryImages); err != nil {
		errs = append(errs, err)
	}
	own := addressPlan{stack: self, hub: cfg.Stamp.Network.HubAddressSpace, spoke: cfg.Stamp.Network.SpokeAddressSpace}
	for _, sibling := range slices.Sorted(maps.Keys(g.Stamps)) {
		if sibling == self {
			continue
		}
		values, all, err := stackOutputs(ctx, sibling, StampOutputs(), "the global stack lists it as a stamp; create it with `pulumi stack init "+shortStack(sibling)+"`")
		if err != nil {
			return err
		}
		if len(missingOf(all, stampOutputs)) > 0 {
			continue // not deployed yet: the global stack checks again once it is
		}
		for _, msg := range own.overlaps(planOf(sibling, values)) {
			errs = append(errs, fmt.Errorf("%s", msg))
		}
		errs = append(errs, checkSibling(ctx, cfg, sibling, values, all)...)
	}
	if len(errs) > 0 {
		return configError(errs)
	}
	return nil
}
