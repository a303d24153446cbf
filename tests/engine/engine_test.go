//go:build engine

// Package engine proves, with the real Pulumi engine and the simulated Azure providers of
// internal/simprovider, that the two stacks deploy and fail over as designed. It runs after the
// unit tests:
//
//	go test -tags engine -timeout 30m ./tests/engine/...
//
// The first run builds the Pulumi CLI from tools/go.mod when none is on PATH (several minutes on
// a cold cache, hence the timeout). Each step's wall time is logged.
package engine

import (
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
	"github.com/aks-dr/aks-dr/internal/simprovider"
	"github.com/aks-dr/aks-dr/stacks"
)

const originType = "azure-native:cdn:AFDOrigin"

// env is the shared, sequential fixture: the properties build on each other's state.
type env struct {
	local              *drill.Local
	primary, secondary auto.Stack
}

// timed runs one step and logs its wall time.
func timed(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("wall time %-52s %s", name+":", time.Since(start).Round(10*time.Millisecond))
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

	sims, err := simprovider.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sims.Stop)
	e := &env{local: drill.NewLocal(root, t.TempDir(), cli.Command, stacks.Program, sims.DebugProviders())}
	if err := e.local.Prepare(); err != nil {
		t.Fatal(err)
	}
	timed(t, "create the stacks in the file backend", func() {
		if e.primary, err = e.local.Stack(ctx, drill.Primary); err != nil {
			t.Fatal(err)
		}
		if e.secondary, err = e.local.Stack(ctx, drill.Secondary); err != nil {
			t.Fatal(err)
		}
	})

	// Each property builds on the state the previous one left: the first failure skips the rest.
	_ = t.Run("SecondaryBeforePrimaryFails", e.secondaryBeforePrimaryFails) &&
		t.Run("BothStacksDeploy", e.bothStacksDeploy) &&
		t.Run("StackReferenceResolvesPrimaryOutputs", e.stackReferenceResolvesPrimaryOutputs) &&
		t.Run("SecondUpIsNoOp", e.secondUpIsNoOp) &&
		t.Run("PrioritySwapUpdatesOnlyTheTwoOrigins", e.prioritySwapUpdatesOnlyTheOrigins) &&
		t.Run("InvalidConfigLeavesStateUntouched", e.invalidConfigLeavesStateUntouched)
}

// up runs `pulumi up` and returns the resource steps the engine took.
func up(t *testing.T, s auto.Stack, label string, opts ...optup.Option) (auto.UpResult, []drill.Step) {
	t.Helper()
	steps := drill.CollectSteps()
	var res auto.UpResult
	var err error
	timed(t, label, func() {
		res, err = s.Up(t.Context(), append(opts, optup.EventStreams(steps.Events()))...)
	})
	got := steps.Wait()
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	return res, got
}

// secondaryBeforePrimaryFails: `pulumi up -s secondary` before the primary exists stops with an
// error that names the missing stack and says what to do, and deploys nothing.
func (e *env) secondaryBeforePrimaryFails(t *testing.T) {
	steps := drill.CollectSteps()
	var err error
	var out strings.Builder
	timed(t, "up secondary (no primary yet)", func() {
		_, err = e.secondary.Up(t.Context(), optup.EventStreams(steps.Events()), optup.ProgressStreams(&out))
	})
	got := steps.Wait()
	if err == nil {
		t.Fatal("the secondary deployed without a primary")
	}
	msg := err.Error() + out.String()
	for _, want := range []string{"organization/aks-dr/primary", "pulumi up -s primary"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q:\n%s", want, msg)
		}
	}
	// The engine records the stack itself and its built-in pulumi provider; nothing else.
	for _, c := range drill.Changed(got) {
		if !strings.HasPrefix(c.Type, "pulumi:") {
			t.Errorf("a secondary without its primary changed %s", c.URN)
		}
	}
	for _, r := range export(t, e.secondary).Resources {
		if !strings.HasPrefix(string(r.Type), "pulumi:") {
			t.Errorf("the secondary's state holds %s", r.URN)
		}
	}
}

