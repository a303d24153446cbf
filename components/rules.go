package components

import (
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// aksEgressRuleCollections are the regional firewall rules AKS needs with outbound type
// userDefinedRouting (https://learn.microsoft.com/azure/aks/outbound-rules-control-egress):
// the AzureKubernetesService FQDN tag, NTP, and the API server tunnel ports to this region; and
// the project's registry, only it, only from the AKS subnet (registry lists its FQDNs).
func aksEgressRuleCollections(aksSubnet, location string, registry pulumi.StringArrayInput) pulumi.Array {
	src := pulumi.StringArray{pulumi.String(aksSubnet)}
	apiServer := pulumi.StringArray{pulumi.String("AzureCloud." + location)}
	return pulumi.Array{
		network.FirewallPolicyFilterRuleCollectionArgs{
			Name:               pulumi.String("aks-network"),
			Priority:           pulumi.Int(100),
			RuleCollectionType: pulumi.String("FirewallPolicyFilterRuleCollection"),
			Action:             &network.FirewallPolicyFilterRuleCollectionActionArgs{Type: pulumi.String("Allow")},
			Rules: pulumi.Array{
				networkRule("ntp", src, pulumi.StringArray{pulumi.String("*")}, "UDP", "123"),
				networkRule("apiserver-udp", src, apiServer, "UDP", "1194"),
				networkRule("apiserver-tcp", src, apiServer, "TCP", "9000", "443"),
			},
		},
		network.FirewallPolicyFilterRuleCollectionArgs{
			Name:               pulumi.String("aks-application"),
			Priority:           pulumi.Int(200),
			RuleCollectionType: pulumi.String("FirewallPolicyFilterRuleCollection"),
			Action:             &network.FirewallPolicyFilterRuleCollectionActionArgs{Type: pulumi.String("Allow")},
			Rules: pulumi.Array{
				network.ApplicationRuleArgs{
					Name:            pulumi.String("aks-fqdn-tag"),
					RuleType:        pulumi.String("ApplicationRule"),
					SourceAddresses: src,
					FqdnTags:        pulumi.StringArray{pulumi.String("AzureKubernetesService")},
					Protocols:       httpsAndHTTP(),
				},
				network.ApplicationRuleArgs{
					Name:            pulumi.String("project-registry"),
					RuleType:        pulumi.String("ApplicationRule"),
					SourceAddresses: src,
					TargetFqdns:     registry,
					Protocols:       httpsOnly(),
				},
			},
		},
	}
}

// registryFqdns are the host names a client of the registry talks to: the login server and, as
// the registry has dedicated data endpoints, <registry>.<region>.data.azurecr.io for its home and
// each replica region (https://learn.microsoft.com/azure/container-registry/container-registry-dedicated-data-endpoints).
// Nodes normally reach them through the spoke's private endpoint; this rule is the path through
// the firewall, and it admits no other registry (no *.azurecr.io).
func registryFqdns(loginServer pulumi.StringInput, locations []string) pulumi.StringArrayOutput {
	return loginServer.ToStringOutput().ApplyT(func(ls string) []string {
		name := strings.TrimSuffix(strings.ToLower(ls), ".azurecr.io")
		out := []string{strings.ToLower(ls)}
		for _, loc := range locations {
			out = append(out, name+"."+loc+".data.azurecr.io")
		}
		return out
	}).(pulumi.StringArrayOutput)
}

// baseRuleCollections are the organisation-wide rules every region inherits: telemetry to Azure
// Monitor and the Azure Policy add-on, from any spoke. Registries are not here: each region
// admits only the project's registry, from its AKS subnet (aksEgressRuleCollections); MCR, which
// AKS itself pulls system images from, is in the AzureKubernetesService FQDN tag.
func baseRuleCollections() pulumi.Array {
	anySpoke := pulumi.StringArray{pulumi.String("10.0.0.0/8"), pulumi.String("172.16.0.0/12"), pulumi.String("192.168.0.0/16")}
	return pulumi.Array{
		network.FirewallPolicyFilterRuleCollectionArgs{
			Name:               pulumi.String("platform-services"),
			Priority:           pulumi.Int(100),
			RuleCollectionType: pulumi.String("FirewallPolicyFilterRuleCollection"),
			Action:             &network.FirewallPolicyFilterRuleCollectionActionArgs{Type: pulumi.String("Allow")},
			Rules: pulumi.Array{
				applicationRule("azure-monitor", anySpoke, "*.ods.opinsights.azure.com", "*.oms.opinsights.azure.com",
					"*.monitoring.azure.com", "dc.services.visualstudio.com", "global.handler.control.monitor.azure.com",
					"*.handler.control.monitor.azure.com", "*.ingest.monitor.azure.com"),
				applicationRule("azure-policy", anySpoke, "data.policy.core.windows.net", "store.policy.core.windows.net"),
			},
		},
	}
}

func networkRule(name string, src, dst pulumi.StringArray, protocol string, ports ...string) network.NetworkRuleArgs {
	return network.NetworkRuleArgs{
		Name:                 pulumi.String(name),
		RuleType:             pulumi.String("NetworkRule"),
		IpProtocols:          pulumi.StringArray{pulumi.String(protocol)},
		SourceAddresses:      src,
		DestinationAddresses: dst,
		DestinationPorts:     pulumi.ToStringArray(ports),
	}
}

func applicationRule(name string, src pulumi.StringArray, fqdns ...string) network.ApplicationRuleArgs {
	return network.ApplicationRuleArgs{
		Name:            pulumi.String(name),
		RuleType:        pulumi.String("ApplicationRule"),
		SourceAddresses: src,
		TargetFqdns:     pulumi.ToStringArray(fqdns),
		Protocols:       httpsOnly(),
	}
}

func httpsOnly() network.FirewallPolicyRuleApplicationProtocolArray {
	return network.FirewallPolicyRuleApplicationProtocolArray{network.FirewallPolicyRuleApplicationProtocolArgs{Port: pulumi.Int(443), ProtocolType: pulumi.String("Https")}}
}

func httpsAndHTTP() network.FirewallPolicyRuleApplicationProtocolArray {
	return network.FirewallPolicyRuleApplicationProtocolArray{
		network.FirewallPolicyRuleApplicationProtocolArgs{Port: pulumi.Int(443), ProtocolType: pulumi.String("Https")},
		network.FirewallPolicyRuleApplicationProtocolArgs{Port: pulumi.Int(80), ProtocolType: pulumi.String("Http")},
	}
}

// DrillRulePriority is the NSG priority the Chaos Studio failover drill's deny rule takes on the
// gateway subnet's NSG: Azure's lowest priority number, evaluated before every rule of
// appGatewayNsgRules (the port-80 allow rules therefore sit at 200 and above).
const DrillRulePriority = 100

// appGatewayNsgRules admit only Front Door's back end to the gateway's listeners, plus the
// infrastructure traffic an Application Gateway v2 must receive or it fails to deploy, plus the
// Application Insights availability tests of the global layer (issue 9), which call the origin
// directly so that a dead region is seen after Front Door has routed around it; they must
// still send this Front Door profile's X-Azure-FDID header, or the gateway's WAF refuses them.
func appGatewayNsgRules() network.SecurityRuleTypeArray {
	rule := func(name string, priority int, access, source, ports string) network.SecurityRuleTypeArgs {
		return network.SecurityRuleTypeArgs{
			Name:                     pulumi.String(name),
			Priority:                 pulumi.Int(priority),
			Direction:                pulumi.String("Inbound"),
			Access:                   pulumi.String(access),
			Protocol:                 pulumi.String("*"),
			SourceAddressPrefix:      pulumi.String(source),
			SourcePortRange:          pulumi.String("*"),
			DestinationAddressPrefix: pulumi.String("*"),
			DestinationPortRange:     pulumi.String(ports),
		}
	}
	frontDoor := rule("allow-frontdoor-http", 200, "Allow", "AzureFrontDoor.Backend", "80")
	frontDoor.Protocol = pulumi.String("Tcp")
	availability := rule("allow-availability-tests-http", 210, "Allow", "ApplicationInsightsAvailability", "80")
	availability.Protocol = pulumi.String("Tcp")
	return network.SecurityRuleTypeArray{
		frontDoor,
		availability,
		rule("allow-gateway-manager", 110, "Allow", "GatewayManager", "65200-65535"),
		rule("allow-azure-load-balancer", 120, "Allow", "AzureLoadBalancer", "*"),
		rule("deny-all-inbound", 4096, "Deny", "*", "*"),
	}
}
