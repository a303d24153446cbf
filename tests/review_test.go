package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGlobalLayerLivesInItsOwnRegion: the global stack's resource group, workspace, base policy
// and registry are in its own region, and every regional firewall policy sits in its parent's
// region, as Azure requires.
func TestGlobalLayerLivesInItsOwnRegion(t *testing.T) {
	t.Parallel()
	global := mustRun(t, "global", stackConfig(t, "global"), deployed())
	for _, typ := range []string{"azure-native:resources:ResourceGroup", "azure-native:operationalinsights:Workspace",
		"azure-native:network:FirewallPolicy", "azure-native:containerregistry:Registry"} {
		assert.Equal(t, "westus3", plain(get(t, global.one(t, typ).Inputs, "location")), typ)
	}
	acr := global.one(t, "azure-native:containerregistry:Registry")
	assert.Equal(t, true, plain(get(t, acr.Inputs, "dataEndpointEnabled")), "layers come from *.data.azurecr.io, which the firewall allows")
	for _, stack := range []string{"primary", "secondary"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRun(t, stack, stackConfig(t, stack), deployed())
			for _, p := range rec.ofType("azure-native:network:FirewallPolicy") {
				assert.Equal(t, "westus3", plain(get(t, p.Inputs, "location")), "%s is in the base policy's region", p.Name)
			}
			fw := rec.one(t, "azure-native:network:AzureFirewall")
			assert.NotEqual(t, "westus3", plain(get(t, fw.Inputs, "location")), "the firewall itself stays in its stamp's region")
		})
	}
}

// TestStatefulResourcesAreProtected: a change that would replace the registry, a vault or a
// workspace stops instead of recreating it empty.
func TestStatefulResourcesAreProtected(t *testing.T) {
	t.Parallel()
	global := mustRun(t, "global", stackConfig(t, "global"), deployed())
	stamp := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	for _, rec := range []*recorder{global, stamp} {
		for _, res := range rec.resources {
			stateful := res.Type == "azure-native:containerregistry:Registry" || res.Type == "azure-native:keyvault:Vault" ||
				res.Type == "azure-native:operationalinsights:Workspace"
			assert.Equal(t, stateful, res.Protect, "%s %s protected", res.Type, res.Name)
		}
	}
}

func TestRegistryReplicaRegionsAreNormalized(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", with(stackConfig(t, "global"), "origins",
		`{"primary":{"location":"East US 2","priority":1},"secondary":{"location":"Central US","priority":2}}`), deployed())
	var names []any
	for _, rep := range rec.ofType("azure-native:containerregistry:Replication") {
		names = append(names, plain(get(t, rep.Inputs, "replicationName")))
	}
	assert.ElementsMatch(t, []any{"centralus", "eastus2"}, names)
}

func TestContainerInsightsHasItsDataCollectionRule(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "secondary", stackConfig(t, "secondary"), deployed())
	dcr := rec.one(t, "azure-native:insights:DataCollectionRule")
	assert.Equal(t, globalFixture()["sharedWorkspaceId"], plain(get(t, dcr.Inputs, "destinations.logAnalytics[0].workspaceResourceId")))
	assert.Equal(t, []any{"Microsoft-ContainerInsights-Group-Default"}, plain(get(t, dcr.Inputs, "dataFlows[0].streams")))
	assert.Equal(t, "ContainerInsights", plain(get(t, dcr.Inputs, "dataSources.extensions[0].extensionName")))
	dcra := rec.one(t, "azure-native:insights:DataCollectionRuleAssociation")
	assert.Equal(t, "ContainerInsightsExtension", plain(get(t, dcra.Inputs, "associationName")))
	assert.Contains(t, plain(get(t, dcra.Inputs, "resourceUri")), "/managedClusters/aks-aksdr-cus")
	assert.Contains(t, plain(get(t, dcra.Inputs, "dataCollectionRuleId")), "dcr-aksdr-ci-cus")
}

// TestWhoMayDeployTheWorkload: with local accounts off, someone needs Kubernetes admin rights:
// the configured admin groups, or else the identity running the deployment, typed correctly.
func TestWhoMayDeployTheWorkload(t *testing.T) {
	t.Parallel()
	deployerGrant := func(rec *recorder) *registered {
		for _, ra := range rec.ofType("azure-native:authorization:RoleAssignment") {
			if strings.HasSuffix(ra.Name, "-deployer-cluster-admin") {
				return &ra
			}
		}
		return nil
	}
	cases := []struct {
		name, clientID, wantType string
	}{
		{"CI service principal", "9f3c1a2e-0000-4000-8000-00000000c1c1", "ServicePrincipal"},
		{"person with the Azure CLI", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "User"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{stack: "primary", clientID: tc.clientID, stacks: deployed()}
			require.NoError(t, runWith(rec, "primary", stackConfig(t, "primary")))
			grant := deployerGrant(rec)
			require.NotNil(t, grant)
			assert.Equal(t, deployerObjectID, plain(get(t, grant.Inputs, "principalId")))
			assert.Equal(t, tc.wantType, plain(get(t, grant.Inputs, "principalType")))
			assert.True(t, strings.HasSuffix(plain(get(t, grant.Inputs, "roleDefinitionId")).(string), "/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
				"Azure Kubernetes Service RBAC Cluster Admin")
			assert.Contains(t, plain(get(t, grant.Inputs, "scope")), "/managedClusters/aks-aksdr-eus2")
			ns := rec.one(t, "kubernetes:core/v1:Namespace")
			assert.True(t, dependsOn(ns, "RoleAssignment::stamp-eastus2-deployer-cluster-admin"), "the workload waits for the grant")
		})
	}
	t.Run("admin group configured", func(t *testing.T) {
		t.Parallel()
		group := "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
		rec := mustRun(t, "primary", with(stackConfig(t, "primary"), "clusterAdminGroupObjectIds", `["`+group+`"]`), deployed())
		assert.Nil(t, deployerGrant(rec), "no per-person assignment when a group administers the cluster")
		aks := rec.one(t, "azure-native:containerservice:ManagedCluster")
		assert.Equal(t, []any{group}, plain(get(t, aks.Inputs, "aadProfile.adminGroupObjectIDs")))
	})
}

func TestClusterWaitsForTheEgressPath(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	aks := rec.one(t, "azure-native:containerservice:ManagedCluster")
	for _, peering := range []string{"stamp-eastus2-net-hub-to-spoke", "stamp-eastus2-net-spoke-to-hub", "stamp-eastus2-net-aks-subnet"} {
		assert.True(t, dependsOn(aks, "::"+peering), "the cluster waits for %s", peering)
	}
	for _, p := range rec.ofType("azure-native:network:VirtualNetworkPeering") {
		if strings.HasSuffix(p.Name, "hub-to-spoke") {
			assert.True(t, dependsOn(p, "AzureFirewall::stamp-eastus2-net-firewall"), "no peering write while the firewall is written into the hub")
		}
	}
}
