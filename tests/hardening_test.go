package tests

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/components/naming"
	"github.com/aks-dr/aks-dr/stacks"
)

// Issue 10: what an independent review and an IaC scanner found.

const (
	defaultImageDigest      = "sha256:ed04ec1ff34502c339ee5c3ae3f855442398edc1d05591e2b98981dcbbd20b1e"
	roleKeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6"
	roleAcrPull             = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
)

// registryLoginServer is the shipped registry's login server, as the mocks report it.
func registryLoginServer() string {
	name, err := naming.Name(naming.ContainerRegistry, "aksdr", naming.Hash(subscriptionID, project, "registry", "westus3"), "global")
	if err != nil {
		panic(err)
	}
	return name + ".azurecr.io"
}

// named returns the resource of a type with the given Pulumi name.
func named(t *testing.T, rec *recorder, typ, name string) registered {
	t.Helper()
	for _, r := range rec.ofType(typ) {
		if r.Name == name {
			return r
		}
	}
	require.Failf(t, "not registered", "%s %s", typ, name)
	return registered{}
}

func strs(t *testing.T, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	require.True(t, ok, "%v is a list", v)
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.(string)
	}
	return out
}

// roleHolders maps each role definition GUID to the principals that hold it, with their scopes.
func roleHolders(t *testing.T, rec *recorder) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, ra := range rec.ofType("azure-native:authorization:RoleAssignment") {
		def := plain(get(t, ra.Inputs, "roleDefinitionId")).(string)
		guid := def[strings.LastIndex(def, "/")+1:]
		out[guid] = append(out[guid], plain(get(t, ra.Inputs, "principalId")).(string)+" @ "+plain(get(t, ra.Inputs, "scope")).(string))
	}
	return out
}

func TestOnlyTheWorkloadIdentityReadsTheVault(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"primary", "secondary"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRun(t, stack, stackConfig(t, stack), deployed())
			rc := map[string]string{"primary": "eus2", "secondary": "cus"}[stack]
			workloadID, kubeletID := "id-aksdr-workload-"+rc, "id-aksdr-kubelet-"+rc
			holders := roleHolders(t, rec)
			require.Len(t, holders[roleKeyVaultSecretsUser], 1, "one identity reads the vault")
			assert.True(t, strings.HasPrefix(holders[roleKeyVaultSecretsUser][0], "principal-"+workloadID+" @ "), holders[roleKeyVaultSecretsUser][0])
			assert.Contains(t, holders[roleKeyVaultSecretsUser][0], "/vaults/kv-aksdr-")
			for guid, list := range holders {
				for _, h := range list {
					if strings.HasPrefix(h, "principal-"+kubeletID+" ") {
						assert.Equal(t, roleAcrPull, guid, "the kubelet identity only pulls images: %s", h)
					}
				}
			}

			fic := rec.one(t, "azure-native:managedidentity:FederatedIdentityCredential")
			assert.Equal(t, workloadID, plain(get(t, fic.Inputs, "resourceName")))
			assert.Equal(t, "system:serviceaccount:workload:web", plain(get(t, fic.Inputs, "subject")))
			assert.Equal(t, []any{"api://AzureADTokenExchange"}, plain(get(t, fic.Inputs, "audiences")))
			assert.True(t, dependsOn(fic, "ManagedCluster::stamp-"+map[string]string{"primary": "eastus2", "secondary": "centralus"}[stack]+"-aks"),
				"the issuer is the cluster's OIDC issuer")

			sa := rec.one(t, "kubernetes:core/v1:ServiceAccount")
			assert.Equal(t, "web", plain(get(t, sa.Inputs, "metadata.name")))
			assert.Equal(t, "workload", plain(get(t, sa.Inputs, "metadata.namespace")))
			assert.Equal(t, "client-"+workloadID, plain(get(t, sa.Inputs, "metadata.annotations")).(map[string]any)["azure.workload.identity/client-id"])
			dep := rec.one(t, "kubernetes:apps/v1:Deployment")
			assert.Equal(t, "web", plain(get(t, dep.Inputs, "spec.template.spec.serviceAccountName")))
			assert.Equal(t, "true", plain(get(t, dep.Inputs, "spec.template.metadata.labels")).(map[string]any)["azure.workload.identity/use"])
			assert.Equal(t, map[string]any{"app.kubernetes.io/name": "web"}, plain(get(t, dep.Inputs, "spec.selector.matchLabels")),
				"the selector (immutable) is unchanged")
			ns := rec.one(t, "kubernetes:core/v1:Namespace")
			assert.True(t, dependsOn(ns, "FederatedIdentityCredential::stamp-"+map[string]string{"primary": "eastus2", "secondary": "centralus"}[stack]+"-workload-federation"))
		})
	}
}

