package simprovider

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	originURN = "urn:pulumi:primary::aks-dr::aks-dr:global:FrontDoor$azure-native:cdn:AFDOrigin::origin"
	pipURN    = "urn:pulumi:primary::aks-dr::azure-native:network:PublicIPAddress::pip"
	rgURN     = "urn:pulumi:primary::aks-dr::azure-native:resources:ResourceGroup::rg"
)

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := marshal("test", resource.NewPropertyMapFromMap(m))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fromStruct(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := unmarshal("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func originInputs(priority int) map[string]any {
	return map[string]any{
		"resourceGroupName": "rg-global", "profileName": "afd-x", "originGroupName": "og-x",
		"originName": "origin-eus2", "hostName": "app.eastus2.cloudapp.azure.com", "priority": priority, "weight": 1000,
	}
}

func TestCheckEchoesInputsAndNamesUnnamedResources(t *testing.T) {
	p := NewAzureNative()
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: rgURN, News: props(t, map[string]any{"location": "eastus2"})})
	if err != nil {
		t.Fatal(err)
	}
	got := fromStruct(t, resp.Inputs)
	if got["location"].StringValue() != "eastus2" || got["resourceGroupName"].StringValue() != "rg" {
		t.Fatalf("inputs = %v, want location echoed and resourceGroupName autonamed", got)
	}
	if len(resp.Failures) != 0 {
		t.Fatalf("failures = %v", resp.Failures)
	}

	in := originInputs(1)
	delete(in, "profileName")
	resp, err = p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: originURN, News: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Failures) != 1 || !strings.Contains(resp.Failures[0].Reason, "profileName") {
		t.Fatalf("failures = %v, want one about profileName", resp.Failures)
	}
}

func TestDiffReportsChangedKeysAndReplacements(t *testing.T) {
	p := NewAzureNative()
	ctx := context.Background()
	same, err := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: originURN, OldInputs: props(t, originInputs(1)), News: props(t, originInputs(1))})
	if err != nil {
		t.Fatal(err)
	}
	if same.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("equal inputs: changes = %v, diffs %v", same.Changes, same.Diffs)
	}

	swap, err := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: originURN, OldInputs: props(t, originInputs(1)), News: props(t, originInputs(2))})
	if err != nil {
		t.Fatal(err)
	}
	if swap.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(swap.Diffs, ",") != "priority" || len(swap.Replaces) != 0 {
		t.Fatalf("priority swap: changes %v diffs %v replaces %v", swap.Changes, swap.Diffs, swap.Replaces)
	}
	if k := swap.DetailedDiff["priority"].GetKind(); k != pulumirpc.PropertyDiff_UPDATE {
		t.Fatalf("priority diff kind = %v", k)
	}

	moved := originInputs(1)
	moved["originName"] = "origin-cus"
	repl, err := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: originURN, OldInputs: props(t, originInputs(1)), News: props(t, moved)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(repl.Replaces, ",") != "originName" || !repl.DeleteBeforeReplace {
		t.Fatalf("rename: replaces %v dbr %v", repl.Replaces, repl.DeleteBeforeReplace)
	}
	if k := repl.DetailedDiff["originName"].GetKind(); k != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Fatalf("originName diff kind = %v", k)
	}

	pip := map[string]any{"resourceGroupName": "rg", "publicIpAddressName": "pip", "location": "eastus2"}
	pip2 := map[string]any{"resourceGroupName": "rg", "publicIpAddressName": "pip", "location": "centralus"}
	loc, err := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: pipURN, OldInputs: props(t, pip), News: props(t, pip2)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(loc.Replaces, ",") != "location" {
		t.Fatalf("location change: replaces %v", loc.Replaces)
	}

	unknownNews := resource.PropertyMap{"resourceGroupName": resource.NewStringProperty("rg"), "publicIpAddressName": resource.NewStringProperty("pip"), "location": unknown()}
	s, err := marshal("t", unknownNews)
	if err != nil {
		t.Fatal(err)
	}
	unk, err := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: pipURN, OldInputs: props(t, pip), News: s})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(unk.Diffs, ",") != "location" {
		t.Fatalf("unknown location: diffs %v", unk.Diffs)
	}
}

