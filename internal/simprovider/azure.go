package simprovider

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// Fake identities returned by getClientConfig and used in IDs when the stack does not set
// azure-native:subscriptionId / tenantId. They are recognisably not real.
const (
	SimSubscriptionID = "00000000-5111-4000-8000-00000000a2d7"
	SimTenantID       = "00000000-5111-4000-8000-0000000000e1"
	SimClientID       = "00000000-5111-4000-8000-0000000000c1"
	SimObjectID       = "00000000-5111-4000-8000-0000000000b1"
)

// AKSServerAppID is the well-known Entra ID application of the AKS AAD server, which kubelogin
// requests tokens for.
const AKSServerAppID = "6dae42f8-4368-4678-94ff-3960e28e3630"

// armIDs maps azure-native resource types to the shape of their ARM ID. {key} is an input
// property; the last {key} is the resource's own name. Templates that do not start with "/" or
// "{" live under /subscriptions/{sub}/resourceGroups/{resourceGroupName}/providers/. Types not
// listed get a best guess from the token (see guessTemplate).
var armIDs = map[string]string{
	"resources:ResourceGroup": "/subscriptions/{#sub}/resourceGroups/{resourceGroupName}",

	"network:VirtualNetwork":                              "Microsoft.Network/virtualNetworks/{virtualNetworkName}",
	"network:Subnet":                                      "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
	"network:VirtualNetworkPeering":                       "Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
	"network:NetworkSecurityGroup":                        "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
	"network:SecurityRule":                                "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}",
	"network:RouteTable":                                  "Microsoft.Network/routeTables/{routeTableName}",
	"network:Route":                                       "Microsoft.Network/routeTables/{routeTableName}/routes/{routeName}",
	"network:PublicIPAddress":                             "Microsoft.Network/publicIPAddresses/{publicIpAddressName}",
	"network:AzureFirewall":                               "Microsoft.Network/azureFirewalls/{azureFirewallName}",
	"network:FirewallPolicy":                              "Microsoft.Network/firewallPolicies/{firewallPolicyName}",
	"network:FirewallPolicyRuleCollectionGroup":           "Microsoft.Network/firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}",
	"network:ApplicationGateway":                          "Microsoft.Network/applicationGateways/{applicationGatewayName}",
	"network:WebApplicationFirewallPolicy":                "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/{policyName}",
	"network:Policy":                                      "Microsoft.Network/frontDoorWebApplicationFirewallPolicies/{policyName}",
	"network:PrivateEndpoint":                             "Microsoft.Network/privateEndpoints/{privateEndpointName}",
	"network:PrivateDnsZoneGroup":                         "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
	"network:PrivateZone":                                 "Microsoft.Network/privateDnsZones/{privateZoneName}",
	"network:VirtualNetworkLink":                          "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
	"network:PrivateRecordSet":                            "Microsoft.Network/privateDnsZones/{privateZoneName}/{recordType}/{relativeRecordSetName}",
	"network:NatGateway":                                  "Microsoft.Network/natGateways/{natGatewayName}",
	"network:NetworkWatcher":                              "Microsoft.Network/networkWatchers/{networkWatcherName}",
	"network:DdosProtectionPlan":                          "Microsoft.Network/ddosProtectionPlans/{ddosProtectionPlanName}",
	"network:ApplicationSecurityGroup":                    "Microsoft.Network/applicationSecurityGroups/{applicationSecurityGroupName}",
	"network:IpGroup":                                     "Microsoft.Network/ipGroups/{ipGroupsName}",
	"cdn:Profile":                                         "Microsoft.Cdn/profiles/{profileName}",
	"cdn:AFDEndpoint":                                     "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}",
	"cdn:AFDOriginGroup":                                  "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}",
	"cdn:AFDOrigin":                                       "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}/origins/{originName}",
	"cdn:Route":                                           "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}/routes/{routeName}",
	"cdn:RuleSet":                                         "Microsoft.Cdn/profiles/{profileName}/ruleSets/{ruleSetName}",
	"cdn:Rule":                                            "Microsoft.Cdn/profiles/{profileName}/ruleSets/{ruleSetName}/rules/{ruleName}",
	"cdn:SecurityPolicy":                                  "Microsoft.Cdn/profiles/{profileName}/securityPolicies/{securityPolicyName}",
	"cdn:AFDCustomDomain":                                 "Microsoft.Cdn/profiles/{profileName}/customDomains/{customDomainName}",
	"cdn:Policy":                                          "Microsoft.Cdn/cdnWebApplicationFirewallPolicies/{policyName}",
	"keyvault:Vault":                                      "Microsoft.KeyVault/vaults/{vaultName}",
	"keyvault:Secret":                                     "Microsoft.KeyVault/vaults/{vaultName}/secrets/{secretName}",
	"keyvault:Key":                                        "Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}",
	"containerregistry:Registry":                          "Microsoft.ContainerRegistry/registries/{registryName}",
	"containerregistry:Replication":                       "Microsoft.ContainerRegistry/registries/{registryName}/replications/{replicationName}",
	"containerservice:ManagedCluster":                     "Microsoft.ContainerService/managedClusters/{resourceName}",
	"containerservice:AgentPool":                          "Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/{agentPoolName}",
	"containerservice:MaintenanceConfiguration":           "Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations/{configName}",
	"managedidentity:UserAssignedIdentity":                "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
	"managedidentity:FederatedIdentityCredential":         "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
	"operationalinsights:Workspace":                       "Microsoft.OperationalInsights/workspaces/{workspaceName}",
	"insights:Component":                                  "Microsoft.Insights/components/{resourceName}",
	"insights:ActionGroup":                                "Microsoft.Insights/actionGroups/{actionGroupName}",
	"insights:MetricAlert":                                "Microsoft.Insights/metricAlerts/{ruleName}",
	"insights:DataCollectionRule":                         "Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}",
	"insights:DiagnosticSetting":                          "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
	"insights:DataCollectionRuleAssociation":              "{resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{associationName}",
	"authorization:RoleAssignment":                        "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
	"authorization:ManagementLockAtResourceGroupLevel":    "Microsoft.Authorization/locks/{lockName}",
	"authorization:PolicyAssignment":                      "{scope}/providers/Microsoft.Authorization/policyAssignments/{policyAssignmentName}",
	"storage:StorageAccount":                              "Microsoft.Storage/storageAccounts/{accountName}",
	"network:ApplicationGatewayPrivateEndpointConnection": "Microsoft.Network/applicationGateways/{applicationGatewayName}/privateEndpointConnections/{connectionName}",

	// Issue 9: availability tests, workbooks, saved searches, and the ARM deployment that
	// registers the Chaos Studio target, capability and experiment.
	"insights:WebTest":                "Microsoft.Insights/webtests/{webTestName}",
	"insights:Workbook":               "Microsoft.Insights/workbooks/{resourceName}",
	"operationalinsights:SavedSearch": "Microsoft.OperationalInsights/workspaces/{workspaceName}/savedSearches/{savedSearchId}",
	"resources:Deployment":            "Microsoft.Resources/deployments/{deploymentName}",
}

