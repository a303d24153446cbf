package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWorkloadIsResilient(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	provider := rec.one(t, "pulumi:providers:kubernetes")
	kubeconfig := plain(get(t, provider.Inputs, "kubeconfig")).(string)
	assert.Contains(t, kubeconfig, "- azurecli", "the shipped stacks log in with the Azure CLI")
	assert.NotContains(t, kubeconfig, "devicecode")

	for _, typ := range []string{"kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service",
		"kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:core/v1:Namespace"} {
		res := rec.one(t, typ)
		require.NotEmpty(t, res.Provider, "%s uses an explicit provider", typ)
		assert.Contains(t, res.Provider, "pulumi:providers:kubernetes::stamp-eastus2-k8s", "%s uses the stamp's cluster", typ)
	}

	ns := rec.one(t, "kubernetes:core/v1:Namespace")
	assert.True(t, dependsOn(ns, "RoleAssignment::stamp-eastus2-kubelet-acr-pull"), "pods wait until the nodes may pull")
	dep := rec.one(t, "kubernetes:apps/v1:Deployment")
	assert.True(t, dependsOn(dep, "core/v1:Namespace::stamp-eastus2-workload-ns"))
	assert.EqualValues(t, 3, plain(get(t, dep.Inputs, "spec.replicas")))
	assert.Equal(t, []string{"spec.replicas"}, dep.IgnoreChanges, "the HPA owns the replica count")
	c := "spec.template.spec.containers[0]."
	assert.Equal(t, registryLoginServer()+"/nginx/nginx-unprivileged@"+defaultImageDigest, plain(get(t, dep.Inputs, c+"image")),
		"pods pull the default image by digest from the project's registry")
	assert.Equal(t, "/", plain(get(t, dep.Inputs, c+"readinessProbe.httpGet.path")))
	assert.Equal(t, "/", plain(get(t, dep.Inputs, c+"livenessProbe.httpGet.path")))
	assert.Equal(t, "250m", plain(get(t, dep.Inputs, c+"resources.requests.cpu")))
	assert.Equal(t, "256Mi", plain(get(t, dep.Inputs, c+"resources.requests.memory")))
	assert.Equal(t, "topology.kubernetes.io/zone", plain(get(t, dep.Inputs, "spec.template.spec.topologySpreadConstraints[0].topologyKey")))
	assert.Equal(t, "DoNotSchedule", plain(get(t, dep.Inputs, "spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable")))

	svc := rec.one(t, "kubernetes:core/v1:Service")
	assert.Equal(t, "LoadBalancer", plain(get(t, svc.Inputs, "spec.type")))
	annotations := plain(get(t, svc.Inputs, "metadata.annotations")).(map[string]any)
	assert.Equal(t, "true", annotations["service.beta.kubernetes.io/azure-load-balancer-internal"])
	assert.Equal(t, "10.240.3.254", annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"], "the fixed IP the gateway targets")
	assert.Equal(t, "snet-aksdr-aks-eus2", annotations["service.beta.kubernetes.io/azure-load-balancer-internal-subnet"])

	hpa := rec.one(t, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
	assert.EqualValues(t, 3, plain(get(t, hpa.Inputs, "spec.minReplicas")))
	assert.EqualValues(t, 12, plain(get(t, hpa.Inputs, "spec.maxReplicas")), "room for the active region's full load")
	assert.EqualValues(t, 70, plain(get(t, hpa.Inputs, "spec.metrics[0].resource.target.averageUtilization")))
	assert.Equal(t, "web", plain(get(t, hpa.Inputs, "spec.scaleTargetRef.name")))

	pdb := rec.one(t, "kubernetes:policy/v1:PodDisruptionBudget")
	assert.EqualValues(t, 1, plain(get(t, pdb.Inputs, "spec.maxUnavailable")))
}

func TestWorkloadIdentityLoginForCI(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", with(stackConfig(t, "primary"), "kubeLoginMode", "workloadidentity",
		"clusterAdminGroupObjectIds", `["aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]`), deployed())
	kubeconfig := plain(get(t, rec.one(t, "pulumi:providers:kubernetes").Inputs, "kubeconfig")).(string)
	assert.Contains(t, kubeconfig, "- workloadidentity")
	assert.Contains(t, kubeconfig, "6dae42f8-4368-4678-94ff-3960e28e3630", "the AKS server ID is kept")
}
