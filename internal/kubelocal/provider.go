package kubelocal

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/aks-dr/aks-dr/internal/simprovider"
)

// providerStartTimeout bounds how long the provider process may take to print its port.
const providerStartTimeout = time.Minute

// StartProvider starts the real Kubernetes provider for ONE engine operation (preview, up,
// refresh, destroy: the provider cancels its context when the operation ends, so it cannot
// serve the next one) and returns the port to attach the engine to, PULUMI_DEBUG_PROVIDERS
// "kubernetes:PORT" (see DebugProviders), and a func that stops it. Call stop once the
// operation has returned; Stop stops any provider still running.
//
// The provider is not tied to a control plane: the kubeconfig the program gives it says which
// API server to reach, so one started from a Clusters serves every cluster of that Clusters.
//
// The provider process has the kubelogin stand-in first on its PATH, and as its default
// kubeconfig an empty one, so it reaches this control plane only through the kubeconfig the
// program gives it. The port is that of a proxy in this process that forwards every call and
// adds the skipAwait annotation to the checked inputs (see skipAwait). Its log is
// provider-N.log in Dir.
func (h *host) StartProvider(ctx context.Context) (port int, stop func(), err error) {
	started := time.Now()
	h.mu.Lock()
	h.providers++
	n := h.providers
	h.mu.Unlock()
	env := append(os.Environ(),
		"PATH="+h.KubeloginDir()+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+h.path("empty-kubeconfig"),
	)
	r, w, err := os.Pipe()
	if err != nil {
		return 0, nil, err
	}
	p, err := h.spawn("pulumi-resource-kubernetes", h.path(fmt.Sprintf("provider-%d.log", n)), env, w, h.bins.Provider)
	w.Close()
	if err != nil {
		r.Close()
		return 0, nil, err
	}
	// The provider prints its gRPC port on its first line of standard output.
	ports := make(chan string, 1)
	go func() {
		defer r.Close()
		s := bufio.NewScanner(r)
		if s.Scan() {
			ports <- strings.TrimSpace(s.Text())
		}
		close(ports)
		for s.Scan() { // keep draining, so the provider never blocks on a full pipe
		}
	}()
	var line string
	timer := time.NewTimer(providerStartTimeout)
	defer timer.Stop()
	select {
	case line = <-ports:
	case <-timer.C:
	case <-ctx.Done():
	}
	target, err := strconv.Atoi(line)
	if err != nil {
		p.stop()
		return 0, nil, p.failure(fmt.Sprintf("did not print its port (got %q)", line))
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", target),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(400<<20), grpc.MaxCallSendMsgSize(400<<20)))
	if err != nil {
		p.stop()
		return 0, nil, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		conn.Close()
		p.stop()
		return 0, nil, err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(400<<20), grpc.MaxSendMsgSize(400<<20))
	pulumirpc.RegisterResourceProviderServer(srv, &awaitSkipper{client: pulumirpc.NewResourceProviderClient(conn)})
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	stop = func() {
		srv.Stop()
		<-served
		conn.Close()
		p.stop()
	}
	port = lis.Addr().(*net.TCPAddr).Port
	fmt.Fprintf(h.log, "kubelocal: provider %d serving on 127.0.0.1:%d (started in %s)\n", n, port, time.Since(started).Round(10*time.Millisecond))
	return port, stop, nil
}

// WithProvider runs one engine operation, op, against a provider process of its own: it starts
// the provider, sets the workspace's PULUMI_DEBUG_PROVIDERS to debugProviders (the simulated
// azure-native entry, say) with the kubernetes entry pointing at it, runs op, and stops the
// provider. For example:
//
//	err := cp.WithProvider(ctx, stack.Workspace(), sims.DebugProviders(), func() error {
//		_, err := stack.Up(ctx)
//		return err
//	})
func (h *host) WithProvider(ctx context.Context, ws auto.Workspace, debugProviders string, op func() error) error {
	port, stop, err := h.StartProvider(ctx)
	if err != nil {
		return err
	}
	defer stop()
	ws.SetEnvVar("PULUMI_DEBUG_PROVIDERS", DebugProviders(debugProviders, port))
	return op()
}

// AKSAPIServer is the simprovider option that makes the simulated AKS clusters' credentials
// point at this control plane: simprovider.Start(ctx, cp.AKSAPIServer()).
func (c *ControlPlane) AKSAPIServer() simprovider.Option {
	return simprovider.AKSAPIServer(simprovider.APIServer{URL: c.URL, CAData: c.CAData})
}

// DebugProviders returns a PULUMI_DEBUG_PROVIDERS value ("pkg:port,...") with the kubernetes
// entry set to port: value with its kubernetes entry, if any, replaced.
func DebugProviders(value string, port int) string {
	parts := []string{fmt.Sprintf("kubernetes:%d", port)}
	for _, p := range strings.Split(value, ",") {
		if p = strings.TrimSpace(p); p != "" && !strings.HasPrefix(p, "kubernetes:") {
			parts = append(parts, p)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// SkipAwaitAnnotation is the provider's annotation that turns its await logic off for one object
// (pulumi-kubernetes provider/pkg/metadata/annotations.go, AnnotationSkipAwait).
const SkipAwaitAnnotation = "pulumi.com/skipAwait"

// DeletionPropagationAnnotation is the provider's annotation that chooses how an object is
// deleted (AnnotationDeletionPropagation; Foreground by default, provider/pkg/metadata/
// overrides.go, DeletionPropagation).
const DeletionPropagationAnnotation = "pulumi.com/deletionPropagationPolicy"

// harnessAnnotations are what awaitSkipper adds to every object's checked inputs.
var harnessAnnotations = map[string]string{
	SkipAwaitAnnotation:           "true",
	DeletionPropagationAnnotation: "background",
}

// awaitSkipper forwards every call to the real provider, and adds harnessAnnotations to the
// inputs that Check returns, which the engine then stores and passes to Diff, Create, Update,
// Read and Delete.
//
// Why: after creating or updating an object the provider waits until it is ready, and for a
// Deployment that means its new ReplicaSet's pods are available, for a Service of type
// LoadBalancer that it has an address, for a Namespace deletion that it is gone: work of the
// controller manager, scheduler, kubelets and cloud provider, none of which run here, so the
// wait would end in a timeout after 10 minutes. The provider offers no provider-wide switch:
// in provider/pkg/await/await.go (Creation and Update) the built-in awaiter of a kind runs
// unless metadata.ReadyCondition reports a custom condition, which only the skipAwait and
// waitFor annotations produce (provider/pkg/metadata/overrides.go, ReadyCondition); the only
// environment variable, PULUMI_K8S_AWAIT_ALL, adds a generic wait for kinds without a built-in
// awaiter and removes none; the kubernetes:config keys (provider/pkg/provider/provider.go,
// Configure) have none either. So the harness sets the annotation where the product cannot see
// it: on the way back from Check, for every object, since nothing here ever becomes ready.
// Objects are still validated, admitted and stored by the API server as usual.
//
// Deletion has the same problem: the provider deletes in the foreground by default, so the API
// server keeps the object, marked with the foregroundDeletion finalizer, until the garbage
// collector (controller manager) removes its dependents and the finalizer; the provider waits
// for it to be gone (DeletedCondition), and honours skipAwait there only for a few legacy kinds
// (Namespace, Pod, Deployment, ...: allowsSkipAwaitWithDelete). A background deletion removes
// the object at once, so the harness asks for that too.
type awaitSkipper struct {
	pulumirpc.UnimplementedResourceProviderServer
	client pulumirpc.ResourceProviderClient
}

// Check forwards and annotates.
func (a *awaitSkipper) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	resp, err := a.client.Check(ctx, req)
	if err == nil && len(resp.GetFailures()) == 0 {
		skipAwait(resp.GetInputs())
	}
	return resp, err
}

// secretSig marks a secret value in the provider protocol (sdk/go/common/resource/sig).
const secretSig = "1b47061264138c4ac30d75fd1eb44270"

// sigKey is the key of the signature in a special value of the provider protocol.
const sigKey = "4dabf18193072939515e22adb298388d"

// skipAwait sets harnessAnnotations in the metadata.annotations of checked inputs. It leaves
// alone inputs whose metadata or annotations are unknown (preview) or secret: the annotations
// then arrive with the next Check, once they are known.
func skipAwait(inputs *structpb.Struct) {
	meta := inputs.GetFields()["metadata"].GetStructValue()
	if meta == nil || meta.GetFields()[sigKey] != nil {
		return
	}
	if meta.Fields == nil {
		meta.Fields = map[string]*structpb.Value{}
	}
	ann, ok := meta.Fields["annotations"]
	_, null := ann.GetKind().(*structpb.Value_NullValue)
	if !ok || ann.GetKind() == nil || null {
		ann = structpb.NewStructValue(&structpb.Struct{})
		meta.Fields["annotations"] = ann
	}
	s := ann.GetStructValue()
	if s == nil || s.GetFields()[sigKey] != nil {
		return
	}
	if s.Fields == nil {
		s.Fields = map[string]*structpb.Value{}
	}
	for k, v := range harnessAnnotations {
		s.Fields[k] = structpb.NewStringValue(v)
	}
}

// The rest forwards.

func (a *awaitSkipper) Handshake(ctx context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return a.client.Handshake(ctx, req)
}

func (a *awaitSkipper) Parameterize(ctx context.Context, req *pulumirpc.ParameterizeRequest) (*pulumirpc.ParameterizeResponse, error) {
	return a.client.Parameterize(ctx, req)
}

func (a *awaitSkipper) GetSchema(ctx context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return a.client.GetSchema(ctx, req)
}

func (a *awaitSkipper) CheckConfig(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return a.client.CheckConfig(ctx, req)
}

func (a *awaitSkipper) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return a.client.DiffConfig(ctx, req)
}

func (a *awaitSkipper) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return a.client.Configure(ctx, req)
}

func (a *awaitSkipper) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return a.client.Invoke(ctx, req)
}

