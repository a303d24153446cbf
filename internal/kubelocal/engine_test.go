//go:build engine

package kubelocal_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/internal/drill"
	"github.com/aks-dr/aks-dr/internal/kubelocal"
	"github.com/aks-dr/aks-dr/internal/simprovider"
)

// timed runs one step and logs its wall time.
func timed(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("wall time %-52s %s", name+":", time.Since(start).Round(10*time.Millisecond))
}

// logWriter sends build and startup progress to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestRealAPIServer starts the loopback control plane and shows what a real API server
// refuses, with its own message, then deploys the program's workload layer into it through the
// real Pulumi engine and the real Kubernetes provider.
func TestRealAPIServer(t *testing.T) {
	ctx := t.Context()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := drill.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	var bins *kubelocal.Binaries
	timed(t, "build etcd, kube-apiserver and the provider", func() {
		if bins, err = kubelocal.Build(ctx, root, logWriter{t}); err != nil {
			t.Fatal(err)
		}
	})
	var cp *kubelocal.ControlPlane
	timed(t, "start etcd and kube-apiserver", func() {
		if cp, err = kubelocal.Start(ctx, bins, logWriter{t}); err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(cp.Stop)

	_ = t.Run("PodSecurityViolationRejected", podSecurity(cp)) &&
		t.Run("MalformedObjectsRejected", malformed(cp)) &&
		t.Run("WorkloadThroughRealProvider", workload(root, bins, cp))
}

// apiError asserts that err is the API server's refusal with the given HTTP status and that its
// message holds every one of wants.
func apiError(t *testing.T, err error, code int, wants ...string) {
	t.Helper()
	var apiErr *kubelocal.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want the API server's refusal, got %v", err)
	}
	t.Logf("API server: %d %s: %s", apiErr.Code, apiErr.Reason, apiErr.Message)
	if apiErr.Code != code {
		t.Errorf("status %d, want %d", apiErr.Code, code)
	}
	for _, want := range wants {
		if !strings.Contains(apiErr.Message, want) {
			t.Errorf("message lacks %q", want)
		}
	}
}

// restrictedNamespace enforces the restricted Pod Security level.
const restrictedNamespace = "restricted"

// compliantTemplate is a pod template the restricted level admits.
func compliantTemplate() map[string]any {
	return map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
		"spec": map[string]any{
			"securityContext": map[string]any{
				"runAsNonRoot":   true,
				"seccompProfile": map[string]any{"type": "RuntimeDefault"},
			},
			"containers": []any{map[string]any{
				"name":  "web",
				"image": "mcr.microsoft.com/azuredocs/aks-helloworld:v1",
				"securityContext": map[string]any{
					"allowPrivilegeEscalation": false,
					"capabilities":             map[string]any{"drop": []any{"ALL"}},
					"runAsUser":                int64(1000),
				},
			}},
		},
	}
}

// violatingTemplate runs as root-capable, privileged-escalating defaults.
func violatingTemplate() map[string]any {
	return map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "web", "image": "mcr.microsoft.com/azuredocs/aks-helloworld:v1",
		}}},
	}
}

func deployment(name string, template map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "namespace": restrictedNamespace},
		"spec": map[string]any{
			"replicas": int64(2),
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"template": template,
		},
	}
}

