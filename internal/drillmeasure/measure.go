// Package drillmeasure measures a failover drill from the outside, the way a user sees it: it
// polls the Front Door endpoint every second while one region's serving path is taken away,
// and reports how long Front Door took to send traffic to the other region, how many requests
// failed meanwhile, and how long after the fault ended the first region answered again,
// against the detection time the probe settings promise (frontDoorFailoverDetectionSeconds).
//
// The same code runs a real drill (cmd/drill -real -drill <stamp>: the fault is a Chaos Studio
// experiment, the endpoint the real Front Door) and the offline test, where local HTTP servers
// stand in for the two regions and FrontDoor, a model of Front Door's health probes with the
// configured interval, sample size and successful samples, routes between them. A Clock is
// injected, so the offline timeline runs in virtual time, without sleeping.
package drillmeasure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// RegionHeader is the response header in which the workload names the region that served the
// request (components.Workload sets it from the stamp's region).
const RegionHeader = "X-Served-By-Region"

// Sample is one poll of the endpoint.
type Sample struct {
	// At is the time since the measurement began.
	At time.Duration
	// Status is the HTTP status (0 when the request failed).
	Status int
	// Region is the region that answered ("" when unknown or failed).
	Region string
	// Err is the transport error, if any.
	Err string
}

// OK reports whether the sample is a successful answer from a known region.
func (s Sample) OK() bool { return s.Err == "" && s.Status == http.StatusOK && s.Region != "" }

// Poller GETs the endpoint and reads the serving region from RegionHeader, or from the page
// (the workload's page says "region: <name>") when a proxy strips the header.
type Poller struct {
	Client *http.Client
	URL    string
}

// Poll makes one request. Errors are part of the sample, never returned.
func (p Poller) Poll(ctx context.Context) Sample {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return Sample{Err: err.Error()}
	}
	// Every poll must reach an origin: no cached answer may hide the fault.
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := p.client().Do(req)
	if err != nil {
		return Sample{Err: err.Error()}
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	region := resp.Header.Get(RegionHeader)
	if region == "" {
		region = regionFromPage(string(body))
	}
	return Sample{Status: resp.StatusCode, Region: region}
}

func (p Poller) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return http.DefaultClient
}

// timeout keeps one slow request from hiding the next second's answer.
func (p Poller) timeout() time.Duration {
	if p.Client != nil && p.Client.Timeout > 0 {
		return p.Client.Timeout
	}
	return 5 * time.Second
}

