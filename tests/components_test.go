package tests

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/components"
)

// TestComponentsRejectMissingArgs: a component given nil or incomplete args returns an error
// naming what is missing, and never panics.
func TestComponentsRejectMissingArgs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		build func(ctx *pulumi.Context) error
		want  []string
	}{
		"HubSpoke": {func(ctx *pulumi.Context) error {
			_, err := components.NewHubSpoke(ctx, "n", nil)
			return err
		}, []string{"HubSpoke: ResourceGroupName is required", "HubSpoke: BaseFirewallPolicyID is required"}},
		"RegionalStamp": {func(ctx *pulumi.Context) error {
			_, err := components.NewRegionalStamp(ctx, "s", &components.RegionalStampArgs{Location: "eastus2"})
			return err
		}, []string{"RegionalStamp: FrontDoorID is required", "RegionalStamp: SubscriptionID is required"}},
		"Workload": {func(ctx *pulumi.Context) error {
			_, err := components.NewWorkload(ctx, "w", &components.WorkloadArgs{Image: "x.io/a:1", Replicas: 5, MaxReplicas: 3})
			return err
		}, []string{"Workload: MaxReplicas is required", "Workload: LoadBalancerIP is required"}},
		"GlobalFrontDoor": {func(ctx *pulumi.Context) error {
			_, err := components.NewGlobalFrontDoor(ctx, "f", nil)
			return err
		}, []string{"GlobalFrontDoor: WorkspaceID is required"}},
		"GeoRegistry": {func(ctx *pulumi.Context) error {
			_, err := components.NewGeoRegistry(ctx, "r", nil)
			return err
		}, []string{"GeoRegistry: UniqueSuffix is required"}},
		"SharedServices": {func(ctx *pulumi.Context) error {
			_, err := components.NewSharedServices(ctx, "s", nil)
			return err
		}, []string{"SharedServices: Location is required"}},
		"FrontDoorOrigin priority": {func(ctx *pulumi.Context) error {
			_, err := components.NewFrontDoorOrigin(ctx, "o", &components.FrontDoorOriginArgs{
				ResourceGroupName: pulumi.String("rg"), ProfileName: pulumi.String("p"), OriginGroupName: pulumi.String("g"),
				HostName: pulumi.String("h"), Names: &components.Namer{Prefix: "a", Region: "b"}, Priority: 7, Weight: 1,
			})
			return err
		}, []string{"FrontDoorOrigin: Priority must be between 1 and 5, got 7"}},
		"FrontDoorRoute without origins": {func(ctx *pulumi.Context) error {
			_, err := components.NewFrontDoorRoute(ctx, "r", &components.FrontDoorRouteArgs{
				ResourceGroupName: pulumi.String("rg"), ProfileName: pulumi.String("p"), EndpointName: pulumi.String("e"),
				OriginGroupID: pulumi.String("g"), Names: &components.Namer{Prefix: "a", Region: "b"},
			})
			return err
		}, []string{"FrontDoorRoute: Origins is required"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{stack: "test"}
			err := pulumi.RunErr(tc.build, pulumi.WithMocks(project, "test", rec))
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.Empty(t, rec.resources, "nothing registered")
		})
	}
}

func TestConvertKubeconfig(t *testing.T) {
	t.Parallel()
	out, err := components.ConvertKubeconfig([]byte(sampleKubeconfig), components.KubeLoginWorkloadIdentity)
	require.NoError(t, err)
	assert.Contains(t, out, "- workloadidentity")
	assert.Contains(t, out, "- --server-id\n")
	assert.Contains(t, out, "AzurePublicCloud")
	assert.NotContains(t, out, "devicecode")
	assert.NotContains(t, out, "--client-id", "the interactive client ID is dropped")
	assert.Contains(t, out, "server: https://aks.example.hcp.eastus2.azmk8s.io:443", "cluster entries are kept")

	for name, tc := range map[string]struct{ kubeconfig, mode, want string }{
		"unknown mode":  {sampleKubeconfig, "devicecode", `login mode "devicecode"`},
		"not yaml":      {"{", components.KubeLoginAzureCLI, "kubeconfig:"},
		"no exec user":  {"clusters:\n- name: a\n  cluster:\n    server: https://a.example\nusers:\n- name: admin\n  user:\n    token: abc\n", components.KubeLoginAzureCLI, "no user with an exec plugin"},
		"empty":         {"", components.KubeLoginAzureCLI, "no cluster in it; refusing to configure a Kubernetes provider that would fall back to the operator's own kubeconfig"},
		"no server URL": {"clusters:\n- name: a\n  cluster: {}\n", components.KubeLoginAzureCLI, "cluster a has no usable server URL"},
	} {
		_, err := components.ConvertKubeconfig([]byte(tc.kubeconfig), tc.mode)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
	}
}

// TestKubeconfigMustNameThisCluster: the converted kubeconfig is only accepted when it points at
// the API server the cluster reports, so the workload never lands on another cluster.
func TestKubeconfigMustNameThisCluster(t *testing.T) {
	t.Parallel()
	_, err := components.ConvertKubeconfig([]byte(sampleKubeconfig), components.KubeLoginAzureCLI, "aks.example.hcp.eastus2.azmk8s.io", "")
	require.NoError(t, err, "the cluster's own public FQDN")
	_, err = components.ConvertKubeconfig([]byte(sampleKubeconfig), components.KubeLoginAzureCLI, "", "AKS.example.hcp.eastus2.azmk8s.io")
	require.NoError(t, err, "its private FQDN, compared without case")
	_, err = components.ConvertKubeconfig([]byte(sampleKubeconfig), components.KubeLoginAzureCLI, "other.hcp.eastus2.azmk8s.io")
	require.ErrorContains(t, err, "server aks.example.hcp.eastus2.azmk8s.io is not this cluster's API server (other.hcp.eastus2.azmk8s.io)")
	_, err = components.ConvertKubeconfig([]byte(sampleKubeconfig), components.KubeLoginAzureCLI, "", "")
	require.ErrorContains(t, err, "reports no API server host name")
}

// TestWorkloadNeverReachesAnotherCluster runs the stamp with AKS answering a kubeconfig for
// another cluster, or none at all: the program stops instead of configuring a Kubernetes
// provider that would deploy elsewhere (an empty kubeconfig makes the provider fall back to the
// operator's own).
func TestWorkloadNeverReachesAnotherCluster(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		rec  *recorder
		want string
	}{
		"another cluster's kubeconfig": {&recorder{kubeconfigServer: "someone-else.hcp.westeurope.azmk8s.io"},
			"server someone-else.hcp.westeurope.azmk8s.io is not this cluster's API server (aks-aksdr-eus2-dns.hcp.example.azmk8s.io)"},
		"no kubeconfig": {&recorder{noKubeconfigs: true}, "AKS returned no kubeconfig"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tc.rec.stack, tc.rec.stacks = "primary", deployed()
			err := runWith(tc.rec, "primary", stackConfig(t, "primary"))
			require.ErrorContains(t, err, tc.want)
		})
	}
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	provider := rec.one(t, "pulumi:providers:kubernetes")
	kubeconfig := plain(get(t, provider.Inputs, "kubeconfig")).(string)
	assert.Contains(t, kubeconfig, "server: https://aks-aksdr-eus2-dns.hcp.example.azmk8s.io:443")
	assert.Contains(t, plain(get(t, provider.Inputs, "clusterIdentifier")), "/managedClusters/aks-aksdr-eus2",
		"the cluster, not the kubeconfig's text, decides a provider replacement")
}
