package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/stacks"
)

// TestSetFrontDoorPriorityScript: the script the failover workflow commits with edits the
// shipped Pulumi.global.yaml exactly as the runbook's `pulumi config set --path` does, and the
// program reads the result as a failover; a stamp that is not an origin leaves the file alone.
func TestSetFrontDoorPriorityScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH")
	}
	file := filepath.Join(t.TempDir(), "Pulumi.global.yaml")
	shipped := read(t, "Pulumi.global.yaml")
	require.NoError(t, os.WriteFile(file, []byte(shipped), 0o600))
	script := func(stamp string) ([]byte, error) {
		cmd := exec.Command("bash", filepath.Join("..", "scripts", "set-front-door-priority.sh"), stamp)
		cmd.Env = append(os.Environ(), "GLOBAL_STACK_FILE="+file)
		return cmd.CombinedOutput()
	}
	priorities := func() map[string]int {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		cfg := stackConfigFrom(t, raw)
		var got *stacks.Config
		require.NoError(t, runProgram(&recorder{}, "global", cfg, func(c *stacks.Config) { got = c }))
		out := map[string]int{}
		for _, o := range got.Global.Origins {
			out[o.Stack] = o.Priority
		}
		return out
	}

	out, err := script("secondary")
	require.NoError(t, err, string(out))
	assert.Equal(t, map[string]int{"primary": 2, "secondary": 1}, priorities())
	out, err = script("primary")
	require.NoError(t, err, string(out))
	assert.Equal(t, map[string]int{"primary": 1, "secondary": 2}, priorities())
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, shipped, string(raw), "a failover and a failback give back the shipped file, comments included")

	out, err = script("tertiary")
	require.Error(t, err)
	assert.Contains(t, string(out), "has no origin tertiary under aks-dr:origins")
	raw, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, shipped, string(raw), "nothing is written on error")
}
