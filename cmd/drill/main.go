// Command drill is aks-dr's main job: it shows the Pulumi engine deploying the three stacks and
// failing over, on a fresh machine with nothing but Go.
//
//	go run ./cmd/drill                       # simulated Azure (the default without Azure credentials)
//	go run ./cmd/drill -region-down eastus2  # simulated: fail over while that region is down
//	go run ./cmd/drill -warm                 # simulated: promote a warm standby, floors first
//	go run ./cmd/drill -real                 # the real `pulumi preview` of the three stacks
//	go run ./cmd/drill -real -up             # the real `pulumi up` of the three stacks
//	go run ./cmd/drill -real -drill primary  # start primary's Chaos Studio drill, measure the failover
//
// Simulated, it finds or builds the Pulumi CLI, keeps the state in a git-ignored file backend
// (.pulumi-local/), serves simulated azure-native and kubernetes providers in-process, and runs
// stacks.Program as an inline program in a first deployment's order: up global, up primary, up
// secondary (each stamp's StackReference reads the global layer's outputs from that backend),
// up global again (its StackReferences read the stamps' host names: the origins). It then
// previews a failover, the swap of the two origin priorities in the global stack, printed as
// `pulumi preview` prints it; with -region-down it runs the failover runbook while every call
// into that region fails; with -warm it makes the secondary a warm standby and promotes it as the
// runbook does: the global stack refuses traffic first, the secondary's update raises its floors,
// then the global update moves the traffic. See internal/drill.
//
// Real mode (-real, or automatically when a backend and an Azure subscription are configured:
// PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN, and ARM_SUBSCRIPTION_ID) runs the same program
// with the real providers against that backend, using the committed stack files.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/aks-dr/aks-dr/internal/drill"
	"github.com/aks-dr/aks-dr/internal/kubelocal"
	"github.com/aks-dr/aks-dr/internal/simprovider"
	"github.com/aks-dr/aks-dr/stacks"
)

type options struct {
	real, simulated, up, fresh, diff, warm bool
	regionDown                             string
	// kubernetes is the Kubernetes provider of the simulated run: simulated or real.
	kubernetes string
	// drillStamp is the stamp stack whose Chaos Studio drill -drill starts and measures.
	drillStamp string
}