func (a *awaitSkipper) Call(ctx context.Context, req *pulumirpc.CallRequest) (*pulumirpc.CallResponse, error) {
	return a.client.Call(ctx, req)
}

func (a *awaitSkipper) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return a.client.Diff(ctx, req)
}

func (a *awaitSkipper) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	return a.client.Create(ctx, req)
}

func (a *awaitSkipper) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return a.client.Read(ctx, req)
}

func (a *awaitSkipper) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return a.client.Update(ctx, req)
}

func (a *awaitSkipper) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return a.client.Delete(ctx, req)
}

func (a *awaitSkipper) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return a.client.Construct(ctx, req)
}

func (a *awaitSkipper) Cancel(ctx context.Context, req *emptypb.Empty) (*emptypb.Empty, error) {
	return a.client.Cancel(ctx, req)
}

func (a *awaitSkipper) GetPluginInfo(ctx context.Context, req *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return a.client.GetPluginInfo(ctx, req)
}

func (a *awaitSkipper) Attach(ctx context.Context, req *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return a.client.Attach(ctx, req)
}

func (a *awaitSkipper) GetMapping(ctx context.Context, req *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return a.client.GetMapping(ctx, req)
}

func (a *awaitSkipper) GetMappings(ctx context.Context, req *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return a.client.GetMappings(ctx, req)
}

