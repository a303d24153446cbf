package components

import (
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// HubSpokeArgs configures one region's hub-spoke network.
type HubSpokeArgs struct {
	// ResourceGroupName holds every network resource. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region, e.g. "eastus2". Required.
	Location string
	// Names derives the Azure names. Required.
	Names *Namer
	// AddressPlan holds the VNet and subnet ranges. Required, every field.
	AddressPlan
	// BaseFirewallPolicyID is the global base policy the regional policy inherits. Required.
	BaseFirewallPolicyID pulumi.StringInput
	// FirewallPolicyLocation is the base policy's region, where Azure requires the regional
	// (child) policy too. Default Location.
	FirewallPolicyLocation string
	// WorkspaceID is the regional Log Analytics workspace for firewall diagnostics. Required.
	WorkspaceID pulumi.StringInput
	// FirewallPublicIPCount is how many public IPs the firewall uses for outbound SNAT: each
	// gives 2,496 SNAT ports per firewall instance. Default DefaultFirewallPublicIPCount.
	FirewallPublicIPCount int
	// RegistryLoginServer is the project's container registry (e.g. "myacr.azurecr.io"), the only
	// registry the firewall lets the AKS subnet reach. Required.
	RegistryLoginServer pulumi.StringInput
	// RegistryLocations are the registry's home and replica regions: the firewall admits each
	// region's dedicated data endpoint (<registry>.<region>.data.azurecr.io). Required.
	RegistryLocations []string
	// Tags go on every taggable resource. Optional.
	Tags map[string]string
}

// DefaultFirewallPublicIPCount sizes the firewall for a failover surge: Azure Firewall gives
// 2,496 SNAT ports per public IP per backend instance (at least two instances), so four IPs give
// 9,984 ports per instance instead of 2,496
// (https://learn.microsoft.com/azure/firewall/integrate-with-nat-gateway).
const DefaultFirewallPublicIPCount = 4

// AddressPlan is one region's VNet and subnet ranges (CIDRs).
type AddressPlan struct {
	// HubAddressSpace is the hub VNet's CIDR. Required.
	HubAddressSpace string
	// FirewallSubnetPrefix is AzureFirewallSubnet's CIDR inside the hub (/26 or larger). Required.
	FirewallSubnetPrefix string
	// SpokeAddressSpace is the spoke VNet's CIDR. Required.
	SpokeAddressSpace string
	// AksSubnetPrefix is the AKS node and pod subnet inside the spoke. Required.
	AksSubnetPrefix string
	// AppGatewaySubnetPrefix is the Application Gateway subnet inside the spoke. Required.
	AppGatewaySubnetPrefix string
	// PrivateEndpointSubnetPrefix is the private-endpoint subnet inside the spoke. Required.
	PrivateEndpointSubnetPrefix string
}

// HubSpoke is a hub VNet with a zone-redundant Azure Firewall and a spoke VNet whose AKS subnet
// sends all egress through that firewall.
type HubSpoke struct {
	pulumi.ResourceState

	HubVnet               *network.VirtualNetwork
	SpokeVnet             *network.VirtualNetwork
	FirewallSubnet        *network.Subnet
	AksSubnet             *network.Subnet
	AppGatewaySubnet      *network.Subnet
	PrivateEndpointSubnet *network.Subnet
	HubToSpoke            *network.VirtualNetworkPeering
	SpokeToHub            *network.VirtualNetworkPeering
	FirewallPolicy        *network.FirewallPolicy
	AksEgressRules        *network.FirewallPolicyRuleCollectionGroup
	Firewall              *network.AzureFirewall
	EgressRouteTable      *network.RouteTable
	AppGatewayNsg         *network.NetworkSecurityGroup

	// FirewallPublicIPs are the firewall's outbound (SNAT) addresses.
	FirewallPublicIPs []*network.PublicIPAddress
	// FirewallPrivateIP is the next hop of the AKS subnet's default route.
	FirewallPrivateIP pulumi.StringOutput
	// AksSubnetName is the AKS subnet's Azure name (the workload's internal load balancer uses it).
	AksSubnetName string
}

// NewHubSpoke creates the regional network.
func NewHubSpoke(ctx *pulumi.Context, name string, args *HubSpokeArgs, opts ...pulumi.ResourceOption) (*HubSpoke, error) {
	if args == nil {
		args = &HubSpokeArgs{}
	}
	if err := require("HubSpoke", map[string]bool{
		"ResourceGroupName": set(args.ResourceGroupName), "Location": args.Location != "", "Names": args.Names != nil,
		"HubAddressSpace": args.HubAddressSpace != "", "FirewallSubnetPrefix": args.FirewallSubnetPrefix != "",
		"SpokeAddressSpace": args.SpokeAddressSpace != "", "AksSubnetPrefix": args.AksSubnetPrefix != "",
		"AppGatewaySubnetPrefix": args.AppGatewaySubnetPrefix != "", "PrivateEndpointSubnetPrefix": args.PrivateEndpointSubnetPrefix != "",
		"BaseFirewallPolicyID": set(args.BaseFirewallPolicyID), "WorkspaceID": set(args.WorkspaceID),
		"RegistryLoginServer": set(args.RegistryLoginServer), "RegistryLocations": len(args.RegistryLocations) > 0,
		"FirewallPublicIPCount (0 means the default, at most 250)": args.FirewallPublicIPCount >= 0 && args.FirewallPublicIPCount <= 250,
	}); err != nil {
		return nil, err
	}
	if args.FirewallPublicIPCount == 0 {
		args.FirewallPublicIPCount = DefaultFirewallPublicIPCount
	}
	c := &HubSpoke{}
	if err := ctx.RegisterComponentResource("aks-dr:network:HubSpoke", name, c, opts...); err != nil {
		return nil, err
	}
	b := &hubSpokeBuilder{ctx: ctx, name: name, args: args, c: c, parent: pulumi.Parent(c)}
	for _, step := range []func() error{b.vnets, b.firewall, b.spokeSubnets, b.peerings} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := args.Names.Err(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"hubVnetId":         c.HubVnet.ID(),
		"spokeVnetId":       c.SpokeVnet.ID(),
		"aksSubnetId":       c.AksSubnet.ID(),
		"firewallPrivateIp": c.FirewallPrivateIP,
	})
}

