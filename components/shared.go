package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// SharedServicesArgs configures the global layer's foundation.
type SharedServicesArgs struct {
	// Location is the home region of the global resources' metadata. Required.
	Location string
	// Names derives the Azure names. Required.
	Names *Namer
	// LogRetentionDays is the shared workspace's retention (30-730). Default 90.
	LogRetentionDays int
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// SharedServices is the resource group, shared Log Analytics workspace and base firewall policy
// that both regions use. The base policy carries the rules every region needs; each region's
// policy inherits it (Firewall Manager parent/child) and adds its own.
type SharedServices struct {
	pulumi.ResourceState

	ResourceGroup      *resources.ResourceGroup
	Workspace          *operationalinsights.Workspace
	BaseFirewallPolicy *network.FirewallPolicy
	BaseRules          *network.FirewallPolicyRuleCollectionGroup

	// BaseFirewallPolicyID resolves once the base policy has its rules, so a child policy is
	// never created while its parent is still being written (Azure rejects concurrent updates).
	BaseFirewallPolicyID pulumi.StringOutput
}

// NewSharedServices creates the global foundation.
func NewSharedServices(ctx *pulumi.Context, name string, args *SharedServicesArgs, opts ...pulumi.ResourceOption) (*SharedServices, error) {
	if args == nil {
		args = &SharedServicesArgs{}
	}
	if err := require("SharedServices", map[string]bool{"Location": args.Location != "", "Names": args.Names != nil}); err != nil {
		return nil, err
	}
	retention := args.LogRetentionDays
	if retention == 0 {
		retention = 90
	}
	c := &SharedServices{}
	if err := ctx.RegisterComponentResource("aks-dr:global:SharedServices", name, c, opts...); err != nil {
		return nil, err
	}
	parent, tags, loc := pulumi.Parent(c), pulumi.ToStringMap(args.Tags), pulumi.String(args.Location)
	var err error
	c.ResourceGroup, err = resources.NewResourceGroup(ctx, name+"-rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(args.Names.Of(naming.ResourceGroup)),
		Location:          loc,
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.Workspace, err = operationalinsights.NewWorkspace(ctx, name+"-log", &operationalinsights.WorkspaceArgs{
		ResourceGroupName: c.ResourceGroup.Name,
		Location:          loc,
		WorkspaceName:     pulumi.String(args.Names.Of(naming.LogAnalytics)),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(retention),
		Tags:              tags,
	}, parent, pulumi.Protect(true)) // its logs are state: never replaced silently
	if err != nil {
		return nil, err
	}
	c.BaseFirewallPolicy, err = network.NewFirewallPolicy(ctx, name+"-base-firewall-policy", &network.FirewallPolicyArgs{
		ResourceGroupName:  c.ResourceGroup.Name,
		Location:           loc,
		FirewallPolicyName: pulumi.String(args.Names.Of(naming.FirewallPolicy, "base")),
		Sku:                &network.FirewallPolicySkuArgs{Tier: pulumi.String("Standard")}, // children must match
		ThreatIntelMode:    pulumi.String("Deny"),
		Tags:               tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.BaseRules, err = network.NewFirewallPolicyRuleCollectionGroup(ctx, name+"-base-rules", &network.FirewallPolicyRuleCollectionGroupArgs{
		ResourceGroupName:       c.ResourceGroup.Name,
		FirewallPolicyName:      c.BaseFirewallPolicy.Name,
		RuleCollectionGroupName: pulumi.String("platform"),
		Priority:                pulumi.Int(100),
		RuleCollections:         baseRuleCollections(),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	c.BaseFirewallPolicyID = pulumi.All(c.BaseFirewallPolicy.ID(), c.BaseRules.ID()).ApplyT(func(ids []any) string {
		return string(ids[0].(pulumi.ID))
	}).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"resourceGroupName":    c.ResourceGroup.Name,
		"workspaceId":          c.Workspace.ID(),
		"baseFirewallPolicyId": c.BaseFirewallPolicyID,
	})
}