func TestPodsMountNoServiceAccountToken(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	assert.Equal(t, false, plain(get(t, rec.one(t, "kubernetes:core/v1:ServiceAccount").Inputs, "automountServiceAccountToken")))
	assert.Equal(t, false, plain(get(t, rec.one(t, "kubernetes:apps/v1:Deployment").Inputs, "spec.template.spec.automountServiceAccountToken")))
}

func TestFirewallAdmitsOnlyTheProjectRegistry(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"primary", "secondary"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			cfg := stackConfig(t, stack)
			rec := mustRun(t, stack, cfg, deployed())
			login := registryLoginServer()
			name := strings.TrimSuffix(login, ".azurecr.io")
			var found bool
			for _, group := range rec.ofType("azure-native:network:FirewallPolicyRuleCollectionGroup") {
				for _, coll := range plain(get(t, group.Inputs, "ruleCollections")).([]any) {
					for _, r := range coll.(map[string]any)["rules"].([]any) {
						rule := r.(map[string]any)
						fqdns, _ := rule["targetFqdns"].([]any)
						for _, f := range fqdns {
							if strings.Contains(f.(string), "azurecr.io") || strings.Contains(f.(string), "mcr.") {
								assert.Equal(t, "project-registry", rule["name"], "only the registry rule names a registry: %s in %s", f, group.Name)
								assert.NotContains(t, f, "*", "no wildcard registry")
							}
						}
						if rule["name"] != "project-registry" {
							continue
						}
						found = true
						assert.ElementsMatch(t, []string{login, name + ".westus3.data.azurecr.io", name + ".eastus2.data.azurecr.io", name + ".centralus.data.azurecr.io"},
							strs(t, rule["targetFqdns"]), "the login server and the home and replica regions' data endpoints")
						assert.Equal(t, []string{cfg[stacks.Namespace+":aksSubnetPrefix"]}, strs(t, rule["sourceAddresses"]), "from the AKS subnet only")
						assert.Equal(t, []any{map[string]any{"port": 443.0, "protocolType": "Https"}}, rule["protocols"])
					}
				}
			}
			assert.True(t, found, "the regional policy has the registry rule")
		})
	}
}

func TestFirewallHasSnatCapacity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  map[string]string
		want int
	}{{stackConfig(t, "primary"), 4}, {with(stackConfig(t, "primary"), "firewallPublicIpCount", "9"), 9}} {
		rec := mustRun(t, "primary", tc.cfg, deployed())
		fw := rec.one(t, "azure-native:network:AzureFirewall")
		configs := plain(get(t, fw.Inputs, "ipConfigurations")).([]any)
		require.Len(t, configs, tc.want, "one IP configuration per public IP")
		pips := map[string]bool{}
		for i, c := range configs {
			cfg := c.(map[string]any)
			id := cfg["publicIPAddress"].(map[string]any)["id"].(string)
			assert.Contains(t, id, "/publicIPAddresses/pip-aksdr-fw")
			pips[id] = true
			_, hasSubnet := cfg["subnet"]
			assert.Equal(t, i == 0, hasSubnet, "only the first configuration names the subnet")
		}
		assert.Len(t, pips, tc.want, "distinct public IPs: 2,496 SNAT ports each per firewall instance")
		for _, p := range rec.ofType("azure-native:network:PublicIPAddress") {
			if strings.Contains(p.Name, "firewall-pip") {
				assert.Equal(t, []any{"1", "2", "3"}, plain(get(t, p.Inputs, "zones")), "zone-redundant like the firewall")
			}
		}
	}
}