// namespaces maps azure-native modules to ARM resource provider namespaces, for types not in armIDs.
var namespaces = map[string]string{
	"network": "Microsoft.Network", "cdn": "Microsoft.Cdn", "keyvault": "Microsoft.KeyVault",
	"containerregistry": "Microsoft.ContainerRegistry", "containerservice": "Microsoft.ContainerService",
	"managedidentity": "Microsoft.ManagedIdentity", "operationalinsights": "Microsoft.OperationalInsights",
	"insights": "Microsoft.Insights", "authorization": "Microsoft.Authorization", "storage": "Microsoft.Storage",
	"resources": "Microsoft.Resources", "dashboard": "Microsoft.Dashboard", "monitor": "Microsoft.Monitor",
	"alertsmanagement": "Microsoft.AlertsManagement", "dns": "Microsoft.Network", "privatedns": "Microsoft.Network",
}

var templateKey = regexp.MustCompile(`\{([^}]+)\}`)

// armTemplate is the parsed ID shape of one resource type.
type armTemplate struct {
	pattern string   // full pattern, with {#sub} for the subscription
	keys    []string // input keys in the pattern, in order
	own     string   // the resource's own name key (the last key)
	armType string   // e.g. Microsoft.Network/virtualNetworks/subnets
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// guessTemplate derives an ID shape for a type the table does not know:
// azure-native:foo:BarBaz -> Microsoft.Foo/barBazs/{barBazName}.
func guessTemplate(module, typ string) string {
	ns, ok := namespaces[module]
	if !ok {
		ns = "Microsoft." + strings.ToUpper(module[:1]) + module[1:]
	}
	return fmt.Sprintf("%s/%ss/{%sName}", ns, lowerFirst(typ), lowerFirst(typ))
}

func parseTemplate(t tokens.Type) armTemplate {
	module, typ := string(t.Module().Name()), string(t.Name())
	pattern, ok := armIDs[module+":"+typ]
	if !ok {
		pattern = guessTemplate(module, typ)
	}
	if !strings.HasPrefix(pattern, "/") && !strings.HasPrefix(pattern, "{") {
		pattern = "/subscriptions/{#sub}/resourceGroups/{resourceGroupName}/providers/" + pattern
	}
	at := armTemplate{pattern: pattern}
	for _, m := range templateKey.FindAllStringSubmatch(pattern, -1) {
		if m[1] != "#sub" {
			at.keys = append(at.keys, m[1])
		}
	}
	at.own = at.keys[len(at.keys)-1]
	// ARM type: provider namespace followed by the collection segments.
	if i := strings.LastIndex(pattern, "/providers/"); i >= 0 {
		segs := strings.Split(pattern[i+len("/providers/"):], "/")
		typeSegs := []string{segs[0]}
		for j := 1; j < len(segs); j += 2 {
			typeSegs = append(typeSegs, segs[j])
		}
		at.armType = strings.Join(typeSegs, "/")
	} else {
		at.armType = "Microsoft.Resources/resourceGroups"
	}
	return at
}

// azure simulates azure-native.
type azure struct {
	subscriptionID, tenantID string
	// apiServer, when set, says where a cluster's credentials point (see AKSAPIServer).
	apiServer func(resourceGroup, cluster string) (APIServer, error)
	// subnets remembers the address prefix of every subnet created or updated in this process,
	// by subnet ID, so the firewall gets the fourth address of AzureFirewallSubnet like in Azure.
	subnets map[string]string
	// loc remembers where resource groups and clusters are (see Outages).
	loc *locations
}

// NewAzureNative returns the simulated azure-native provider.
func NewAzureNative(opts ...Option) *Provider {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return &Provider{
		pkg: "azure-native", version: "2.90.0", nameOutput: true,
		b: &azure{subscriptionID: SimSubscriptionID, tenantID: SimTenantID, subnets: map[string]string{}, loc: newLocations(), apiServer: o.apiServer},
	}
}

func (a *azure) observe(c call, inputs resource.PropertyMap) { a.loc.observe(c, inputs) }

func (a *azure) regions(_ call, props resource.PropertyMap) []string { return a.loc.regionsOf(props) }

// invokeRegions places an invoke by the resource group it names.
func (a *azure) invokeRegions(_ string, args resource.PropertyMap) []string {
	if rg, ok := str(args, "resourceGroupName"); ok {
		return []string{a.loc.groups[strings.ToLower(rg)]}
	}
	return nil
}

// APIServer is a real Kubernetes API server (for example internal/kubelocal's) that the
// simulated AKS clusters' credentials can point at.
type APIServer struct {
	URL    string // https://host:port
	CAData []byte // PEM certificate of the CA that signed its serving certificate
}

// Option changes the simulated providers.
type Option func(*options)

type options struct {
	apiServer func(resourceGroup, cluster string) (APIServer, error)
}

// AKSAPIServer makes listManagedClusterUserCredentials answer, for every cluster, with a
// kubeconfig whose server and certificate authority are s's, instead of a made-up endpoint.
// The user is the same kubelogin exec user, so the program converts the kubeconfig unchanged
// and the Kubernetes provider runs `kubelogin get-token ...` against s.
func AKSAPIServer(s APIServer) Option {
	return AKSAPIServerFunc(func(string, string) (APIServer, error) { return s, nil })
}

// AKSAPIServerFunc is AKSAPIServer with an API server per cluster: f receives the cluster's
// resource group and name (for example to start a control plane for each cluster on first
// use); its error fails the invoke.
func AKSAPIServerFunc(f func(resourceGroup, cluster string) (APIServer, error)) Option {
	return func(o *options) { o.apiServer = f }
}

func (a *azure) configure(vars resource.PropertyMap) {
	if s, ok := str(vars, "subscriptionId"); ok && s != "" {
		a.subscriptionID = s
	}
	if s, ok := str(vars, "tenantId"); ok && s != "" {
		a.tenantID = s
	}
}

// autoname returns the name the simulator gives a resource whose program leaves it out: the
// real provider appends a random suffix, the simulator must stay stable across runs.
func autoname(c call, key string) string {
	if key == "roleAssignmentName" || key == "policyAssignmentName" {
		return guid(string(c.urn)) // these must be GUIDs
	}
	return c.name
}

func (a *azure) check(c call, olds, news resource.PropertyMap) (resource.PropertyMap, []string) {
	at := parseTemplate(c.typ)
	inputs := news.Copy()
	own := resource.PropertyKey(at.own)
	if v, ok := inputs[own]; !ok || v.IsNull() {
		if old, ok := olds[own]; ok && !old.IsNull() {
			inputs[own] = old
		} else {
			inputs[own] = resource.NewStringProperty(autoname(c, at.own))
		}
	}
	var failures []string
	for _, k := range at.keys {
		if v, ok := inputs[resource.PropertyKey(k)]; !ok || v.IsNull() {
			failures = append(failures, fmt.Sprintf("missing required property '%s'", k))
		}
	}
	return inputs, failures
}

func (a *azure) replaces(c call, key resource.PropertyKey) bool {
	if key == "location" || key == "resourceGroupName" {
		return true
	}
	for _, k := range parseTemplate(c.typ).keys {
		if string(key) == k {
			return true
		}
	}
	return false
}

// identify fills the type's ID template from the inputs. The ID is empty while a part is unknown;
// a missing part is an error.
func (a *azure) identify(c call, inputs resource.PropertyMap) (string, string, error) {
	at := parseTemplate(c.typ)
	name, _ := str(inputs, at.own)
	known := true
	var missing error
	id := templateKey.ReplaceAllStringFunc(at.pattern, func(m string) string {
		key := m[1 : len(m)-1]
		if key == "#sub" {
			return a.subscriptionID
		}
		v, found := lookup(inputs, key)
		switch {
		case found && v.IsString():
			return strings.TrimSuffix(v.StringValue(), "/")
		case found && isUnknown(v):
			known = false
		default:
			missing = fmt.Errorf("cannot build the ARM ID %s: input %q is missing", at.pattern, key)
		}
		return m
	})
	if missing != nil {
		return "", name, missing
	}
	if !known {
		return "", name, nil
	}
	return id, name, nil
}

// computed returns what Azure adds to a resource's inputs (see the package comment).
func (a *azure) computed(c call, id string, in resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	name, _ := str(in, parseTemplate(c.typ).own)
	location, _ := str(in, "location")
	h := seed(id)
	subResourceIDs(id, in, out)
	if t, ok := str(in, "identity", "type"); ok && strings.Contains(t, "SystemAssigned") {
		out["identity"] = obj("principalId", guid(id, "principal"), "tenantId", a.tenantID)
	}

	switch string(c.typ.Module().Name()) + ":" + string(c.typ.Name()) {
	case "network:Subnet":
		a.rememberSubnet(id, in)
	case "network:VirtualNetwork":
		if subnets, ok := lookup(in, "subnets"); ok && subnets.IsArray() {
			for i := range subnets.ArrayValue() {
				if n, ok := str(in, "subnets", i, "name"); ok {
					sub, _ := lookup(in, "subnets", i)
					a.rememberSubnet(id+"/subnets/"+n, sub.ObjectValue())
				}
			}
		}
	case "network:PublicIPAddress":
		out["ipAddress"] = resource.NewStringProperty(fmt.Sprintf("20.%d.%d.%d", byte(h>>16), byte(h>>8), 1+byte(h)%250))
		if label, ok := str(in, "dnsSettings", "domainNameLabel"); ok {
			out["dnsSettings"] = obj("fqdn", fmt.Sprintf("%s.%s.cloudapp.azure.com", label, location))
		}
	case "network:AzureFirewall":
		subnetID, _ := str(in, "ipConfigurations", 0, "subnet", "id")
		ip := a.firewallIP(subnetID, h)
		out["ipConfigurations"] = arrayWithFirst(out["ipConfigurations"], obj("privateIPAddress", ip))
		out["hubIPAddresses"] = obj("privateIPAddress", ip)
	case "managedidentity:UserAssignedIdentity":
		out["principalId"] = resource.NewStringProperty(guid(id, "principal"))
		out["clientId"] = resource.NewStringProperty(guid(id, "client"))
		out["tenantId"] = resource.NewStringProperty(a.tenantID)
	case "containerservice:ManagedCluster":
		a.clusterOutputs(id, name, location, in, out)
	case "keyvault:Vault":
		out["properties"] = obj("vaultUri", fmt.Sprintf("https://%s.vault.azure.net/", name))
	case "operationalinsights:Workspace":
		out["customerId"] = resource.NewStringProperty(guid(id, "customer"))
	case "containerregistry:Registry":
		out["loginServer"] = resource.NewStringProperty(strings.ToLower(name) + ".azurecr.io")
	case "cdn:Profile":
		out["frontDoorId"] = resource.NewStringProperty(guid(id, "frontdoor"))
	case "cdn:AFDEndpoint":
		out["hostName"] = resource.NewStringProperty(fmt.Sprintf("%s-%x.z01.azurefd.net", name, h>>8&0xffffffffffff))
	case "network:PrivateEndpoint":
		out["networkInterfaces"] = resource.NewArrayProperty([]resource.PropertyValue{
			obj("id", fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkInterfaces/%s.nic.%s",
				a.subscriptionID, rg(in), name, guid(id, "nic"))),
		})
	}
	return out
}

