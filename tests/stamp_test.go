package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Resource types a regional stamp registers, with how many.
var stampTypes = map[string]int{
	"aks-dr:stamp:RegionalStamp":                             1,
	"aks-dr:network:HubSpoke":                                1,
	"aks-dr:k8s:Workload":                                    1,
	"azure-native:resources:ResourceGroup":                   1,
	"azure-native:operationalinsights:Workspace":             1,
	"azure-native:network:VirtualNetwork":                    2,
	"azure-native:network:Subnet":                            4,
	"azure-native:network:VirtualNetworkPeering":             2,
	"azure-native:network:PublicIPAddress":                   5, // 4 firewall (SNAT) + 1 gateway
	"azure-native:network:FirewallPolicy":                    1,
	"azure-native:network:FirewallPolicyRuleCollectionGroup": 1,
	"azure-native:network:AzureFirewall":                     1,
	"azure-native:network:RouteTable":                        1,
	"azure-native:network:NetworkSecurityGroup":              1,
	"azure-native:network:WebApplicationFirewallPolicy":      1,
	"azure-native:network:ApplicationGateway":                1,
	"azure-native:network:PrivateZone":                       2, // Key Vault and registry
	"azure-native:network:VirtualNetworkLink":                2,
	"azure-native:network:PrivateEndpoint":                   2,
	"azure-native:network:PrivateDnsZoneGroup":               2,
	"azure-native:keyvault:Vault":                            1,
	"azure-native:managedidentity:UserAssignedIdentity":      4, // cluster, kubelet, workload, chaos drill (issue 9)
	"azure-native:authorization:RoleAssignment":              7, // 6 + the drill's Network Contributor on the gateway NSG (issue 9)
	"azure-native:insights:DataCollectionRule":               1,
	"azure-native:insights:DataCollectionRuleAssociation":    1,
	"azure-native:containerservice:ManagedCluster":           1,
	"azure-native:insights:DiagnosticSetting":                4,
	"pulumi:providers:kubernetes":                            1,
	"kubernetes:core/v1:Namespace":                           1,
	"kubernetes:apps/v1:Deployment":                          1,
	"kubernetes:policy/v1:PodDisruptionBudget":               1,
	"kubernetes:core/v1:Service":                             1,
	"kubernetes:autoscaling/v2:HorizontalPodAutoscaler":      1,

	// Issue 10: workload identity, NetworkPolicies, the service account without a token.
	"azure-native:managedidentity:FederatedIdentityCredential": 1,
	"kubernetes:networking.k8s.io/v1:NetworkPolicy":            4,
	"kubernetes:core/v1:ServiceAccount":                        1,

	// Issue 9: the Chaos Studio failover drill (target, capability, experiment in one ARM deployment).
	"aks-dr:stamp:FailoverDrill":        1,
	"azure-native:resources:Deployment": 1,
	// Issue 9: the nginx template of the page and header naming the region.
	"kubernetes:core/v1:ConfigMap": 1,
}

// Resource types the global stack registers, with both stamps deployed.
var globalTypes = map[string]int{
	"aks-dr:global:SharedServices":                           1,
	"aks-dr:global:GeoRegistry":                              1,
	"aks-dr:frontdoor:GlobalFrontDoor":                       1,
	"aks-dr:frontdoor:Route":                                 1,
	"azure-native:resources:ResourceGroup":                   1,
	"azure-native:operationalinsights:Workspace":             1,
	"azure-native:network:FirewallPolicy":                    1,
	"azure-native:network:FirewallPolicyRuleCollectionGroup": 1,
	"azure-native:containerregistry:Registry":                1,
	"azure-native:containerregistry:Replication":             2,
	"azure-native:network:Policy":                            1,
	"azure-native:cdn:Profile":                               1,
	"azure-native:cdn:AFDEndpoint":                           1,
	"azure-native:cdn:AFDOriginGroup":                        1,
	"azure-native:cdn:SecurityPolicy":                        1,
	"azure-native:cdn:Route":                                 1,
	"azure-native:insights:DiagnosticSetting":                2,
	"aks-dr:frontdoor:Origin":                                2,
	"azure-native:cdn:AFDOrigin":                             2,

	// Issue 10: the registry's image import (deployment script, its identity and role).
	"azure-native:resources:AzureCliScript":             1,
	"azure-native:managedidentity:UserAssignedIdentity": 1,
	"azure-native:authorization:RoleAssignment":         1,

	// Issue 9: alerts, action group, Application Insights and availability tests.
	"aks-dr:global:Monitoring":          1,
	"azure-native:insights:ActionGroup": 1,
	// 2 origin health + 1 5xx + 2 unhealthy backends + 3 availability (endpoint, 2 origins)
	"azure-native:insights:MetricAlert": 8,
	"azure-native:insights:Component":   1,
	"azure-native:insights:WebTest":     3,
	// the failover workbook and its six saved queries in the shared workspace
	"azure-native:insights:Workbook":               1,
	"azure-native:operationalinsights:SavedSearch": 6,
}