func (e *env) bothStacksDeploy(t *testing.T) {
	// A preview of the empty primary: every computed output is unknown, and still the program
	// (kubeconfig from an unknown cluster included) must plan cleanly.
	var planned map[apitype.OpType]int
	timed(t, "preview primary (empty stack)", func() {
		res, err := e.primary.Preview(t.Context())
		if err != nil {
			t.Fatalf("preview of the empty primary: %v", err)
		}
		planned = res.ChangeSummary
	})
	for _, s := range []auto.Stack{e.primary, e.secondary} {
		res, steps := up(t, s, "up "+s.Name()+" (create)")
		changes := resourceChanges(res)
		creates := changes[string(apitype.OpCreate)]
		t.Logf("%s: %d resources created, changes %v", s.Name(), creates, changes)
		if res.Summary.Result != "succeeded" || creates < 10 {
			t.Fatalf("%s: result %q with %d creates", s.Name(), res.Summary.Result, creates)
		}
		if n := countType(steps, originType); n != 1 {
			t.Fatalf("%s: %d %s resources, want exactly one per stack", s.Name(), n, originType)
		}
		if len(res.Outputs) == 0 {
			t.Fatalf("%s exports no outputs", s.Name())
		}
		if s.Name() == e.primary.Name() && planned[apitype.OpCreate] != creates {
			t.Fatalf("the preview planned %d creates, the up made %d", planned[apitype.OpCreate], creates)
		}
	}
}

func (e *env) stackReferenceResolvesPrimaryOutputs(t *testing.T) {
	ctx := t.Context()
	primaryOut, err := e.primary.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	state := export(t, e.secondary)
	var ref *apitype.ResourceV3
	for i, r := range state.Resources {
		if r.Type == "pulumi:pulumi:StackReference" {
			ref = &state.Resources[i]
		}
	}
	if ref == nil {
		t.Fatal("the secondary's state has no StackReference")
	}
	if want := "organization/" + drill.Project + "/" + drill.Primary; ref.Inputs["name"] != want {
		t.Fatalf("StackReference name = %v, want %q", ref.Inputs["name"], want)
	}
	refOut, _ := ref.Outputs["outputs"].(map[string]any)
	compared, armIDs := 0, 0
	for k, v := range primaryOut {
		if v.Secret {
			continue
		}
		if !jsonEqual(refOut[k], v.Value) {
			t.Fatalf("StackReference output %q = %v, the primary's is %v", k, refOut[k], v.Value)
		}
		compared++
		if s, ok := v.Value.(string); ok && strings.HasPrefix(s, "/subscriptions/") {
			armIDs++
		}
	}
	if compared == 0 || armIDs == 0 {
		t.Fatalf("compared %d outputs, %d of them ARM IDs: the primary exports nothing a real deployment computes", compared, armIDs)
	}
	// The secondary's resources consume those values, not placeholders.
	used := map[string]bool{}
	for _, r := range state.Resources {
		if r.Type == "pulumi:pulumi:StackReference" || r.Type == "pulumi:pulumi:Stack" {
			continue
		}
		for k, v := range primaryOut {
			if s, ok := v.Value.(string); ok && !v.Secret && len(s) > 8 && strings.Contains(mustJSON(t, r.Inputs), s) {
				used[k] = true
			}
		}
	}
	if len(used) == 0 {
		t.Fatal("no resource of the secondary uses any of the primary's outputs")
	}
	t.Logf("StackReference %s resolved %d outputs (%d ARM IDs) from the file backend; the secondary's resources use %v",
		ref.Inputs["name"], compared, armIDs, keys(used))
}

func (e *env) secondUpIsNoOp(t *testing.T) {
	for _, s := range []auto.Stack{e.primary, e.secondary} {
		res, steps := up(t, s, "up "+s.Name()+" (no change)", optup.ExpectNoChanges())
		if changed := drill.Changed(steps); len(changed) > 0 {
			t.Fatalf("%s: a second up with no change changed %v", s.Name(), changed)
		}
		t.Logf("%s: %v", s.Name(), resourceChanges(res))
	}
}

