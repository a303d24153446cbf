package simprovider

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Serve runs srv as a gRPC resource provider on 127.0.0.1 at a free port. stop shuts it down.
func Serve(srv pulumirpc.ResourceProviderServer) (port int, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, fmt.Errorf("simprovider: listen: %w", err)
	}
	s := grpc.NewServer(grpc.MaxRecvMsgSize(400 << 20)) // the engine sends up to 400 MB
	pulumirpc.RegisterResourceProviderServer(s, srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(lis) // returns when stopped
	}()
	stop = func() {
		s.Stop()
		<-done
	}
	return lis.Addr().(*net.TCPAddr).Port, stop, nil
}

// Running is a set of simulated providers being served.
type Running struct {
	// Providers by package name.
	Providers map[string]*Provider
	// Ports by package name.
	Ports map[string]int
	// Outages are the regions both simulators treat as down (none at first).
	Outages *Outages
	stops   []func()
	once    sync.Once
}

// Start serves the simulated azure-native and kubernetes providers until Stop is called or ctx
// is done. Options change the azure-native simulator (see AKSAPIServer).
func Start(ctx context.Context, opts ...Option) (*Running, error) {
	r := &Running{Providers: map[string]*Provider{}, Ports: map[string]int{}, Outages: NewOutages()}
	for _, p := range []*Provider{NewAzureNative(opts...), NewKubernetes()} {
		p.outages = r.Outages
		port, stop, err := Serve(p)
		if err != nil {
			r.Stop()
			return nil, err
		}
		r.Providers[p.pkg], r.Ports[p.pkg] = p, port
		r.stops = append(r.stops, stop)
	}
	context.AfterFunc(ctx, r.Stop)
	return r, nil
}

// DebugProviders is the PULUMI_DEBUG_PROVIDERS value that makes the engine attach to the
// simulators instead of launching provider plugins: "azure-native:PORT,kubernetes:PORT".
func (r *Running) DebugProviders() string {
	var parts []string
	for pkg, port := range r.Ports {
		parts = append(parts, fmt.Sprintf("%s:%d", pkg, port))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Stop shuts the servers down. It is safe to call more than once.
func (r *Running) Stop() {
	r.once.Do(func() {
		for _, s := range r.stops {
			s()
		}
	})
}