func main() {
	var o options
	flag.BoolVar(&o.real, "real", false, "run the real `pulumi preview` (or up, with -up) of the three stacks against the configured backend and Azure")
	flag.BoolVar(&o.simulated, "simulated", false, "simulate Azure even when a backend and Azure credentials are configured")
	flag.BoolVar(&o.up, "up", false, "with -real: deploy the three stacks (`pulumi up`) instead of previewing them")
	flag.BoolVar(&o.fresh, "fresh", false, "simulated: delete the local state first and deploy from scratch")
	flag.BoolVar(&o.diff, "diff", false, "show property-level diffs (`pulumi preview --diff`)")
	flag.StringVar(&o.regionDown, "region-down", "", "simulated: take this region down (e.g. eastus2) and run the failover runbook without it")
	flag.BoolVar(&o.warm, "warm", false, "simulated: make the secondary a warm standby, then promote it: its floors first (pulumi up -s secondary), then the traffic (pulumi up -s global)")
	flag.StringVar(&o.kubernetes, "kubernetes", kubernetesSimulated, "simulated: the Kubernetes provider, simulated or real (the real pulumi-kubernetes provider into a real kube-apiserver per cluster, on loopback; the first run compiles them, about 18 minutes on 2 cores)")
	flag.StringVar(&o.drillStamp, "drill", "", "with -real: start this stamp stack's Chaos Studio failover drill (e.g. primary) and measure the failover at the Front Door endpoint")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./cmd/drill [flags]\n\n%s\n\nflags:\n",
			"Deploys the global, primary and secondary stacks and previews a failover (or, with -region-down, runs one). Azure is simulated unless -real.")
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\ndrill: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.real && o.simulated {
		return fmt.Errorf("-real and -simulated exclude each other")
	}
	if o.up && !o.real {
		return fmt.Errorf("-up deploys to real Azure and needs -real (the simulated drill always deploys)")
	}
	if o.regionDown != "" && o.real {
		return fmt.Errorf("-region-down simulates an outage and cannot be combined with -real")
	}
	if o.warm && (o.real || o.regionDown != "") {
		return fmt.Errorf("-warm is a simulated drill of its own and cannot be combined with -real or -region-down")
	}
	switch o.kubernetes {
	case "", kubernetesSimulated, kubernetesReal:
	default:
		return fmt.Errorf("-kubernetes must be %s or %s, got %q", kubernetesSimulated, kubernetesReal, o.kubernetes)
	}
	if o.kubernetes == kubernetesReal && o.real {
		return fmt.Errorf("-kubernetes real runs the simulated drill's workloads through a local API server and cannot be combined with -real")
	}
	if o.drillStamp != "" && (!o.real || o.up) {
		return fmt.Errorf("-drill starts a Chaos Studio experiment in real Azure: it needs -real and excludes -up (the offline drill-timeline test is go test ./internal/drillmeasure)")
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := drill.FindRoot(wd)
	if err != nil {
		return err
	}
	useReal := o.real
	if reason := drill.RealReason(); reason != "" && !o.simulated && !useReal {
		fmt.Fprintf(out, "%s: running the real path (pass -simulated to simulate Azure instead)\n", reason)
		useReal = true
	}

	if !useReal {
		fmt.Fprintln(out, simulatedLine)
	}
	t := &timer{out: out}
	var cli *drill.CLI
	if err := t.step("find or build the Pulumi CLI", func() error {
		cli, err = drill.FindCLI(ctx, root, out)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "pulumi %s (%s: %s)\n", cli.Command.Version(), cli.Source, cli.Path)

	if o.drillStamp != "" {
		return runMeasuredDrill(ctx, o, root, cli, out)
	}
	if useReal {
		return runReal(ctx, o, root, cli, t, out)
	}
	return runSimulated(ctx, o, root, cli, t, out)
}

func runSimulated(ctx context.Context, o options, root string, cli *drill.CLI, t *timer, out io.Writer) error {
	dir := filepath.Join(root, drill.LocalDir)
	if o.kubernetes == kubernetesReal {
		// A state of its own: objects the simulated kubernetes provider "created" do not exist
		// in a real API server.
		dir = filepath.Join(dir, "real-kubernetes")
	}
	if o.fresh {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	var simOpts []simprovider.Option
	var kube *kubelocal.Clusters
	if o.kubernetes == kubernetesReal {
		var err error
		if kube, err = startRealKubernetes(ctx, root, dir, t, out); err != nil {
			return err
		}
		defer kube.Stop()
		simOpts = append(simOpts, kube.AKSAPIServers())
	}
	sims, err := simprovider.Start(ctx, simOpts...)
	if err != nil {
		return err
	}
	defer sims.Stop()
	local := drill.NewLocal(root, dir, cli.Command, stacks.Program, sims.DebugProviders())
	local.Kube = kube
	if err := local.Prepare(); err != nil {
		return err
	}
	banner(out, local, o.kubernetes == kubernetesReal)

	s := &session{ctx: ctx, o: o, t: t, out: out, local: local, stacks: map[string]*auto.Stack{}}
	for _, name := range drill.Stacks {
		st, err := local.Stack(ctx, name)
		if err != nil {
			return err
		}
		s.stacks[name] = &st
	}
	// The first deployment's order: the stamps read the global layer, and the global layer
	// adds an origin for each stamp once it exists.
	for _, step := range []struct{ stack, note string }{
		{drill.Global, " (the global layer; origins once the stamps exist)"},
		{drill.Primary, ""},
		{drill.Secondary, ""},
		{drill.Global, " (the stamps' origins and the route)"},
	} {
		if err := s.up(step.stack, step.note); err != nil {
			return err
		}
	}
	if kube != nil {
		// Admission does not judge a Deployment's pod template: a Pod built from it is dry-run
		// in its namespace, so a template the Pod Security level refuses fails the drill with the
		// API server's own message.
		if err := t.step("[LOCAL API SERVERS] dry-run each Deployment's pod under the namespace's Pod Security level", func() error {
			return kube.CheckPodSecurity(ctx)
		}); err != nil {
			return err
		}
	}
	switch {
	case o.warm:
		err = s.warmPromotion()
	case o.regionDown != "":
		err = s.regionDown(sims.Outages, simprovider.Normalize(o.regionDown))
	default:
		err = s.previewFailover(local)
	}
	if err != nil {
		return err
	}
	for _, pkg := range slices.Sorted(maps.Keys(sims.Providers)) {
		p := sims.Providers[pkg]
		st := p.Stats()
		fmt.Fprintf(out, "simulated %s served %d creates, %d updates, %d deletes, %d invokes (+%d previewed creates, %d previewed updates)\n",
			p.Package(), st.Creates, st.Updates, st.Deletes, st.Invokes, st.PreviewCreates, st.PreviewUpdates)
	}
	t.summary()
	fmt.Fprintf(out, "\n%s\nState: %s (rerun to see a no-op up; -fresh to start over).\n", simulatedLine, rel(root, local.StateDir))
	return nil
}

// session runs the drill's steps against the local stacks.
type session struct {
	ctx    context.Context
	o      options
	t      *timer
	out    io.Writer
	stacks map[string]*auto.Stack
	// local runs each engine operation (with the real Kubernetes provider, a process of its own).
	local *drill.Local
}

// operate runs one engine operation of a stack (see drill.Local.Operate).
func (s *session) operate(stack string, op func() error) error {
	return s.local.Operate(s.ctx, s.stacks[stack], op)
}

func (s *session) up(stack, note string) error {
	return s.t.step("[SIMULATED AZURE] pulumi up --stack "+stack+note, func() error {
		return s.operate(stack, func() error {
			_, err := s.stacks[stack].Up(s.ctx, optup.ProgressStreams(s.out), optup.Color(colorMode(s.out)))
			return err
		})
	})
}

// previewFailover previews the failover to the secondary, as `pulumi preview -s global` shows it.
func (s *session) previewFailover(local *drill.Local) error {
	if err := drill.SetServing(s.ctx, *s.stacks[drill.Global], drill.Secondary); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "\nFailover: %s set to 1 and %s to 2 (in the copy of Pulumi.global.yaml under %s).\n",
		drill.PriorityKey(drill.Secondary), drill.PriorityKey(drill.Primary), rel(local.Root, local.WorkDir))
	if err := s.t.step("[SIMULATED AZURE] failover: pulumi preview --stack global", func() error {
		return s.operate(drill.Global, func() error {
			_, err := s.stacks[drill.Global].Preview(s.ctx, previewOpts(s.o, s.out)...)
			return err
		})
	}); err != nil {
		return err
	}
	// Put the copy back as committed, so a rerun starts from the committed priorities.
	if err := drill.SetServing(s.ctx, *s.stacks[drill.Global], drill.Primary); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "\nThe failover above was only previewed; -region-down <region> runs one with that region down.")
	return nil
}

