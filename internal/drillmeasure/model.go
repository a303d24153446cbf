package drillmeasure

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// VirtualClock is a Clock whose time moves only when Sleep is called; callbacks scheduled with
// At run, in time order, when the clock passes their time. It makes a drill's timeline
// deterministic and instant in tests.
type VirtualClock struct {
	mu     sync.Mutex
	now    time.Time
	events []event
	seq    int
}

type event struct {
	at  time.Time
	seq int
	fn  func()
}

// NewVirtualClock starts at an arbitrary fixed instant.
func NewVirtualClock() *VirtualClock {
	return &VirtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Now is the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// At schedules fn at the virtual time t (events at the same time run in scheduling order).
func (c *VirtualClock) At(t time.Time, fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.events = append(c.events, event{at: t, seq: c.seq, fn: fn})
}

// Sleep advances the clock by d, running every event due on the way.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		slices.SortFunc(c.events, func(a, b event) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.seq - b.seq
		})
		if len(c.events) == 0 || c.events[0].at.After(target) {
			c.now = target
			c.mu.Unlock()
			return nil
		}
		e := c.events[0]
		c.events = c.events[1:]
		c.now = e.at
		c.mu.Unlock()
		e.fn() // outside the lock: it may schedule more events
	}
}

// ProbeSettings are the origin group's health probe settings (Pulumi config probeIntervalSeconds,
// probeSampleSize, probeSuccessfulSamples).
type ProbeSettings struct {
	Interval          time.Duration
	SampleSize        int
	SuccessfulSamples int
}

// DetectionSeconds is the same estimate the global stack exports: the failed probes in a row
// that leave fewer than SuccessfulSamples successes among the last SampleSize.
func (p ProbeSettings) DetectionSeconds() int {
	return (p.SampleSize - p.SuccessfulSamples + 1) * int(p.Interval/time.Second)
}

// Origin is one region behind the FrontDoor model.
type Origin struct {
	Region   string
	URL      string
	Priority int
}

// FrontDoor models what Azure Front Door does with the probe settings, for one edge: it probes
// every origin each Interval (only a 200 counts as success, as in Front Door), keeps the last
// SampleSize results, counts an origin healthy while at least SuccessfulSamples of them
// succeeded, and sends each request to a healthy origin of the best (lowest) priority; when no
// origin is healthy it tries them all, as Front Door does
// (MicrosoftDocs/azure-docs, articles/frontdoor/health-probes.md and routing-methods.md).
// It is an http.Handler: the drill polls it like the real endpoint.
type FrontDoor struct {
	Probe   ProbeSettings
	Origins []Origin
	Client  *http.Client

	mu      sync.Mutex
	samples map[string][]bool
	next    int
}

// Start probes once now and then every Interval on the clock (a real Front Door probes from
// the moment the origin exists, so every origin begins healthy).
func (f *FrontDoor) Start(clock *VirtualClock) {
	f.mu.Lock()
	f.samples = map[string][]bool{}
	for _, o := range f.Origins {
		for range f.Probe.SampleSize {
			f.samples[o.Region] = append(f.samples[o.Region], true)
		}
	}
	f.mu.Unlock()
	var tick func()
	tick = func() {
		f.ProbeAll()
		clock.At(clock.Now().Add(f.Probe.Interval), tick)
	}
	clock.At(clock.Now().Add(f.Probe.Interval), tick)
}

// ProbeAll sends one health probe to every origin.
func (f *FrontDoor) ProbeAll() {
	for _, o := range f.Origins {
		ok := f.probe(o)
		f.mu.Lock()
		f.samples[o.Region] = append(f.samples[o.Region], ok)
		if s := f.samples[o.Region]; len(s) > f.Probe.SampleSize {
			f.samples[o.Region] = s[len(s)-f.Probe.SampleSize:]
		}
		f.mu.Unlock()
	}
}

func (f *FrontDoor) probe(o Origin) bool {
	resp, err := f.client().Head(o.URL)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (f *FrontDoor) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

// Healthy reports whether Front Door currently counts the region's origin healthy.
func (f *FrontDoor) Healthy(region string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, ok := range f.samples[region] {
		if ok {
			n++
		}
	}
	return n >= f.Probe.SuccessfulSamples
}

// route picks the origin for one request.
func (f *FrontDoor) route() Origin {
	var healthy []Origin
	for _, o := range f.Origins {
		if f.Healthy(o.Region) {
			healthy = append(healthy, o)
		}
	}
	candidates := f.Origins
	if len(healthy) > 0 {
		best := healthy[0].Priority
		for _, o := range healthy {
			best = min(best, o.Priority)
		}
		candidates = nil
		for _, o := range healthy {
			if o.Priority == best {
				candidates = append(candidates, o)
			}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	return candidates[f.next%len(candidates)]
}

// ServeHTTP forwards the request to the routed origin; an origin that does not answer becomes
// a 503, as Front Door answers when it cannot reach the origin.
func (f *FrontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o := f.route()
	req, err := http.NewRequestWithContext(r.Context(), r.Method, o.URL, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	//nolint:gosec // G704: the URL is one of the model's configured origins, never the request's.
	resp, err := f.client().Do(req)
	if err != nil {
		http.Error(w, "origin unreachable", http.StatusServiceUnavailable)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	if v := resp.Header.Get(RegionHeader); v != "" {
		w.Header().Set(RegionHeader, v)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