func countTypes(r *recorder) map[string]int {
	got := map[string]int{}
	for _, res := range r.resources {
		got[res.Type]++
	}
	return got
}

func TestGlobalRegistersTheSharedLayerAndEveryOrigin(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	assert.Equal(t, globalTypes, countTypes(rec), "the global stack holds no stamp resource")
	origins := map[string]registered{}
	for _, o := range rec.ofType("azure-native:cdn:AFDOrigin") {
		origins[plain(get(t, o.Inputs, "originName")).(string)] = o
	}
	require.Len(t, origins, 2)
	for name, want := range map[string]struct {
		priority int
		host     string
	}{
		"origin-aksdr-eus2": {1, stampFixture("primary")["originHostName"].(string)},
		"origin-aksdr-cus":  {2, stampFixture("secondary")["originHostName"].(string)},
	} {
		o := origins[name]
		assert.EqualValues(t, want.priority, plain(get(t, o.Inputs, "priority")), name)
		assert.Equal(t, want.host, plain(get(t, o.Inputs, "hostName")), "%s points at its stamp's gateway, read from the stamp's outputs", name)
		assert.Equal(t, "afd-aksdr-global", plain(get(t, o.Inputs, "profileName")))
		assert.Equal(t, "rg-aksdr-global", plain(get(t, o.Inputs, "resourceGroupName")))
	}
}

func TestEachStampRegistersOnlyItsStamp(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"primary", "secondary"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRun(t, stack, stackConfig(t, stack), deployed())
			assert.Equal(t, stampTypes, countTypes(rec), "nothing global, not even its own origin")
			waf := rec.one(t, "azure-native:network:WebApplicationFirewallPolicy")
			assert.Equal(t, []any{frontDoorID}, plain(get(t, waf.Inputs, "customRules[0].matchConditions[0].matchValues")),
				"the gateway admits the global layer's Front Door")
			cluster := rec.one(t, "azure-native:containerservice:ManagedCluster")
			assert.Equal(t, globalFixture()["sharedWorkspaceId"], plain(get(t, cluster.Inputs, "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID")))
		})
	}
}

// TestEveryChildIsParentedAndPrefixed checks the component contract: each resource has a parent
// (only components and the stack's own top-level components sit at the root), and each child's
// name starts with its parent's name.
func TestEveryChildIsParentedAndPrefixed(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"primary", "secondary"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRun(t, stack, stackConfig(t, stack), deployed())
			byURN := rec.byURN()
			for _, res := range rec.resources {
				if atRoot(res.Parent) {
					assert.True(t, strings.HasPrefix(res.Type, "aks-dr:"), "%s %s sits at the stack root: only components may", res.Type, res.Name)
					continue
				}
				parent, ok := byURN[res.Parent]
				require.True(t, ok, "parent of %s was registered", res.Name)
				assert.True(t, strings.HasPrefix(res.Name, parent.Name+"-"), "%s is prefixed with its parent's name %s", res.Name, parent.Name)
			}
		})
	}
}

