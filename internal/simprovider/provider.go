package simprovider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// call describes the resource a request is about.
type call struct {
	urn  resource.URN
	typ  tokens.Type // e.g. azure-native:network:VirtualNetwork
	name string      // the Pulumi logical name
}

func newCall(urn string) call {
	u := resource.URN(urn)
	if !u.IsValid() {
		return call{urn: u}
	}
	return call{urn: u, typ: u.Type(), name: u.Name()}
}

// behaviour is what differs between the simulated providers.
type behaviour interface {
	// check returns the inputs the real provider would accept (autonames filled in) or the
	// failures it would report.
	check(c call, olds, news resource.PropertyMap) (resource.PropertyMap, []string)
	// replaces reports whether a change of the top-level input key replaces the resource.
	replaces(c call, key resource.PropertyKey) bool
	// identify returns the cloud ID and the name output of a resource with fully known inputs.
	identify(c call, inputs resource.PropertyMap) (id, name string, err error)
	// computed returns what the cloud adds to the inputs to make the outputs (see overlay).
	computed(c call, id string, inputs resource.PropertyMap) resource.PropertyMap
	// reshape fixes outputs whose shape differs from the input's, after the overlay.
	reshape(c call, outputs resource.PropertyMap, preview bool) resource.PropertyMap
	// invoke answers a provider function.
	invoke(tok string, args resource.PropertyMap) (resource.PropertyMap, error)
	// configure sees the provider configuration (known values only).
	configure(vars resource.PropertyMap)
	// observe sees every resource's inputs (from Check), to learn where things are.
	observe(c call, inputs resource.PropertyMap)
	// regions returns the regions a call about a resource with these inputs or state reaches.
	regions(c call, props resource.PropertyMap) []string
	// invokeRegions returns the regions an invoke with these arguments reaches.
	invokeRegions(tok string, args resource.PropertyMap) []string
}

// Stats counts the resource operations a provider served, split by preview and real runs.
type Stats struct {
	Creates, Updates, Deletes, Reads, Invokes      int
	PreviewCreates, PreviewUpdates, PreviewInvokes int
}

// Provider is one simulated resource provider: a pulumirpc.ResourceProviderServer.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	pkg, version string
	b            behaviour
	nameOutput   bool // whether outputs carry a top-level name (azure-native) or not (kubernetes)
	outages      *Outages

	mu    sync.Mutex
	stats Stats
}

// Package is the provider's package name (azure-native, kubernetes).
func (p *Provider) Package() string { return p.pkg }

// Stats returns a snapshot of the operations served so far.
func (p *Provider) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *Provider) count(f func(*Stats)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.stats)
}

// Handshake accepts secrets, so secret inputs stay secret in the outputs.
func (p *Provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true}, nil
}

// GetPluginInfo reports the version of the real provider the simulator stands in for.
func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

// GetSchema returns a minimal schema: the engine needs none for preview and up.
func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{
		Schema: fmt.Sprintf(`{"name":%q,"version":%q,"description":"simulated by aks-dr"}`, p.pkg, p.version),
	}, nil
}

// Attach is a no-op: the simulator needs nothing from the engine.
func (p *Provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Cancel is a no-op: no operation runs long enough to cancel.
func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// CheckConfig accepts any provider configuration.
func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig reports changed provider settings as updates: a provider never replaces the
// resources it manages here.
func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := p.diffInputs(req)
	if err != nil {
		return nil, err
	}
	delete(olds, "version")
	delete(news, "version")
	return diff(olds, news, req.GetIgnoreChanges(), func(resource.PropertyKey) bool { return false }), nil
}

// Configure records the settings the simulator uses (the Azure subscription and tenant).
func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	vars, err := unmarshal(p.pkg+" config", req.GetArgs())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.b.configure(vars)
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// Check echoes the inputs, with whatever the provider fills in itself.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	c := newCall(req.GetUrn())
	olds, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	inputs, failures := p.b.check(c, olds, news)
	p.b.observe(c, inputs)
	p.mu.Unlock()
	resp := &pulumirpc.CheckResponse{}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Reason: f})
	}
	if resp.Inputs, err = marshal("inputs", inputs); err != nil {
		return nil, err
	}
	return resp, nil
}