func podSecurity(cp *kubelocal.ControlPlane) func(t *testing.T) {
	return func(t *testing.T) {
		ctx := t.Context()
		_, err := cp.Create(ctx, map[string]any{
			"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": restrictedNamespace, "labels": map[string]any{
				"pod-security.kubernetes.io/enforce": "restricted",
			}},
		})
		if err != nil {
			t.Fatal(err)
		}

		// The pod a violating template would create is refused, with the API server's message.
		err = cp.DryRunPod(ctx, restrictedNamespace, "web-dry-run", violatingTemplate())
		apiError(t, err, 403, `pods "web-dry-run" is forbidden: violates PodSecurity "restricted:latest"`,
			"allowPrivilegeEscalation != false", "unrestricted capabilities", "runAsNonRoot != true", "seccompProfile")

		// The Deployment itself is admitted (with a warning only): hence judging the pod.
		if _, err := cp.DryRun(ctx, deployment("web", violatingTemplate())); err != nil {
			t.Fatalf("admission refused the Deployment, not only its pods: %v", err)
		}

		// A compliant template passes, both as a pod and in a Deployment that is stored.
		if err := cp.DryRunPod(ctx, restrictedNamespace, "web-dry-run", compliantTemplate()); err != nil {
			t.Fatalf("a compliant pod was refused: %v", err)
		}
		if _, err := cp.Create(ctx, deployment("web", compliantTemplate())); err != nil {
			t.Fatal(err)
		}
		if _, err := cp.Get(ctx, "apps/v1", "Deployment", restrictedNamespace, "web"); err != nil {
			t.Fatal(err)
		}
		if err := cp.CheckPodSecurity(ctx); err != nil {
			t.Fatalf("only compliant templates so far: %v", err)
		}

		// A violating Deployment is stored, and CheckPodSecurity names it with the API server's
		// refusal of its pods.
		if _, err := cp.Create(ctx, deployment("web-violating", violatingTemplate())); err != nil {
			t.Fatal(err)
		}
		err = cp.CheckPodSecurity(ctx)
		if err == nil {
			t.Fatal("CheckPodSecurity passed a Deployment whose pods violate restricted")
		}
		t.Logf("CheckPodSecurity: %v", err)
		for _, want := range []string{"Deployment restricted/web-violating: ", `violates PodSecurity "restricted:latest"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("CheckPodSecurity's error lacks %q", want)
			}
		}
		if strings.Contains(err.Error(), "restricted/web:") {
			t.Error("CheckPodSecurity refused the compliant Deployment")
		}
	}
}

func malformed(cp *kubelocal.ControlPlane) func(t *testing.T) {
	return func(t *testing.T) {
		ctx := t.Context()
		t.Run("InvalidName", func(t *testing.T) {
			_, err := cp.DryRun(ctx, map[string]any{
				"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "Web_App"},
			})
			apiError(t, err, 422, `Namespace "Web_App" is invalid: metadata.name: Invalid value: "Web_App"`, "RFC 1123")
		})
		t.Run("InvalidLabel", func(t *testing.T) {
			_, err := cp.DryRun(ctx, map[string]any{
				"apiVersion": "v1", "kind": "Namespace",
				"metadata": map[string]any{"name": "web", "labels": map[string]any{"tier": "front end"}},
			})
			apiError(t, err, 422, `metadata.labels: Invalid value: "front end"`)
		})
		t.Run("MissingRequiredField", func(t *testing.T) {
			d := deployment("no-selector", compliantTemplate())
			delete(d["spec"].(map[string]any), "selector")
			_, err := cp.DryRun(ctx, d)
			apiError(t, err, 422, `Deployment.apps "no-selector" is invalid`, "spec.selector: Required value")
		})
	}
}

// workload deploys components.NewWorkload through the real engine and provider, as two stacks
// whose clusters get a control plane each (Clusters): the simulated AKS hands out a kubeconfig
// for the cluster's local API server, converted by the program's own ConvertKubeconfig,
// authenticated by the kubelogin stand-in. cp holds the restricted namespace.
func workload(root string, bins *kubelocal.Binaries, cp *kubelocal.ControlPlane) func(t *testing.T) {
	return func(t *testing.T) {
		ctx := t.Context()
		var cli *drill.CLI
		var err error
		timed(t, "find or build the Pulumi CLI", func() {
			if cli, err = drill.FindCLI(ctx, root, logWriter{t}); err != nil {
				t.Fatal(err)
			}
		})
		// The clusters keep their state in a directory, as the drill's would between runs.
		stateDir := t.TempDir()
		clusters, err := kubelocal.NewClusters(ctx, bins, logWriter{t}, kubelocal.StateDir(stateDir))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { clusters.Stop() })
		sims, err := simprovider.Start(ctx, clusters.AKSAPIServers())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sims.Stop() })

		args := &components.WorkloadArgs{
			Namespace: "workload", AppName: "web", Image: "mcr.microsoft.com/azuredocs/aks-helloworld:v1",
			Port: 8080, HealthPath: "/healthz", Replicas: 2, MaxReplicas: 4, CPURequest: "100m", MemoryRequest: "128Mi",
			TargetCPUPercent: 70, LoadBalancerIP: "10.1.15.254", LoadBalancerSubnet: "snet-aks",
		}
		program := func(region string, badLabel bool) pulumi.RunFunc {
			return func(ctx *pulumi.Context) error {
				creds := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
					ResourceGroupName: pulumi.String("rg-" + region),
					ResourceName:      pulumi.String("aks-" + region),
					Format:            pulumi.String("exec"),
				})
				kubeconfig := creds.Kubeconfigs().Index(pulumi.Int(0)).Value().ApplyT(func(encoded string) (string, error) {
					raw, err := base64.StdEncoding.DecodeString(encoded)
					if err != nil {
						return "", err
					}
					return components.ConvertKubeconfig(raw, components.KubeLoginAzureCLI)
				}).(pulumi.StringOutput)
				provider, err := kubernetes.NewProvider(ctx, "aks", &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)})
				if err != nil {
					return err
				}
				if badLabel {
					_, err = corev1.NewNamespace(ctx, "bad", &corev1.NamespaceArgs{Metadata: &metav1.ObjectMetaArgs{
						Name:   pulumi.String("bad"),
						Labels: pulumi.StringMap{"tier": pulumi.String("front end")},
					}}, pulumi.Provider(provider))
					return err
				}
				w, err := components.NewWorkload(ctx, region+"-workload", args, pulumi.Providers(provider))
				if err != nil {
					return err
				}
				ctx.Export("deployment", w.Deployment.Metadata.Name())
				return nil
			}
		}

		dir := t.TempDir()
		env := map[string]string{
			"PULUMI_BACKEND_URL":                          "file://" + filepath.ToSlash(filepath.Join(dir, "state")),
			"PULUMI_CONFIG_PASSPHRASE":                    drill.LocalPassphrase,
			"PULUMI_HOME":                                 filepath.Join(dir, "home"),
			"PULUMI_SKIP_UPDATE_CHECK":                    "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		}
		for _, d := range []string{"state", "home"} {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
				t.Fatal(err)
			}
		}
		stack := func(region string, badLabel bool) auto.Stack {
			s, err := auto.UpsertStackInlineSource(ctx, region, "kubelocal", program(region, badLabel),
				auto.Pulumi(cli.Command), auto.EnvVars(env), auto.SecretsProvider("passphrase"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		// withProvider runs one engine operation against a provider process of its own.
		withProvider := func(s auto.Stack, label string, op func() error) error {
			t.Helper()
			start := time.Now()
			err := clusters.WithProvider(ctx, s.Workspace(), sims.DebugProviders(), op)
			t.Logf("wall time %-52s %s", label+" (provider included):", time.Since(start).Round(10*time.Millisecond))
			return err
		}

		var out strings.Builder
		for _, region := range []string{"eastus2", "centralus"} {
			s := stack(region, false)
			out.Reset()
			err = withProvider(s, "preview "+region, func() error {
				_, err := s.Preview(ctx, optpreview.ProgressStreams(&out))
				return err
			})
			if err != nil {
				t.Fatalf("preview %s: %v\n%s", region, err, out.String())
			}
			out.Reset()
			err = withProvider(s, "up "+region, func() error {
				_, err := s.Up(ctx, optup.ProgressStreams(&out))
				return err
			})
			if err != nil {
				t.Fatalf("up %s: %v\n%s", region, err, out.String())
			}
			t.Logf("up %s:\n%s", region, out.String())
		}
		all := clusters.All()
		if len(all) != 2 || all["rg-eastus2/aks-eastus2"] == nil || all["rg-centralus/aks-centralus"] == nil ||
			all["rg-eastus2/aks-eastus2"].URL == all["rg-centralus/aks-centralus"].URL {
			t.Fatalf("want one control plane per cluster, got %v", all)
		}
		for key, c := range all {
			for _, o := range []struct{ apiVersion, kind, namespace, name string }{
				{"v1", "Namespace", "", "workload"},
				{"apps/v1", "Deployment", "workload", "web"},
				{"v1", "Service", "workload", "web"},
				{"policy/v1", "PodDisruptionBudget", "workload", "web"},
				{"autoscaling/v2", "HorizontalPodAutoscaler", "workload", "web"},
			} {
				if _, err := c.Get(ctx, o.apiVersion, o.kind, o.namespace, o.name); err != nil {
					t.Errorf("%s %s/%s is not in the API server of %s: %v", o.kind, o.namespace, o.name, key, err)
				}
			}
		}
		if err := clusters.CheckPodSecurity(ctx); err != nil {
			t.Errorf("the namespace's Pod Security level refuses the workload's pods: %v", err)
		}

		// The program's pods judged against the restricted level (reported, not asserted: the
		// hardening issue decides the workload's level).
		dep, err := all["rg-eastus2/aks-eastus2"].Get(ctx, "apps/v1", "Deployment", "workload", "web")
		if err != nil {
			t.Fatal(err)
		}
		template, _ := dep["spec"].(map[string]any)["template"].(map[string]any)
		if err := cp.DryRunPod(ctx, restrictedNamespace, "workload-web", template); err != nil {
			t.Logf("the workload's pods in a restricted namespace: %v", err)
		} else {
			t.Log("the workload's pods satisfy the restricted Pod Security level")
		}

		// A second run, with new processes and the same state directory (as a second drill run),
		// finds the same objects at the same address: its up changes nothing. Were the
		// kubeconfig different, the provider would be replaced, and every object with it.
		firstURL := all["rg-eastus2/aks-eastus2"].URL
		clusters.Stop()
		sims.Stop()
		if clusters, err = kubelocal.NewClusters(ctx, bins, logWriter{t}, kubelocal.StateDir(stateDir)); err != nil {
			t.Fatal(err)
		}
		if sims, err = simprovider.Start(ctx, clusters.AKSAPIServers()); err != nil {
			t.Fatal(err)
		}
		good := stack("eastus2", false)
		var res auto.UpResult
		err = withProvider(good, "second up", func() error {
			var err error
			res, err = good.Up(ctx)
			return err
		})
		if err != nil {
			t.Fatalf("second up: %v", err)
		}
		for op, n := range *res.Summary.ResourceChanges {
			if op != "same" && n > 0 {
				t.Errorf("the second up did %d %s", n, op)
			}
		}
		all = clusters.All()
		if c := all["rg-eastus2/aks-eastus2"]; c == nil || c.URL != firstURL {
			t.Errorf("the restarted control plane is not at %s: %v", firstURL, c)
		}

		// refresh reads every object back (the awaiters of reads are skipped too), and destroy
		// deletes them (in the background: no garbage collector runs); with no namespace
		// controller, the namespace stays behind, marked for deletion.
		err = withProvider(good, "refresh", func() error {
			_, err := good.Refresh(ctx)
			return err
		})
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		err = withProvider(good, "destroy", func() error {
			_, err := good.Destroy(ctx)
			return err
		})
		if err != nil {
			t.Fatalf("destroy: %v", err)
		}
		eastus2 := all["rg-eastus2/aks-eastus2"]
		for _, o := range []struct{ apiVersion, kind, namespace, name string }{
			{"v1", "Namespace", "", "workload"},
			{"apps/v1", "Deployment", "workload", "web"},
			{"v1", "Service", "workload", "web"},
			{"policy/v1", "PodDisruptionBudget", "workload", "web"},
			{"autoscaling/v2", "HorizontalPodAutoscaler", "workload", "web"},
		} {
			obj, err := eastus2.Get(ctx, o.apiVersion, o.kind, o.namespace, o.name)
			var apiErr *kubelocal.APIError
			switch {
			case errors.As(err, &apiErr) && apiErr.Code == 404:
			case err != nil:
				t.Errorf("%s after destroy: %v", o.kind, err)
			default:
				if meta, _ := obj["metadata"].(map[string]any); meta["deletionTimestamp"] == nil {
					t.Errorf("%s %s/%s survived destroy", o.kind, o.namespace, o.name)
				}
			}
		}

		// A malformed object fails `up` with the API server's own message.
		bad := stack("malformed", true)
		out.Reset()
		err = withProvider(bad, "up with a malformed object", func() error {
			_, err := bad.Up(ctx, optup.ProgressStreams(&out))
			return err
		})
		if err == nil {
			t.Fatal("a namespace with an invalid label deployed")
		}
		t.Logf("up with a malformed object: %v", err)
		msg := err.Error() + out.String()
		for _, want := range []string{`metadata.labels: Invalid value: "front end"`} {
			if !strings.Contains(msg, want) {
				t.Errorf("the failure lacks the API server's %q:\n%s", want, msg)
			}
		}
	}
}
