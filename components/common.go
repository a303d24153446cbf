package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// Namer derives the Azure names of one stamp or layer: prefix, resource parts, region code.
type Namer struct {
	// Prefix is the workload name (2-8 lowercase characters), required.
	Prefix string
	// Region is the short region code, e.g. "eus2" (or "global"), required.
	Region string
	err    error
}

// Of returns the name of a resource of the given kind; the first failure is kept for Err.
func (n *Namer) Of(kind naming.Kind, parts ...string) string {
	all := append(append([]string{n.Prefix}, parts...), n.Region)
	name, err := naming.Name(kind, all...)
	if err != nil && n.err == nil {
		n.err = err
	}
	return name
}

// Err is the first naming failure, if any.
func (n *Namer) Err() error { return n.err }

// require returns an error naming every nil or empty required argument of a component.
// Fields are reported in name order, so the same mistake always reads the same.
func require(component string, fields map[string]bool) error {
	var errs []error
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		if !fields[field] {
			errs = append(errs, fmt.Errorf("%s: %s is required", component, field))
		}
	}
	return errors.Join(errs...)
}

// set reports whether an input is present (a nil interface means the caller forgot it).
func set(in pulumi.Input) bool { return in != nil }

// armID builds the ID of a child resource of an Azure resource whose ID is only known by name,
// such as an Application Gateway's own listeners and pools.
func armID(subscriptionID string, resourceGroup pulumi.StringInput, provider, name string, segments ...string) pulumi.StringOutput {
	return resourceGroup.ToStringOutput().ApplyT(func(rg string) string {
		id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", subscriptionID, rg, provider, name)
		for _, s := range segments {
			id += "/" + s
		}
		return id
	}).(pulumi.StringOutput)
}

// roleDefinitionID is the subscription-scoped ID of a built-in Azure role.
func roleDefinitionID(subscriptionID, roleGUID string) string {
	return fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscriptionID, roleGUID)
}

// Built-in role definition GUIDs (same in every tenant).
const (
	roleAcrPull                 = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
	roleNetworkContributor      = "4d97b98b-1d4f-4787-a291-c67861a7f7c8"
	roleManagedIdentityOperator = "f1a07417-d97a-45cb-824c-7a7467783830"
	roleKeyVaultSecretsUser     = "4633458b-17de-408a-b874-0445c86b69e6"
	roleAksRbacClusterAdmin     = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
)

// Zones are the availability zones every zonal resource of a stamp spans; the user nodes get one
// pool per zone.
var Zones = []string{"1", "2", "3"}

// zones are Zones as a Pulumi input.
var zones = pulumi.ToStringArray(Zones)

// SplitAcrossZones splits a node count over the per-zone user pools as evenly as possible, the
// remainder going to the first zones: 9 gives 3, 3, 3; 10 gives 4, 3, 3; 1 gives 1, 0, 0.
func SplitAcrossZones(total int) []int {
	out := make([]int, len(Zones))
	for i := range out {
		out[i] = total / len(Zones)
		if i < total%len(Zones) {
			out[i]++
		}
	}
	return out
}
