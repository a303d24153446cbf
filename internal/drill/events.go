package drill

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Step is one resource step the engine announced.
type Step struct {
	Op    apitype.OpType
	URN   string
	Type  string
	Diffs []string // the changed top-level properties, as the provider reports them
	// Detailed are the paths of the provider's detailed diff (e.g. spec.minReplicas).
	Detailed []string
}

// Changes are the changed top-level properties: Diffs, or, from a provider that reports only a
// detailed diff (the real Kubernetes provider does), the first segment of each detailed path.
func (s Step) Changes() []string {
	if len(s.Diffs) > 0 || len(s.Detailed) == 0 {
		return s.Diffs
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range s.Detailed {
		top := p
		if i := strings.IndexAny(p, ".["); i > 0 {
			top = p[:i]
		}
		if !seen[top] {
			seen[top] = true
			out = append(out, top)
		}
	}
	sort.Strings(out)
	return out
}

// Steps collects the resource steps of one operation from its engine events. Pass Events() to
// optup.EventStreams / optpreview.EventStreams, then call Wait after the operation returns.
type Steps struct {
	ch    chan events.EngineEvent
	done  chan struct{}
	mu    sync.Mutex
	steps []Step
}

// CollectSteps starts collecting.
func CollectSteps() *Steps {
	s := &Steps{ch: make(chan events.EngineEvent), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for e := range s.ch { // the Automation API closes the channel when the event stream ends
			if pre := e.ResourcePreEvent; pre != nil {
				m := pre.Metadata
				s.mu.Lock()
				step := Step{Op: m.Op, URN: m.URN, Type: m.Type, Diffs: m.Diffs}
				for path := range m.DetailedDiff {
					step.Detailed = append(step.Detailed, path)
				}
				sort.Strings(step.Detailed)
				s.steps = append(s.steps, step)
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// Events is the channel to hand to the operation.
func (s *Steps) Events() chan<- events.EngineEvent { return s.ch }

// drainTimeout bounds the wait for the end of the event stream once the operation returned:
// when the CLI fails before it streams any event, the Automation API never closes the channel.
const drainTimeout = 5 * time.Second

// Wait returns the steps once the operation has ended.
func (s *Steps) Wait() []Step {
	select {
	case <-s.done:
	case <-time.After(drainTimeout):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Step(nil), s.steps...)
}

// Changed returns the steps that change something (every op but "same" and reads), by URN.
func Changed(steps []Step) []Step {
	var out []Step
	for _, s := range steps {
		switch s.Op {
		case apitype.OpSame, apitype.OpRead, apitype.OpReadDiscard, apitype.OpRefresh:
		default:
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}
