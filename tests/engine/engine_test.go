//go:build engine

// Package engine proves, with the real Pulumi engine and the simulated Azure providers of
// internal/simprovider, that the three stacks deploy and fail over as designed, with a region
// down included. It runs after the unit tests:
//
//	go test -tags engine -timeout 30m ./tests/engine/...
//
// The first run builds the Pulumi CLI from tools/go.mod when none is on PATH (several minutes on
// a cold cache, hence the timeout). Each step's wall time is logged.
package engine

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/aks-dr/aks-dr/internal/drill"
	"github.com/aks-dr/aks-dr/internal/kubelocal"
	"github.com/aks-dr/aks-dr/internal/simprovider"
	"github.com/aks-dr/aks-dr/stacks"
)

const originType = "azure-native:cdn:AFDOrigin"

// env is the shared, sequential fixture: the properties build on each other's state.
type env struct {
	local   *drill.Local
	outages *simprovider.Outages
	stacks  map[string]*auto.Stack
}

func (e *env) global() *auto.Stack    { return e.stacks[drill.Global] }
func (e *env) primary() *auto.Stack   { return e.stacks[drill.Primary] }
func (e *env) secondary() *auto.Stack { return e.stacks[drill.Secondary] }

// timed runs one step and logs its wall time.
func timed(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("wall time %-60s %s", name+":", time.Since(start).Round(10*time.Millisecond))
}