// regionDown takes a region down and runs the README's failover runbook as an operator would:
// away from a stamp in that region, or, for the global layer's region, shows what stops.
func (s *session) regionDown(outages *simprovider.Outages, region string) error {
	outs, err := s.stacks[drill.Global].Outputs(s.ctx)
	if err != nil {
		return err
	}
	var stamp string
	for qualified, loc := range toMap(outs[stacks.OutStamps].Value) {
		if loc == region {
			stamp = qualified[strings.LastIndex(qualified, "/")+1:]
		}
	}
	global, _ := outs[stacks.OutLocation].Value.(string)
	if stamp == "" && region != global {
		return fmt.Errorf("-region-down %s: no stack of the drill is in that region (stamps: %v, global layer: %s)", region, toMap(outs[stacks.OutStamps].Value), global)
	}
	if stamp == "" {
		return s.globalRegionDown(outages, region)
	}
	other := drill.Primary
	if stamp == drill.Primary {
		other = drill.Secondary
	}
	serving := toMap(outs[stacks.OutOriginPriorities].Value)[stamp] == "1"
	if !serving {
		// A failback with the standby's region down: first make that stamp serve, healthy.
		fmt.Fprintf(s.out, "\n%s serves no traffic yet: failing over to it first, with every region up.\n", stamp)
		if err := s.failover(stamp); err != nil {
			return err
		}
	}
	outages.Set(region, true)
	fmt.Fprintf(s.out, "\n*** SIMULATED OUTAGE: region %s is down. Every Azure call about a resource there now fails (HTTP 503), AKS credentials included. ***\n", region)
	if err := s.t.step("[SIMULATED AZURE] pulumi preview --stack "+stamp+" (its region is down: expected to fail)", func() error {
		err := s.operate(stamp, func() error {
			_, err := s.stacks[stamp].Preview(s.ctx, previewOpts(s.o, s.out)...)
			return err
		})
		if err == nil {
			return fmt.Errorf("the preview of %s succeeded although %s is down", stamp, region)
		}
		fmt.Fprintf(s.out, "\nAs expected, %s cannot be previewed or updated while %s is down. The failover does not need it:\n", stamp, region)
		return nil
	}); err != nil {
		return err
	}
	if err := s.failover(other); err != nil {
		return err
	}
	outages.Set(region, false)
	fmt.Fprintf(s.out, "\n*** Region %s is back. Failing back to the committed priorities (primary serves). ***\n", region)
	return s.failover(drill.Primary)
}

