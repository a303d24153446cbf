package components

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// Ways kubelogin can get an Entra ID token for a cluster whose local accounts are disabled.
const (
	// KubeLoginAzureCLI reuses the token of a person signed in with `az login`.
	KubeLoginAzureCLI = "azurecli"
	// KubeLoginWorkloadIdentity exchanges a federated token (GitHub Actions OIDC, a pod's
	// projected token) named by AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.
	KubeLoginWorkloadIdentity = "workloadidentity"
)

// ConvertKubeconfig rewrites the exec plugin of an AKS user kubeconfig (format "exec", which
// defaults to kubelogin's interactive device-code flow) to the given non-interactive login mode,
// like `kubelogin convert-kubeconfig -l <mode>`, keeping the server ID and environment.
func ConvertKubeconfig(kubeconfig []byte, mode string) (string, error) {
	if mode != KubeLoginAzureCLI && mode != KubeLoginWorkloadIdentity {
		return "", fmt.Errorf("kubeconfig: login mode %q is not %q or %q", mode, KubeLoginAzureCLI, KubeLoginWorkloadIdentity)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(kubeconfig, &doc); err != nil {
		return "", fmt.Errorf("kubeconfig: %w", err)
	}
	users, _ := doc["users"].([]any)
	converted := 0
	for _, u := range users {
		user, _ := u.(map[string]any)
		spec, _ := user["user"].(map[string]any)
		exec, _ := spec["exec"].(map[string]any)
		if exec == nil {
			continue
		}
		args := []string{"get-token", "--login", mode}
		old, _ := exec["args"].([]any)
		for i := 0; i+1 < len(old); i++ {
			if flag, _ := old[i].(string); flag == "--server-id" || flag == "--environment" {
				args = append(args, flag, fmt.Sprint(old[i+1]))
			}
		}
		exec["command"] = "kubelogin"
		exec["args"] = args
		converted++
	}
	if converted == 0 {
		return "", errors.New("kubeconfig: no user with an exec plugin; was it fetched with format \"exec\"?")
	}
	out, err := yaml.Marshal(doc)
	return string(out), err
}

// clusterKubeconfig fetches the cluster's Entra ID user kubeconfig once the cluster exists (the
// invoke takes the cluster's name output, so a preview of a new cluster does not call Azure)
// and converts it to the configured login mode.
func clusterKubeconfig(ctx *pulumi.Context, rg pulumi.StringInput, cluster *containerservice.ManagedCluster, mode string) pulumi.StringOutput {
	creds := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: rg,
		ResourceName:      cluster.Name,
		Format:            pulumi.String("exec"),
	})
	return creds.Kubeconfigs().Index(pulumi.Int(0)).Value().ApplyT(func(encoded string) (string, error) {
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return "", fmt.Errorf("kubeconfig: not base64: %w", err)
		}
		return ConvertKubeconfig(raw, mode)
	}).(pulumi.StringOutput)
}

func (b *stampBuilder) workload() error {
	s, a := b.stamp, b.args
	kubeconfig := pulumi.ToSecret(clusterKubeconfig(b.ctx, b.rgName, s.Cluster, a.KubeLoginMode)).(pulumi.StringOutput)
	var err error
	s.KubernetesProvider, err = kubernetes.NewProvider(b.ctx, b.name+"-k8s", &kubernetes.ProviderArgs{
		Kubeconfig: kubeconfig,
	}, b.parent)
	if err != nil {
		return err
	}
	wl := a.Workload
	wl.LoadBalancerIP = a.Network.IngressIP
	wl.LoadBalancerSubnet = s.Network.AksSubnetName
	// Pods pull from the project's registry (its replica in this region), through the spoke's
	// private endpoint, as the workload's own identity where Azure is concerned.
	wl.Registry = a.RegistryLoginServer
	wl.IdentityClientID = s.WorkloadIdentity.ClientId
	wl.IngressFromCIDRs = []string{a.Network.AppGatewaySubnetPrefix}
	wl.EgressHTTPSToCIDRs = []string{a.Network.PrivateEndpointSubnetPrefix}
	// The provider's kubeconfig already waits for the cluster; the deployment must also be
	// allowed to write to it, the kubelet to pull from the registry (and resolve it privately),
	// and the workload's identity to exchange its token and read the vault.
	wl.DependsOn = append(wl.DependsOn, b.acrPull, b.registryDNS, s.WorkloadCredential, b.workloadVault)
	wl.DependsOn = append(wl.DependsOn, a.WorkloadDependsOn...)
	if b.deployerAdmin != nil {
		wl.DependsOn = append(wl.DependsOn, b.deployerAdmin)
	}
	s.Workload, err = NewWorkload(b.ctx, b.name+"-workload", &wl, b.parent, pulumi.Providers(s.KubernetesProvider))
	if err == nil {
		s.WorkloadImage = s.Workload.Image
	}
	return err
}