func TestRegistryIsReachedThroughPrivateEndpoints(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	acr := rec.one(t, "azure-native:containerregistry:Registry")
	assert.Equal(t, "Disabled", plain(get(t, acr.Inputs, "publicNetworkAccess")), "no public access by default")
	assert.NotContains(t, acr.Inputs, "networkRuleSet")
	assert.Equal(t, "AzureServices", plain(get(t, acr.Inputs, "networkRuleBypassOptions")), "az acr import still works")

	opened := mustRun(t, "global", with(stackConfig(t, "global"), "registryAllowedIpRanges", `["203.0.113.0/28","198.51.100.7"]`), deployed())
	acr = opened.one(t, "azure-native:containerregistry:Registry")
	assert.Equal(t, "Enabled", plain(get(t, acr.Inputs, "publicNetworkAccess")))
	assert.Equal(t, "Deny", plain(get(t, acr.Inputs, "networkRuleSet.defaultAction")))
	assert.Equal(t, []any{
		map[string]any{"action": "Allow", "iPAddressOrRange": "203.0.113.0/28"},
		map[string]any{"action": "Allow", "iPAddressOrRange": "198.51.100.7"},
	}, plain(get(t, acr.Inputs, "networkRuleSet.ipRules")))

	for _, stack := range []string{"primary", "secondary"} {
		rec := mustRun(t, stack, stackConfig(t, stack), deployed())
		region := map[string]string{"primary": "eastus2", "secondary": "centralus"}[stack]
		rc := map[string]string{"primary": "eus2", "secondary": "cus"}[stack]
		pe := named(t, rec, "azure-native:network:PrivateEndpoint", "stamp-"+region+"-acr-pe")
		assert.Equal(t, []any{"registry"}, plain(get(t, pe.Inputs, "privateLinkServiceConnections[0].groupIds")))
		assert.Equal(t, globalFixture()[stacks.OutRegistryID], plain(get(t, pe.Inputs, "privateLinkServiceConnections[0].privateLinkServiceId")))
		assert.Contains(t, plain(get(t, pe.Inputs, "subnet.id")), "snet-aksdr-pe-"+rc, "in this spoke's private-endpoint subnet")
		zone := named(t, rec, "azure-native:network:PrivateZone", "stamp-"+region+"-acr-dns")
		assert.Equal(t, "privatelink.azurecr.io", plain(get(t, zone.Inputs, "privateZoneName")))
		link := named(t, rec, "azure-native:network:VirtualNetworkLink", "stamp-"+region+"-acr-dns-spoke")
		assert.Contains(t, plain(get(t, link.Inputs, "virtualNetwork.id")), "vnet-aksdr-spoke-"+rc)
		group := named(t, rec, "azure-native:network:PrivateDnsZoneGroup", "stamp-"+region+"-acr-pe-dns")
		assert.Contains(t, plain(get(t, group.Inputs, "privateDnsZoneConfigs[0].privateDnsZoneId")), "/privateDnsZones/privatelink.azurecr.io")
		assert.Equal(t, "pep-aksdr-acr-"+rc, plain(get(t, group.Inputs, "privateEndpointName")))
	}
}

func TestAPIServerAccess(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	aks := rec.one(t, "azure-native:containerservice:ManagedCluster")
	assert.NotContains(t, aks.Inputs, "apiServerAccessProfile", "by default the deployer is not locked out")

	rec = mustRun(t, "primary", with(stackConfig(t, "primary"), "apiServerAuthorizedIpRanges", `["198.51.100.0/24"]`), deployed())
	aks = rec.one(t, "azure-native:containerservice:ManagedCluster")
	ranges := strs(t, plain(get(t, aks.Inputs, "apiServerAccessProfile.authorizedIPRanges")))
	require.Len(t, ranges, 1+4)
	assert.Equal(t, "198.51.100.0/24", ranges[0])
	for _, r := range ranges[1:] {
		assert.Equal(t, "203.0.113.10/32", r, "each firewall public IP, which the nodes reach the API server from")
	}
}

