// Package tests runs the aks-dr program under Pulumi mocks and asserts what it registers.
package tests

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/aks-dr/aks-dr/components/naming"
	"github.com/aks-dr/aks-dr/stacks"
)

const (
	project        = "aks-dr"
	subscriptionID = "00000000-0000-0000-0000-000000000001"
	tenantID       = "00000000-0000-0000-0000-0000000000aa"
	frontDoorID    = "0f0e0d0c-aaaa-bbbb-cccc-000000000fd1"
	// deployerObjectID is the identity running the deployment, as getClientConfig reports it.
	deployerObjectID = "11111111-2222-3333-4444-555555555555"
)

// registered is one resource the program registered, as the mock monitor saw it.
type registered struct {
	Type, Name, URN, Parent, Provider string
	Custom, Protect                   bool
	Inputs                            resource.PropertyMap
	Dependencies, IgnoreChanges       []string
}

// recorder is a pulumi.MockResourceMonitor that records registrations and answers like Azure
// would for the outputs the program reads.
type recorder struct {
	mu        sync.Mutex
	resources []registered
	// stacks answers StackReferences by qualified stack name; a name that is absent is an
	// unknown stack, an empty map a stack that was never deployed.
	stacks  map[string]map[string]any
	invokes []string
	stack   string
	// clientID is what getClientConfig reports as the deploying app; default "client".
	clientID string
	// groupErrors are getResourceGroup's answers by group name; absent means the group exists.
	groupErrors map[string]error
	// kubeconfigServer overrides the API server host the credentials invoke returns.
	kubeconfigServer string
	// noKubeconfigs makes the credentials invoke return an empty list.
	noKubeconfigs bool
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken == "pulumi:pulumi:StackReference" {
		outputs, ok := r.stacks[args.Name]
		if !ok {
			return "", nil, fmt.Errorf("unknown stack %q", args.Name)
		}
		return args.Name, resource.NewPropertyMapFromMap(map[string]any{"name": args.Name, "outputs": outputs}), nil
	}
	rec := registered{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Inputs: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		rec.Parent, rec.Provider = rpc.GetParent(), rpc.GetProvider()
		rec.Dependencies, rec.IgnoreChanges = rpc.GetDependencies(), rpc.GetIgnoreChanges()
		rec.Protect = rpc.GetProtect()
		rec.URN = urnOf(r.stack, rpc.GetParent(), args.TypeToken, args.Name)
	}
	r.mu.Lock()
	r.resources = append(r.resources, rec)
	r.mu.Unlock()
	if !args.Custom {
		return "", args.Inputs, nil
	}
	return fakeAzure(args.TypeToken, args.Name, args.Inputs)
}

func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	r.mu.Lock()
	r.invokes = append(r.invokes, args.Token)
	r.mu.Unlock()
	switch args.Token {
	case "azure-native:authorization:getClientConfig":
		clientID := r.clientID
		if clientID == "" {
			clientID = "client"
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"clientId": clientID, "objectId": deployerObjectID, "subscriptionId": subscriptionID, "tenantId": tenantID,
		}), nil
	case "azure-native:containerservice:listManagedClusterUserCredentials":
		if r.noKubeconfigs {
			return resource.NewPropertyMapFromMap(map[string]any{"kubeconfigs": []any{}}), nil
		}
		server := r.kubeconfigServer
		if server == "" {
			server = clusterFQDN(args.Args["resourceName"].StringValue())
		}
		kubeconfig := base64.StdEncoding.EncodeToString([]byte(kubeconfigFor(server)))
		return resource.NewPropertyMapFromMap(map[string]any{
			"kubeconfigs": []any{map[string]any{"name": "clusterUser", "value": kubeconfig}},
		}), nil
	case "azure-native:resources:getResourceGroup":
		name := args.Args["resourceGroupName"].StringValue()
		if err := r.groupErrors[name]; err != nil {
			return nil, err
		}
		return resource.NewPropertyMapFromMap(map[string]any{"name": name, "location": "somewhere"}), nil
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}

// urnOf mirrors the mock monitor's URNs: the parent's qualified type, then this type and name.
func urnOf(stack, parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType, tokens.Type(typ), name))
}

// atRoot reports whether a parent URN is the stack itself.
func atRoot(parent string) bool {
	return parent == "" || resource.URN(parent).QualifiedType() == resource.RootStackType
}

