package components

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

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
//
// When apiServers are given, every cluster in the kubeconfig must be served from one of those
// host names: the Kubernetes provider then only ever reaches the cluster it was built for. An
// empty kubeconfig is always an error, because the provider would fall back to the operator's
// own (~/.kube/config or $KUBECONFIG) and apply the workload to whatever cluster that names.
func ConvertKubeconfig(kubeconfig []byte, mode string, apiServers ...string) (string, error) {
	if mode != KubeLoginAzureCLI && mode != KubeLoginWorkloadIdentity {
		return "", fmt.Errorf("kubeconfig: login mode %q is not %q or %q", mode, KubeLoginAzureCLI, KubeLoginWorkloadIdentity)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(kubeconfig, &doc); err != nil {
		return "", fmt.Errorf("kubeconfig: %w", err)
	}
	if err := checkServers(doc, apiServers); err != nil {
		return "", err
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

// checkServers requires at least one cluster, each served from one of the allowed hosts (when
// any is given).
func checkServers(doc map[string]any, allowed []string) error {
	clusters, _ := doc["clusters"].([]any)
	if len(clusters) == 0 {
		return errors.New("kubeconfig: no cluster in it; refusing to configure a Kubernetes provider that would fall back to the operator's own kubeconfig")
	}
	var hosts []string
	for _, h := range allowed {
		if h != "" {
			hosts = append(hosts, strings.ToLower(h))
		}
	}
	if len(allowed) > 0 && len(hosts) == 0 {
		return errors.New("kubeconfig: the cluster reports no API server host name to check the kubeconfig against")
	}
	for _, c := range clusters {
		entry, _ := c.(map[string]any)
		spec, _ := entry["cluster"].(map[string]any)
		server, _ := spec["server"].(string)
		u, err := url.Parse(server)
		if err != nil || u.Hostname() == "" {
			return fmt.Errorf("kubeconfig: cluster %v has no usable server URL (%q)", entry["name"], server)
		}
		if len(hosts) > 0 && !slices.Contains(hosts, strings.ToLower(u.Hostname())) {
			return fmt.Errorf("kubeconfig: server %s is not this cluster's API server (%s); refusing to deploy the workload to another cluster",
				u.Hostname(), strings.Join(hosts, " or "))
		}
	}
	return nil
}

// clusterKubeconfig fetches the cluster's Entra ID user kubeconfig once the cluster exists (the
// invoke takes the cluster's name output, so a preview of a new cluster does not call Azure),
// checks that it points at this cluster's API server, and converts it to the login mode.
func clusterKubeconfig(ctx *pulumi.Context, rg pulumi.StringInput, cluster *containerservice.ManagedCluster, mode string) pulumi.StringOutput {
	creds := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: rg,
		ResourceName:      cluster.Name,
		Format:            pulumi.String("exec"),
	})
	return pulumi.All(creds.Kubeconfigs(), cluster.Fqdn, cluster.PrivateFQDN).ApplyT(func(v []any) (string, error) {
		kubeconfigs, _ := v[0].([]containerservice.CredentialResultResponse)
		if len(kubeconfigs) == 0 {
			return "", errors.New("kubeconfig: AKS returned no kubeconfig; refusing to configure a Kubernetes provider that would fall back to the operator's own")
		}
		raw, err := base64.StdEncoding.DecodeString(kubeconfigs[0].Value)
		if err != nil {
			return "", fmt.Errorf("kubeconfig: not base64: %w", err)
		}
		public, _ := v[1].(string)
		private, _ := v[2].(string)
		return ConvertKubeconfig(raw, mode, public, private)
	}).(pulumi.StringOutput)
}

func (b *stampBuilder) workload() error {
	s, a := b.stamp, b.args
	kubeconfig := pulumi.ToSecret(clusterKubeconfig(b.ctx, b.rgName, s.Cluster, a.KubeLoginMode)).(pulumi.StringOutput)
	var err error
	s.KubernetesProvider, err = kubernetes.NewProvider(b.ctx, b.name+"-k8s", &kubernetes.ProviderArgs{
		Kubeconfig: kubeconfig,
		// The cluster, not the kubeconfig's text, decides whether the provider (and with it every
		// workload object) is replaced: a new credential format must not redeploy the workload.
		ClusterIdentifier: s.Cluster.ID().ToStringOutput(),
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
	// The pods name their region (issue 9): what a person and the drill see at the endpoint.
	wl.Region = a.Location
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
