package stacks

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// stackOutputs reads the listed outputs of another stack of this project through a
// StackReference: the state backend answers, not Azure, so it works while any region is down.
// It returns the values found and the keys that are missing. When the engine cannot read the
// stack at all, the error says what to do (advice) beside the engine's own.
func stackOutputs(ctx *pulumi.Context, stack string, keys []string, advice string) (map[string]any, []string, error) {
	ref, err := pulumi.NewStackReference(ctx, stack, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reference stack %q: %w", stack, err)
	}
	values := map[string]any{}
	var missing []string
	for _, key := range keys {
		d, err := ref.GetOutputDetails(key)
		if err != nil {
			msg := fmt.Sprintf("cannot read stack %q: %s", stack, advice)
			_ = ctx.Log.Error(msg, nil)
			return nil, nil, fmt.Errorf("%s: %w", msg, err)
		}
		v := d.Value
		if v == nil {
			v = d.SecretValue
		}
		if v == nil {
			missing = append(missing, key)
			continue
		}
		values[key] = v
	}
	return values, missing, nil
}

// str returns an output as a string ("" when absent).
func str(values map[string]any, key string) string {
	if v, ok := values[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, item := range list {
		out = append(out, fmt.Sprint(item))
	}
	return out
}

func toStringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, item := range m {
		out[k] = fmt.Sprint(item)
	}
	return out
}

// addressPlan is the part of a stamp's address plan that must not overlap another stamp's, so
// that the stamps can be peered.
type addressPlan struct {
	stack      string
	hub, spoke netip.Prefix
}

func planOf(stack string, values map[string]any) addressPlan {
	hub, _ := netip.ParsePrefix(str(values, OutHubAddressSpace))
	spoke, _ := netip.ParsePrefix(str(values, OutSpokeAddressSpace))
	return addressPlan{stack: stack, hub: hub, spoke: spoke}
}

// overlaps describes every overlap between two stamps' address spaces, keyed as seen from a.
func (a addressPlan) overlaps(b addressPlan) []string {
	var out []string
	for _, own := range []struct {
		key string
		p   netip.Prefix
	}{{"hubAddressSpace", a.hub}, {"spokeAddressSpace", a.spoke}} {
		for _, other := range []struct {
			key string
			p   netip.Prefix
		}{{"hubAddressSpace", b.hub}, {"spokeAddressSpace", b.spoke}} {
			if own.p.IsValid() && other.p.IsValid() && own.p.Overlaps(other.p) {
				out = append(out, fmt.Sprintf("%s:%s: %s overlaps %s's %s %s; stamps must use disjoint ranges so that they can be peered",
					Namespace, own.key, own.p, shortStack(b.stack), other.key, other.p))
			}
		}
	}
	return out
}

// shortStack is the stack's own name, without org/project.
func shortStack(qualified string) string {
	return qualified[strings.LastIndex(qualified, "/")+1:]
}