func TestClusterIsZonalAutoscaledAndLockedDown(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	aks := rec.one(t, "azure-native:containerservice:ManagedCluster")
	in := aks.Inputs
	for i, pool := range []struct {
		mode     string
		min, max int
		zones    []any
	}{{"System", 3, 4, []any{"1", "2", "3"}}, {"User", 1, 3, []any{"1"}}, {"User", 1, 3, []any{"2"}}, {"User", 1, 3, []any{"3"}}} {
		p := "agentPoolProfiles[" + string(rune('0'+i)) + "]."
		assert.Equal(t, pool.mode, plain(get(t, in, p+"mode")))
		assert.Equal(t, pool.zones, plain(get(t, in, p+"availabilityZones")), "system pool spans three zones, one user pool per zone")
		assert.Equal(t, true, plain(get(t, in, p+"enableAutoScaling")))
		assert.EqualValues(t, pool.min, plain(get(t, in, p+"minCount")))
		assert.EqualValues(t, pool.max, plain(get(t, in, p+"maxCount")))
		assert.EqualValues(t, 30, plain(get(t, in, p+"maxPods")))
		assert.Contains(t, plain(get(t, in, p+"vnetSubnetID")), "/virtualNetworks/", "pool joins the spoke's AKS subnet")
	}
	assert.Equal(t, []any{"CriticalAddonsOnly=true:NoSchedule"}, plain(get(t, in, "agentPoolProfiles[0].nodeTaints")))
	assert.ElementsMatch(t, []string{"agentPoolProfiles[0].count", "agentPoolProfiles[1].count", "agentPoolProfiles[2].count", "agentPoolProfiles[3].count"}, aks.IgnoreChanges,
		"the autoscaler owns node counts")
	checks := map[string]any{
		"disableLocalAccounts":                               true,
		"enableRBAC":                                         true,
		"aadProfile.managed":                                 true,
		"aadProfile.enableAzureRBAC":                         true,
		"aadProfile.tenantID":                                tenantID,
		"networkProfile.networkPlugin":                       "azure",
		"networkProfile.outboundType":                        "userDefinedRouting",
		"networkProfile.serviceCidr":                         "172.16.0.0/16",
		"oidcIssuerProfile.enabled":                          true,
		"securityProfile.workloadIdentity.enabled":           true,
		"addonProfiles.azureKeyvaultSecretsProvider.enabled": true,
		"addonProfiles.omsagent.enabled":                     true,
		"identity.type":                                      "UserAssigned",
		"kubernetesVersion":                                  "1.35",
		"sku.tier":                                           "Standard",
	}
	for path, want := range checks {
		assert.Equal(t, want, plain(get(t, in, path)), path)
	}
	shared := ArmID("azure-native:operationalinsights:Workspace", "rg-aksdr-global", "log-aksdr-global")
	assert.Equal(t, shared, plain(get(t, in, "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID")),
		"Container Insights reports to the SHARED workspace")
	assert.Contains(t, plain(get(t, in, "identityProfile.kubeletidentity.resourceId")), "id-aksdr-kubelet-eus2")
	var roleDeps int
	for _, d := range aks.Dependencies {
		if strings.Contains(d, "authorization:RoleAssignment::") {
			roleDeps++
		}
	}
	assert.Equal(t, 3, roleDeps, "the cluster waits for its three role assignments")
}

func TestRoleAssignments(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	roles := map[string]string{}
	for _, ra := range rec.ofType("azure-native:authorization:RoleAssignment") {
		def := plain(get(t, ra.Inputs, "roleDefinitionId")).(string)
		roles[def[strings.LastIndex(def, "/")+1:]] = plain(get(t, ra.Inputs, "scope")).(string)
		assert.Equal(t, "ServicePrincipal", plain(get(t, ra.Inputs, "principalType")))
		assert.True(t, strings.HasPrefix(def, "/subscriptions/"+subscriptionID+"/providers/Microsoft.Authorization/roleDefinitions/"))
	}
	assert.Contains(t, roles["7f951dda-4ed3-4680-a7ca-43fe172d538d"], "/registries/", "kubelet has AcrPull on the registry")
	assert.Contains(t, roles["4633458b-17de-408a-b874-0445c86b69e6"], "/vaults/", "the workload identity reads Key Vault secrets")
	assert.Contains(t, roles["f1a07417-d97a-45cb-824c-7a7467783830"], "/userAssignedIdentities/", "control plane assigns the kubelet identity")
}