// failover runs the runbook: set the priorities in the global stack, then `pulumi up -s global`.
func (s *session) failover(to string) error {
	fmt.Fprintf(s.out, "\nRunbook: make %s serve traffic:\n", to)
	for _, stamp := range []string{to, otherStamp(to)} {
		p := "2"
		if stamp == to {
			p = "1"
		}
		fmt.Fprintf(s.out, "  pulumi config set --path '%s' %s -s global\n", drill.PriorityKey(stamp), p)
	}
	fmt.Fprintln(s.out, "  pulumi up -s global")
	if err := drill.SetServing(s.ctx, *s.stacks[drill.Global], to); err != nil {
		return err
	}
	if err := s.up(drill.Global, " (failover: "+to+" serves)"); err != nil {
		return err
	}
	outs, err := s.stacks[drill.Global].Outputs(s.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Origin priorities in the state now: %v\n", toMap(outs[stacks.OutOriginPriorities].Value))
	return nil
}

// warmPromotion makes the secondary a warm standby, then runs the runbook's warm promotion:
// traffic first is refused by the global stack; the secondary's own update raises its floors
// (capacity first); then the global update moves the traffic. It fails back and leaves the
// secondary at the committed profile.
func (s *session) warmPromotion() error {
	sec := s.stacks[drill.Secondary]
	fmt.Fprintf(s.out, "\nThe secondary becomes a warm standby (lower floors, same ceilings):\n  pulumi config set %s warm -s secondary\n  pulumi up -s secondary\n", drill.StandbyKey)
	if err := drill.SetStandbyProfile(s.ctx, *sec, "warm"); err != nil {
		return err
	}
	if err := s.up(drill.Secondary, " (warm standby: its floors drop)"); err != nil {
		return err
	}
	if err := s.capacity(drill.Secondary); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "\nRunbook, warm standby: capacity first, then traffic. Traffic first is refused:\n  pulumi config set --path '%s' 1 -s global\n  pulumi config set --path '%s' 2 -s global\n  pulumi up -s global\n",
		drill.PriorityKey(drill.Secondary), drill.PriorityKey(drill.Primary))
	if err := drill.SetServing(s.ctx, *s.stacks[drill.Global], drill.Secondary); err != nil {
		return err
	}
	if err := s.t.step("[SIMULATED AZURE] pulumi up --stack global (priority 1 for a warm standby: expected to be refused)", func() error {
		err := s.operate(drill.Global, func() error {
			_, err := s.stacks[drill.Global].Up(s.ctx, optup.ProgressStreams(s.out), optup.Color(colorMode(s.out)))
			return err
		})
		if err == nil {
			return fmt.Errorf("the global stack gave priority 1 to a warm standby")
		}
		fmt.Fprintln(s.out, "\nAs expected, the global stack refused before changing anything. Capacity first:")
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "  pulumi config set %s hot -s secondary\n  pulumi up -s secondary\n", drill.StandbyKey)
	if err := drill.SetStandbyProfile(s.ctx, *sec, "hot"); err != nil {
		return err
	}
	if err := s.up(drill.Secondary, " (capacity first: its floors rise)"); err != nil {
		return err
	}
	if err := s.capacity(drill.Secondary); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "\nThen traffic:\n  pulumi up -s global")
	if err := s.up(drill.Global, " (then traffic: secondary serves)"); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "\nFailing back (the primary is hot: a single global update). The secondary stays hot until you set it warm again.")
	if err := s.failover(drill.Primary); err != nil {
		return err
	}
	// Leave the copy of the stack file as committed, so a rerun starts from it.
	return sec.RemoveConfig(s.ctx, drill.StandbyKey)
}