func (p *Provider) diffInputs(req *pulumirpc.DiffRequest) (olds, news resource.PropertyMap, err error) {
	if news, err = unmarshal("news", req.GetNews()); err != nil {
		return nil, nil, err
	}
	if req.GetOldInputs() != nil {
		olds, err = unmarshal("old inputs", req.GetOldInputs())
		return olds, news, err
	}
	// No old inputs: compare against the old outputs, but only the keys the program sets.
	outs, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, nil, err
	}
	olds = resource.PropertyMap{}
	for k := range news {
		if v, ok := outs[k]; ok {
			olds[k] = v
		}
	}
	return olds, news, nil
}

// Diff reports which top-level inputs changed, and whether any change replaces the resource.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	c := newCall(req.GetUrn())
	olds, news, err := p.diffInputs(req)
	if err != nil {
		return nil, err
	}
	return diff(olds, news, req.GetIgnoreChanges(), func(k resource.PropertyKey) bool { return p.b.replaces(c, k) }), nil
}

// diff compares two input maps key by key.
// deepCopy copies objects and arrays (other values are immutable), so that deleting a nested
// path from the copy leaves the original alone; unknowns and secrets are kept as they are.
func deepCopy(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			m[k] = deepCopy(e)
		}
		return resource.NewObjectProperty(m)
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = deepCopy(e)
		}
		return resource.NewArrayProperty(a)
	}
	return v
}