func (a *azure) clusterOutputs(id, name, location string, in, out resource.PropertyMap) {
	dnsPrefix, ok := str(in, "dnsPrefix")
	if !ok {
		dnsPrefix = name
	}
	h := seed(id)
	out["fqdn"] = resource.NewStringProperty(apiServerHost(dnsPrefix, id, location))
	// With a real API server behind the credentials, the cluster reports that server's host as
	// its fqdn, as AKS reports the host its kubeconfig names (the program checks the two agree).
	if a.apiServer != nil && id != "" {
		if s, err := a.apiServer(rg(in), name); err == nil {
			if u, err := url.Parse(s.URL); err == nil && u.Hostname() != "" {
				out["fqdn"] = resource.NewStringProperty(u.Hostname())
			}
		}
	}
	out["azurePortalFQDN"] = resource.NewStringProperty(fmt.Sprintf("%s-%08x.portal.hcp.%s.azmk8s.io", dnsPrefix, uint32(h), location))
	if private, _ := lookup(in, "apiServerAccessProfile", "enablePrivateCluster"); private.IsBool() && private.BoolValue() {
		out["privateFQDN"] = resource.NewStringProperty(fmt.Sprintf("%s-%08x.%s.privatelink.%s.azmk8s.io", dnsPrefix, uint32(h), guid(id, "pl"), location))
	}
	out["oidcIssuerProfile"] = obj("issuerURL", fmt.Sprintf("https://%s.oic.prod-aks.azure.com/%s/%s/", location, a.tenantID, guid(id, "oidc")))
	nodeRG, ok := str(in, "nodeResourceGroup")
	if !ok {
		nodeRG = fmt.Sprintf("MC_%s_%s_%s", rg(in), name, location)
		out["nodeResourceGroup"] = resource.NewStringProperty(nodeRG)
	}
	// The kubelet identity: the program's own (then its IDs match that identity's outputs) or
	// the one AKS creates in the node resource group.
	kubelet, ok := str(in, "identityProfile", "kubeletidentity", "resourceId")
	if !ok {
		kubelet = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s-agentpool",
			a.subscriptionID, nodeRG, name)
	}
	out["identityProfile"] = obj("kubeletidentity", obj(
		"clientId", guid(kubelet, "client"), "objectId", guid(kubelet, "principal"), "resourceId", kubelet))
	if v, ok := str(in, "kubernetesVersion"); ok {
		out["currentKubernetesVersion"] = resource.NewStringProperty(v)
	}
	out["powerState"] = obj("code", "Running")
	out["provisioningState"] = resource.NewStringProperty("Succeeded")
}