// capacity prints what a stamp exports about its floors and its time to absorb the load.
func (s *session) capacity(stamp string) error {
	outs, err := s.stacks[stamp].Outputs(s.ctx)
	if err != nil {
		return err
	}
	c := toMap(outs[stacks.OutCapacity].Value)
	fmt.Fprintf(s.out, "%s: servingCapacity %v; floors: user nodes %s x %s (per zone %s), workload replicas %s, gateway minimum %s, 1 firewall with %s public IPs; ceilings: %s user nodes, %s replicas, gateway %s; absorb estimate %s s after Front Door's detection (%v s)\n",
		stamp, outs[stacks.OutServingCapacity].Value, c["userNodeMinCount"], c["userNodeVmSize"], c["userNodeMinCountPerZone"], c["workloadReplicas"],
		c["appGatewayMinCapacity"], c["firewallPublicIps"], c["userNodeMaxCount"], c["workloadMaxReplicas"], c["appGatewayMaxCapacity"],
		c["absorbSeconds"], outs[stacks.OutDetectionSeconds].Value)
	return nil
}

// globalRegionDown shows that, with the global layer's region down, the global stack stops at
// once with what still works, and the stamps still deploy.
func (s *session) globalRegionDown(outages *simprovider.Outages, region string) error {
	outages.Set(region, true)
	defer outages.Set(region, false)
	fmt.Fprintf(s.out, "\n*** SIMULATED OUTAGE: the global layer's region %s is down. ***\n", region)
	if err := s.t.step("[SIMULATED AZURE] pulumi up --stack global (its region is down: expected to stop at once)", func() error {
		err := s.operate(drill.Global, func() error {
			_, err := s.stacks[drill.Global].Up(s.ctx, optup.ProgressStreams(s.out), optup.Color(colorMode(s.out)))
			return err
		})
		if err == nil {
			return fmt.Errorf("the global stack updated although %s is down", region)
		}
		return nil
	}); err != nil {
		return err
	}
	return s.up(drill.Primary, " (a stamp is still manageable)")
}

func otherStamp(stamp string) string {
	if stamp == drill.Primary {
		return drill.Secondary
	}
	return drill.Primary
}

// toMap reads a map output of the Automation API as strings.
func toMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := map[string]string{}
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}

