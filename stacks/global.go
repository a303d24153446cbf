package stacks

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/components/naming"
)

// globalLayer is what a regional stamp needs from the shared layer, whether this stack created
// it (primary) or read it from the primary's outputs (secondary).
type globalLayer struct {
	ResourceGroupName    pulumi.StringInput
	ProfileName          pulumi.StringInput
	OriginGroupName      pulumi.StringInput
	FrontDoorID          pulumi.StringInput
	EndpointHostName     pulumi.StringInput
	SharedWorkspaceID    pulumi.StringInput
	RegistryID           pulumi.StringInput
	BaseFirewallPolicyID pulumi.StringInput
	DetectionSeconds     int
	// Location is the global layer's region; the base firewall policy is there, and so must
	// every policy that inherits it be.
	Location string
	// RegistryLoginServer and RegistryLocations (home and replicas) locate the registry's
	// endpoints for the pods' image and the firewall.
	RegistryLoginServer pulumi.StringInput
	RegistryLocations   []string

	// imageImport is set in the primary only: its workload waits for the registry's import.
	imageImport []pulumi.Resource

	// frontDoor is set in the primary only: it also owns the route.
	frontDoor *components.GlobalFrontDoor
}

// deployGlobal creates the shared layer in the primary stack.
func deployGlobal(ctx *pulumi.Context, cfg *Config, subscriptionID string, tags map[string]string) (*globalLayer, error) {
	names := &components.Namer{Prefix: cfg.NamePrefix, Region: "global"}
	if cfg.Global.Location == cfg.Location {
		_ = ctx.Log.Warn(fmt.Sprintf("the global layer shares the primary's region %s: set globalLocation to a third region so that an outage there leaves the shared logs and the Front Door resource group manageable", cfg.Location), nil)
	}
	shared, err := components.NewSharedServices(ctx, "shared", &components.SharedServicesArgs{
		Location: cfg.Global.Location,
		Names:    names,
		Tags:     tags,
	})
	if err != nil {
		return nil, err
	}
	registry, err := components.NewGeoRegistry(ctx, "registry", &components.GeoRegistryArgs{
		ResourceGroupName: shared.ResourceGroup.Name,
		Location:          cfg.Location,
		ReplicaLocations:  cfg.Global.RegistryReplicaLocations,
		Names:             names,
		UniqueSuffix:      naming.Hash(subscriptionID, ctx.Project(), "registry"),
		WorkspaceID:       shared.Workspace.ID(),
		AllowedIPRanges:   cfg.Access.RegistryAllowedIPRanges,
		ImportImages:      []string{cfg.Workload.Image},
		SubscriptionID:    subscriptionID,
		Tags:              tags,
	})
	if err != nil {
		return nil, err
	}
	fd, err := components.NewGlobalFrontDoor(ctx, "frontdoor", &components.GlobalFrontDoorArgs{
		ResourceGroupName: shared.ResourceGroup.Name,
		Names:             names,
		Probe:             cfg.Global.Probe,
		WorkspaceID:       shared.Workspace.ID(),
		Tags:              tags,
	})
	if err != nil {
		return nil, err
	}
	ctx.Export(OutGlobalResourceGroupName, shared.ResourceGroup.Name)
	ctx.Export(OutGlobalLocation, pulumi.String(cfg.Global.Location))
	ctx.Export(OutSharedWorkspaceID, shared.Workspace.ID())
	ctx.Export(OutBaseFirewallPolicyID, shared.BaseFirewallPolicyID)
	ctx.Export(OutRegistryID, registry.Registry.ID())
	ctx.Export(OutRegistryLoginServer, registry.Registry.LoginServer)
	ctx.Export(OutRegistryLocations, pulumi.ToStringArray(registry.Locations))
	ctx.Export(OutRegistryImages, pulumi.ToStringArray([]string{cfg.Workload.Image}))
	ctx.Export(OutFrontDoorProfileName, fd.Profile.Name)
	ctx.Export(OutFrontDoorOriginGroupName, fd.OriginGroup.Name)
	ctx.Export(OutFrontDoorEndpointName, fd.Endpoint.Name)
	ctx.Export(OutFrontDoorID, fd.FrontDoorID)
	var imageImport []pulumi.Resource
	if registry.ImageImport != nil {
		imageImport = append(imageImport, registry.ImageImport)
	}
	return &globalLayer{
		imageImport:          imageImport,
		ResourceGroupName:    shared.ResourceGroup.Name,
		ProfileName:          fd.Profile.Name,
		OriginGroupName:      fd.OriginGroup.Name,
		FrontDoorID:          fd.FrontDoorID,
		EndpointHostName:     fd.Endpoint.HostName,
		SharedWorkspaceID:    shared.Workspace.ID(),
		RegistryID:           registry.Registry.ID(),
		BaseFirewallPolicyID: shared.BaseFirewallPolicyID,
		DetectionSeconds:     cfg.Global.Probe.DetectionSeconds(),
		Location:             cfg.Global.Location,
		RegistryLoginServer:  registry.Registry.LoginServer,
		RegistryLocations:    registry.Locations,
		frontDoor:            fd,
	}, nil
}

