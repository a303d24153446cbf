package drillmeasure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// region is a local HTTP server standing in for one stamp: it answers like the workload (the
// region in a header and in the page) until it is taken down, then drops every connection, as
// an NSG deny rule makes the Application Gateway unreachable.
type region struct {
	name string
	down atomic.Bool
	srv  *httptest.Server
}

func newRegion(t *testing.T, name string, withHeader bool) *region {
	t.Helper()
	r := &region{name: name}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if r.down.Load() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		if withHeader {
			w.Header().Set(RegionHeader, name)
		}
		fmt.Fprintf(w, "<html><body><p>aks-dr region: %s</p></body></html>\n", name)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// drill wires two regions, the Front Door model and a plan on a virtual clock.
type drill struct {
	clock    *VirtualClock
	primary  *region
	standby  *region
	fd       *FrontDoor
	endpoint *httptest.Server
	probe    ProbeSettings
}

func newDrill(t *testing.T, probe ProbeSettings) *drill {
	t.Helper()
	d := &drill{clock: NewVirtualClock(), primary: newRegion(t, "eastus2", true), standby: newRegion(t, "centralus", true), probe: probe}
	client := &http.Client{Timeout: 2 * time.Second}
	d.fd = &FrontDoor{Probe: probe, Client: client, Origins: []Origin{
		{Region: "eastus2", URL: d.primary.srv.URL, Priority: 1},
		{Region: "centralus", URL: d.standby.srv.URL, Priority: 2},
	}}
	d.fd.Start(d.clock)
	d.endpoint = httptest.NewServer(d.fd)
	t.Cleanup(d.endpoint.Close)
	return d
}

// plan takes the named region down for fault once the baseline is over.
func (d *drill) plan(target *region, fault time.Duration) Plan {
	poller := Poller{URL: d.endpoint.URL, Client: &http.Client{Timeout: 2 * time.Second}}
	return Plan{
		Region:           target.name,
		Baseline:         10 * time.Second,
		Fault:            fault,
		Every:            time.Second,
		Timeout:          time.Minute,
		DetectionSeconds: d.probe.DetectionSeconds(),
		Clock:            d.clock,
		Poll:             poller.Poll,
		Start: func(context.Context) error {
			target.down.Store(true)
			d.clock.At(d.clock.Now().Add(fault), func() { target.down.Store(false) })
			return nil
		},
	}
}

var probeEvery5s = ProbeSettings{Interval: 5 * time.Second, SampleSize: 4, SuccessfulSamples: 2}

func TestFailoverOfTheServingRegionTakesTheDetectionTime(t *testing.T) {
	t.Parallel()
	d := newDrill(t, probeEvery5s)
	r, err := Run(context.Background(), d.plan(d.primary, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	detection := time.Duration(probeEvery5s.DetectionSeconds()) * time.Second
	if detection != 15*time.Second {
		t.Fatalf("(4 - 2 + 1) x 5 s = 15 s, got %s", detection)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"serving before", r.ServingBefore, "eastus2"},
		{"fault seen", r.FaultSeen, true},
		{"fault seen at the first poll after the start", r.Onset, r.Started},
		{"failed over", r.FailedOver, true},
		// The fault begins right after a successful probe, so it takes exactly
		// sampleSize - successfulSamples + 1 failed probes.
		{"failover after the detection time", r.FailoverAfter, detection},
		// One poll a second fails until then.
		{"errors before the failover", r.ErrorsBeforeFailover, int(detection / time.Second)},
		{"errors after the failover", r.ErrorsAfterFailover, 0},
		{"recovered", r.Recovered, true},
		// Healthy again after successfulSamples good probes: the first right at the fault's end.
		{"recovered after (successfulSamples - 1) probe intervals", r.RecoveredAfter, time.Duration(probeEvery5s.SuccessfulSamples-1) * probeEvery5s.Interval},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v\n%s", c.what, c.got, c.want, r)
		}
	}
	// Between the failover and the fault's end every answer comes from the standby.
	for _, s := range r.Samples {
		if s.At >= r.Onset+r.FailoverAfter && s.At < r.Onset+time.Minute && (!s.OK() || s.Region != "centralus") {
			t.Errorf("at +%s: %+v, want centralus", s.At, s)
		}
	}
	out := r.String()
	for _, want := range []string{"drill of eastus2 (serving before the fault: eastus2)", "other region answered after: 15s (within frontDoorFailoverDetectionSeconds = 15s)",
		"failed requests meanwhile:   15", "eastus2 answered again 5s after the fault ended"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestSlowerProbesFailOverLater: the same drill with a 10 s interval and 5/3 samples takes
// (5 - 3 + 1) x 10 s = 30 s, so the model really applies the configured settings.
func TestSlowerProbesFailOverLater(t *testing.T) {
	t.Parallel()
	probe := ProbeSettings{Interval: 10 * time.Second, SampleSize: 5, SuccessfulSamples: 3}
	d := newDrill(t, probe)
	r, err := Run(context.Background(), d.plan(d.primary, 2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !r.FailedOver || r.FailoverAfter != 30*time.Second || r.ErrorsBeforeFailover != 30 {
		t.Errorf("want failover after 30 s with 30 errors:\n%s", r)
	}
	if !r.Recovered || r.RecoveredAfter != 20*time.Second {
		t.Errorf("want recovery 20 s after the fault (3 good probes, 10 s apart):\n%s", r)
	}
}

// TestAFaultShorterThanDetectionIsNoFailover: Front Door never marks the origin unhealthy, so
// users only see errors; the report says Front Door did not fail over.
func TestAFaultShorterThanDetectionIsNoFailover(t *testing.T) {
	t.Parallel()
	d := newDrill(t, probeEvery5s)
	r, err := Run(context.Background(), d.plan(d.primary, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if r.FailedOver || r.ErrorsBeforeFailover != 10 || !r.Recovered || r.RecoveredAfter != 0 {
		t.Errorf("want no failover, 10 errors, recovery at the fault's end:\n%s", r)
	}
	if !strings.Contains(r.String(), "Front Door did NOT fail over") {
		t.Errorf("report:\n%s", r)
	}
}

// TestDrillOfTheStandbyChangesNothing: taking away the region that does not serve costs users
// nothing, and the report says so.
func TestDrillOfTheStandbyChangesNothing(t *testing.T) {
	t.Parallel()
	d := newDrill(t, probeEvery5s)
	p := d.plan(d.standby, 30*time.Second)
	sawUnhealthy := false
	p.Progress = func(Sample) { sawUnhealthy = sawUnhealthy || !d.fd.Healthy("centralus") }
	r, err := Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r.FaultSeen || r.ErrorsBeforeFailover+r.ErrorsAfterFailover != 0 || r.ServingBefore != "eastus2" {
		t.Errorf("want no visible fault:\n%s", r)
	}
	if !sawUnhealthy || !d.fd.Healthy("centralus") {
		t.Errorf("the standby must go unhealthy during its 30 s fault and be healthy again by the end (saw unhealthy: %v)", sawUnhealthy)
	}
	if !strings.Contains(r.String(), "centralus was not serving") {
		t.Errorf("report:\n%s", r)
	}
}

func TestNoBaselineNoDrill(t *testing.T) {
	t.Parallel()
	d := newDrill(t, probeEvery5s)
	d.primary.down.Store(true)
	d.standby.down.Store(true)
	started := false
	p := d.plan(d.primary, time.Minute)
	p.Start = func(context.Context) error { started = true; return nil }
	_, err := Run(context.Background(), p)
	if !errors.Is(err, ErrNoBaseline) || started {
		t.Fatalf("want ErrNoBaseline before any fault, got %v (started %v)", err, started)
	}
}

func TestPollerReadsTheRegionFromThePageWithoutTheHeader(t *testing.T) {
	t.Parallel()
	r := newRegion(t, "centralus", false)
	s := Poller{URL: r.srv.URL}.Poll(context.Background())
	if !s.OK() || s.Region != "centralus" {
		t.Fatalf("got %+v", s)
	}
	r.down.Store(true)
	if s := (Poller{URL: r.srv.URL}).Poll(context.Background()); s.OK() || s.Err == "" {
		t.Fatalf("a dropped connection is a failed sample, got %+v", s)
	}
}