func diff(olds, news resource.PropertyMap, ignore []string, replaces func(resource.PropertyKey) bool) *pulumirpc.DiffResponse {
	// A top-level ignored key is left out; a nested path (e.g. agentPoolProfiles[1].count) is
	// removed from copies of both sides, so the rest of its top-level property still diffs.
	ignored := map[resource.PropertyKey]bool{}
	copied := false
	for _, path := range ignore {
		pp, err := resource.ParsePropertyPath(path)
		if err != nil || len(pp) <= 1 {
			ignored[resource.PropertyKey(strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' })[0])] = true
			continue
		}
		if !copied {
			olds, news = deepCopy(resource.NewObjectProperty(olds)).ObjectValue(), deepCopy(resource.NewObjectProperty(news)).ObjectValue()
			copied = true
		}
		pp.Delete(resource.NewObjectProperty(olds))
		pp.Delete(resource.NewObjectProperty(news))
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if !ignored[k] && !strings.HasPrefix(string(k), "__") {
			sorted = append(sorted, string(k))
		}
	}
	sort.Strings(sorted)

	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	for _, key := range sorted {
		k := resource.PropertyKey(key)
		o, n := olds[k], news[k]
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case o.IsNull() && n.IsNull():
			continue
		case o.IsNull():
			kind = pulumirpc.PropertyDiff_ADD
		case n.IsNull():
			kind = pulumirpc.PropertyDiff_DELETE
		case n.ContainsUnknowns() || !o.DeepEquals(n):
			kind = pulumirpc.PropertyDiff_UPDATE
		default:
			continue
		}
		if replaces(k) {
			kind += pulumirpc.PropertyDiff_ADD_REPLACE - pulumirpc.PropertyDiff_ADD
			resp.Replaces = append(resp.Replaces, key)
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, key)
		resp.DetailedDiff[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	// Azure names are fixed by the program, so a replacement must delete the old resource first.
	resp.DeleteBeforeReplace = len(resp.Replaces) > 0
	return resp
}

// reachable fails a call about a resource in a region that is down (see Outages).
func (p *Provider) reachable(op string, c call, props ...resource.PropertyMap) error {
	p.mu.Lock()
	var regions []string
	for _, m := range props {
		regions = append(regions, p.b.regions(c, m)...)
	}
	p.mu.Unlock()
	return p.outages.check(fmt.Sprintf("simulated %s: %s %s", p.pkg, op, c.urn), regions...)
}

// outputs builds a resource's outputs: the inputs, its id and name, and the computed outputs
// (unknown while previewing a create; kept from the old outputs on an update). old is nil for a
// create. It returns the ID to report (empty while previewing a create).
func (p *Provider) outputs(c call, id string, inputs, old resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	computedID, name, err := p.b.identify(c, inputs)
	if err != nil && !preview {
		return "", nil, err
	}
	var outs resource.PropertyMap
	switch {
	case old == nil && preview:
		outs = applyOverlay(inputs, p.b.computed(c, "", inputs), true)
		id = ""
	case old == nil:
		id = computedID
		outs = applyOverlay(inputs, p.b.computed(c, id, inputs), false)
	default:
		outs = applyOverlay(inputs, keepOld(p.b.computed(c, id, inputs), old), false)
	}
	if id == "" {
		outs["id"] = unknown()
	} else {
		outs["id"] = resource.NewStringProperty(id)
	}
	// azure-native resources output their name; kubernetes ones carry it in metadata.name.
	if _, has := outs["name"]; p.nameOutput && (name != "" || !has) {
		outs["name"] = resource.NewStringProperty(name)
		if name == "" {
			outs["name"] = unknown()
		}
	}
	return id, p.b.reshape(c, outs, old == nil && preview), nil
}

// Create returns the outputs of a new resource (see outputs) and its ID.
func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	c := newCall(req.GetUrn())
	inputs, err := unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		if err := p.reachable("create", c, inputs); err != nil {
			return nil, err
		}
	}
	id, outs, err := p.outputs(c, "", inputs, nil, req.GetPreview())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "simulated %s: create %s: %v", p.pkg, c.urn, err)
	}
	props, err := marshal("outputs", outs)
	if err != nil {
		return nil, err
	}
	p.count(func(s *Stats) {
		if req.GetPreview() {
			s.PreviewCreates++
		} else {
			s.Creates++
		}
	})
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update returns the outputs of a changed resource (see outputs).
func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	c := newCall(req.GetUrn())
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		if err := p.reachable("update", c, news, olds); err != nil {
			return nil, err
		}
	}
	_, outs, err := p.outputs(c, req.GetId(), news, olds, req.GetPreview())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "simulated %s: update %s: %v", p.pkg, c.urn, err)
	}
	props, err := marshal("outputs", outs)
	if err != nil {
		return nil, err
	}
	p.count(func(s *Stats) {
		if req.GetPreview() {
			s.PreviewUpdates++
		} else {
			s.Updates++
		}
	})
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Read echoes the state it is given (a refresh finds no drift). Reading a resource by ID alone
// (a `get`) returns its id and name.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	p.count(func(s *Stats) { s.Reads++ })
	props := req.GetProperties()
	state, err := unmarshal("state", props)
	if err != nil {
		return nil, err
	}
	if err := p.reachable("read", newCall(req.GetUrn()), state); err != nil {
		return nil, err
	}
	if len(props.GetFields()) == 0 {
		name := req.GetId()[strings.LastIndex(req.GetId(), "/")+1:]
		m := resource.PropertyMap{"id": resource.NewStringProperty(req.GetId()), "name": resource.NewStringProperty(name)}
		if props, err = marshal("read", m); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: req.GetInputs()}, nil
}

// Delete succeeds unless the resource's region is down: there is nothing to delete.
func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	state, err := unmarshal("state", req.GetProperties())
	if err != nil {
		return nil, err
	}
	if err := p.reachable("delete", newCall(req.GetUrn()), state); err != nil {
		return nil, err
	}
	p.count(func(s *Stats) { s.Deletes++ })
	return &emptypb.Empty{}, nil
}

// Invoke answers the provider functions the program calls, and fails on the others.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	args, err := unmarshal("args", req.GetArgs())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	regions := p.b.invokeRegions(req.GetTok(), args)
	p.mu.Unlock()
	if err := p.outages.check(fmt.Sprintf("simulated %s: invoke %s", p.pkg, req.GetTok()), regions...); err != nil {
		return nil, err
	}
	p.mu.Lock()
	ret, err := p.b.invoke(req.GetTok(), args)
	p.mu.Unlock()
	if err != nil {
		code := codes.Unimplemented
		if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
			code, err = st.Code(), errors.New(st.Message())
		}
		return nil, status.Errorf(code, "simulated %s: %v", p.pkg, err)
	}
	p.count(func(s *Stats) {
		if req.GetPreview() {
			s.PreviewInvokes++
		} else {
			s.Invokes++
		}
	})
	out, err := marshal("return", ret)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}
