package components

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// Chaos Studio's network security group fault (capability SecurityRule-1.0 of the target type
// Microsoft-NetworkSecurityGroup): it adds a security rule to the NSG for the action's duration
// and removes it afterwards. Fault library:
// https://learn.microsoft.com/azure/chaos-studio/chaos-studio-fault-library#network-security-group-set-rules
// (MicrosoftDocs/azure-docs, articles/chaos-studio/chaos-studio-fault-library.md). The
// experiment's identity needs Network Contributor on the NSG, and nothing else
// (https://learn.microsoft.com/azure/chaos-studio/chaos-studio-fault-providers).
const (
	chaosAPIVersion     = "2024-01-01"
	chaosTargetType     = "Microsoft-NetworkSecurityGroup"
	chaosCapability     = "SecurityRule-1.0"
	chaosNSGFaultURN    = "urn:csci:microsoft:networkSecurityGroup:securityRule/1.0"
	chaosSelectorID     = "gateway-nsg"
	chaosRuleName       = "aksdr-drill-deny-http"
	chaosExperimentType = "Microsoft.Chaos/experiments"
)

// FailoverDrillArgs configures one stamp's failover drill.
type FailoverDrillArgs struct {
	// ResourceGroupName is the stamp's resource group. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the stamp's region (the experiment's too). Required.
	Location string
	// Names derives the Azure names. Required.
	Names *Namer
	// SubscriptionID builds the experiment's ARM ID. Required.
	SubscriptionID string
	// GatewayNsgID is the Application Gateway subnet's NSG: the fault adds a deny rule there,
	// the only scope the experiment's identity gets a role on. Required.
	GatewayNsgID pulumi.StringInput
	// FaultMinutes is how long the deny rule stays (1-120). Required.
	FaultMinutes int
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// FailoverDrill is a Chaos Studio experiment that takes the stamp's serving path away: for
// FaultMinutes it denies inbound HTTP and HTTPS from any source at the gateway subnet's NSG
// (priority DrillRulePriority, before the rule admitting Front Door), so Front Door's probes and
// requests to this region fail and it routes to the other one; the gateway's infrastructure
// ports stay open, so the gateway itself stays healthy and serves again as soon as the rule goes.
//
// azure-native's chaos module is not available to this project, so the target, its capability
// and the experiment are one ARM deployment. `pulumi up` creates the experiment and never starts
// it: a drill is started on purpose, with `go run ./cmd/drill -real -drill <stamp>` (README,
// "Running a failover drill").
type FailoverDrill struct {
	pulumi.ResourceState

	// Identity is the experiment's user-assigned identity; NsgRole its only role assignment.
	Identity *managedidentity.UserAssignedIdentity
	NsgRole  *authorization.RoleAssignment
	// Deployment registers the Chaos Studio target, capability and experiment.
	Deployment *resources.Deployment
	// ExperimentID is the experiment's ARM ID (what the drill starts).
	ExperimentID pulumi.StringOutput
	// ExperimentName is its Azure name.
	ExperimentName string
}

// NewFailoverDrill registers the drill of one stamp.
func NewFailoverDrill(ctx *pulumi.Context, name string, args *FailoverDrillArgs, opts ...pulumi.ResourceOption) (*FailoverDrill, error) {
	if args == nil {
		args = &FailoverDrillArgs{}
	}
	if err := require("FailoverDrill", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "Location": args.Location != "", "Names": args.Names != nil,
		"SubscriptionID": args.SubscriptionID != "", "GatewayNsgID": set(args.GatewayNsgID),
	}); err != nil {
		return nil, err
	}
	if args.FaultMinutes < 1 || args.FaultMinutes > 120 {
		return nil, fmt.Errorf("FailoverDrill: FaultMinutes must be between 1 and 120, got %d", args.FaultMinutes)
	}
	c := &FailoverDrill{ExperimentName: args.Names.Of(naming.ChaosExperiment, "failover")}
	if err := ctx.RegisterComponentResource("aks-dr:stamp:FailoverDrill", name, c, opts...); err != nil {
		return nil, err
	}
	parent, tags := pulumi.Parent(c), pulumi.ToStringMap(args.Tags)
	var err error
	c.Identity, err = managedidentity.NewUserAssignedIdentity(ctx, name+"-identity", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		ResourceName:      pulumi.String(args.Names.Of(naming.ManagedIdentity, "chaos")),
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	// Network Contributor on this one NSG: the fault writes and deletes a security rule there.
	c.NsgRole, err = authorization.NewRoleAssignment(ctx, name+"-nsg-role", &authorization.RoleAssignmentArgs{
		Scope:            args.GatewayNsgID,
		RoleDefinitionId: pulumi.String(roleDefinitionID(args.SubscriptionID, roleNetworkContributor)),
		PrincipalId:      c.Identity.PrincipalId,
		PrincipalType:    pulumi.String("ServicePrincipal"),
	}, parent)
	if err != nil {
		return nil, err
	}
	c.Deployment, err = resources.NewDeployment(ctx, name+"-chaos", &resources.DeploymentArgs{
		ResourceGroupName: args.ResourceGroupName,
		DeploymentName:    pulumi.String(c.ExperimentName),
		Properties: &resources.DeploymentPropertiesArgs{
			Mode:     resources.DeploymentModeIncremental,
			Template: pulumi.Any(chaosTemplate()),
			Parameters: resources.DeploymentParameterMap{
				"nsgId":          resources.DeploymentParameterArgs{Value: args.GatewayNsgID},
				"identityId":     resources.DeploymentParameterArgs{Value: c.Identity.ID()},
				"experimentName": resources.DeploymentParameterArgs{Value: pulumi.String(c.ExperimentName)},
				"location":       resources.DeploymentParameterArgs{Value: pulumi.String(args.Location)},
				"duration":       resources.DeploymentParameterArgs{Value: pulumi.String("PT" + strconv.Itoa(args.FaultMinutes) + "M")},
				"tags":           resources.DeploymentParameterArgs{Value: tags},
			},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{c.NsgRole}))
	if err != nil {
		return nil, err
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	c.ExperimentID = armID(args.SubscriptionID, args.ResourceGroupName, chaosExperimentType, c.ExperimentName)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"experimentId": c.ExperimentID,
		"identityId":   c.Identity.ID(),
	})
}

// DrillParameters are the NSG fault's parameters: deny inbound TCP and UDP on 80 and 443 from
// any source, at the lowest priority number, so it overrides the rule admitting Front Door.
// Chaos Studio takes every value as a string, lists as JSON.
func DrillParameters() []map[string]string {
	kv := func(k, v string) map[string]string { return map[string]string{"key": k, "value": v} }
	return []map[string]string{
		kv("name", chaosRuleName),
		kv("protocol", "Any"),
		kv("sourceAddresses", `["*"]`),
		kv("destinationAddresses", `["*"]`),
		kv("action", "Deny"),
		kv("destinationPortRanges", `["80","443"]`),
		kv("sourcePortRanges", `["0-65535"]`),
		kv("priority", strconv.Itoa(DrillRulePriority)),
		kv("direction", "Inbound"),
	}
}

// chaosTemplate is the ARM template of the target (an extension resource of the NSG), its
// capability and the experiment. The experiment runs as the user-assigned identity, which the
// program gives its one role before the deployment.
func chaosTemplate() map[string]any {
	str := map[string]any{"type": "string"}
	target := "[extensionResourceId(parameters('nsgId'), 'Microsoft.Chaos/targets', '" + chaosTargetType + "')]"
	params := []any{}
	for _, p := range DrillParameters() {
		params = append(params, map[string]any{"key": p["key"], "value": p["value"]})
	}
	return map[string]any{
		"$schema":        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
		"contentVersion": "1.0.0.0",
		"parameters": map[string]any{
			"nsgId": str, "identityId": str, "experimentName": str, "location": str, "duration": str,
			"tags": map[string]any{"type": "object"},
		},
		"resources": []any{
			map[string]any{
				"type":       "Microsoft.Chaos/targets",
				"apiVersion": chaosAPIVersion,
				"name":       chaosTargetType,
				"scope":      "[parameters('nsgId')]",
				"properties": map[string]any{},
			},
			map[string]any{
				"type":       "Microsoft.Chaos/targets/capabilities",
				"apiVersion": chaosAPIVersion,
				"name":       chaosTargetType + "/" + chaosCapability,
				"scope":      "[parameters('nsgId')]",
				"dependsOn":  []any{target},
				"properties": map[string]any{},
			},
			map[string]any{
				"type":       chaosExperimentType,
				"apiVersion": chaosAPIVersion,
				"name":       "[parameters('experimentName')]",
				"location":   "[parameters('location')]",
				"tags":       "[parameters('tags')]",
				"dependsOn":  []any{"[extensionResourceId(parameters('nsgId'), 'Microsoft.Chaos/targets/capabilities', '" + chaosTargetType + "', '" + chaosCapability + "')]"},
				"identity": map[string]any{
					"type":                   "UserAssigned",
					"userAssignedIdentities": map[string]any{"[parameters('identityId')]": map[string]any{}},
				},
				"properties": map[string]any{
					"selectors": []any{map[string]any{
						"type": "List", "id": chaosSelectorID,
						"targets": []any{map[string]any{"type": "ChaosTarget", "id": target}},
					}},
					"steps": []any{map[string]any{
						"name": "take-the-region-off-front-door",
						"branches": []any{map[string]any{
							"name": "deny-http-at-the-gateway",
							"actions": []any{map[string]any{
								"type":       "continuous",
								"name":       chaosNSGFaultURN,
								"selectorId": chaosSelectorID,
								"duration":   "[parameters('duration')]",
								"parameters": params,
							}},
						}},
					}},
				},
			},
		},
	}
}