// readGlobal reads the primary's outputs in the secondary stack and checks this stack against
// them, before anything else is registered.
func readGlobal(ctx *pulumi.Context, cfg *Config) (*globalLayer, error) {
	ref, err := pulumi.NewStackReference(ctx, cfg.PrimaryStack, nil)
	if err != nil {
		return nil, fmt.Errorf("%s:primaryStack: cannot reference %q: %w", Namespace, cfg.PrimaryStack, err)
	}
	values := map[string]any{}
	var missing []string
	for _, key := range globalOutputs {
		d, err := ref.GetOutputDetails(key)
		if err != nil {
			// The engine also reports its own error for the failed read; this one says what to do.
			msg := fmt.Sprintf("%s:primaryStack: cannot read stack %q; deploy the primary first with `pulumi up -s primary`, or set primaryStack to the primary's org/project/stack", Namespace, cfg.PrimaryStack)
			_ = ctx.Log.Error(msg, nil)
			return nil, fmt.Errorf("%s: %w", msg, err)
		}
		v := d.Value
		if v == nil {
			v = d.SecretValue
		}
		if v == nil {
			missing = append(missing, key)
			continue
		}
		values[key] = v
	}
	switch {
	case len(missing) == len(globalOutputs):
		return nil, fmt.Errorf("%s:primaryStack: stack %q has none of the primary's outputs; deploy the primary first with `pulumi up -s primary`, or point primaryStack at the primary's org/project/stack", Namespace, cfg.PrimaryStack)
	case len(missing) > 0:
		return nil, fmt.Errorf("%s:primaryStack: stack %q lacks the global outputs %s; is it a primary stack of this project (role: primary)? Run `pulumi up -s primary` with this version first", Namespace, cfg.PrimaryStack, strings.Join(missing, ", "))
	}
	str := func(k string) string { return fmt.Sprint(values[k]) }
	if err := checkAgainstPrimary(ctx, cfg, str(OutLocation), str(OutHubAddressSpace), str(OutSpokeAddressSpace), toStrings(values[OutRegistryLocations])); err != nil {
		return nil, err
	}
	if err := checkWorkloadImage(cfg, toStrings(values[OutRegistryImages])); err != nil {
		return nil, err
	}
	detection, _ := values[OutDetectionSeconds].(float64)
	return &globalLayer{
		ResourceGroupName:    pulumi.String(str(OutGlobalResourceGroupName)),
		ProfileName:          pulumi.String(str(OutFrontDoorProfileName)),
		OriginGroupName:      pulumi.String(str(OutFrontDoorOriginGroupName)),
		FrontDoorID:          pulumi.String(str(OutFrontDoorID)),
		EndpointHostName:     pulumi.String(str(OutFrontDoorEndpoint)),
		SharedWorkspaceID:    pulumi.String(str(OutSharedWorkspaceID)),
		RegistryID:           pulumi.String(str(OutRegistryID)),
		BaseFirewallPolicyID: pulumi.String(str(OutBaseFirewallPolicyID)),
		DetectionSeconds:     int(detection),
		Location:             str(OutGlobalLocation),
		RegistryLoginServer:  pulumi.String(str(OutRegistryLoginServer)),
		RegistryLocations:    toStrings(values[OutRegistryLocations]),
	}, nil
}

// checkAgainstPrimary rejects a secondary that could not stand beside the primary: the same
// region, address spaces that overlap (the pair must stay peerable), or a region without a
// registry replica (its nodes would pull across regions, and fail when the primary is down).
func checkAgainstPrimary(ctx *pulumi.Context, cfg *Config, location, hub, spoke string, registryLocations []string) error {
	var errs []error
	if location == cfg.Location {
		errs = append(errs, fmt.Errorf("%s:location: %s is the primary's region too; the secondary must be in another region (the primary's pair is %s)", Namespace, location, regions[location].pair))
	} else if regions[location].pair != cfg.Location {
		_ = ctx.Log.Warn(fmt.Sprintf("%s is not the Azure pair of the primary's region %s (%s): recovery may be slower during a region-wide outage", cfg.Location, location, regions[location].pair), nil)
	}
	for _, primary := range []struct{ key, cidr string }{{"hubAddressSpace", hub}, {"spokeAddressSpace", spoke}} {
		p, err := netip.ParsePrefix(primary.cidr)
		if err != nil {
			continue
		}
		for _, own := range []struct {
			key string
			p   netip.Prefix
		}{{"hubAddressSpace", cfg.Network.HubAddressSpace}, {"spokeAddressSpace", cfg.Network.SpokeAddressSpace}} {
			if own.p.Overlaps(p) {
				errs = append(errs, fmt.Errorf("%s:%s: %s overlaps the primary's %s %s; the two regions must use disjoint ranges", Namespace, own.key, own.p, primary.key, p))
			}
		}
	}
	if !slices.Contains(registryLocations, cfg.Location) {
		errs = append(errs, fmt.Errorf("%s:location: the registry has no replica in %s (it has %s); add %s to registryReplicaLocations in the primary stack and run `pulumi up -s primary` first", Namespace, cfg.Location, strings.Join(registryLocations, ", "), cfg.Location))
	}
	if len(errs) > 0 {
		return configError(errs)
	}
	return nil
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, item := range list {
		out = append(out, fmt.Sprint(item))
	}
	return out
}
