package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/components"
)

// TestFailoverDrillIsAChaosExperimentWithTheNarrowestRole checks the Chaos Studio drill each
// stamp registers: one identity, Network Contributor on the gateway subnet's NSG and nowhere
// else, and an ARM deployment with the NSG target, its SecurityRule capability and an
// experiment that denies inbound HTTP(S) there for drillFaultMinutes.
func TestFailoverDrillIsAChaosExperimentWithTheNarrowestRole(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", with(stackConfig(t, "primary"), "drillFaultMinutes", "7"), deployed())
	drill := rec.one(t, "aks-dr:stamp:FailoverDrill")
	assert.True(t, atRoot(drill.Parent))
	nsgID := ArmID("azure-native:network:NetworkSecurityGroup", "rg-aksdr-eus2", "nsg-aksdr-appgw-eus2")

	var identity registered
	for _, id := range rec.ofType("azure-native:managedidentity:UserAssignedIdentity") {
		if id.Parent == drill.URN {
			identity = id
		}
	}
	require.NotEmpty(t, identity.Name, "the drill has its own identity")
	assert.Equal(t, "id-aksdr-chaos-eus2", plain(get(t, identity.Inputs, "resourceName")))

	var roles []registered
	for _, ra := range rec.ofType("azure-native:authorization:RoleAssignment") {
		if ra.Parent == drill.URN {
			roles = append(roles, ra)
		}
		if plain(get(t, ra.Inputs, "principalId")) == "principal-id-aksdr-chaos-eus2" {
			assert.Equal(t, drill.URN, ra.Parent, "the drill identity has no role but its own")
		}
	}
	require.Len(t, roles, 1, "exactly one role for the experiment")
	role := roles[0]
	assert.Equal(t, nsgID, plain(get(t, role.Inputs, "scope")), "scoped to the gateway subnet's NSG only")
	assert.Equal(t, "/subscriptions/"+subscriptionID+"/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67861a7f7c8",
		plain(get(t, role.Inputs, "roleDefinitionId")), "Network Contributor")
	assert.Equal(t, "principal-id-aksdr-chaos-eus2", plain(get(t, role.Inputs, "principalId")))

	dep := rec.one(t, "azure-native:resources:Deployment")
	assert.Equal(t, drill.URN, dep.Parent)
	assert.True(t, dependsOn(dep, "-nsg-role"), "the experiment is registered after its role exists")
	assert.Equal(t, "rg-aksdr-eus2", plain(get(t, dep.Inputs, "resourceGroupName")))
	assert.Equal(t, "Incremental", plain(get(t, dep.Inputs, "properties.mode")))
	params := plain(get(t, dep.Inputs, "properties.parameters")).(map[string]any)
	value := func(k string) any { return params[k].(map[string]any)["value"] }
	assert.Equal(t, nsgID, value("nsgId"))
	assert.Equal(t, "PT7M", value("duration"), "drillFaultMinutes")
	assert.Equal(t, "eastus2", value("location"))
	assert.Equal(t, "chaos-aksdr-failover-eus2", value("experimentName"))
	assert.Contains(t, value("identityId"), "/userAssignedIdentities/id-aksdr-chaos-eus2")

	resources := plain(get(t, dep.Inputs, "properties.template.resources")).([]any)
	byType := map[string]map[string]any{}
	for _, r := range resources {
		m := r.(map[string]any)
		byType[m["type"].(string)] = m
	}
	require.Len(t, byType, 3)
	target := byType["Microsoft.Chaos/targets"]
	assert.Equal(t, "Microsoft-NetworkSecurityGroup", target["name"])
	assert.Equal(t, "[parameters('nsgId')]", target["scope"], "the target is an extension of the NSG")
	capability := byType["Microsoft.Chaos/targets/capabilities"]
	assert.Equal(t, "Microsoft-NetworkSecurityGroup/SecurityRule-1.0", capability["name"])
	assert.Equal(t, "[parameters('nsgId')]", capability["scope"])

	exp := byType["Microsoft.Chaos/experiments"]
	assert.Equal(t, "UserAssigned", exp["identity"].(map[string]any)["type"])
	assert.Contains(t, exp["identity"].(map[string]any)["userAssignedIdentities"], "[parameters('identityId')]")
	props := exp["properties"].(map[string]any)
	selector := props["selectors"].([]any)[0].(map[string]any)
	assert.Contains(t, selector["targets"].([]any)[0].(map[string]any)["id"], "'Microsoft.Chaos/targets', 'Microsoft-NetworkSecurityGroup'")
	action := props["steps"].([]any)[0].(map[string]any)["branches"].([]any)[0].(map[string]any)["actions"].([]any)[0].(map[string]any)
	assert.Equal(t, "urn:csci:microsoft:networkSecurityGroup:securityRule/1.0", action["name"])
	assert.Equal(t, "continuous", action["type"])
	assert.Equal(t, selector["id"], action["selectorId"])
	assert.Equal(t, "[parameters('duration')]", action["duration"])
	fault := map[string]string{}
	for _, p := range action["parameters"].([]any) {
		kv := p.(map[string]any)
		fault[kv["key"].(string)] = kv["value"].(string)
	}
	assert.Equal(t, map[string]string{
		"name": "aksdr-drill-deny-http", "protocol": "Any", "sourceAddresses": `["*"]`, "destinationAddresses": `["*"]`,
		"action": "Deny", "destinationPortRanges": `["80","443"]`, "sourcePortRanges": `["0-65535"]`,
		"priority": "100", "direction": "Inbound",
	}, fault)

	// The deny rule must win over every allow rule of the NSG on its ports.
	nsg := rec.one(t, "azure-native:network:NetworkSecurityGroup")
	for _, r := range plain(get(t, nsg.Inputs, "securityRules")).([]any) {
		rule := r.(map[string]any)
		assert.Greater(t, rule["priority"], float64(components.DrillRulePriority), "%s is evaluated after the drill's rule", rule["name"])
	}
	for _, r := range rec.resources {
		assert.False(t, strings.HasPrefix(r.Type, "azure-native:chaos:"), "the chaos module is not available to this project")
	}
}