// hubSpokeBuilder carries the shared state of NewHubSpoke's steps.
type hubSpokeBuilder struct {
	ctx    *pulumi.Context
	name   string
	args   *HubSpokeArgs
	c      *HubSpoke
	parent pulumi.ResourceOption
}

func (b *hubSpokeBuilder) common() (pulumi.StringInput, pulumi.StringPtrInput, pulumi.StringMap) {
	return b.args.ResourceGroupName, pulumi.String(b.args.Location), pulumi.ToStringMap(b.args.Tags)
}

func (b *hubSpokeBuilder) vnets() error {
	rg, loc, tags := b.common()
	n := b.args.Names
	var err error
	b.c.HubVnet, err = network.NewVirtualNetwork(b.ctx, b.name+"-hub-vnet", &network.VirtualNetworkArgs{
		ResourceGroupName:  rg,
		Location:           loc,
		VirtualNetworkName: pulumi.String(n.Of(naming.VirtualNetwork, "hub")),
		AddressSpace:       &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(b.args.HubAddressSpace)}},
		Tags:               tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.c.SpokeVnet, err = network.NewVirtualNetwork(b.ctx, b.name+"-spoke-vnet", &network.VirtualNetworkArgs{
		ResourceGroupName:  rg,
		Location:           loc,
		VirtualNetworkName: pulumi.String(n.Of(naming.VirtualNetwork, "spoke")),
		AddressSpace:       &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(b.args.SpokeAddressSpace)}},
		Tags:               tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.c.FirewallSubnet, err = network.NewSubnet(b.ctx, b.name+"-firewall-subnet", &network.SubnetArgs{
		ResourceGroupName:  rg,
		VirtualNetworkName: b.c.HubVnet.Name,
		SubnetName:         pulumi.String("AzureFirewallSubnet"), // the name Azure Firewall requires
		AddressPrefix:      pulumi.String(b.args.FirewallSubnetPrefix),
	}, b.parent)
	return err
}