func (e *env) prioritySwapUpdatesOnlyTheOrigins(t *testing.T) {
	ctx := t.Context()
	if err := drill.Failover(ctx, e.primary, e.secondary); err != nil {
		t.Fatal(err)
	}
	check := func(label string, s auto.Stack, steps []drill.Step) {
		t.Helper()
		changed := drill.Changed(steps)
		if len(changed) != 1 || changed[0].Op != apitype.OpUpdate || changed[0].Type != originType ||
			!slices.Equal(changed[0].Diffs, []string{"priority"}) {
			t.Fatalf("%s %s: changed %+v, want one update of the %s's priority", label, s.Name(), changed, originType)
		}
	}
	for _, s := range []auto.Stack{e.primary, e.secondary} {
		steps := drill.CollectSteps()
		var err error
		timed(t, "preview "+s.Name()+" (failover)", func() {
			_, err = s.Preview(ctx, optpreview.EventStreams(steps.Events()))
		})
		got := steps.Wait()
		if err != nil {
			t.Fatal(err)
		}
		check("preview", s, got)
	}
	// As the runbook does it: promote the secondary first, then demote the primary, each with
	// `pulumi up --target` on the origin URN the stack exports.
	for _, c := range []struct {
		s    auto.Stack
		want float64
	}{{e.secondary, 1}, {e.primary, 2}} {
		s, want := c.s, c.want
		outs, err := s.Outputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		urn, _ := outs[stacks.OutOriginURN].Value.(string)
		if !strings.HasPrefix(urn, "urn:pulumi:") {
			t.Fatalf("%s exports no %s: %v", s.Name(), stacks.OutOriginURN, outs[stacks.OutOriginURN])
		}
		_, steps := up(t, s, "up --target origin "+s.Name()+" (failover)", optup.Target([]string{urn}))
		check("up --target", s, steps)
		origin := findType(t, export(t, s), originType)
		if origin.Outputs["priority"] != want {
			t.Fatalf("%s: origin priority in state = %v, want %v", s.Name(), origin.Outputs["priority"], want)
		}
	}
	// A full update afterwards finds nothing left to do: the targeted ones were the whole change.
	for _, s := range []auto.Stack{e.secondary, e.primary} {
		if _, steps := up(t, s, "up "+s.Name()+" (after failover)", optup.ExpectNoChanges()); len(drill.Changed(steps)) > 0 {
			t.Fatalf("%s: a full up after the targeted failover changed %v", s.Name(), drill.Changed(steps))
		}
	}
}

func (e *env) invalidConfigLeavesStateUntouched(t *testing.T) {
	ctx := t.Context()
	before := export(t, e.primary)
	if err := e.primary.SetConfig(ctx, drill.PriorityKey, auto.ConfigValue{Value: "9"}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := e.primary.SetConfig(ctx, drill.PriorityKey, auto.ConfigValue{Value: "2"}); err != nil {
			t.Error(err)
		}
	}()
	steps := drill.CollectSteps()
	var err error
	timed(t, "up primary (invalid frontDoorPriority 9)", func() {
		_, err = e.primary.Up(ctx, optup.EventStreams(steps.Events()))
	})
	got := steps.Wait()
	if err == nil {
		t.Fatal("up succeeded with frontDoorPriority 9")
	}
	if !strings.Contains(err.Error(), "frontDoorPriority") {
		t.Fatalf("the error does not name the bad key:\n%v", err)
	}
	if changed := drill.Changed(got); len(changed) > 0 {
		t.Fatalf("invalid config changed %v", changed)
	}
	after := export(t, e.primary)
	// The order of the state's resources is not stable across updates (the stack resource and
	// the default provider were seen swapped after a rejected update, 1 run in 5): compare the
	// resources themselves, by URN.
	byURN := func(r []apitype.ResourceV3) []apitype.ResourceV3 {
		out := slices.Clone(r)
		slices.SortStableFunc(out, func(a, b apitype.ResourceV3) int { return strings.Compare(string(a.URN), string(b.URN)) })
		return out
	}
	if !reflect.DeepEqual(byURN(before.Resources), byURN(after.Resources)) {
		t.Fatalf("the state changed:\nbefore %s\nafter  %s", mustJSON(t, before.Resources), mustJSON(t, after.Resources))
	}
	t.Logf("rejected before registering anything; %d resources in the state unchanged", len(after.Resources))
}

func resourceChanges(res auto.UpResult) map[string]int {
	if res.Summary.ResourceChanges == nil {
		return nil
	}
	return *res.Summary.ResourceChanges
}

func export(t *testing.T, s auto.Stack) apitype.DeploymentV3 {
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

func findType(t *testing.T, d apitype.DeploymentV3, typ string) apitype.ResourceV3 {
	t.Helper()
	for _, r := range d.Resources {
		if string(r.Type) == typ {
			return r
		}
	}
	t.Fatalf("no %s in the state", typ)
	return apitype.ResourceV3{}
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

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// testWriter sends the CLI build's output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