func TestNetworkPolicies(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	policies := map[string]registered{}
	for _, p := range rec.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
		assert.Equal(t, "workload", plain(get(t, p.Inputs, "metadata.namespace")))
		assert.Contains(t, p.Provider, "pulumi:providers:kubernetes::stamp-eastus2-k8s")
		policies[plain(get(t, p.Inputs, "metadata.name")).(string)] = p
	}
	require.Len(t, policies, 4)

	deny := policies["default-deny"].Inputs
	assert.Equal(t, map[string]any{}, plain(get(t, deny, "spec.podSelector")), "every pod in the namespace")
	assert.Equal(t, []any{"Ingress", "Egress"}, plain(get(t, deny, "spec.policyTypes")))
	assert.NotContains(t, plain(get(t, deny, "spec")).(map[string]any), "ingress")
	assert.NotContains(t, plain(get(t, deny, "spec")).(map[string]any), "egress")

	in := policies["allow-ingress-from-gateway"].Inputs
	assert.Equal(t, map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "web"}}, plain(get(t, in, "spec.podSelector")))
	assert.Equal(t, []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.240.4.0/24"}}}, plain(get(t, in, "spec.ingress[0].from")),
		"only the Application Gateway subnet, behind the internal load balancer")
	assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": 8080.0}}, plain(get(t, in, "spec.ingress[0].ports")))

	dns := policies["allow-dns"].Inputs
	assert.Equal(t, []any{"Egress"}, plain(get(t, dns, "spec.policyTypes")))
	assert.Equal(t, map[string]any{"kubernetes.io/metadata.name": "kube-system"}, plain(get(t, dns, "spec.egress[0].to[0].namespaceSelector.matchLabels")))
	assert.Equal(t, map[string]any{"k8s-app": "kube-dns"}, plain(get(t, dns, "spec.egress[0].to[0].podSelector.matchLabels")))
	assert.ElementsMatch(t, []any{map[string]any{"protocol": "UDP", "port": 53.0}, map[string]any{"protocol": "TCP", "port": 53.0}}, plain(get(t, dns, "spec.egress[0].ports")))

	https := policies["allow-https-egress"].Inputs
	assert.Equal(t, []any{
		map[string]any{"ipBlock": map[string]any{"cidr": "10.240.5.0/27"}},
		map[string]any{"ipBlock": map[string]any{"cidr": "0.0.0.0/0", "except": []any{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}}},
	}, plain(get(t, https, "spec.egress[0].to")), "the Key Vault's private endpoint, and Entra ID through the firewall")
	assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": 443.0}}, plain(get(t, https, "spec.egress[0].ports")))

	ns := rec.one(t, "kubernetes:core/v1:Namespace")
	for _, p := range rec.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
		assert.True(t, dependsOn(p, "core/v1:Namespace::"+ns.Name), "%s waits for the namespace", p.Name)
	}
}

