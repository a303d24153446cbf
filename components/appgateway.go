package components

import (
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// Application Gateway sizing of a serving region: at least two instances spread over zones,
// autoscaling with load up to ten. A warm standby may lower the minimum (AppGatewayCapacityArgs),
// never the maximum. Autoscale minimums range from 0 to 125; with 0 the service still keeps
// internal instances, but each instance it adds takes minutes to provision
// (https://learn.microsoft.com/azure/application-gateway/application-gateway-autoscaling-zone-redundant).
const (
	ServingAppGatewayMinCapacity = 2
	AppGatewayMaxCapacity        = 10
)

// AppGatewayCapacityArgs are the gateway's autoscale bounds.
type AppGatewayCapacityArgs struct {
	// Min is the autoscale minimum (0-125). Used only when Max is set.
	Min int
	// Max is the autoscale maximum. Zero means the serving defaults for both bounds
	// (ServingAppGatewayMinCapacity, AppGatewayMaxCapacity).
	Max int
}

func (a AppGatewayCapacityArgs) withDefaults() AppGatewayCapacityArgs {
	if a.Max == 0 {
		return AppGatewayCapacityArgs{Min: ServingAppGatewayMinCapacity, Max: AppGatewayMaxCapacity}
	}
	return a
}

// appGateway creates the WAF policy, public IP and Application Gateway WAF_v2 whose only backend
// is the workload's internal load balancer. The WAF blocks every request that does not carry this
// Front Door profile's X-Azure-FDID header; the subnet NSG admits only the AzureFrontDoor.Backend
// service tag. Together they make Front Door the only way in.
func (b *stampBuilder) appGateway() error {
	a, s := b.args, b.stamp
	n := b.names
	var err error
	s.AppGatewayWafPolicy, err = network.NewWebApplicationFirewallPolicy(b.ctx, b.name+"-appgw-waf", &network.WebApplicationFirewallPolicyArgs{
		ResourceGroupName: b.rgName,
		Location:          pulumi.String(a.Location),
		PolicyName:        pulumi.String(n.Of(naming.AppGatewayWafPolicy)),
		PolicySettings: &network.PolicySettingsArgs{
			State:            pulumi.String("Enabled"),
			Mode:             pulumi.String("Prevention"),
			RequestBodyCheck: pulumi.Bool(true),
		},
		ManagedRules: &network.ManagedRulesDefinitionArgs{
			ManagedRuleSets: network.ManagedRuleSetArray{
				network.ManagedRuleSetArgs{RuleSetType: pulumi.String("OWASP"), RuleSetVersion: pulumi.String("3.2")},
				network.ManagedRuleSetArgs{RuleSetType: pulumi.String("Microsoft_BotManagerRuleSet"), RuleSetVersion: pulumi.String("1.0")},
			},
		},
		CustomRules: network.WebApplicationFirewallCustomRuleArray{
			network.WebApplicationFirewallCustomRuleArgs{
				Name:     pulumi.String("RequireOwnFrontDoor"),
				Priority: pulumi.Int(1),
				RuleType: pulumi.String("MatchRule"),
				Action:   pulumi.String("Block"),
				MatchConditions: network.MatchConditionArray{network.MatchConditionArgs{
					MatchVariables: network.MatchVariableArray{network.MatchVariableArgs{
						VariableName: pulumi.String("RequestHeaders"),
						Selector:     pulumi.String("X-Azure-FDID"),
					}},
					Operator:         pulumi.String("Equal"),
					NegationConditon: pulumi.Bool(true),
					MatchValues:      pulumi.StringArray{a.FrontDoorID},
				}},
			},
		},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	s.AppGatewayPublicIP, err = network.NewPublicIPAddress(b.ctx, b.name+"-appgw-pip", &network.PublicIPAddressArgs{
		ResourceGroupName:        b.rgName,
		Location:                 pulumi.String(a.Location),
		PublicIpAddressName:      pulumi.String(n.Of(naming.PublicIP, "appgw")),
		Sku:                      &network.PublicIPAddressSkuArgs{Name: pulumi.String("Standard"), Tier: pulumi.String("Regional")},
		PublicIPAllocationMethod: pulumi.String("Static"),
		Zones:                    zones,
		DnsSettings: &network.PublicIPAddressDnsSettingsArgs{
			DomainNameLabel: pulumi.String(n.Of(naming.DNSLabel)),
			// TenantReuse adds a tenant-specific hash, so two organisations using the same
			// prefix and region never collide on the global cloudapp.azure.com name.
			DomainNameLabelScope: network.PublicIpAddressDnsSettingsDomainNameLabelScopeTenantReuse,
		},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	gwName := n.Of(naming.ApplicationGateway)
	sub := func(kind, name string) *network.SubResourceArgs {
		return &network.SubResourceArgs{Id: armID(a.SubscriptionID, b.rgName, "Microsoft.Network/applicationGateways", gwName, kind, name)}
	}
	port := a.Workload.Port
	s.AppGateway, err = network.NewApplicationGateway(b.ctx, b.name+"-appgw", &network.ApplicationGatewayArgs{
		ResourceGroupName:      b.rgName,
		Location:               pulumi.String(a.Location),
		ApplicationGatewayName: pulumi.String(gwName),
		Sku:                    &network.ApplicationGatewaySkuArgs{Name: pulumi.String("WAF_v2"), Tier: pulumi.String("WAF_v2")},
		AutoscaleConfiguration: &network.ApplicationGatewayAutoscaleConfigurationArgs{
			MinCapacity: pulumi.Int(a.AppGatewayCapacity.withDefaults().Min),
			MaxCapacity: pulumi.Int(a.AppGatewayCapacity.withDefaults().Max),
		},
		Zones:          zones,
		EnableHttp2:    pulumi.Bool(true),
		FirewallPolicy: &network.SubResourceArgs{Id: s.AppGatewayWafPolicy.ID()},
		GatewayIPConfigurations: network.ApplicationGatewayIPConfigurationArray{network.ApplicationGatewayIPConfigurationArgs{
			Name:   pulumi.String("gateway"),
			Subnet: &network.SubResourceArgs{Id: s.Network.AppGatewaySubnet.ID()},
		}},
		FrontendIPConfigurations: network.ApplicationGatewayFrontendIPConfigurationArray{network.ApplicationGatewayFrontendIPConfigurationArgs{
			Name:            pulumi.String("public"),
			PublicIPAddress: &network.SubResourceArgs{Id: s.AppGatewayPublicIP.ID()},
		}},
		FrontendPorts: network.ApplicationGatewayFrontendPortArray{network.ApplicationGatewayFrontendPortArgs{
			Name: pulumi.String("http"),
			Port: pulumi.Int(80),
		}},
		BackendAddressPools: network.ApplicationGatewayBackendAddressPoolArray{network.ApplicationGatewayBackendAddressPoolArgs{
			Name: pulumi.String("workload-ilb"),
			BackendAddresses: network.ApplicationGatewayBackendAddressArray{network.ApplicationGatewayBackendAddressArgs{
				IpAddress: pulumi.String(a.Network.IngressIP),
			}},
		}},
		Probes: network.ApplicationGatewayProbeArray{network.ApplicationGatewayProbeArgs{
			Name:               pulumi.String("workload-health"),
			Protocol:           pulumi.String("Http"),
			Host:               pulumi.String(a.Network.IngressIP),
			Path:               pulumi.String(a.Workload.HealthPath),
			Port:               pulumi.Int(port),
			Interval:           pulumi.Int(10),
			Timeout:            pulumi.Int(5),
			UnhealthyThreshold: pulumi.Int(3),
			Match:              &network.ApplicationGatewayProbeHealthResponseMatchArgs{StatusCodes: pulumi.StringArray{pulumi.String("200-399")}},
		}},
		BackendHttpSettingsCollection: network.ApplicationGatewayBackendHttpSettingsArray{network.ApplicationGatewayBackendHttpSettingsArgs{
			Name:                pulumi.String("workload-http-" + strconv.Itoa(port)),
			Port:                pulumi.Int(port),
			Protocol:            pulumi.String("Http"),
			CookieBasedAffinity: pulumi.String("Disabled"),
			RequestTimeout:      pulumi.Int(30),
			Probe:               sub("probes", "workload-health"),
		}},
		HttpListeners: network.ApplicationGatewayHttpListenerArray{network.ApplicationGatewayHttpListenerArgs{
			Name:                    pulumi.String("frontdoor-http"),
			Protocol:                pulumi.String("Http"),
			FrontendIPConfiguration: sub("frontendIPConfigurations", "public"),
			FrontendPort:            sub("frontendPorts", "http"),
		}},
		RequestRoutingRules: network.ApplicationGatewayRequestRoutingRuleArray{network.ApplicationGatewayRequestRoutingRuleArgs{
			Name:                pulumi.String("frontdoor-to-workload"),
			RuleType:            pulumi.String("Basic"),
			Priority:            pulumi.Int(100),
			HttpListener:        sub("httpListeners", "frontdoor-http"),
			BackendAddressPool:  sub("backendAddressPools", "workload-ilb"),
			BackendHttpSettings: sub("backendHttpSettingsCollection", "workload-http-"+strconv.Itoa(port)),
		}},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	_, err = newDiagnostics(b.ctx, b.name+"-appgw-diag", s.AppGateway.ID(), s.Workspace.ID(), allLogs, b.parent)
	return err
}