func (b *hubSpokeBuilder) firewall() error {
	rg, loc, tags := b.common()
	n := b.args.Names
	var err error
	// Several public IPs: the firewall spreads outbound connections over all of them, so a
	// failover surge through it does not run out of SNAT ports. Name and Pulumi name of the first
	// stay as they were with one IP.
	for i := range b.args.FirewallPublicIPCount {
		suffix, part := "", "fw"
		if i > 0 {
			suffix, part = "-"+strconv.Itoa(i+1), "fw"+strconv.Itoa(i+1)
		}
		pip, err := network.NewPublicIPAddress(b.ctx, b.name+"-firewall-pip"+suffix, &network.PublicIPAddressArgs{
			ResourceGroupName:        rg,
			Location:                 loc,
			PublicIpAddressName:      pulumi.String(n.Of(naming.PublicIP, part)),
			Sku:                      &network.PublicIPAddressSkuArgs{Name: pulumi.String("Standard"), Tier: pulumi.String("Regional")},
			PublicIPAllocationMethod: pulumi.String("Static"),
			Zones:                    zones,
			Tags:                     tags,
		}, b.parent)
		if err != nil {
			return err
		}
		b.c.FirewallPublicIPs = append(b.c.FirewallPublicIPs, pip)
	}
	// The regional policy inherits the base policy's rules (Firewall Manager parent/child) and
	// adds what only this region needs: AKS egress to this region's API server. It lives in the
	// base policy's region, as Azure requires of a child policy.
	policyLocation := b.args.FirewallPolicyLocation
	if policyLocation == "" {
		policyLocation = b.args.Location
	}
	b.c.FirewallPolicy, err = network.NewFirewallPolicy(b.ctx, b.name+"-firewall-policy", &network.FirewallPolicyArgs{
		ResourceGroupName:  rg,
		Location:           pulumi.String(policyLocation),
		FirewallPolicyName: pulumi.String(n.Of(naming.FirewallPolicy)),
		BasePolicy:         &network.SubResourceArgs{Id: b.args.BaseFirewallPolicyID},
		Sku:                &network.FirewallPolicySkuArgs{Tier: pulumi.String("Standard")},
		ThreatIntelMode:    pulumi.String("Deny"),
		Tags:               tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.c.AksEgressRules, err = network.NewFirewallPolicyRuleCollectionGroup(b.ctx, b.name+"-aks-egress", &network.FirewallPolicyRuleCollectionGroupArgs{
		ResourceGroupName:       rg,
		FirewallPolicyName:      b.c.FirewallPolicy.Name,
		RuleCollectionGroupName: pulumi.String("aks-egress"),
		Priority:                pulumi.Int(200),
		RuleCollections:         aksEgressRuleCollections(b.args.AksSubnetPrefix, b.args.Location, registryFqdns(b.args.RegistryLoginServer, b.args.RegistryLocations)),
	}, b.parent)
	if err != nil {
		return err
	}
	b.c.Firewall, err = network.NewAzureFirewall(b.ctx, b.name+"-firewall", &network.AzureFirewallArgs{
		ResourceGroupName: rg,
		Location:          loc,
		AzureFirewallName: pulumi.String(n.Of(naming.Firewall)),
		Sku:               &network.AzureFirewallSkuArgs{Name: pulumi.String("AZFW_VNet"), Tier: pulumi.String("Standard")},
		Zones:             zones,
		FirewallPolicy:    &network.SubResourceArgs{Id: b.c.FirewallPolicy.ID()},
		IpConfigurations:  b.firewallIPConfigurations(),
		Tags:              tags,
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.c.AksEgressRules}))
	if err != nil {
		return err
	}
	b.c.FirewallPrivateIP = b.c.Firewall.IpConfigurations.Index(pulumi.Int(0)).PrivateIPAddress()
	_, err = newDiagnostics(b.ctx, b.name+"-firewall-diag", b.c.Firewall.ID(), b.args.WorkspaceID, allLogs, b.parent)
	return err
}

// firewallIPConfigurations attaches every public IP; only the first configuration names the
// subnet, as Azure requires of a firewall with several public IPs.
func (b *hubSpokeBuilder) firewallIPConfigurations() network.AzureFirewallIPConfigurationArray {
	var out network.AzureFirewallIPConfigurationArray
	for i, pip := range b.c.FirewallPublicIPs {
		cfg := network.AzureFirewallIPConfigurationArgs{
			Name:            pulumi.String("fw-ipconfig"),
			PublicIPAddress: &network.SubResourceArgs{Id: pip.ID()},
		}
		if i == 0 {
			cfg.Subnet = &network.SubResourceArgs{Id: b.c.FirewallSubnet.ID()}
		} else {
			cfg.Name = pulumi.String("fw-ipconfig-" + strconv.Itoa(i+1))
		}
		out = append(out, cfg)
	}
	return out
}

func (b *hubSpokeBuilder) spokeSubnets() error {
	rg, loc, tags := b.common()
	n := b.args.Names
	var err error
	b.c.EgressRouteTable, err = network.NewRouteTable(b.ctx, b.name+"-egress-rt", &network.RouteTableArgs{
		ResourceGroupName:          rg,
		Location:                   loc,
		RouteTableName:             pulumi.String(n.Of(naming.RouteTable, "egress")),
		DisableBgpRoutePropagation: pulumi.Bool(true),
		Routes: network.RouteTypeArray{network.RouteTypeArgs{
			Name:             pulumi.String("default-via-firewall"),
			AddressPrefix:    pulumi.String("0.0.0.0/0"),
			NextHopType:      pulumi.String("VirtualAppliance"),
			NextHopIpAddress: b.c.FirewallPrivateIP,
		}},
		Tags: tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.c.AppGatewayNsg, err = network.NewNetworkSecurityGroup(b.ctx, b.name+"-appgw-nsg", &network.NetworkSecurityGroupArgs{
		ResourceGroupName:        rg,
		Location:                 loc,
		NetworkSecurityGroupName: pulumi.String(n.Of(naming.NetworkSecurityGroup, "appgw")),
		SecurityRules:            appGatewayNsgRules(),
		Tags:                     tags,
	}, b.parent)
	if err != nil {
		return err
	}
	// Azure rejects concurrent writes to subnets of one VNet, so each subnet waits for the last.
	b.c.AksSubnetName = n.Of(naming.Subnet, "aks")
	b.c.AksSubnet, err = network.NewSubnet(b.ctx, b.name+"-aks-subnet", &network.SubnetArgs{
		ResourceGroupName:  rg,
		VirtualNetworkName: b.c.SpokeVnet.Name,
		SubnetName:         pulumi.String(b.c.AksSubnetName),
		AddressPrefix:      pulumi.String(b.args.AksSubnetPrefix),
		RouteTable:         &network.RouteTableTypeArgs{Id: b.c.EgressRouteTable.ID()},
	}, b.parent)
	if err != nil {
		return err
	}
	b.c.AppGatewaySubnet, err = network.NewSubnet(b.ctx, b.name+"-appgw-subnet", &network.SubnetArgs{
		ResourceGroupName:    rg,
		VirtualNetworkName:   b.c.SpokeVnet.Name,
		SubnetName:           pulumi.String(n.Of(naming.Subnet, "appgw")),
		AddressPrefix:        pulumi.String(b.args.AppGatewaySubnetPrefix),
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: b.c.AppGatewayNsg.ID()},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.c.AksSubnet}))
	if err != nil {
		return err
	}
	b.c.PrivateEndpointSubnet, err = network.NewSubnet(b.ctx, b.name+"-pe-subnet", &network.SubnetArgs{
		ResourceGroupName:              rg,
		VirtualNetworkName:             b.c.SpokeVnet.Name,
		SubnetName:                     pulumi.String(n.Of(naming.Subnet, "pe")),
		AddressPrefix:                  pulumi.String(b.args.PrivateEndpointSubnetPrefix),
		PrivateEndpointNetworkPolicies: pulumi.String("Disabled"),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.c.AppGatewaySubnet}))
	return err
}