func TestCreatePreviewHasUnknownComputedOutputsAndUpHasValues(t *testing.T) {
	p := NewAzureNative()
	ctx := context.Background()
	in := map[string]any{
		"resourceGroupName": "rg-eus2", "publicIpAddressName": "pip-fw", "location": "eastus2",
		"dnsSettings": map[string]any{"domainNameLabel": "app-eus2"},
	}
	prev, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: pipURN, Properties: props(t, in), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	out := fromStruct(t, prev.Properties)
	if prev.Id != "" || !out["id"].IsComputed() || !out["ipAddress"].IsComputed() {
		t.Fatalf("preview: id %q outputs %v, want unknown id and ipAddress", prev.Id, out)
	}
	if fqdn, _ := lookup(out, "dnsSettings", "fqdn"); !fqdn.IsComputed() {
		t.Fatalf("preview: dnsSettings.fqdn = %v, want unknown", fqdn)
	}
	if out["name"].StringValue() != "pip-fw" || out["location"].StringValue() != "eastus2" {
		t.Fatalf("preview: inputs not echoed: %v", out)
	}

	up, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: pipURN, Properties: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	out = fromStruct(t, up.Properties)
	wantID := "/subscriptions/" + SimSubscriptionID + "/resourceGroups/rg-eus2/providers/Microsoft.Network/publicIPAddresses/pip-fw"
	if up.Id != wantID || out["id"].StringValue() != wantID {
		t.Fatalf("up: id %q / %v, want %q", up.Id, out["id"], wantID)
	}
	if fqdn, _ := str(out, "dnsSettings", "fqdn"); fqdn != "app-eus2.eastus2.cloudapp.azure.com" {
		t.Fatalf("up: fqdn %q", fqdn)
	}
	if ip, _ := str(out, "ipAddress"); !strings.HasPrefix(ip, "20.") {
		t.Fatalf("up: ipAddress %q", ip)
	}
	again, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: pipURN, Properties: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	if !fromStruct(t, again.Properties).DeepEquals(out) {
		t.Fatal("up: outputs are not stable across runs")
	}
	if s := p.Stats(); s.Creates != 2 || s.PreviewCreates != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestFirewallGetsFourthAddressOfItsSubnet(t *testing.T) {
	p := NewAzureNative()
	ctx := context.Background()
	vnet := map[string]any{
		"resourceGroupName": "rg", "virtualNetworkName": "vnet-hub", "location": "eastus2",
		"subnets": []any{map[string]any{"name": "AzureFirewallSubnet", "addressPrefix": "10.1.0.0/26"}},
	}
	vr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: "urn:pulumi:s::p::azure-native:network:VirtualNetwork::hub", Properties: props(t, vnet)})
	if err != nil {
		t.Fatal(err)
	}
	subnetID, _ := str(fromStruct(t, vr.Properties), "subnets", 0, "id")
	if !strings.HasSuffix(subnetID, "/virtualNetworks/vnet-hub/subnets/AzureFirewallSubnet") {
		t.Fatalf("subnet id %q", subnetID)
	}
	fw := map[string]any{
		"resourceGroupName": "rg", "azureFirewallName": "afw", "location": "eastus2",
		"ipConfigurations": []any{map[string]any{"name": "ipconfig", "subnet": map[string]any{"id": subnetID}}},
	}
	fr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: "urn:pulumi:s::p::azure-native:network:AzureFirewall::fw", Properties: props(t, fw)})
	if err != nil {
		t.Fatal(err)
	}
	if ip, _ := str(fromStruct(t, fr.Properties), "ipConfigurations", 0, "privateIPAddress"); ip != "10.1.0.4" {
		t.Fatalf("firewall private IP = %q, want 10.1.0.4", ip)
	}
}

