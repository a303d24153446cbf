// Command drill is aks-dr's main job: it shows the Pulumi engine deploying both stacks and
// previewing a failover, on a fresh machine with nothing but Go.
//
//	go run ./cmd/drill            # simulated Azure (the default without Azure credentials)
//	go run ./cmd/drill -real      # the real `pulumi preview` of both stacks
//	go run ./cmd/drill -real -up  # the real `pulumi up` of both stacks
//
// Simulated, it finds or builds the Pulumi CLI, keeps the state in a git-ignored file backend
// (.pulumi-local/), serves simulated azure-native and kubernetes providers in-process, and runs
// stacks.Program as an inline program: up primary, up secondary (whose StackReference reads the
// primary's outputs from that backend), then previews the failover, the swap of the two
// Front Door origin priorities, printed as `pulumi preview` prints it. See internal/drill.
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
	"github.com/aks-dr/aks-dr/internal/simprovider"
	"github.com/aks-dr/aks-dr/stacks"
)

type options struct {
	real, simulated, up, fresh, diff bool
}

func main() {
	var o options
	flag.BoolVar(&o.real, "real", false, "run the real `pulumi preview` (or up, with -up) of both stacks against the configured backend and Azure")
	flag.BoolVar(&o.simulated, "simulated", false, "simulate Azure even when a backend and Azure credentials are configured")
	flag.BoolVar(&o.up, "up", false, "with -real: deploy both stacks (`pulumi up`) instead of previewing them")
	flag.BoolVar(&o.fresh, "fresh", false, "simulated: delete the local state first and deploy from scratch")
	flag.BoolVar(&o.diff, "diff", false, "show property-level diffs (`pulumi preview --diff`)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./cmd/drill [flags]\n\n%s\n\nflags:\n",
			"Deploys the primary and secondary stacks and previews a failover. Azure is simulated unless -real.")
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

	if useReal {
		return runReal(ctx, o, root, cli, t, out)
	}
	return runSimulated(ctx, o, root, cli, t, out)
}

func runSimulated(ctx context.Context, o options, root string, cli *drill.CLI, t *timer, out io.Writer) error {
	dir := filepath.Join(root, drill.LocalDir)
	if o.fresh {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	sims, err := simprovider.Start(ctx)
	if err != nil {
		return err
	}
	defer sims.Stop()
	local := drill.NewLocal(root, dir, cli.Command, stacks.Program, sims.DebugProviders())
	if err := local.Prepare(); err != nil {
		return err
	}
	banner(out, local)

	var primary, secondary auto.Stack
	progress := optup.ProgressStreams(out)
	color := optup.Color(colorMode(out))
	if err := t.step("[SIMULATED AZURE] pulumi up --stack primary", func() error {
		if primary, err = local.Stack(ctx, drill.Primary); err != nil {
			return err
		}
		_, err := primary.Up(ctx, progress, color)
		return err
	}); err != nil {
		return err
	}
	if err := t.step("[SIMULATED AZURE] pulumi up --stack secondary", func() error {
		if secondary, err = local.Stack(ctx, drill.Secondary); err != nil {
			return err
		}
		_, err := secondary.Up(ctx, progress, color)
		return err
	}); err != nil {
		return err
	}
	if err := drill.Failover(ctx, primary, secondary); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nFailover: %s set to 2 on primary and 1 on secondary (in the copies under %s).\n",
		drill.PriorityKey, rel(root, local.WorkDir))
	for _, s := range []auto.Stack{primary, secondary} {
		if err := t.step("[SIMULATED AZURE] failover: pulumi preview --stack "+s.Name(), func() error {
			_, err := s.Preview(ctx, previewOpts(o, out)...)
			return err
		}); err != nil {
			return err
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(sims.Providers)) {
		p := sims.Providers[pkg]
		st := p.Stats()
		fmt.Fprintf(out, "simulated %s served %d creates, %d updates, %d deletes, %d invokes (+%d previewed creates, %d previewed updates)\n",
			p.Package(), st.Creates, st.Updates, st.Deletes, st.Invokes, st.PreviewCreates, st.PreviewUpdates)
	}
	t.summary()
	fmt.Fprintf(out, "\n%s\nThe failover above was only previewed. State: %s (rerun to see a no-op up; -fresh to start over).\n",
		simulatedLine, rel(root, local.StateDir))
	return nil
}

func runReal(ctx context.Context, o options, root string, cli *drill.CLI, t *timer, out io.Writer) error {
	verb := "preview"
	if o.up {
		verb = "up"
	}
	fmt.Fprintf(out, "\nREAL AZURE: running `pulumi %s` for both stacks with the environment's backend and credentials.\n", verb)
	for _, name := range []string{drill.Primary, drill.Secondary} {
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

func banner(out io.Writer, l *drill.Local) {
	bar := strings.Repeat("=", len(simulatedLine))
	fmt.Fprintf(out, `
%s
%s
The Pulumi engine, state backend and program are real. The azure-native and kubernetes
providers are in-process simulators (internal/simprovider), attached through
PULUMI_DEBUG_PROVIDERS=%s.
State:  %s (file backend, passphrase %q)
Config: copies of Pulumi.yaml and the stack files in %s
%s

`, bar, simulatedLine, l.DebugProviders, rel(l.Root, l.StateDir), drill.LocalPassphrase, rel(l.Root, l.WorkDir), bar)
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