// writeKubelogin writes the kubelogin stand-in into dir: a script that accepts what an AKS
// kubeconfig converted by components.ConvertKubeconfig asks of kubelogin (get-token, a
// non-interactive --login, the AKS server ID) and prints an ExecCredential with token. It
// refuses anything else, such as the device-code login of an unconverted kubeconfig, so a
// kubeconfig the program forgot to convert fails here as it would in CI.
func writeKubelogin(dir, token string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	script := fmt.Sprintf(`#!/bin/sh
# kubelogin stand-in for aks-dr's local control plane (internal/kubelocal). It accepts what the
# program's converted AKS kubeconfig asks of kubelogin and prints the local API server's token.
set -eu
fail() { echo "kubelogin (aks-dr stand-in): $*" >&2; exit 1; }
[ "${1:-}" = get-token ] || fail "only get-token is supported, got: $*"
shift
login=""
server=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || fail "$1 needs a value"
  case $1 in
    -l|--login) login=$2 ;;
    --server-id) server=$2 ;;
    --environment|--client-id|--tenant-id) ;;
    *) fail "unexpected argument $1" ;;
  esac
  shift 2
done
case $login in
  azurecli|workloadidentity) ;;
  *) fail "--login '$login' is not a non-interactive mode (was the kubeconfig converted?)" ;;
esac
[ "$server" = %q ] || fail "--server-id '$server' is not the AKS server application"
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%%s"}}\n' %q
`, simprovider.AKSServerAppID, token)
	//nolint:gosec // G306: an executable, in the control plane's private temporary directory.
	return os.WriteFile(filepath.Join(dir, "kubelogin"), []byte(script), 0o700)
}