func TestNetworkSendsEgressThroughFirewall(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	rt := rec.one(t, "azure-native:network:RouteTable")
	assert.Equal(t, "0.0.0.0/0", plain(get(t, rt.Inputs, "routes[0].addressPrefix")))
	assert.Equal(t, "VirtualAppliance", plain(get(t, rt.Inputs, "routes[0].nextHopType")))
	assert.Equal(t, "10.200.0.4", plain(get(t, rt.Inputs, "routes[0].nextHopIpAddress")), "next hop is the firewall's private IP")
	subnets := map[string]registered{}
	for _, s := range rec.ofType("azure-native:network:Subnet") {
		subnets[plain(get(t, s.Inputs, "subnetName")).(string)] = s
	}
	require.Contains(t, subnets, "AzureFirewallSubnet")
	assert.Equal(t, "10.200.0.0/26", plain(get(t, subnets["AzureFirewallSubnet"].Inputs, "addressPrefix")))
	aks := subnets["snet-aksdr-aks-eus2"]
	assert.Contains(t, plain(get(t, aks.Inputs, "routeTable.id")), "/routeTables/rt-aksdr-egress-eus2")
	appgw := subnets["snet-aksdr-appgw-eus2"]
	assert.Contains(t, plain(get(t, appgw.Inputs, "networkSecurityGroup.id")), "/networkSecurityGroups/nsg-aksdr-appgw-eus2")

	fw := rec.one(t, "azure-native:network:AzureFirewall")
	assert.Equal(t, []any{"1", "2", "3"}, plain(get(t, fw.Inputs, "zones")))
	policy := rec.ofType("azure-native:network:FirewallPolicy")
	var regional registered
	for _, p := range policy {
		if strings.HasSuffix(p.Name, "-firewall-policy") {
			regional = p
		}
	}
	assert.Equal(t, globalFixture()["baseFirewallPolicyId"], plain(get(t, regional.Inputs, "basePolicy.id")), "regional policy inherits the global base policy")
	rules := rec.ofType("azure-native:network:FirewallPolicyRuleCollectionGroup")
	var egress registered
	for _, r := range rules {
		if strings.HasSuffix(r.Name, "-aks-egress") {
			egress = r
		}
	}
	assert.Equal(t, []any{"AzureKubernetesService"}, plain(get(t, egress.Inputs, "ruleCollections[1].rules[0].fqdnTags")))
	assert.Equal(t, []any{"123"}, plain(get(t, egress.Inputs, "ruleCollections[0].rules[0].destinationPorts")), "NTP")
	assert.Equal(t, []any{"AzureCloud.eastus2"}, plain(get(t, egress.Inputs, "ruleCollections[0].rules[1].destinationAddresses")), "API server tunnel")
	assert.Equal(t, []any{"9000", "443"}, plain(get(t, egress.Inputs, "ruleCollections[0].rules[2].destinationPorts")))

	for _, p := range rec.ofType("azure-native:network:VirtualNetworkPeering") {
		assert.Equal(t, true, plain(get(t, p.Inputs, "allowForwardedTraffic")))
		assert.Equal(t, true, plain(get(t, p.Inputs, "allowVirtualNetworkAccess")))
	}
}

func TestAppGatewayAdmitsOnlyFrontDoor(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	gw := rec.one(t, "azure-native:network:ApplicationGateway")
	assert.Equal(t, "WAF_v2", plain(get(t, gw.Inputs, "sku.tier")))
	assert.Equal(t, []any{"1", "2", "3"}, plain(get(t, gw.Inputs, "zones")))
	assert.EqualValues(t, 2, plain(get(t, gw.Inputs, "autoscaleConfiguration.minCapacity")))
	assert.Equal(t, "10.240.3.254", plain(get(t, gw.Inputs, "backendAddressPools[0].backendAddresses[0].ipAddress")),
		"backend is the workload's internal load balancer")
	assert.Equal(t, "/", plain(get(t, gw.Inputs, "probes[0].path")))
	assert.Contains(t, plain(get(t, gw.Inputs, "firewallPolicy.id")), "/applicationGatewayWebApplicationFirewallPolicies/")

	waf := rec.one(t, "azure-native:network:WebApplicationFirewallPolicy")
	assert.Equal(t, "Prevention", plain(get(t, waf.Inputs, "policySettings.mode")))
	assert.Equal(t, "Enabled", plain(get(t, waf.Inputs, "policySettings.state")))
	assert.Equal(t, "X-Azure-FDID", plain(get(t, waf.Inputs, "customRules[0].matchConditions[0].matchVariables[0].selector")))
	assert.Equal(t, true, plain(get(t, waf.Inputs, "customRules[0].matchConditions[0].negationConditon")))
	assert.Equal(t, []any{frontDoorID}, plain(get(t, waf.Inputs, "customRules[0].matchConditions[0].matchValues")))
	assert.Equal(t, "Block", plain(get(t, waf.Inputs, "customRules[0].action")))

	nsg := rec.one(t, "azure-native:network:NetworkSecurityGroup")
	sources := map[string]string{}
	for _, rule := range plain(get(t, nsg.Inputs, "securityRules")).([]any) {
		r := rule.(map[string]any)
		sources[r["sourceAddressPrefix"].(string)] = r["access"].(string) + " " + r["destinationPortRange"].(string)
	}
	assert.Equal(t, map[string]string{
		"AzureFrontDoor.Backend": "Allow 80",
		// Issue 9: the global layer's availability tests reach the origin directly.
		"ApplicationInsightsAvailability": "Allow 80",
		"GatewayManager":                  "Allow 65200-65535",
		"AzureLoadBalancer":               "Allow *",
		"*":                               "Deny *",
	}, sources)
}

