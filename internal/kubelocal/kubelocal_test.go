package kubelocal

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
	"gopkg.in/yaml.v3"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/internal/simprovider"
)

// execArgs returns the exec plugin arguments of the first user of a kubeconfig.
func execArgs(t *testing.T, kubeconfig string) []string {
	t.Helper()
	var doc struct {
		Users []struct {
			User struct {
				Exec struct {
					Command string   `yaml:"command"`
					Args    []string `yaml:"args"`
				} `yaml:"exec"`
			} `yaml:"user"`
		} `yaml:"users"`
	}
	if err := yaml.Unmarshal([]byte(kubeconfig), &doc); err != nil || len(doc.Users) == 0 {
		t.Fatalf("kubeconfig: %v\n%s", err, kubeconfig)
	}
	if c := doc.Users[0].User.Exec.Command; c != "kubelogin" {
		t.Fatalf("exec command = %q", c)
	}
	return doc.Users[0].User.Exec.Args
}

// akskubeconfig is what the simulated AKS returns, as the program receives it.
func aksKubeconfig(t *testing.T) string {
	t.Helper()
	ca := []byte("-----BEGIN CERTIFICATE-----\nTE9DQUw=\n-----END CERTIFICATE-----\n")
	p := simprovider.NewAzureNative(simprovider.AKSAPIServer(simprovider.APIServer{URL: "https://127.0.0.1:6443", CAData: ca}))
	args, err := structpb.NewStruct(map[string]any{"resourceGroupName": "rg", "resourceName": "aks", "format": "exec"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Invoke(t.Context(), invokeRequest("azure-native:containerservice:listManagedClusterUserCredentials", args))
	if err != nil {
		t.Fatal(err)
	}
	value := resp.GetReturn().GetFields()["kubeconfigs"].GetListValue().GetValues()[0].GetStructValue().GetFields()["value"].GetStringValue()
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestKubeloginStandInServesTheConvertedKubeconfigOnly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stand-in is a POSIX shell script used on Linux")
	}
	dir := t.TempDir()
	if err := writeKubelogin(dir, "tok3n"); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "kubelogin")
	raw := aksKubeconfig(t)

	// As AKS returns it: device-code login, refused.
	out, err := exec.Command(bin, execArgs(t, raw)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--login 'devicecode' is not a non-interactive mode") {
		t.Fatalf("unconverted kubeconfig: err = %v, output:\n%s", err, out)
	}

	// As the program converts it: an ExecCredential with the token.
	for _, mode := range []string{components.KubeLoginAzureCLI, components.KubeLoginWorkloadIdentity} {
		converted, err := components.ConvertKubeconfig([]byte(raw), mode)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, execArgs(t, converted)...).Output()
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var cred struct {
			APIVersion, Kind string
			Status           struct{ Token string }
		}
		if err := json.Unmarshal(out, &cred); err != nil {
			t.Fatalf("%s: %v: %s", mode, err, out)
		}
		if cred.APIVersion != "client.authentication.k8s.io/v1beta1" || cred.Kind != "ExecCredential" || cred.Status.Token != "tok3n" {
			t.Fatalf("%s: credential = %+v", mode, cred)
		}
	}

	out, err = exec.Command(bin, "get-token", "--login", "azurecli", "--server-id", "another-app").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is not the AKS server application") {
		t.Fatalf("wrong server ID: err = %v, output:\n%s", err, out)
	}
}