func TestEngine(t *testing.T) {
	ctx := t.Context()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := drill.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	var cli *drill.CLI
	timed(t, "find or build the Pulumi CLI", func() {
		cli, err = drill.FindCLI(ctx, root, testWriter{t})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("pulumi %s (%s)", cli.Command.Version(), cli.Source)

	// The workloads go through the real Kubernetes provider into a real kube-apiserver per
	// simulated AKS cluster (internal/kubelocal); Azure stays simulated.
	var kube *kubelocal.Clusters
	timed(t, "build or find etcd, kube-apiserver and the Kubernetes provider", func() {
		bins, err := kubelocal.Build(ctx, root, testWriter{t})
		if err != nil {
			t.Fatal(err)
		}
		if kube, err = kubelocal.NewClusters(ctx, bins, testWriter{t}); err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(kube.Stop)
	sims, err := simprovider.Start(ctx, kube.AKSAPIServers())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sims.Stop)
	e := &env{local: drill.NewLocal(root, t.TempDir(), cli.Command, stacks.Program, sims.DebugProviders()),
		outages: sims.Outages, stacks: map[string]*auto.Stack{}}
	e.local.Kube = kube
	operate = e.local.Operate
	if err := e.local.Prepare(); err != nil {
		t.Fatal(err)
	}
	timed(t, "create the stacks in the file backend", func() {
		for _, name := range drill.Stacks {
			st, err := e.local.Stack(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			e.stacks[name] = &st
		}
	})

	// Each property builds on the state the previous one left: the first failure skips the rest.
	_ = t.Run("StampBeforeGlobalFails", e.stampBeforeGlobalFails) &&
		t.Run("FirstDeploymentInOrder", e.firstDeploymentInOrder) &&
		t.Run("RealAPIServerAdmitsTheWorkload", e.realAPIServerAdmitsTheWorkload) &&
		t.Run("StackReferencesResolveRealOutputs", e.stackReferencesResolve) &&
		t.Run("SecondUpIsNoOp", e.secondUpIsNoOp) &&
		t.Run("FailoverUpdatesOnlyTheOriginsPromoteFirst", e.plannedFailoverAndFailback) &&
		t.Run("FailoverWithThePrimaryRegionDown", e.failoverWithPrimaryRegionDown) &&
		t.Run("FailbackWithTheSecondaryRegionDown", e.failbackWithSecondaryRegionDown) &&
		t.Run("GlobalRegionDownStopsAtOnce", e.globalRegionDownStopsAtOnce) &&
		t.Run("InvalidConfigLeavesStateUntouched", e.invalidConfigLeavesStateUntouched) &&
		t.Run("WarmStandbyPromotionCapacityThenTraffic", e.warmStandbyPromotion)
}

// operate runs one engine operation of a stack; TestEngine points it at the drill's Operate,
// which starts a real Kubernetes provider process for each operation.
var operate = func(_ context.Context, _ *auto.Stack, op func() error) error { return op() }

// realAPIServerAdmitsTheWorkload: each stamp's workload objects exist in its own real API
// server, which stored them after its own validation, and a Pod built from the Deployment's
// template passes the namespace's Pod Security level ("restricted") in a server-side dry run:
// admission does not judge a Deployment's template itself.
func (e *env) realAPIServerAdmitsTheWorkload(t *testing.T) {
	ctx := t.Context()
	planes := e.local.Kube.All()
	if len(planes) != 2 {
		t.Fatalf("%d control planes, want one per stamp's cluster: %v", len(planes), planes)
	}
	for name, cp := range planes {
		ns, err := cp.Get(ctx, "v1", "Namespace", "", "workload")
		if err != nil {
			t.Fatalf("%s: the workload namespace is not in the API server: %v", name, err)
		}
		labels, _ := ns["metadata"].(map[string]any)["labels"].(map[string]any)
		if labels["pod-security.kubernetes.io/enforce"] != "restricted" {
			t.Fatalf("%s: the namespace enforces %v, want restricted", name, labels["pod-security.kubernetes.io/enforce"])
		}
		for _, kind := range []struct{ apiVersion, kind, name string }{
			{"apps/v1", "Deployment", "web"}, {"v1", "Service", "web"}, {"policy/v1", "PodDisruptionBudget", "web"},
			{"autoscaling/v2", "HorizontalPodAutoscaler", "web"},
		} {
			if _, err := cp.Get(ctx, kind.apiVersion, kind.kind, "workload", kind.name); err != nil {
				t.Errorf("%s: %s %s is not in the API server: %v", name, kind.kind, kind.name, err)
			}
		}
	}
	timed(t, "dry-run each Deployment's pod under Pod Security", func() {
		if err := e.local.Kube.CheckPodSecurity(ctx); err != nil {
			t.Fatalf("the real API server refuses the workload's pods: %v", err)
		}
	})
	t.Logf("the workload of %d clusters is stored by real API servers; its pods pass Pod Security \"restricted\"", len(planes))
}

// up runs `pulumi up` and returns the resource steps the engine took, in order.
func up(t *testing.T, s *auto.Stack, label string, opts ...optup.Option) (auto.UpResult, []drill.Step) {
	t.Helper()
	steps := drill.CollectSteps()
	var res auto.UpResult
	var err error
	timed(t, label, func() {
		err = operate(t.Context(), s, func() error {
			var err error
			res, err = s.Up(t.Context(), append(opts, optup.EventStreams(steps.Events()))...)
			return err
		})
	})
	got := steps.Wait()
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	return res, got
}

// failingUp runs an update that must fail, and returns its error text (with the engine's
// output) and the steps it took.
func failingUp(t *testing.T, s *auto.Stack, label string) (string, []drill.Step) {
	t.Helper()
	steps := drill.CollectSteps()
	var err error
	var out strings.Builder
	timed(t, label, func() {
		err = operate(t.Context(), s, func() error {
			_, err := s.Up(t.Context(), optup.EventStreams(steps.Events()), optup.ProgressStreams(&out))
			return err
		})
	})
	got := steps.Wait()
	if err == nil {
		t.Fatalf("%s succeeded", label)
	}
	return err.Error() + out.String(), got
}

// stampBeforeGlobalFails: `pulumi up -s primary` before the global layer exists stops with an
// error that names the missing stack and says what to do, and deploys nothing.
func (e *env) stampBeforeGlobalFails(t *testing.T) {
	msg, steps := failingUp(t, e.primary(), "up primary (no global layer yet)")
	for _, want := range []string{"organization/aks-dr/global", "pulumi up -s global"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q:\n%s", want, msg)
		}
	}
	// The engine records the stack itself and its built-in pulumi provider; nothing else.
	for _, c := range drill.Changed(steps) {
		if !strings.HasPrefix(c.Type, "pulumi:") {
			t.Errorf("a stamp without its global layer changed %s", c.URN)
		}
	}
	for _, r := range export(t, e.primary()).Resources {
		if !strings.HasPrefix(string(r.Type), "pulumi:") {
			t.Errorf("the primary's state holds %s", r.URN)
		}
	}
}

// firstDeploymentInOrder: global (no origins: no stamp exists), both stamps, global again (the
// two origins and the route).
func (e *env) firstDeploymentInOrder(t *testing.T) {
	var planned map[apitype.OpType]int
	timed(t, "preview global (empty stack)", func() {
		var res auto.PreviewResult
		err := operate(t.Context(), e.global(), func() error {
			var err error
			res, err = e.global().Preview(t.Context())
			return err
		})
		if err != nil {
			t.Fatalf("preview of the empty global stack: %v", err)
		}
		planned = res.ChangeSummary
	})
	res, steps := up(t, e.global(), "up global (create, no stamp yet)")
	if creates := resourceChanges(res)[string(apitype.OpCreate)]; planned[apitype.OpCreate] != creates || creates < 10 {
		t.Fatalf("global: the preview planned %d creates, the up made %d", planned[apitype.OpCreate], creates)
	}
	if n := countType(steps, originType); n != 0 {
		t.Fatalf("global created %d origins before any stamp existed", n)
	}
	for _, s := range []*auto.Stack{e.primary(), e.secondary()} {
		res, steps := up(t, s, "up "+s.Name()+" (create)")
		changes := resourceChanges(res)
		t.Logf("%s: changes %v", s.Name(), changes)
		if res.Summary.Result != "succeeded" || changes[string(apitype.OpCreate)] < 10 {
			t.Fatalf("%s: result %q, changes %v", s.Name(), res.Summary.Result, changes)
		}
		if n := countType(steps, originType); n != 0 {
			t.Fatalf("%s registered %d origins: origins belong to the global stack", s.Name(), n)
		}
	}
	res, steps = up(t, e.global(), "up global (adds the origins and the route)")
	created := map[string]int{}
	for _, c := range drill.Changed(steps) {
		if c.Op != apitype.OpCreate {
			t.Errorf("global: %s %s; only creates of origins and the route were expected", c.Op, c.URN)
		}
		created[c.Type]++
	}
	if created[originType] != 2 || created["azure-native:cdn:Route"] != 1 {
		t.Fatalf("global's second update created %v, want 2 origins and the route", created)
	}
	t.Logf("global: %v", resourceChanges(res))
}

// stackReferencesResolve: each stamp reads the global stack's real outputs, and the global
// stack's origins point at the stamps' real gateway host names.
func (e *env) stackReferencesResolve(t *testing.T) {
	ctx := t.Context()
	globalOut, err := e.global().Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*auto.Stack{e.primary(), e.secondary()} {
		ref := findRef(t, export(t, s), "organization/"+drill.Project+"/"+drill.Global)
		refOut, _ := ref.Outputs["outputs"].(map[string]any)
		compared := 0
		for _, k := range stacks.GlobalOutputs() {
			v := globalOut[k]
			if !jsonEqual(refOut[k], v.Value) {
				t.Fatalf("%s: StackReference output %q = %v, the global stack's is %v", s.Name(), k, refOut[k], v.Value)
			}
			compared++
		}
		state := mustJSON(t, export(t, s).Resources)
		for _, k := range []string{stacks.OutFrontDoorID, stacks.OutSharedWorkspaceID, stacks.OutRegistryID, stacks.OutBaseFirewallPolicyID} {
			if v, _ := globalOut[k].Value.(string); v == "" || !strings.Contains(state, v) {
				t.Fatalf("%s: no resource uses the global %s %q", s.Name(), k, v)
			}
		}
		t.Logf("%s: StackReference resolved %d outputs of the global stack from the file backend", s.Name(), compared)
	}
	global := export(t, e.global())
	for _, s := range []*auto.Stack{e.primary(), e.secondary()} {
		outs, err := s.Outputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		host, _ := outs[stacks.OutOriginHostName].Value.(string)
		found := false
		for _, r := range global.Resources {
			if string(r.Type) == originType && r.Inputs["hostName"] == host {
				found = true
			}
		}
		if host == "" || !found {
			t.Fatalf("no origin of the global stack points at %s's gateway %q", s.Name(), host)
		}
		// Issue 9: the global layer's gateway alert watches the stamp's real gateway, and the
		// stamp exports its drill's experiment.
		gateway, _ := outs[stacks.OutAppGatewayID].Value.(string)
		watched := false
		for _, r := range global.Resources {
			if scopes, ok := r.Inputs["scopes"].([]any); ok && string(r.Type) == "azure-native:insights:MetricAlert" && len(scopes) == 1 && scopes[0] == gateway {
				watched = true
			}
		}
		if gateway == "" || !watched {
			t.Fatalf("no alert of the global stack watches %s's gateway %q", s.Name(), gateway)
		}
		if id, _ := outs[stacks.OutChaosExperimentID].Value.(string); !strings.Contains(id, "/providers/Microsoft.Chaos/experiments/") {
			t.Fatalf("%s: %s = %q", s.Name(), stacks.OutChaosExperimentID, id)
		}
	}
}

func (e *env) secondUpIsNoOp(t *testing.T) {
	for _, name := range drill.Stacks {
		s := e.stacks[name]
		res, steps := up(t, s, "up "+s.Name()+" (no change)", optup.ExpectNoChanges())
		if changed := drill.Changed(steps); len(changed) > 0 {
			t.Fatalf("%s: a second up with no change changed %v", s.Name(), changed)
		}
		t.Logf("%s: %v", s.Name(), resourceChanges(res))
	}
}

// failover runs the README's runbook: set the priorities in the global stack's config, then
// `pulumi up -s global`. It checks that exactly the two origins changed, their priority only,
// the promoted one before the demoted one, and that the state holds the new priorities.
func (e *env) failover(t *testing.T, to, label string) {
	t.Helper()
	ctx := t.Context()
	if err := drill.SetServing(ctx, *e.global(), to); err != nil {
		t.Fatal(err)
	}
	previewSteps := drill.CollectSteps()
	var err error
	timed(t, "preview global ("+label+")", func() {
		err = operate(ctx, e.global(), func() error {
			_, err := e.global().Preview(ctx, optpreview.EventStreams(previewSteps.Events()))
			return err
		})
	})
	checkOnlyOrigins(t, "preview", previewSteps.Wait())
	if err != nil {
		t.Fatal(err)
	}
	_, steps := up(t, e.global(), "up global ("+label+")")
	changed := checkOnlyOrigins(t, "up", steps)
	promoted := originName(to)
	if !strings.HasSuffix(changed[0].URN, promoted) {
		t.Fatalf("%s: the engine updated %s first; the promoted origin %s must come first", label, changed[0].URN, promoted)
	}
	want := map[string]float64{originName(drill.Primary): 2, originName(drill.Secondary): 2}
	want[promoted] = 1
	for _, r := range export(t, e.global()).Resources {
		if string(r.Type) != originType {
			continue
		}
		for suffix, p := range want {
			if strings.HasSuffix(string(r.URN), suffix) && r.Outputs["priority"] != p {
				t.Fatalf("%s: %s has priority %v in the state, want %v", label, r.URN, r.Outputs["priority"], p)
			}
		}
	}
	// Nothing is left to do: the next full update of every reachable stack is a no-op.
	if _, steps := up(t, e.global(), "up global (after "+label+")", optup.ExpectNoChanges()); len(drill.Changed(steps)) > 0 {
		t.Fatalf("a second up after %s changed %v", label, drill.Changed(steps))
	}
}

// originName is the URN suffix of a stamp's origin in the global stack.
func originName(stamp string) string {
	return map[string]string{drill.Primary: "::origin-eastus2-origin", drill.Secondary: "::origin-centralus-origin"}[stamp]
}

// checkOnlyOrigins asserts that the steps update exactly the two origins' priorities, and
// returns them in the order the engine took them.
func checkOnlyOrigins(t *testing.T, label string, steps []drill.Step) []drill.Step {
	t.Helper()
	var changed []drill.Step
	for _, s := range steps {
		switch s.Op {
		case apitype.OpSame, apitype.OpRead, apitype.OpReadDiscard, apitype.OpRefresh:
		default:
			changed = append(changed, s)
		}
	}
	if len(changed) != 2 {
		t.Fatalf("%s: changed %+v, want the two origins", label, changed)
	}
	for _, c := range changed {
		if c.Op != apitype.OpUpdate || c.Type != originType || !slices.Equal(c.Diffs, []string{"priority"}) {
			t.Fatalf("%s: changed %+v, want only updates of the origins' priority", label, changed)
		}
	}
	return changed
}

func (e *env) plannedFailoverAndFailback(t *testing.T) {
	e.failover(t, drill.Secondary, "planned failover")
	e.failover(t, drill.Primary, "planned failback")
}

// failoverWithPrimaryRegionDown: with every call into eastus2 failing, the primary stamp cannot
// even be previewed, and the runbook still completes; a change to the global layer applies too.
func (e *env) failoverWithPrimaryRegionDown(t *testing.T) {
	e.outages.Set("eastus2", true)
	defer e.outages.Set("eastus2", false)
	before := export(t, e.primary())
	msg, steps := failingUp(t, e.primary(), "up primary (eastus2 down)")
	if !strings.Contains(msg, "this stamp's region eastus2 is unavailable") || !strings.Contains(msg, "pulumi up -s global") {
		t.Fatalf("the primary's update does not say its region is down and what to do:\n%s", msg)
	}
	if changed := drill.Changed(steps); len(changed) > 0 {
		t.Fatalf("the failed update changed %v", changed)
	}
	if after := export(t, e.primary()); !sameResources(before, after) {
		t.Fatal("the primary's state changed while its region was down")
	}
	e.failover(t, drill.Secondary, "failover, eastus2 down")

	// Any change to the global layer still applies: a shorter probe interval.
	ctx := t.Context()
	for _, interval := range []string{"20", "30"} {
		if err := e.global().SetConfig(ctx, "aks-dr:probeIntervalSeconds", auto.ConfigValue{Value: interval}); err != nil {
			t.Fatal(err)
		}
		_, steps := up(t, e.global(), "up global (probe interval "+interval+"s, eastus2 down)")
		changed := drill.Changed(steps)
		if len(changed) != 1 || changed[0].Type != "azure-native:cdn:AFDOriginGroup" {
			t.Fatalf("probe interval %s: changed %+v, want the origin group", interval, changed)
		}
	}
	if err := e.global().RemoveConfig(ctx, "aks-dr:probeIntervalSeconds"); err != nil {
		t.Fatal(err)
	}
}

// failbackWithSecondaryRegionDown: the secondary serves; its region goes down; the failback runs
// exactly as the failover did.
func (e *env) failbackWithSecondaryRegionDown(t *testing.T) {
	e.outages.Set("centralus", true)
	defer e.outages.Set("centralus", false)
	e.failover(t, drill.Primary, "failback, centralus down")
}

// globalRegionDownStopsAtOnce: with the global layer's region down, the global stack stops
// before registering anything, saying what still works; a stamp still updates.
func (e *env) globalRegionDownStopsAtOnce(t *testing.T) {
	e.outages.Set("westus3", true)
	defer e.outages.Set("westus3", false)
	before := export(t, e.global())
	start := time.Now()
	msg, steps := failingUp(t, e.global(), "up global (westus3 down)")
	if d := time.Since(start); d > 2*time.Minute {
		t.Fatalf("the global stack took %s to give up", d)
	}
	for _, want := range []string{"the global layer's region westus3 is unavailable", "Front Door keeps serving", "a planned failover included"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q:\n%s", want, msg)
		}
	}
	if changed := drill.Changed(steps); len(changed) > 0 {
		t.Fatalf("changed %v", changed)
	}
	if after := export(t, e.global()); !sameResources(before, after) {
		t.Fatal("the global stack's state changed")
	}
	if _, steps := up(t, e.primary(), "up primary (westus3 down, no change)", optup.ExpectNoChanges()); len(drill.Changed(steps)) > 0 {
		t.Fatalf("primary changed %v", drill.Changed(steps))
	}
}

func (e *env) invalidConfigLeavesStateUntouched(t *testing.T) {
	ctx := t.Context()
	before := export(t, e.global())
	key := drill.PriorityKey(drill.Primary)
	if err := e.global().SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: "9"}, &auto.ConfigOptions{Path: true}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := e.global().SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: "1"}, &auto.ConfigOptions{Path: true}); err != nil {
			t.Error(err)
		}
	}()
	msg, steps := failingUp(t, e.global(), "up global (invalid origins.primary.priority 9)")
	if !strings.Contains(msg, "aks-dr:origins.primary.priority: must be between 1 and 5, got 9") {
		t.Fatalf("the error does not name the bad key:\n%v", msg)
	}
	if changed := drill.Changed(steps); len(changed) > 0 {
		t.Fatalf("invalid config changed %v", changed)
	}
	after := export(t, e.global())
	if !sameResources(before, after) {
		t.Fatalf("the state changed:\nbefore %s\nafter  %s", mustJSON(t, before.Resources), mustJSON(t, after.Resources))
	}
	t.Logf("rejected before registering anything; %d resources in the state unchanged", len(after.Resources))
}