// fakeAzure returns what Azure returns for the outputs the program reads: an ARM ID built from
// the resource's name and resource group, and the computed properties.
func fakeAzure(typ, name string, in resource.PropertyMap) (string, resource.PropertyMap, error) {
	out := in.Copy()
	str := func(k string) string {
		if v, ok := in[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	azName := name
	for _, k := range []string{"resourceGroupName", "virtualNetworkName", "subnetName", "publicIpAddressName", "firewallPolicyName",
		"azureFirewallName", "routeTableName", "networkSecurityGroupName", "vaultName", "resourceName", "workspaceName", "registryName",
		"profileName", "endpointName", "originGroupName", "originName", "routeName", "policyName", "applicationGatewayName",
		"privateEndpointName", "privateZoneName", "securityPolicyName", "replicationName", "virtualNetworkPeeringName",
		"dataCollectionRuleName",
		// Issue 9: alerts, availability tests, saved searches, deployments.
		"actionGroupName", "ruleName", "webTestName", "savedSearchId", "deploymentName",
		"name"} {
		if v := str(k); v != "" && k != "resourceGroupName" {
			azName = v
		}
	}
	if typ == "azure-native:resources:ResourceGroup" {
		azName = str("resourceGroupName")
	}
	if vnet := str("virtualNetworkName"); vnet != "" && typ == "azure-native:network:Subnet" {
		id := ArmID("azure-native:network:VirtualNetwork", str("resourceGroupName"), vnet) + "/subnets/" + azName
		out["id"] = resource.NewPropertyValue(id)
		out["name"] = resource.NewPropertyValue(azName)
		return id, out, nil
	}
	id := ArmID(typ, str("resourceGroupName"), azName)
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	set("name", azName)
	set("id", id)
	switch typ {
	case "azure-native:network:AzureFirewall":
		set("ipConfigurations", []any{map[string]any{"name": "fw-ipconfig", "privateIPAddress": "10.200.0.4"}})
	case "azure-native:network:PublicIPAddress":
		label := ""
		if dns, ok := in["dnsSettings"]; ok && dns.IsObject() {
			if l, ok := dns.ObjectValue()["domainNameLabel"]; ok {
				label = l.StringValue()
			}
		}
		set("ipAddress", "203.0.113.10")
		set("dnsSettings", map[string]any{"domainNameLabel": label, "fqdn": label + "." + str("location") + ".cloudapp.azure.com"})
	case "azure-native:managedidentity:UserAssignedIdentity":
		set("principalId", "principal-"+azName)
		set("clientId", "client-"+azName)
	case "azure-native:keyvault:Vault":
		set("properties", map[string]any{"vaultUri": "https://" + azName + ".vault.azure.net/"})
	case "azure-native:containerregistry:Registry":
		set("loginServer", azName+".azurecr.io")
	case "azure-native:cdn:Profile":
		set("frontDoorId", frontDoorID)
	case "azure-native:cdn:AFDEndpoint":
		set("hostName", azName+"-abc123.z01.azurefd.net")
	case "azure-native:containerservice:ManagedCluster":
		set("fqdn", clusterFQDN(azName))
	}
	return id, out, nil
}

// armTypes are the ARM provider paths of the types the program creates.
var armTypes = map[string]string{
	"network:VirtualNetwork":               "Microsoft.Network/virtualNetworks",
	"network:PublicIPAddress":              "Microsoft.Network/publicIPAddresses",
	"network:FirewallPolicy":               "Microsoft.Network/firewallPolicies",
	"network:AzureFirewall":                "Microsoft.Network/azureFirewalls",
	"network:RouteTable":                   "Microsoft.Network/routeTables",
	"network:NetworkSecurityGroup":         "Microsoft.Network/networkSecurityGroups",
	"network:WebApplicationFirewallPolicy": "Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies",
	"network:ApplicationGateway":           "Microsoft.Network/applicationGateways",
	"network:PrivateZone":                  "Microsoft.Network/privateDnsZones",
	"network:PrivateEndpoint":              "Microsoft.Network/privateEndpoints",
	"network:Policy":                       "Microsoft.Network/frontDoorWebApplicationFirewallPolicies",
	"keyvault:Vault":                       "Microsoft.KeyVault/vaults",
	"managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
	"containerservice:ManagedCluster":      "Microsoft.ContainerService/managedClusters",
	"operationalinsights:Workspace":        "Microsoft.OperationalInsights/workspaces",
	"containerregistry:Registry":           "Microsoft.ContainerRegistry/registries",
	"cdn:Profile":                          "Microsoft.Cdn/profiles",
}

// ArmID is the ID Azure gives a resource; the secondary's fixture uses it too, so both stacks
// see the same global IDs.
func ArmID(typ, rg, name string) string {
	if typ == "azure-native:resources:ResourceGroup" {
		return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", subscriptionID, name)
	}
	short := strings.TrimPrefix(typ, "azure-native:")
	path, ok := armTypes[short]
	if !ok {
		path = "Microsoft.Mock/" + strings.ReplaceAll(short, ":", "/")
	}
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", subscriptionID, rg, path, name)
}

// clusterFQDN is the API server host name the mocks give a cluster.
func clusterFQDN(cluster string) string { return cluster + "-dns.hcp.example.azmk8s.io" }

// kubeconfigFor is sampleKubeconfig with another API server host.
func kubeconfigFor(host string) string {
	return strings.Replace(sampleKubeconfig, "aks.example.hcp.eastus2.azmk8s.io", host, 1)
}

const sampleKubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://aks.example.hcp.eastus2.azmk8s.io:443
  name: aks
contexts:
- context:
    cluster: aks
    user: clusterUser_rg_aks
  name: aks
current-context: aks
users:
- name: clusterUser_rg_aks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args:
      - get-token
      - --login
      - devicecode
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 00000000-0000-0000-0000-0000000000aa
      - --environment
      - AzurePublicCloud
`

// withConfig sets the stack's config the way the engine passes it ("project:key" → string;
// objects and arrays as JSON), without the process environment, so tests can run in parallel.
func withConfig(cfg map[string]string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = maps.Clone(cfg)
	}
}

// stackConfig reads a shipped stack file into engine form.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "Pulumi."+stack+".yaml"))
	require.NoError(t, err)
	return stackConfigFrom(t, raw)
}

// stackConfigFrom reads a stack file's contents into engine form.
func stackConfigFrom(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &file))
	out := map[string]string{}
	for k, v := range file.Config {
		switch v := v.(type) {
		case string:
			out[k] = v
		case map[string]any, []any:
			b, err := json.Marshal(v)
			require.NoError(t, err)
			out[k] = string(b)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// with returns a copy of cfg with keys ("aks-dr:" added) set, or deleted when the value is "".
func with(cfg map[string]string, kv ...string) map[string]string {
	out := maps.Clone(cfg)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, stacks.Namespace+":"+kv[i])
		} else {
			out[stacks.Namespace+":"+kv[i]] = kv[i+1]
		}
	}
	return out
}

// run runs the program for one stack under mocks, with the other stacks' outputs (by qualified
// name), and returns what it registered.
func run(t *testing.T, stack string, cfg map[string]string, others map[string]map[string]any) (*recorder, error) {
	t.Helper()
	rec := &recorder{stacks: others, stack: stack}
	return rec, runWith(rec, stack, cfg)
}

// runWith runs the program with a prepared recorder.
func runWith(rec *recorder, stack string, cfg map[string]string) error {
	return pulumi.RunErr(stacks.Program, pulumi.WithMocksWithOrganization("organization", project, stack, rec), withConfig(cfg))
}

// mustRun is run for configurations that must deploy.
func mustRun(t *testing.T, stack string, cfg map[string]string, others map[string]map[string]any) *recorder {
	t.Helper()
	rec, err := run(t, stack, cfg, others)
	require.NoError(t, err)
	return rec
}

// qualified is a stack's name as StackReferences use it in these tests.
func qualified(stack string) string { return "organization/" + project + "/" + stack }

// globalFixture is what the shipped global stack exports, as a stamp's StackReference returns it.
func globalFixture() map[string]any {
	rg := "rg-aksdr-global"
	registryName, err := naming.Name(naming.ContainerRegistry, "aksdr", naming.Hash(subscriptionID, project, "registry", "westus3"), "global")
	if err != nil {
		panic(err)
	}
	return map[string]any{
		stacks.OutLocation:                "westus3",
		stacks.OutGlobalResourceGroupName: rg,
		stacks.OutFrontDoorProfileName:    "afd-aksdr-global",
		stacks.OutFrontDoorEndpoint:       "fde-aksdr-global-abc123.z01.azurefd.net",
		stacks.OutFrontDoorID:             frontDoorID,
		stacks.OutSharedWorkspaceID:       ArmID("azure-native:operationalinsights:Workspace", rg, "log-aksdr-global"),
		stacks.OutRegistryID:              ArmID("azure-native:containerregistry:Registry", rg, registryName),
		stacks.OutRegistryLoginServer:     registryName + ".azurecr.io",
		stacks.OutRegistryImages:          []any{stacks.DefaultWorkloadImage},
		stacks.OutRegistryLocations:       []any{"westus3", "centralus", "eastus2"},
		stacks.OutBaseFirewallPolicyID:    ArmID("azure-native:network:FirewallPolicy", rg, "afwp-aksdr-base-global"),
		stacks.OutDetectionSeconds:        90.0,
		stacks.OutStamps:                  map[string]any{qualified("primary"): "eastus2", qualified("secondary"): "centralus"},
	}
}

// stampFixture is what a shipped stamp stack exports, as the global stack's StackReference
// (and a sibling's) returns it.
func stampFixture(stack string) map[string]any {
	plans := map[string][3]string{
		"primary":   {"eastus2", "10.200.0.0/24", "10.240.0.0/16"},
		"secondary": {"centralus", "10.201.0.0/24", "10.241.0.0/16"},
	}
	p := plans[stack]
	code := map[string]string{"eastus2": "eus2", "centralus": "cus"}[p[0]]
	out := map[string]any{
		stacks.OutLocation:          p[0],
		stacks.OutHubAddressSpace:   p[1],
		stacks.OutSpokeAddressSpace: p[2],
		stacks.OutOriginHostName:    "app-aksdr-" + code + "-tenanthash." + p[0] + ".cloudapp.azure.com",
		stacks.OutAppGatewayID:      ArmID("azure-native:network:ApplicationGateway", "rg-aksdr-"+code, "agw-aksdr-"+code),
	}
	maps.Copy(out, standbyFixture()) // standby_test.go
	return out
}

// deployed is every shipped stack, deployed: what any stack's StackReferences see.
func deployed() map[string]map[string]any {
	return map[string]map[string]any{
		qualified("global"):    globalFixture(),
		qualified("primary"):   stampFixture("primary"),
		qualified("secondary"): stampFixture("secondary"),
	}
}

// without returns the stacks with the named ones left out (unknown to the backend) or, with
// empty set, present but never deployed.
func without(all map[string]map[string]any, empty bool, names ...string) map[string]map[string]any {
	out := maps.Clone(all)
	for _, n := range names {
		if empty {
			out[qualified(n)] = map[string]any{}
		} else {
			delete(out, qualified(n))
		}
	}
	return out
}

// ofType returns the registered resources of a type.
func (r *recorder) ofType(typ string) []registered {
	var out []registered
	for _, res := range r.resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// one returns the single resource of a type, failing the test otherwise.
func (r *recorder) one(t *testing.T, typ string) registered {
	t.Helper()
	found := r.ofType(typ)
	require.Len(t, found, 1, "resources of type %s", typ)
	return found[0]
}

// byURN indexes the registered resources.
func (r *recorder) byURN() map[string]registered {
	out := map[string]registered{}
	for _, res := range r.resources {
		out[res.URN] = res
	}
	return out
}

// get walks a property path such as "networkProfile.outboundType" or "agentPoolProfiles[0].maxCount".
func get(t *testing.T, m resource.PropertyMap, path string) resource.PropertyValue {
	t.Helper()
	pp, err := resource.ParsePropertyPath(path)
	require.NoError(t, err)
	v, ok := pp.Get(resource.NewObjectProperty(m))
	require.True(t, ok, "property %s not set", path)
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// plain turns a property value into Go values for comparisons.
func plain(v resource.PropertyValue) any {
	return v.Mappable()
}

// runProgram loads the stack's config under mocks and hands it to inspect, registering nothing.
func runProgram(rec *recorder, stack string, cfg map[string]string, inspect func(*stacks.Config)) error {
	return pulumi.RunErr(func(ctx *pulumi.Context) error {
		c, err := stacks.LoadConfig(ctx)
		if err != nil {
			return err
		}
		inspect(c)
		return nil
	}, pulumi.WithMocksWithOrganization("organization", project, stack, rec), withConfig(cfg))
}

// dependsOn reports whether a resource waits for one whose URN ends with suffix.
func dependsOn(res registered, suffix string) bool {
	for _, d := range res.Dependencies {
		if strings.HasSuffix(d, suffix) {
			return true
		}
	}
	return false
}
