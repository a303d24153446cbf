// Package kubelocal runs a real Kubernetes control plane on loopback, and the real Pulumi
// Kubernetes provider against it, for the engine tests and `go run ./cmd/drill -kubernetes real`.
//
// Everything is built from the Go module proxy into the repository's git-ignored bin/ on first
// use (Build), so a clean clone needs nothing but Go:
//
//   - bin/etcd, a single-member etcd (go.etcd.io/etcd/server/v3/embed), and bin/kube-apiserver
//     (k8s.io/kubernetes/cmd/kube-apiserver), both from the tools module tools/kube-apiserver;
//   - bin/pulumi-resource-kubernetes, the real provider (github.com/pulumi/pulumi-kubernetes/
//     provider/v4) behind a small main with a minimal schema, from tools/kubernetes-provider.
//
// Start runs etcd and kube-apiserver on free 127.0.0.1 ports, each in its own process group,
// with a self-signed CA and serving certificate, a static token file and a service account
// signing key generated into a temporary directory, and waits (bounded) for /readyz. Stop kills
// the process groups and removes the directory. Nothing listens beyond loopback.
//
// There is no controller manager, scheduler or kubelet: objects are validated, admitted (Pod
// Security included) and stored, but no pod ever runs, no Deployment rolls out and no
// LoadBalancer gets an address. So the provider's await logic, which waits for exactly those,
// must be skipped; StartProvider does that in the harness only (see skipAwait in provider.go).
//
// The API server answers the way a real cluster does, and Create, DryRun and DryRunPod return
// its own message (*APIError) when it rejects an object: an invalid name or label, a missing
// required field, a pod that violates the namespace's Pod Security level.
//
// The AKS side: the simulated azure-native provider (internal/simprovider, options
// AKSAPIServer and AKSAPIServerFunc) answers listManagedClusterUserCredentials with a kubeconfig
// for a local API server whose user runs `kubelogin`, and the provider process finds a kubelogin
// stand-in first on its PATH that prints an ExecCredential with the control plane's token. So
// the program's own kubeconfig conversion (components.ConvertKubeconfig) is exercised unchanged.
// Clusters gives each AKS cluster (each stamp) a control plane of its own, started on first use.
//
// Use, for one cluster:
//
//	bins, err := kubelocal.Build(ctx, root, log)      // bin/etcd, bin/kube-apiserver, bin/pulumi-resource-kubernetes
//	cp, err := kubelocal.Start(ctx, bins, log)        // about 4 s
//	defer cp.Stop()
//	sims, err := simprovider.Start(ctx, cp.AKSAPIServer())
//	err = cp.WithProvider(ctx, stack.Workspace(), sims.DebugProviders(), func() error {
//		_, err := stack.Up(ctx) // one engine operation per provider process
//		return err
//	})
//	err = cp.CheckPodSecurity(ctx) // the API server's refusals of the Deployments' pods
//
// and for the stamps of several stacks, kubelocal.NewClusters with cs.AKSAPIServers().
//
// Each Start is a new, empty cluster at a new address unless the StateDir option keeps its
// identity (CA, token, ports) and etcd's data in a directory: a drill that keeps its Pulumi state
// between runs must keep its clusters' state alongside, or the provider would see another
// cluster in the kubeconfig and replace every object (DiffConfig in the provider's provider.go).
package kubelocal