func (a *azure) rememberSubnet(id string, subnet resource.PropertyMap) {
	if p, ok := str(subnet, "addressPrefix"); ok {
		a.subnets[strings.ToLower(id)] = p
	} else if p, ok := str(subnet, "addressPrefixes", 0); ok {
		a.subnets[strings.ToLower(id)] = p
	}
}

// firewallIP is the fourth address of the firewall's subnet (Azure reserves the first three),
// or a stable made-up private address when the subnet is not known to this process.
func (a *azure) firewallIP(subnetID string, h uint64) string {
	if p, err := netip.ParsePrefix(a.subnets[strings.ToLower(subnetID)]); err == nil {
		ip := p.Masked().Addr()
		for range 4 {
			ip = ip.Next()
		}
		return ip.String()
	}
	return fmt.Sprintf("10.%d.%d.4", byte(h>>8), byte(h))
}

// subResourceIDs gives every named element of a top-level array input an ARM sub-resource ID,
// <id>/<collection>/<name>, as Azure does for subnets, IP configurations, gateway listeners...
func subResourceIDs(id string, in, out resource.PropertyMap) {
	for k, v := range in {
		v = unwrap(v)
		if !v.IsArray() {
			continue
		}
		var elems []resource.PropertyValue
		named := false
		for i := range v.ArrayValue() {
			n, ok := str(in, string(k), i, "name")
			if _, hasID := str(in, string(k), i, "id"); ok && !hasID {
				elems = append(elems, obj("id", id+"/"+string(k)+"/"+n))
				named = true
			} else {
				elems = append(elems, resource.NewNullProperty())
			}
		}
		if named {
			out[k] = resource.NewArrayProperty(elems)
		}
	}
}