// sameResources compares two states' resources by URN: their order in the state is not stable
// across updates (the stack resource and the default provider were seen swapped after a
// rejected update).
func sameResources(a, b apitype.DeploymentV3) bool {
	byURN := func(r []apitype.ResourceV3) []apitype.ResourceV3 {
		out := slices.Clone(r)
		slices.SortStableFunc(out, func(x, y apitype.ResourceV3) int { return strings.Compare(string(x.URN), string(y.URN)) })
		return out
	}
	return reflect.DeepEqual(byURN(a.Resources), byURN(b.Resources))
}

func findRef(t *testing.T, d apitype.DeploymentV3, name string) apitype.ResourceV3 {
	t.Helper()
	for _, r := range d.Resources {
		if r.Type == "pulumi:pulumi:StackReference" && r.Inputs["name"] == name {
			return r
		}
	}
	t.Fatalf("no StackReference to %s in the state", name)
	return apitype.ResourceV3{}
}

func resourceChanges(res auto.UpResult) map[string]int {
	if res.Summary.ResourceChanges == nil {
		return nil
	}
	return *res.Summary.ResourceChanges
}

func export(t *testing.T, s *auto.Stack) apitype.DeploymentV3 {
	t.Helper()
	u, err := s.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(u.Deployment, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func countType(steps []drill.Step, typ string) int {
	n := 0
	for _, s := range steps {
		if s.Type == typ {
			n++
		}
	}
	return n
}

func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var x, y any
	_ = json.Unmarshal(ja, &x)
	_ = json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testWriter sends the CLI build's output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// warmStandbyPromotion (issue 12): the secondary becomes a warm standby (its update lowers its
// floors and nothing else); the global stack refuses to give it priority 1, changing nothing,
// and says what to run first; with standbyProfile hot its update raises the floors and nothing
// else (capacity first); then the global update changes the two origins alone (traffic), as a
// hot failover does. The failback and the return to the default profile leave no change behind.
func (e *env) warmStandbyPromotion(t *testing.T) {
	ctx := t.Context()
	sec := e.secondary()
	profile := func(p string) {
		t.Helper()
		if err := drill.SetStandbyProfile(ctx, *sec, p); err != nil {
			t.Fatal(err)
		}
	}
	profile("warm")
	_, steps := up(t, sec, "up secondary (standbyProfile warm: floors down)")
	checkOnlyFloors(t, "warm standby", steps)
	checkServing(t, sec, false)

	if err := drill.SetServing(ctx, *e.global(), drill.Secondary); err != nil {
		t.Fatal(err)
	}
	before := export(t, e.global())
	msg, steps := failingUp(t, e.global(), "up global (priority 1 for a warm standby: refused)")
	for _, want := range []string{"aks-dr:origins.secondary.priority: 1 would send the traffic to secondary, which runs at warm standby floors",
		"pulumi config set aks-dr:standbyProfile hot -s secondary && pulumi up -s secondary"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("the refusal does not say %q:\n%s", want, msg)
		}
	}
	if changed := drill.Changed(steps); len(changed) > 0 {
		t.Fatalf("the refused update changed %v", changed)
	}
	// The StackReferences were read (they hold the stamps' new outputs); nothing else moved.
	if !sameResources(withoutReads(before), withoutReads(export(t, e.global()))) {
		t.Fatal("the refused update changed the global stack's state")
	}

	profile("hot")
	_, steps = up(t, sec, "up secondary (standbyProfile hot: capacity first)")
	checkOnlyFloors(t, "promotion", steps)
	checkServing(t, sec, true)
	e.failover(t, drill.Secondary, "warm promotion: then traffic")
	e.failover(t, drill.Primary, "failback after the warm promotion")

	if err := sec.RemoveConfig(ctx, drill.StandbyKey); err != nil {
		t.Fatal(err)
	}
	if _, steps := up(t, sec, "up secondary (default profile: hot)", optup.ExpectNoChanges()); len(drill.Changed(steps)) > 0 {
		t.Fatalf("the default profile changed %v", drill.Changed(steps))
	}
}

// floorDiffs are the updates a standby profile change makes, by type: the user pools' minimums,
// the gateway's autoscale minimum, the HPA's minimum (the Deployment's replicas are the HPA's).
var floorDiffs = map[string][]string{
	"azure-native:containerservice:ManagedCluster":      {"agentPoolProfiles"},
	"azure-native:network:ApplicationGateway":           {"autoscaleConfiguration"},
	"kubernetes:autoscaling/v2:HorizontalPodAutoscaler": {"spec"},
}

// checkOnlyFloors asserts that the steps update exactly the floors' resources and properties.
func checkOnlyFloors(t *testing.T, label string, steps []drill.Step) {
	t.Helper()
	changed := drill.Changed(steps)
	if len(changed) != len(floorDiffs) {
		t.Fatalf("%s: changed %+v, want the cluster, the gateway and the HPA", label, changed)
	}
	for _, c := range changed {
		if want, ok := floorDiffs[c.Type]; !ok || c.Op != apitype.OpUpdate || !slices.Equal(c.Changes(), want) {
			t.Fatalf("%s: %s %s changed %v (detailed %v); only floors may change (%v)", label, c.Op, c.URN, c.Changes(), c.Detailed, floorDiffs)
		}
	}
}

// checkServing asserts a stamp's servingCapacity output.
func checkServing(t *testing.T, s *auto.Stack, want bool) {
	t.Helper()
	outs, err := s.Outputs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := outs[stacks.OutServingCapacity].Value; got != want {
		t.Fatalf("%s: servingCapacity %v, want %v (capacity %v)", s.Name(), got, want, outs[stacks.OutCapacity].Value)
	}
	// The shipped sizes: serving floors 3 user nodes, 3 replicas, gateway 2; warm 1, 2, 0, and
	// the absorb estimate adds node provisioning to the pods' start.
	floors := map[bool][4]float64{true: {3, 3, 2, 60}, false: {1, 2, 0, 370}}[want]
	c, _ := outs[stacks.OutCapacity].Value.(map[string]any)
	for i, k := range []string{"userNodeMinCount", "workloadReplicas", "appGatewayMinCapacity", "absorbSeconds"} {
		if c[k] != floors[i] {
			t.Fatalf("%s: capacity.%s = %v, want %v (capacity %v)", s.Name(), k, c[k], floors[i], c)
		}
	}
	if c["userNodeMaxCount"] != 9.0 || c["workloadMaxReplicas"] != 12.0 || c["appGatewayMaxCapacity"] != 10.0 {
		t.Fatalf("%s: the ceilings moved: %v", s.Name(), c)
	}
	t.Logf("%s: servingCapacity %v, capacity %v", s.Name(), want, outs[stacks.OutCapacity].Value)
}

// withoutReads drops the StackReferences from a state: they are reads, refreshed by every run.
func withoutReads(d apitype.DeploymentV3) apitype.DeploymentV3 {
	d.Resources = slices.DeleteFunc(slices.Clone(d.Resources), func(r apitype.ResourceV3) bool { return r.Type == "pulumi:pulumi:StackReference" })
	return d
}