func TestUpdateKeepsComputedOutputs(t *testing.T) {
	p := NewAzureNative()
	ctx := context.Background()
	urn := "urn:pulumi:s::p::azure-native:managedidentity:UserAssignedIdentity::id"
	in := map[string]any{"resourceGroupName": "rg", "resourceName": "id-x", "location": "eastus2"}
	cr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	old := fromStruct(t, cr.Properties)
	old["principalId"] = resource.NewStringProperty("kept-from-create")
	olds, err := marshal("t", old)
	if err != nil {
		t.Fatal(err)
	}
	in["tags"] = map[string]any{"env": "dr"}
	for _, preview := range []bool{true, false} {
		ur, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Id: cr.Id, Olds: olds, News: props(t, in), Preview: preview})
		if err != nil {
			t.Fatal(err)
		}
		out := fromStruct(t, ur.Properties)
		if pid, _ := str(out, "principalId"); pid != "kept-from-create" {
			t.Fatalf("preview=%v: principalId %q, want the old value", preview, pid)
		}
		if tag, _ := str(out, "tags", "env"); tag != "dr" || out["id"].StringValue() != cr.Id {
			t.Fatalf("preview=%v: outputs %v", preview, out)
		}
	}
}

func TestInvokes(t *testing.T) {
	p := NewAzureNative()
	ctx := context.Background()
	cc, err := p.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "azure-native:authorization:getClientConfig", Args: props(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	got := fromStruct(t, cc.Return)
	for _, k := range []resource.PropertyKey{"clientId", "objectId", "subscriptionId", "tenantId"} {
		if !got[k].IsString() || got[k].StringValue() == "" {
			t.Fatalf("getClientConfig: %s missing in %v", k, got)
		}
	}

	args := map[string]any{"resourceGroupName": "rg-eus2", "resourceName": "aks-eus2", "format": "exec"}
	kr, err := p.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials", Args: props(t, args), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	ret := fromStruct(t, kr.Return)
	name, _ := str(ret, "kubeconfigs", 0, "name")
	value, _ := str(ret, "kubeconfigs", 0, "value")
	kc, err := base64.StdEncoding.DecodeString(value)
	if err != nil || name != "clusterUser" {
		t.Fatalf("kubeconfigs[0] = %q / %v", name, err)
	}
	for _, want := range []string{"command: kubelogin", "- devicecode", "- --server-id\n      - " + AKSServerAppID, "server: https://aks-eus2-"} {
		if !strings.Contains(string(kc), want) {
			t.Fatalf("kubeconfig lacks %q:\n%s", want, kc)
		}
	}
	kr2, err := p.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials", Args: props(t, args)})
	if err != nil || !fromStruct(t, kr2.Return).DeepEquals(ret) {
		t.Fatalf("kubeconfig not stable: %v", err)
	}

	_, err = p.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "azure-native:network:getVirtualNetwork", Args: props(t, nil)})
	if status.Code(err) != codes.Unimplemented || !strings.Contains(err.Error(), "getVirtualNetwork") {
		t.Fatalf("unknown invoke: err = %v", err)
	}
}

func TestKubernetesServiceGetsLoadBalancerStatus(t *testing.T) {
	p := NewKubernetes()
	ctx := context.Background()
	urn := "urn:pulumi:s::p::kubernetes:core/v1:Service::web"
	in := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"namespace": "app"},
		"spec":     map[string]any{"type": "LoadBalancer", "loadBalancerIP": "10.2.1.250"},
	}
	ck, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, News: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	cr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: ck.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	out := fromStruct(t, cr.Properties)
	if ip, _ := str(out, "status", "loadBalancer", "ingress", 0, "ip"); ip != "10.2.1.250" || cr.Id != "app/web" {
		t.Fatalf("service: id %q ip %q", cr.Id, ip)
	}
	if _, has := out["name"]; has {
		t.Fatal("kubernetes outputs must not grow a top-level name")
	}
}