func runReal(ctx context.Context, o options, root string, cli *drill.CLI, t *timer, out io.Writer) error {
	verb := "preview"
	order := drill.Stacks
	if o.up {
		verb = "up"
		order = append(slices.Clone(drill.Stacks), drill.Global) // the global stack adds the origins last
	}
	fmt.Fprintf(out, "\nREAL AZURE: running `pulumi %s` for the stacks %v with the environment's backend and credentials.\n", verb, order)
	for _, name := range order {
		if err := t.step(fmt.Sprintf("pulumi %s --stack %s", verb, name), func() error {
			s, err := drill.RealStack(ctx, root, name, cli.Command, stacks.Program)
			if err != nil {
				return err
			}
			if o.up {
				_, err = s.Up(ctx, optup.ProgressStreams(out), optup.Color(colorMode(out)))
			} else {
				_, err = s.Preview(ctx, previewOpts(o, out)...)
			}
			return err
		}); err != nil {
			return err
		}
	}
	t.summary()
	return nil
}

func previewOpts(o options, out io.Writer) []optpreview.Option {
	opts := []optpreview.Option{optpreview.ProgressStreams(out), optpreview.Color(colorMode(out))}
	if o.diff {
		opts = append(opts, optpreview.Diff())
	}
	return opts
}

const simulatedLine = "*** AZURE IS SIMULATED: no Azure account was used and nothing exists in Azure. ***"

func banner(out io.Writer, l *drill.Local, realKubernetes bool) {
	bar := strings.Repeat("=", len(simulatedLine))
	providers := `The azure-native and kubernetes
providers are in-process simulators (internal/simprovider)`
	if realKubernetes {
		providers = `The azure-native provider is an in-process
simulator (internal/simprovider); the kubernetes provider is the real pulumi-kubernetes provider,
applying the workloads to a real kube-apiserver per AKS cluster on loopback (internal/kubelocal)`
	}
	fmt.Fprintf(out, `
%s
%s
The Pulumi engine, state backend and program are real. %s,
attached through PULUMI_DEBUG_PROVIDERS=%s.
State:  %s (file backend, passphrase %q)
Config: copies of Pulumi.yaml and the stack files in %s
%s

`, bar, simulatedLine, providers, l.DebugProviders, rel(l.Root, l.StateDir), drill.LocalPassphrase, rel(l.Root, l.WorkDir), bar)
}

// colorMode asks the CLI for colours only when writing to a terminal.
func colorMode(out io.Writer) string {
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("NO_COLOR") == "" {
			return "always"
		}
	}
	return "never"
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

// timer runs and times the drill's steps.
type timer struct {
	out   io.Writer
	steps []string
}

func (t *timer) step(name string, f func() error) error {
	fmt.Fprintf(t.out, "\n==> %s\n", name)
	start := time.Now()
	err := f()
	d := time.Since(start).Round(100 * time.Millisecond)
	status := "ok"
	if err != nil {
		status = "FAILED"
	}
	t.steps = append(t.steps, fmt.Sprintf("%8s  %-6s %s", d, status, name))
	fmt.Fprintf(t.out, "<== %s: %s in %s\n", name, status, d)
	return err
}

func (t *timer) summary() {
	fmt.Fprintf(t.out, "\nWall time per step:\n%s\n", strings.Join(t.steps, "\n"))
}

// Kubernetes providers of the simulated run.
const (
	kubernetesSimulated = "simulated"
	kubernetesReal      = "real"
)

// startRealKubernetes builds etcd, kube-apiserver and the Kubernetes provider when needed and
// returns the local control planes, one per simulated AKS cluster, started on first use and
// kept under dir between runs (same CA, token and ports: the same kubeconfig).
func startRealKubernetes(ctx context.Context, root, dir string, t *timer, out io.Writer) (*kubelocal.Clusters, error) {
	var kube *kubelocal.Clusters
	err := t.step("find or build etcd, kube-apiserver and the Kubernetes provider", func() error {
		bins, err := kubelocal.Build(ctx, root, out)
		if err != nil {
			return err
		}
		kube, err = kubelocal.NewClusters(ctx, bins, out, kubelocal.StateDir(filepath.Join(dir, "kube")))
		return err
	})
	return kube, err
}
