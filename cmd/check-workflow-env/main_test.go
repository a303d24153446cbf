package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The command fails (exit 1) on the deploy workflow as it was with the undefined prefixes, and
// passes on a workflow whose reads are all defined.
func TestExitCodes(t *testing.T) {
	t.Chdir("../..")
	assert.Equal(t, 1, run([]string{"internal/workflowenv/testdata/deploy-undefined-prefix.yml"}))
	assert.Equal(t, 0, run([]string{".github/workflows/deploy.yml"}))
	assert.Equal(t, 2, run([]string{"no/such/workflow.yml"}))
}
