package kubelocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/aks-dr/aks-dr/internal/simprovider"
)

// Clusters gives each simulated AKS cluster a control plane of its own, started the first time
// the program asks for the cluster's credentials: the primary and secondary stamps then deploy
// the same workload into two API servers, as into two regional clusters, instead of
// colliding in one. All share one token, so the provider processes it starts (StartProvider,
// WithProvider) authenticate to any of them through the one kubelogin stand-in.
//
//	cs, err := kubelocal.NewClusters(ctx, bins, log)
//	defer cs.Stop()
//	sims, err := simprovider.Start(ctx, cs.AKSAPIServers())
//	err = cs.WithProvider(ctx, stack.Workspace(), sims.DebugProviders(), func() error { ... })
//	err = cs.CheckPodSecurity(ctx)
type Clusters struct {
	*host    // the providers' directory, token and processes
	ctx      context.Context
	stateDir string // see StateDir

	planes map[string]*ControlPlane // by "resourceGroup/cluster"
}

// NewClusters returns an empty set; ctx bounds the start of each control plane. With the
// StateDir option each cluster keeps its identity and objects in a directory of its own there.
func NewClusters(ctx context.Context, bins *Binaries, log io.Writer, opts ...Option) (*Clusters, error) {
	if !supported {
		return nil, errors.New("kubelocal: the local control plane runs on Linux only")
	}
	o := collect(opts)
	token := ""
	if o.stateDir != "" {
		var err error
		if token, err = loadOrCreateToken(o.stateDir); err != nil {
			return nil, fmt.Errorf("kubelocal: %w", err)
		}
	}
	h, err := newHost(bins, log, token)
	if err != nil {
		return nil, err
	}
	return &Clusters{host: h, ctx: ctx, stateDir: o.stateDir, planes: map[string]*ControlPlane{}}, nil
}

// ControlPlane returns the control plane of a cluster, starting it on first use.
func (cs *Clusters) ControlPlane(resourceGroup, cluster string) (*ControlPlane, error) {
	key := resourceGroup + "/" + cluster
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.planes[key]; ok {
		return c, nil
	}
	fmt.Fprintf(cs.log, "kubelocal: starting a control plane for AKS cluster %s\n", key)
	stateDir := ""
	if cs.stateDir != "" {
		stateDir = filepath.Join(cs.stateDir, clusterDirName(resourceGroup, cluster))
	}
	c, err := start(cs.ctx, cs.bins, cs.log, cs.token, stateDir)
	if err != nil {
		return nil, fmt.Errorf("kubelocal: the control plane of %s: %w", key, err)
	}
	cs.planes[key] = c
	return c, nil
}

// AKSAPIServers is the simprovider option that points each simulated AKS cluster's
// credentials at its own control plane.
func (cs *Clusters) AKSAPIServers() simprovider.Option {
	return simprovider.AKSAPIServerFunc(func(resourceGroup, cluster string) (simprovider.APIServer, error) {
		c, err := cs.ControlPlane(resourceGroup, cluster)
		if err != nil {
			return simprovider.APIServer{}, err
		}
		return simprovider.APIServer{URL: c.URL, CAData: c.CAData}, nil
	})
}

// All returns the control planes started so far, by "resourceGroup/cluster".
func (cs *Clusters) All() map[string]*ControlPlane {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	all := make(map[string]*ControlPlane, len(cs.planes))
	for k, c := range cs.planes {
		all[k] = c
	}
	return all
}

// CheckPodSecurity is ControlPlane.CheckPodSecurity over every cluster; each error names the
// cluster.
func (cs *Clusters) CheckPodSecurity(ctx context.Context) error {
	all := cs.All()
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := all[k].CheckPodSecurity(ctx); err != nil {
			errs = append(errs, fmt.Errorf("AKS cluster %s: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// Stop stops the provider processes and every control plane. It is safe to call more than once.
func (cs *Clusters) Stop() {
	cs.stop()
	for _, c := range cs.All() {
		c.Stop()
	}
}
