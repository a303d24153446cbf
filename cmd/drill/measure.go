package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aks-dr/aks-dr/internal/drill"
	"github.com/aks-dr/aks-dr/internal/drillmeasure"
	"github.com/aks-dr/aks-dr/stacks"
)

// chaosAPIVersion is the Chaos Studio API the experiment is started with.
const chaosAPIVersion = "2024-01-01"

// Measured drill timing: a baseline to learn which region serves, and how long to wait after
// the fault's nominal end for the region to answer again. Chaos Studio takes up to a few
// minutes to apply a fault after the start call, which the onset absorbs.
const (
	drillBaseline = 30 * time.Second
	drillTimeout  = 15 * time.Minute
)

// runMeasuredDrill starts the named stamp's Chaos Studio experiment and measures the failover
// at the Front Door endpoint (README, "Running a failover drill").
func runMeasuredDrill(ctx context.Context, o options, root string, cli *drill.CLI, out io.Writer) error {
	global, err := drill.RealStack(ctx, root, drill.Global, cli.Command, stacks.Program)
	if err != nil {
		return err
	}
	gouts, err := global.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("reading the global stack's outputs: %w", err)
	}
	stamp, err := drill.RealStack(ctx, root, o.drillStamp, cli.Command, stacks.Program)
	if err != nil {
		return err
	}
	souts, err := stamp.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("reading stack %s's outputs: %w", o.drillStamp, err)
	}
	host, _ := gouts[stacks.OutFrontDoorEndpoint].Value.(string)
	detection, _ := gouts[stacks.OutDetectionSeconds].Value.(float64)
	experiment, _ := souts[stacks.OutChaosExperimentID].Value.(string)
	location, _ := souts[stacks.OutLocation].Value.(string)
	if host == "" || experiment == "" || location == "" {
		return fmt.Errorf("the global stack must export %s and stack %s must export %s and %s: run `pulumi up` on both with this version first",
			stacks.OutFrontDoorEndpoint, o.drillStamp, stacks.OutChaosExperimentID, stacks.OutLocation)
	}
	minutes := stacks.Defaults["drillFaultMinutes"].(int)
	if v, err := stamp.GetConfig(ctx, stacks.Namespace+":drillFaultMinutes"); err == nil {
		if n, err := strconv.Atoi(v.Value); err == nil {
			minutes = n
		}
	}
	fmt.Fprintf(out, "\nREAL AZURE DRILL: starting %s\nfor %d minutes; polling https://%s/ every second (Ctrl-C stops polling, not the experiment).\n\n",
		experiment, minutes, host)
	plan := drillmeasure.Plan{
		Region:           location,
		Baseline:         drillBaseline,
		Fault:            time.Duration(minutes) * time.Minute,
		Every:            time.Second,
		Timeout:          drillTimeout,
		DetectionSeconds: int(detection),
		Clock:            drillmeasure.WallClock{},
		Poll:             drillmeasure.Poller{URL: "https://" + host + "/", Client: &http.Client{Timeout: 5 * time.Second}}.Poll,
		Start:            func(ctx context.Context) error { return startExperiment(ctx, experiment) },
		Progress:         func(s drillmeasure.Sample) { fmt.Fprintln(out, sampleLine(s)) },
	}
	report, err := drillmeasure.Run(ctx, plan)
	if report != nil {
		fmt.Fprintf(out, "\n%s", report)
	}
	return err
}

// startExperiment starts a Chaos Studio experiment through the Azure CLI's signed-in identity,
// which needs Microsoft.Chaos/experiments/start/action on it.
func startExperiment(ctx context.Context, experimentID string) error {
	cmd := exec.CommandContext(ctx, "az", "rest", "--method", "post", "--url", startURL(experimentID))
	msg, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("az rest (start %s): %w: %s", experimentID, err, strings.TrimSpace(string(msg)))
	}
	return nil
}

// startURL is the ARM action that starts an experiment.
func startURL(experimentID string) string {
	return "https://management.azure.com" + experimentID + "/start?api-version=" + chaosAPIVersion
}

func sampleLine(s drillmeasure.Sample) string {
	switch {
	case s.Err != "":
		return fmt.Sprintf("+%4ds  error  %s", int(s.At.Seconds()), s.Err)
	default:
		return fmt.Sprintf("+%4ds  %d  %s", int(s.At.Seconds()), s.Status, s.Region)
	}
}