func TestKeyVaultIsPrivateAndPurgeProtected(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	kv := rec.one(t, "azure-native:keyvault:Vault")
	for path, want := range map[string]any{
		"properties.enableRbacAuthorization":   true,
		"properties.enableSoftDelete":          true,
		"properties.enablePurgeProtection":     true,
		"properties.publicNetworkAccess":       "Disabled",
		"properties.networkAcls.defaultAction": "Deny",
		"properties.tenantId":                  tenantID,
	} {
		assert.Equal(t, want, plain(get(t, kv.Inputs, path)), path)
	}
	name := plain(get(t, kv.Inputs, "vaultName")).(string)
	assert.LessOrEqual(t, len(name), 24)
	pe := named(t, rec, "azure-native:network:PrivateEndpoint", "stamp-eastus2-kv-pe")
	assert.Equal(t, []any{"vault"}, plain(get(t, pe.Inputs, "privateLinkServiceConnections[0].groupIds")))
	assert.Contains(t, plain(get(t, pe.Inputs, "subnet.id")), "snet-aksdr-pe-eus2")
	zone := named(t, rec, "azure-native:network:PrivateZone", "stamp-eastus2-kv-dns")
	assert.Equal(t, "privatelink.vaultcore.azure.net", plain(get(t, zone.Inputs, "privateZoneName")))
}

func TestKeyVaultGenerationRenamesTheVault(t *testing.T) {
	t.Parallel()
	name := func(cfg map[string]string) string {
		rec := mustRun(t, "primary", cfg, deployed())
		return plain(get(t, rec.one(t, "azure-native:keyvault:Vault").Inputs, "vaultName")).(string)
	}
	primary := stackConfig(t, "primary")
	first, again, second := name(primary), name(primary), name(with(primary, "keyVaultGeneration", "2"))
	assert.Equal(t, first, again, "names are stable between runs")
	assert.NotEqual(t, first, second, "a new generation gets a new name")
}

func TestDiagnosticsGoToTheRightWorkspace(t *testing.T) {
	t.Parallel()
	targets := map[string]string{}
	stamp := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	global := mustRun(t, "global", stackConfig(t, "global"), deployed())
	for _, d := range append(stamp.ofType("azure-native:insights:DiagnosticSetting"), global.ofType("azure-native:insights:DiagnosticSetting")...) {
		uri := plain(get(t, d.Inputs, "resourceUri")).(string)
		ws := plain(get(t, d.Inputs, "workspaceId")).(string)
		kind := strings.Split(uri, "/providers/")[1]
		targets[strings.Split(kind, "/")[1]] = ws[strings.LastIndex(ws, "/")+1:]
	}
	assert.Equal(t, map[string]string{
		"azureFirewalls":      "log-aksdr-eus2",
		"applicationGateways": "log-aksdr-eus2",
		"vaults":              "log-aksdr-eus2",
		"managedClusters":     "log-aksdr-global",
		"registries":          "log-aksdr-global",
		"profiles":            "log-aksdr-global",
	}, targets)
}