func TestPodMeetsRestrictedPodSecurity(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	ns := rec.one(t, "kubernetes:core/v1:Namespace")
	labels := plain(get(t, ns.Inputs, "metadata.labels")).(map[string]any)
	assert.Equal(t, "restricted", labels["pod-security.kubernetes.io/enforce"])
	assert.Equal(t, "restricted", labels["pod-security.kubernetes.io/warn"])
	assert.Equal(t, "restricted", labels["pod-security.kubernetes.io/audit"])

	dep := rec.one(t, "kubernetes:apps/v1:Deployment")
	pod := "spec.template.spec."
	assert.Equal(t, true, plain(get(t, dep.Inputs, pod+"securityContext.runAsNonRoot")))
	assert.Equal(t, "RuntimeDefault", plain(get(t, dep.Inputs, pod+"securityContext.seccompProfile.type")))
	c := pod + "containers[0]."
	assert.Equal(t, map[string]any{
		"allowPrivilegeEscalation": false,
		"capabilities":             map[string]any{"drop": []any{"ALL"}},
		"readOnlyRootFilesystem":   true,
		"runAsNonRoot":             true,
		"seccompProfile":           map[string]any{"type": "RuntimeDefault"},
	}, plain(get(t, dep.Inputs, c+"securityContext")))
	assert.NotContains(t, plain(get(t, dep.Inputs, "spec.template.spec")).(map[string]any), "hostNetwork")
	// Writable paths are emptyDirs (/tmp, and since issue 9 the rendered nginx config); the
	// region page's template is mounted read-only.
	assert.Equal(t, []any{
		map[string]any{"name": "tmp", "mountPath": "/tmp"},
		map[string]any{"name": "nginx-conf", "mountPath": "/etc/nginx/conf.d"},
		map[string]any{"name": "region-page", "mountPath": "/etc/nginx/templates", "readOnly": true},
	}, plain(get(t, dep.Inputs, c+"volumeMounts")))
	assert.Equal(t, "64Mi", plain(get(t, dep.Inputs, pod+"volumes[0].emptyDir.sizeLimit")))
	assert.Equal(t, "1Mi", plain(get(t, dep.Inputs, pod+"volumes[1].emptyDir.sizeLimit")))
	assert.EqualValues(t, 8080, plain(get(t, dep.Inputs, c+"ports[0].containerPort")), "an unprivileged port")
	assert.Equal(t, "/", plain(get(t, dep.Inputs, c+"readinessProbe.httpGet.path")))
}

func TestImageIsPinnedAndPulledFromTheProjectRegistry(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "global", stackConfig(t, "global"), deployed())
	want := registryLoginServer() + "/nginx/nginx-unprivileged@" + defaultImageDigest

	script := rec.one(t, "azure-native:resources:AzureCliScript")
	env := map[string]string{}
	for _, e := range plain(get(t, script.Inputs, "environmentVariables")).([]any) {
		m := e.(map[string]any)
		env[m["name"].(string)] = m["value"].(string)
	}
	assert.Equal(t, stacks.DefaultWorkloadImage+"|nginx/nginx-unprivileged:sha256-"+strings.TrimPrefix(defaultImageDigest, "sha256:"), env["IMAGES"])
	assert.Equal(t, registryLoginServer(), env["LOGIN_SERVER"])
	assert.Contains(t, plain(get(t, script.Inputs, "scriptContent")), `az acr import --name "$REGISTRY" --source "$source" --image "$target"`)
	assert.Equal(t, "UserAssigned", plain(get(t, script.Inputs, "identity.type")))
	assert.True(t, dependsOn(script, "RoleAssignment::registry-import-role"), "the import waits for its role")
	holders := roleHolders(t, rec)
	require.Len(t, holders["b24988ac-6180-42a0-ab88-20f7382dd24c"], 1)
	assert.Contains(t, holders["b24988ac-6180-42a0-ab88-20f7382dd24c"][0], "principal-id-aksdr-acrimport-global @ ", "the import identity")
	assert.True(t, strings.HasSuffix(holders["b24988ac-6180-42a0-ab88-20f7382dd24c"][0], "/registries/"+strings.TrimSuffix(registryLoginServer(), ".azurecr.io")),
		"Contributor on the registry only")
	for _, stack := range []string{"primary", "secondary"} {
		stamp := mustRun(t, stack, stackConfig(t, stack), deployed())
		assert.Empty(t, stamp.ofType("azure-native:resources:AzureCliScript"), "the registry's owner, the global stack, imports")
		assert.Equal(t, want, plain(get(t, stamp.one(t, "kubernetes:apps/v1:Deployment").Inputs, "spec.template.spec.containers[0].image")),
			"both regions run the same digest from the same registry")
	}
}