// regionFromPage finds "region: <name>" in the workload's page.
func regionFromPage(body string) string {
	const marker = "region: "
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	end := strings.IndexFunc(rest, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') })
	if end < 0 {
		end = len(rest)
	}
	return rest[:end]
}

// Clock is the time source of a measurement: the wall clock for a real drill, a virtual one in
// tests.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// WallClock is the real time.
type WallClock struct{}

// Now is time.Now.
func (WallClock) Now() time.Time { return time.Now() }

// Sleep sleeps for d, or less when ctx ends.
func (WallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Plan is one drill.
type Plan struct {
	// Region is the region whose serving path the fault takes away.
	Region string
	// Baseline is how long to poll before the fault, to learn which region serves.
	Baseline time.Duration
	// Fault is how long the fault lasts once it has begun.
	Fault time.Duration
	// Every is the poll interval (a second for a real drill).
	Every time.Duration
	// Timeout bounds the whole measurement after the fault begins: at most Fault plus this
	// long is spent waiting for the region to answer again.
	Timeout time.Duration
	// DetectionSeconds is what the probe settings promise (frontDoorFailoverDetectionSeconds).
	DetectionSeconds int
	// Start begins the fault (starts the Chaos Studio experiment; in tests, breaks a region).
	Start func(ctx context.Context) error
	// Poll makes one request to the endpoint.
	Poll func(ctx context.Context) Sample
	// Clock is the time source. Required.
	Clock Clock
	// Progress, when set, sees every sample as it is taken.
	Progress func(Sample)
}

// Report is what a drill measured. Durations are from the moment the fault began to show
// (Onset), the first sample after Start that was not a success from the serving region: a
// Chaos Studio experiment takes a while to apply its fault after it is started.
type Report struct {
	Region           string
	ServingBefore    string
	DetectionSeconds int
	Samples          []Sample
	// Started is when Start returned, since the measurement began.
	Started time.Duration
	// Onset is when the fault first showed; zero with FaultSeen false.
	Onset     time.Duration
	FaultSeen bool
	// FailedOver: another region answered; FailoverAfter is how long after Onset.
	FailedOver    bool
	FailoverAfter time.Duration
	// ErrorsBeforeFailover are the failed polls between Onset and the failover (or the end).
	ErrorsBeforeFailover int
	// ErrorsAfterFailover are failed polls after another region answered.
	ErrorsAfterFailover int
	// Recovered: the faulted region answered again after the fault ended; RecoveredAfter is
	// how long after the fault's end (Onset + Plan.Fault).
	Recovered      bool
	RecoveredAfter time.Duration
}

// ErrNoBaseline is returned when no poll succeeded before the fault: there is nothing to
// measure a failover against.
var ErrNoBaseline = errors.New("drillmeasure: the endpoint did not answer successfully before the fault; fix it before drilling")

// Run carries out a drill: polls for Baseline, starts the fault, and polls until the faulted
// region has answered again after the fault's end, or Fault plus Timeout have passed.
func Run(ctx context.Context, p Plan) (*Report, error) {
	if p.Clock == nil || p.Poll == nil || p.Start == nil || p.Every <= 0 {
		return nil, errors.New("drillmeasure: Plan needs Clock, Poll, Start and a positive Every")
	}
	begin := p.Clock.Now()
	r := &Report{Region: p.Region, DetectionSeconds: p.DetectionSeconds}
	poll := func() error {
		s := p.Poll(ctx)
		s.At = p.Clock.Now().Sub(begin)
		r.Samples = append(r.Samples, s)
		if p.Progress != nil {
			p.Progress(s)
		}
		return p.Clock.Sleep(ctx, p.Every)
	}
	for p.Clock.Now().Sub(begin) < p.Baseline {
		if err := poll(); err != nil {
			return r, err
		}
	}
	serving := lastServing(r.Samples)
	if serving == "" {
		return r, ErrNoBaseline
	}
	r.ServingBefore = serving
	if err := p.Start(ctx); err != nil {
		return r, fmt.Errorf("starting the fault: %w", err)
	}
	r.Started = p.Clock.Now().Sub(begin)
	deadline := r.Started + p.Fault + p.Timeout
	for p.Clock.Now().Sub(begin) < deadline {
		if err := poll(); err != nil {
			return r, err
		}
		if r.analyze(p.Fault); r.Recovered {
			break
		}
	}
	r.analyze(p.Fault)
	return r, nil
}

// lastServing is the region of the last successful sample.
func lastServing(samples []Sample) string {
	for i := len(samples) - 1; i >= 0; i-- {
		if samples[i].OK() {
			return samples[i].Region
		}
	}
	return ""
}

// analyze derives the timeline from the samples taken after Started.
func (r *Report) analyze(fault time.Duration) {
	r.FaultSeen, r.FailedOver, r.Recovered = false, false, false
	r.ErrorsBeforeFailover, r.ErrorsAfterFailover = 0, 0
	for _, s := range r.Samples {
		if s.At < r.Started {
			continue
		}
		if !r.FaultSeen {
			if s.OK() && s.Region == r.ServingBefore {
				continue
			}
			r.FaultSeen, r.Onset = true, s.At
		}
		switch {
		case !s.OK() && !r.FailedOver:
			r.ErrorsBeforeFailover++
		case !s.OK():
			r.ErrorsAfterFailover++
		case !r.FailedOver && s.Region != r.Region:
			r.FailedOver, r.FailoverAfter = true, s.At-r.Onset
		}
		end := r.Onset + fault
		if s.OK() && s.Region == r.Region && s.At >= end && !r.Recovered {
			r.Recovered, r.RecoveredAfter = true, s.At-end
		}
	}
}

// String is the report a person reads at the end of a drill.
func (r *Report) String() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("drill of %s (serving before the fault: %s), %d polls", r.Region, r.ServingBefore, len(r.Samples))
	if r.ServingBefore != r.Region {
		p("  %s was not serving: users should notice nothing; Front Door keeps %s", r.Region, r.ServingBefore)
	}
	if !r.FaultSeen {
		p("  the fault never showed at the endpoint (started at +%s)", r.Started.Round(time.Second))
		return b.String()
	}
	p("  fault first seen:            +%s (started at +%s)", r.Onset.Round(time.Second), r.Started.Round(time.Second))
	if r.FailedOver {
		verdict := "within"
		if r.FailoverAfter > time.Duration(r.DetectionSeconds)*time.Second+2*time.Second {
			verdict = "BEYOND"
		}
		p("  other region answered after: %s (%s frontDoorFailoverDetectionSeconds = %ds)", r.FailoverAfter.Round(time.Second), verdict, r.DetectionSeconds)
	} else if r.ServingBefore == r.Region {
		p("  no other region answered: Front Door did NOT fail over")
	}
	p("  failed requests meanwhile:   %d (and %d after the failover)", r.ErrorsBeforeFailover, r.ErrorsAfterFailover)
	if r.Recovered {
		p("  %s answered again %s after the fault ended", r.Region, r.RecoveredAfter.Round(time.Second))
	} else {
		p("  %s did not answer again before the measurement ended", r.Region)
	}
	return b.String()
}