func (b *hubSpokeBuilder) peerings() error {
	rg, _, _ := b.common()
	n := b.args.Names
	var err error
	b.c.HubToSpoke, err = network.NewVirtualNetworkPeering(b.ctx, b.name+"-hub-to-spoke", &network.VirtualNetworkPeeringArgs{
		ResourceGroupName:         rg,
		VirtualNetworkName:        b.c.HubVnet.Name,
		VirtualNetworkPeeringName: pulumi.String(n.Of(naming.Peering, "hub-to-spoke")),
		RemoteVirtualNetwork:      &network.SubResourceArgs{Id: b.c.SpokeVnet.ID()},
		AllowVirtualNetworkAccess: pulumi.Bool(true),
		AllowForwardedTraffic:     pulumi.Bool(true),
		// Not while the firewall is still being written into the hub VNet.
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.c.FirewallSubnet, b.c.Firewall}))
	if err != nil {
		return err
	}
	b.c.SpokeToHub, err = network.NewVirtualNetworkPeering(b.ctx, b.name+"-spoke-to-hub", &network.VirtualNetworkPeeringArgs{
		ResourceGroupName:         rg,
		VirtualNetworkName:        b.c.SpokeVnet.Name,
		VirtualNetworkPeeringName: pulumi.String(n.Of(naming.Peering, "spoke-to-hub")),
		RemoteVirtualNetwork:      &network.SubResourceArgs{Id: b.c.HubVnet.ID()},
		AllowVirtualNetworkAccess: pulumi.Bool(true),
		AllowForwardedTraffic:     pulumi.Bool(true),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.c.PrivateEndpointSubnet}))
	return err
}
