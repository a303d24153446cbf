package drill

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Step is one resource step the engine announced.
type Step struct {
	Op    apitype.OpType
	URN   string
	Type  string
	Diffs []string // the changed properties
}

// Steps collects the resource steps of one operation from its engine events. Pass Events() to
// optup.EventStreams / optpreview.EventStreams, then call Wait after the operation returns.
type Steps struct {
	ch   chan events.EngineEvent
	done chan []Step
}

// CollectSteps starts collecting.
func CollectSteps() *Steps {
	s := &Steps{ch: make(chan events.EngineEvent), done: make(chan []Step, 1)}
	go func() {
		var steps []Step
		for e := range s.ch { // the Automation API closes the channel when the operation ends
			if pre := e.ResourcePreEvent; pre != nil {
				m := pre.Metadata
				steps = append(steps, Step{Op: m.Op, URN: m.URN, Type: m.Type, Diffs: m.Diffs})
			}
		}
		s.done <- steps
	}()
	return s
}

// Events is the channel to hand to the operation.
func (s *Steps) Events() chan<- events.EngineEvent { return s.ch }

// Wait returns the steps once the operation has ended.
func (s *Steps) Wait() []Step { return <-s.done }

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