func TestEncryptionAtHostOnEveryPool(t *testing.T) {
	t.Parallel()
	rec := mustRun(t, "primary", stackConfig(t, "primary"), deployed())
	pools := plain(get(t, rec.one(t, "azure-native:containerservice:ManagedCluster").Inputs, "agentPoolProfiles")).([]any)
	require.Len(t, pools, 4, "system pool and one user pool per zone")
	for _, p := range pools {
		assert.Equal(t, true, p.(map[string]any)["enableEncryptionAtHost"], "pool %s", p.(map[string]any)["name"])
	}
}

func TestImageReferences(t *testing.T) {
	t.Parallel()
	const d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for src, want := range map[string]string{
		"docker.io/nginxinc/nginx-unprivileged@" + d:             "nginxinc/nginx-unprivileged",
		"docker.io/nginxinc/nginx-unprivileged:1.30-alpine@" + d: "nginxinc/nginx-unprivileged",
		"registry.example.com:5000/team/app:v1@" + d:             "team/app",
		"myacr.azurecr.io/app@" + d:                              "app",
	} {
		repo, digest, err := components.SplitImage(src)
		require.NoError(t, err, src)
		assert.Equal(t, want, repo, src)
		assert.Equal(t, d, digest)
		ref, err := components.RegistryImage("CRX.azurecr.io", src)
		require.NoError(t, err)
		assert.Equal(t, "crx.azurecr.io/"+want+"@"+d, ref)
	}
	for _, bad := range []string{"docker.io/nginx:1.30", "nginx@" + d, "docker.io/nginx@md5:abc"} {
		_, _, err := components.SplitImage(bad)
		assert.Error(t, err, bad)
	}
}

// manyRanges is a JSON list of n distinct public /32s.
func manyRanges(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"198.51.` + strconv.Itoa(i/250) + `.` + strconv.Itoa(i%250+1) + `"`
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestStampImageMustBeImportedByTheGlobalLayer(t *testing.T) {
	t.Parallel()
	other := "docker.io/nginxinc/nginx-unprivileged@sha256:" + strings.Repeat("ab", 32)
	rec, err := run(t, "secondary", with(stackConfig(t, "secondary"), "workloadImage", other), deployed())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aks-dr:workloadImage: "+other+" is not among the images the global layer imports into the registry ("+stacks.DefaultWorkloadImage+"); add it to registryImages")
	onlyStackReferences(t, rec)

	// The same repository and digest with a tag is the same image.
	tagged := strings.Replace(stacks.DefaultWorkloadImage, "@", ":1.30.5-alpine@", 1)
	mustRun(t, "secondary", with(stackConfig(t, "secondary"), "workloadImage", tagged), deployed())
}

// TestWorkloadAloneAdmitsNoIngress: the Workload component without IngressFromCIDRs (used
// outside the stamp) creates no ingress rule, which without peers would admit every source.
func TestWorkloadAloneAdmitsNoIngress(t *testing.T) {
	t.Parallel()
	rec := &recorder{stack: "test"}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := components.NewWorkload(ctx, "w", &components.WorkloadArgs{
			Image: "docker.io/nginxinc/nginx-unprivileged@" + defaultImageDigest, Port: 8080, HealthPath: "/",
			Replicas: 2, MaxReplicas: 4, CPURequest: "100m", MemoryRequest: "64Mi", TargetCPUPercent: 70, LoadBalancerIP: "10.0.0.10",
		})
		return err
	}, pulumi.WithMocks(project, "test", rec))
	require.NoError(t, err)
	var names []string
	for _, p := range rec.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
		names = append(names, plain(get(t, p.Inputs, "metadata.name")).(string))
	}
	assert.ElementsMatch(t, []string{"default-deny", "allow-dns"}, names)
	dep := rec.one(t, "kubernetes:apps/v1:Deployment")
	assert.Equal(t, "docker.io/nginxinc/nginx-unprivileged@"+defaultImageDigest, plain(get(t, dep.Inputs, "spec.template.spec.containers[0].image")),
		"without a Registry the image is used as given")
	assert.NotContains(t, plain(get(t, dep.Inputs, "spec.template.metadata.labels")).(map[string]any), "azure.workload.identity/use")
}