func TestSkipAwaitAnnotatesCheckedInputs(t *testing.T) {
	const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	cases := map[string]struct {
		in   map[string]any
		want any // metadata.annotations afterwards; nil: inputs unchanged
	}{
		"no annotations": {
			in:   map[string]any{"metadata": map[string]any{"name": "web"}},
			want: map[string]any{SkipAwaitAnnotation: "true", DeletionPropagationAnnotation: "background"},
		},
		"null annotations": {
			in:   map[string]any{"metadata": map[string]any{"annotations": nil}},
			want: map[string]any{SkipAwaitAnnotation: "true", DeletionPropagationAnnotation: "background"},
		},
		"other annotations kept": {
			in:   map[string]any{"metadata": map[string]any{"annotations": map[string]any{"a": "b"}}},
			want: map[string]any{"a": "b", SkipAwaitAnnotation: "true", DeletionPropagationAnnotation: "background"},
		},
		"unknown metadata": {in: map[string]any{"metadata": unknown}},
		"unknown annotations": {
			in:   map[string]any{"metadata": map[string]any{"annotations": unknown}},
			want: unknown,
		},
		"secret annotations": {
			in: map[string]any{"metadata": map[string]any{"annotations": map[string]any{
				sigKey: secretSig, "value": map[string]any{"a": "b"}}}},
			want: map[string]any{sigKey: secretSig, "value": map[string]any{"a": "b"}},
		},
		"no metadata": {in: map[string]any{"kind": "Namespace"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := structpb.NewStruct(c.in)
			if err != nil {
				t.Fatal(err)
			}
			skipAwait(s)
			got := s.AsMap()
			if c.want == nil {
				if want, _ := json.Marshal(c.in); string(mustJSON(t, got)) != string(want) {
					t.Fatalf("changed: %s", mustJSON(t, got))
				}
				return
			}
			ann := got["metadata"].(map[string]any)["annotations"]
			if string(mustJSON(t, ann)) != string(mustJSON(t, c.want)) {
				t.Fatalf("annotations = %s, want %s", mustJSON(t, ann), mustJSON(t, c.want))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDebugProvidersReplacesTheKubernetesEntry(t *testing.T) {
	for in, want := range map[string]string{
		"azure-native:1,kubernetes:2": "azure-native:1,kubernetes:9",
		"azure-native:1":              "azure-native:1,kubernetes:9",
		"":                            "kubernetes:9",
	} {
		if got := DebugProviders(in, 9); got != want {
			t.Errorf("DebugProviders(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResourcePath(t *testing.T) {
	for _, c := range []struct{ apiVersion, kind, ns, want string }{
		{"v1", "Namespace", "", "/api/v1/namespaces"},
		{"v1", "Pod", "web", "/api/v1/namespaces/web/pods"},
		{"apps/v1", "Deployment", "web", "/apis/apps/v1/namespaces/web/deployments"},
		{"networking.k8s.io/v1", "NetworkPolicy", "web", "/apis/networking.k8s.io/v1/namespaces/web/networkpolicies"},
		{"networking.k8s.io/v1", "Ingress", "web", "/apis/networking.k8s.io/v1/namespaces/web/ingresses"},
		{"policy/v1", "PodDisruptionBudget", "web", "/apis/policy/v1/namespaces/web/poddisruptionbudgets"},
	} {
		got, err := resourcePath(c.apiVersion, c.kind, c.ns)
		if err != nil || got != c.want {
			t.Errorf("resourcePath(%s, %s, %s) = %q, %v; want %q", c.apiVersion, c.kind, c.ns, got, err, c.want)
		}
	}
	if _, err := resourcePath("apps/v1", "Deployment", ""); err == nil {
		t.Error("a namespaced kind without a namespace: no error")
	}
}

func TestPodFromTemplate(t *testing.T) {
	tmpl := map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}},
	}
	pod := PodFromTemplate("ns", "web-dry-run", tmpl)
	meta := pod["metadata"].(map[string]any)
	if pod["kind"] != "Pod" || pod["apiVersion"] != "v1" || meta["name"] != "web-dry-run" || meta["namespace"] != "ns" ||
		meta["labels"].(map[string]any)["app"] != "web" || pod["spec"] == nil {
		t.Fatalf("pod = %v", pod)
	}
	if _, ok := tmpl["metadata"].(map[string]any)["name"]; ok {
		t.Fatal("the template was modified")
	}
}

func TestServingCertificateIsForLoopbackAndSignedByTheCA(t *testing.T) {
	p, err := newPKI()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.caPEM) {
		t.Fatal("CA PEM")
	}
	block, _ := pem.Decode(p.servingPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
}

func invokeRequest(tok string, args *structpb.Struct) *pulumirpc.InvokeRequest {
	return &pulumirpc.InvokeRequest{Tok: tok, Args: args}
}

func TestPodNameStaysAValidName(t *testing.T) {
	if got := podName("web"); got != "web-pod-security" {
		t.Fatalf("podName(web) = %q", got)
	}
	long := strings.Repeat("a", 199) + "-" + strings.Repeat("b", 50)
	if got := podName(long); len(got) > 253 || strings.Contains(got, "--") {
		t.Fatalf("podName(long) = %q (%d)", got, len(got))
	}
}

func TestStateDirIdentityIsStable(t *testing.T) {
	dir := t.TempDir()
	tok1, err := loadOrCreateToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := loadOrCreateToken(dir)
	if err != nil || tok1 != tok2 || len(tok1) < 32 {
		t.Fatalf("token %q then %q (%v)", tok1, tok2, err)
	}
	p1, err := loadOrCreatePKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := loadOrCreatePKI(dir)
	if err != nil || string(p1.caPEM) != string(p2.caPEM) || string(p1.servingPEM) != string(p2.servingPEM) {
		t.Fatalf("the certificates changed between loads (%v)", err)
	}
	if a, b, c := savedPorts(dir); a != 0 || b != 0 || c != 0 {
		t.Fatalf("ports before any were saved: %d %d %d", a, b, c)
	}
	if err := savePorts(dir, 1, 2, 3); err != nil {
		t.Fatal(err)
	}
	if a, b, c := savedPorts(dir); a != 1 || b != 2 || c != 3 {
		t.Fatalf("saved ports: %d %d %d", a, b, c)
	}
	if got := clusterDirName("rg-eus2", "aks/x y"); got != "rg-eus2_aks_x_y" {
		t.Fatalf("clusterDirName = %q", got)
	}
}

func TestLockFileSerialises(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the lock is a no-op off Linux")
	}
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := lockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	acquired := make(chan func())
	go func() {
		second, err := lockFile(path)
		if err != nil {
			t.Error(err)
			second = func() {}
		}
		acquired <- second
	}()
	select {
	case second := <-acquired:
		second()
		t.Fatal("a second lock was granted while the first was held")
	default:
	}
	unlock()
	(<-acquired)()
}