// reshape turns identity.userAssignedIdentities from the input's list of IDs into the output's
// map of ID to {principalId, clientId}.
func (a *azure) reshape(_ call, outs resource.PropertyMap, preview bool) resource.PropertyMap {
	ids, ok := lookup(outs, "identity", "userAssignedIdentities")
	if !ok || !ids.IsArray() {
		return outs
	}
	identity := unwrap(outs["identity"]).ObjectValue().Copy()
	if preview || ids.ContainsUnknowns() {
		identity["userAssignedIdentities"] = unknown()
	} else {
		m := resource.PropertyMap{}
		for _, v := range ids.ArrayValue() {
			if v = unwrap(v); v.IsString() {
				m[resource.PropertyKey(v.StringValue())] = obj("principalId", guid(v.StringValue(), "principal"), "clientId", guid(v.StringValue(), "client"))
			}
		}
		identity["userAssignedIdentities"] = resource.NewObjectProperty(m)
	}
	outs["identity"] = resource.NewObjectProperty(identity)
	return outs
}

func (a *azure) invoke(tok string, args resource.PropertyMap) (resource.PropertyMap, error) {
	switch tok {
	case "azure-native:authorization:getClientConfig":
		return resource.PropertyMap{
			"clientId":       resource.NewStringProperty(SimClientID),
			"objectId":       resource.NewStringProperty(SimObjectID),
			"subscriptionId": resource.NewStringProperty(a.subscriptionID),
			"tenantId":       resource.NewStringProperty(a.tenantID),
		}, nil
	case "azure-native:resources:getResourceGroup":
		group, _ := str(args, "resourceGroupName")
		loc, ok := a.loc.groups[strings.ToLower(group)]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "Code=\"ResourceGroupNotFound\" Message=\"Resource group '%s' could not be found.\"", group)
		}
		return resource.PropertyMap{
			"id":       resource.NewStringProperty(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", a.subscriptionID, group)),
			"name":     resource.NewStringProperty(group),
			"location": resource.NewStringProperty(loc),
		}, nil
	case "azure-native:containerservice:listManagedClusterUserCredentials":
		// Admin credentials are not simulated: with local accounts disabled, AKS refuses them.
		group, ok1 := str(args, "resourceGroupName")
		cluster, ok2 := str(args, "resourceName")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s needs resourceGroupName and resourceName", tok)
		}
		const user = "clusterUser"
		kc, err := a.kubeconfig(group, cluster, user)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tok, err)
		}
		return resource.PropertyMap{"kubeconfigs": resource.NewArrayProperty([]resource.PropertyValue{
			obj("name", user, "value", base64.StdEncoding.EncodeToString([]byte(kc))),
		})}, nil
	}
	return nil, fmt.Errorf("invoke %s is not simulated; add it to internal/simprovider/azure.go", tok)
}

