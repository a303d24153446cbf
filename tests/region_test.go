package tests

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errRegionDown is what the azure-native provider reports when ARM cannot reach a region.
var errRegionDown = errors.New(`GET resourceGroups/x: StatusCode=503 Code="ServiceUnavailable" Message="The region is unavailable"`)

// TestRegionOutageStopsTheRunAtOnce: each stack reads its resource group first; when its region
// does not answer, the run stops before registering anything, with what still works and what
// to do, instead of retrying for minutes.
func TestRegionOutageStopsTheRunAtOnce(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		stack, group string
		want         []string
	}{
		"global region": {"global", "rg-aksdr-global", []string{
			"the global layer's region westus3 is unavailable", "Front Door keeps serving and still fails over on its own",
			"no change to Front Door, the registry or the shared workspace can be applied, a planned failover included"}},
		"stamp region": {"primary", "rg-aksdr-eus2", []string{
			"this stamp's region eastus2 is unavailable", "A failover does not need it", "pulumi up -s global"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{stack: tc.stack, stacks: deployed(), groupErrors: map[string]error{tc.group: errRegionDown}}
			err := runWith(rec, tc.stack, stackConfig(t, tc.stack))
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.Empty(t, rec.resources, "nothing is registered")
			assert.NotContains(t, rec.invokes, "azure-native:authorization:getClientConfig")
		})
	}
	t.Run("first deployment: no group yet", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{stack: "global", stacks: deployed(), groupErrors: map[string]error{
			"rg-aksdr-global": errors.New(`Code="ResourceGroupNotFound" Message="Resource group 'rg-aksdr-global' could not be found."`)}}
		require.NoError(t, runWith(rec, "global", stackConfig(t, "global")))
	})
	t.Run("other errors are not an outage", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{stack: "global", stacks: deployed(), groupErrors: map[string]error{
			"rg-aksdr-global": errors.New(`StatusCode=403 Code="AuthorizationFailed"`)}}
		err := runWith(rec, "global", stackConfig(t, "global"))
		require.ErrorContains(t, err, "reading resource group rg-aksdr-global in westus3")
		assert.NotContains(t, err.Error(), "unavailable")
	})
	t.Run("a stamp's outage does not stop the global stack", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{stack: "global", stacks: deployed(), groupErrors: map[string]error{"rg-aksdr-eus2": errRegionDown}}
		require.NoError(t, runWith(rec, "global", stackConfig(t, "global")))
	})
}
