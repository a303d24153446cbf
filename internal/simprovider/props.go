package simprovider

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// rpcOptions keep unknowns and secrets intact in both directions, so a preview's unknown inputs
// come back as unknown outputs and secret inputs stay secret in the state.
var rpcOptions = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func unmarshal(label string, s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	opts := rpcOptions
	opts.Label = label
	m, err := plugin.UnmarshalProperties(s, opts)
	if err != nil {
		return nil, fmt.Errorf("simprovider: %s: %w", label, err)
	}
	return m, nil
}

func marshal(label string, m resource.PropertyMap) (*structpb.Struct, error) {
	opts := rpcOptions
	opts.Label = label
	s, err := plugin.MarshalProperties(m, opts)
	if err != nil {
		return nil, fmt.Errorf("simprovider: %s: %w", label, err)
	}
	return s, nil
}

// unknown is the value of an output that is not known until the resource exists.
func unknown() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// isUnknown reports whether v is an unknown value (computed, or an unknown output).
func isUnknown(v resource.PropertyValue) bool {
	return v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known)
}

// unwrap strips secret and known-output wrappers.
func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// lookup walks a path of object keys (string) and array indexes (int) through m.
func lookup(m resource.PropertyMap, path ...any) (resource.PropertyValue, bool) {
	v := resource.NewObjectProperty(m)
	for _, p := range path {
		v = unwrap(v)
		switch k := p.(type) {
		case string:
			if !v.IsObject() {
				return resource.PropertyValue{}, false
			}
			next, ok := v.ObjectValue()[resource.PropertyKey(k)]
			if !ok {
				return resource.PropertyValue{}, false
			}
			v = next
		case int:
			if !v.IsArray() || k >= len(v.ArrayValue()) {
				return resource.PropertyValue{}, false
			}
			v = v.ArrayValue()[k]
		default:
			panic(fmt.Sprintf("simprovider: bad path element %T", p))
		}
	}
	return unwrap(v), true
}

// str returns the string at path; ok is false when it is absent, not a string, or unknown.
func str(m resource.PropertyMap, path ...any) (string, bool) {
	v, found := lookup(m, path...)
	if !found || !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// overlay deep-merges computed outputs into base (the inputs). Objects merge key by key, arrays
// element by element (a null overlay element keeps the base element), and a leaf only fills a
// value the inputs leave out: what the program sets explicitly is echoed, as Azure does. With
// asUnknown every filled leaf is unknown instead (a preview of a create). An unknown base stays
// unknown.
func overlay(base, over resource.PropertyValue, asUnknown bool) resource.PropertyValue {
	if isUnknown(base) {
		return base
	}
	if base.IsSecret() {
		return resource.MakeSecret(overlay(base.SecretValue().Element, over, asUnknown))
	}
	switch {
	case over.IsNull():
		return base
	case over.IsObject():
		out := resource.PropertyMap{}
		if base.IsObject() {
			out = base.ObjectValue().Copy()
		} else if !base.IsNull() {
			return base // shape mismatch: the program's input wins
		}
		for k, v := range over.ObjectValue() {
			out[k] = overlay(out[k], v, asUnknown)
		}
		return resource.NewObjectProperty(out)
	case over.IsArray():
		if !base.IsArray() {
			if base.IsNull() {
				return overlayLeaf(over, asUnknown)
			}
			return base
		}
		out := append([]resource.PropertyValue(nil), base.ArrayValue()...)
		for i, v := range over.ArrayValue() {
			if i < len(out) {
				out[i] = overlay(out[i], v, asUnknown)
			}
		}
		return resource.NewArrayProperty(out)
	case !base.IsNull():
		return base
	default:
		return overlayLeaf(over, asUnknown)
	}
}

func overlayLeaf(v resource.PropertyValue, asUnknown bool) resource.PropertyValue {
	if asUnknown {
		return unknown()
	}
	return v
}

// applyOverlay returns base with over merged in (see overlay).
func applyOverlay(base, over resource.PropertyMap, asUnknown bool) resource.PropertyMap {
	return overlay(resource.NewObjectProperty(base), resource.NewObjectProperty(over), asUnknown).ObjectValue()
}

// keepOld replaces every leaf of over that also exists, known, in old with old's value: an
// update keeps the outputs Azure computed at create time (an IP address does not change when
// a tag does).
func keepOld(over, old resource.PropertyMap) resource.PropertyMap {
	return keepOldValue(resource.NewObjectProperty(over), resource.NewObjectProperty(old)).ObjectValue()
}

func keepOldValue(over, old resource.PropertyValue) resource.PropertyValue {
	old = unwrap(old)
	switch {
	case over.IsObject():
		out := resource.PropertyMap{}
		for k, v := range over.ObjectValue() {
			var o resource.PropertyValue
			if old.IsObject() {
				o = old.ObjectValue()[k]
			}
			out[k] = keepOldValue(v, o)
		}
		return resource.NewObjectProperty(out)
	case over.IsArray():
		out := make([]resource.PropertyValue, len(over.ArrayValue()))
		for i, v := range over.ArrayValue() {
			var o resource.PropertyValue
			if old.IsArray() && i < len(old.ArrayValue()) {
				o = old.ArrayValue()[i]
			}
			out[i] = keepOldValue(v, o)
		}
		return resource.NewArrayProperty(out)
	case over.IsNull():
		return over
	default:
		if old.IsNull() || isUnknown(old) || old.IsObject() || old.IsArray() {
			return over
		}
		return old
	}
}

// seed is a stable 64-bit hash of its parts, the simulator's only source of "randomness".
func seed(parts ...string) uint64 {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// guid is a stable, GUID-shaped string derived from its parts.
func guid(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)
	b[6] = b[6]&0x0f | 0x40 // version 4 layout, so it passes GUID validation
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