func TestServeSpeaksGRPC(t *testing.T) {
	r, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if env := r.DebugProviders(); !strings.HasPrefix(env, "azure-native:") || !strings.Contains(env, ",kubernetes:") {
		t.Fatalf("DebugProviders = %q", env)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(r.Ports["azure-native"]), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	info, err := pulumirpc.NewResourceProviderClient(conn).GetPluginInfo(t.Context(), &emptypb.Empty{})
	if err != nil || info.Version == "" {
		t.Fatalf("GetPluginInfo = %v, %v", info, err)
	}
}

func TestClusterOutputsFillWhatTheProgramLeavesOut(t *testing.T) {
	p := NewAzureNative()
	kubelet := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-kubelet"
	in := map[string]any{
		"resourceGroupName": "rg-eus2", "resourceName": "aks-eus2", "location": "eastus2", "dnsPrefix": "aksdr",
		"nodeResourceGroup": "rg-eus2-nodes",
		"oidcIssuerProfile": map[string]any{"enabled": true},
		"identityProfile":   map[string]any{"kubeletidentity": map[string]any{"resourceId": kubelet, "clientId": "explicit"}},
	}
	cr, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: "urn:pulumi:s::p::azure-native:containerservice:ManagedCluster::aks", Properties: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	out := fromStruct(t, cr.Properties)
	checks := map[string][]any{
		"explicit":      {"identityProfile", "kubeletidentity", "clientId"},
		kubelet:         {"identityProfile", "kubeletidentity", "resourceId"},
		"rg-eus2-nodes": {"nodeResourceGroup"},
	}
	for want, path := range checks {
		if got, _ := str(out, path...); got != want {
			t.Fatalf("%v = %q, want %q", path, got, want)
		}
	}
	if got, _ := str(out, "identityProfile", "kubeletidentity", "objectId"); got != guid(kubelet, "principal") {
		t.Fatalf("kubelet objectId %q does not match the identity's principalId", got)
	}
	if u, _ := str(out, "oidcIssuerProfile", "issuerURL"); !strings.HasPrefix(u, "https://eastus2.oic.prod-aks.azure.com/") {
		t.Fatalf("issuerURL %q", u)
	}
	if f, _ := str(out, "fqdn"); !strings.HasPrefix(f, "aksdr-") || !strings.HasSuffix(f, ".hcp.eastus2.azmk8s.io") {
		t.Fatalf("fqdn %q", f)
	}
}

func TestAKSAPIServerPointsTheCredentialsAtIt(t *testing.T) {
	ca := []byte("-----BEGIN CERTIFICATE-----\nTE9DQUw=\n-----END CERTIFICATE-----\n")
	p := NewAzureNative(AKSAPIServer(APIServer{URL: "https://127.0.0.1:6443", CAData: ca}))
	args := map[string]any{"resourceGroupName": "rg-eus2", "resourceName": "aks-eus2", "format": "exec"}
	kr, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials", Args: props(t, args)})
	if err != nil {
		t.Fatal(err)
	}
	value, _ := str(fromStruct(t, kr.Return), "kubeconfigs", 0, "value")
	kc, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"server: https://127.0.0.1:6443\n",
		"certificate-authority-data: " + base64.StdEncoding.EncodeToString(ca) + "\n",
		"command: kubelogin", "- devicecode", "- --server-id\n      - " + AKSServerAppID,
	} {
		if !strings.Contains(string(kc), want) {
			t.Fatalf("kubeconfig lacks %q:\n%s", want, kc)
		}
	}
}

func TestAKSAPIServerFuncChoosesPerClusterAndFailsTheInvoke(t *testing.T) {
	p := NewAzureNative(AKSAPIServerFunc(func(group, cluster string) (APIServer, error) {
		if cluster == "aks-broken" {
			return APIServer{}, errors.New("no control plane for aks-broken")
		}
		return APIServer{URL: "https://127.0.0.1:1" + strconv.Itoa(len(group+cluster)), CAData: []byte("CA")}, nil
	}))
	invoke := func(cluster string) (string, error) {
		args := map[string]any{"resourceGroupName": "rg", "resourceName": cluster, "format": "exec"}
		kr, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials", Args: props(t, args)})
		if err != nil {
			return "", err
		}
		value, _ := str(fromStruct(t, kr.Return), "kubeconfigs", 0, "value")
		kc, err := base64.StdEncoding.DecodeString(value)
		return string(kc), err
	}
	for cluster, want := range map[string]string{"aks-eus2": "https://127.0.0.1:110", "aks-centralus": "https://127.0.0.1:115"} {
		kc, err := invoke(cluster)
		if err != nil || !strings.Contains(kc, "server: "+want+"\n") {
			t.Fatalf("%s: %v\n%s", cluster, err, kc)
		}
	}
	if _, err := invoke("aks-broken"); err == nil || !strings.Contains(err.Error(), "no control plane for aks-broken") {
		t.Fatalf("aks-broken: err = %v", err)
	}
}