// kubeconfig is what AKS returns for an Entra ID-enabled cluster: the user authenticates with the
// kubelogin exec plugin (device code login until the program converts it). Its server is the
// cluster's fqdn output, or the real API server of AKSAPIServer; it depends only on the
// cluster's inputs, so repeated runs see the same provider configuration.
func (a *azure) kubeconfig(group, cluster, user string) (string, error) {
	info := a.loc.clusters[strings.ToLower(group+"/"+cluster)]
	if info.dnsPrefix == "" {
		info = clusterInfo{dnsPrefix: strings.ToLower(cluster), location: "unknown"}
	}
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/%s", a.subscriptionID, group, cluster)
	server := "https://" + apiServerHost(info.dnsPrefix, id, info.location) + ":443"
	ctxName := cluster
	authUser := fmt.Sprintf("%s_%s_%s", user, group, cluster)
	ca := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nU0lNVUxBVEVE\n-----END CERTIFICATE-----\n"))
	if a.apiServer != nil {
		s, err := a.apiServer(group, cluster)
		if err != nil {
			return "", err
		}
		server, ca = s.URL, base64.StdEncoding.EncodeToString(s.CAData)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: %s
    server: %s
  name: %s
contexts:
- context:
    cluster: %s
    user: %s
  name: %s
current-context: %s
users:
- name: %s
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --login
      - devicecode
      - --server-id
      - %s
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - %s
      - --environment
      - AzurePublicCloud
      command: kubelogin
      env: null
      installHint: |

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://aka.ms/aks/kubelogin
      interactiveMode: IfAvailable
      provideClusterInfo: false
`, ca, server, cluster, cluster, authUser, ctxName, ctxName, authUser, AKSServerAppID, a.tenantID), nil
}

// obj builds an object property from alternating keys and values (strings or PropertyValues).
func obj(kv ...any) resource.PropertyValue {
	m := resource.PropertyMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			m[resource.PropertyKey(kv[i].(string))] = resource.NewStringProperty(v)
		case resource.PropertyValue:
			m[resource.PropertyKey(kv[i].(string))] = v
		default:
			panic(fmt.Sprintf("simprovider: obj value %T", v))
		}
	}
	return resource.NewObjectProperty(m)
}

// arrayWithFirst merges v into element 0 of an overlay array (creating it if needed).
func arrayWithFirst(arr, v resource.PropertyValue) resource.PropertyValue {
	if !arr.IsArray() || len(arr.ArrayValue()) == 0 {
		return resource.NewArrayProperty([]resource.PropertyValue{v})
	}
	elems := append([]resource.PropertyValue(nil), arr.ArrayValue()...)
	if elems[0].IsObject() {
		first := elems[0].ObjectValue().Copy()
		for k, x := range v.ObjectValue() {
			first[k] = x
		}
		v = resource.NewObjectProperty(first)
	}
	elems[0] = v
	return resource.NewArrayProperty(elems)
}

func rg(in resource.PropertyMap) string {
	s, _ := str(in, "resourceGroupName")
	return s
}
