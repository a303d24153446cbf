package workflowenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const repoRoot = "../.."

func names(findings []Finding) []string {
	out := []string{}
	for _, f := range findings {
		out = append(out, f.Name)
	}
	return out
}

// TestCatchesTheUndefinedStackPrefix feeds the deploy workflow as it was before the fix: its
// previews read env.primary_PREFIX and env.secondary_PREFIX, which nothing defines.
func TestCatchesTheUndefinedStackPrefix(t *testing.T) {
	t.Parallel()
	findings, err := CheckFiles(repoRoot, "testdata/deploy-undefined-prefix.yml")
	require.NoError(t, err)
	assert.Equal(t, []string{"primary_PREFIX", "secondary_PREFIX"}, names(findings))
	require.Len(t, findings, 2)
	assert.Equal(t, "preview-primary", findings[0].Job)
	assert.Equal(t, 92, findings[0].Line)
	assert.Contains(t, findings[0].String(), "testdata/deploy-undefined-prefix.yml:92: env.primary_PREFIX is read")
}

// TestShippedWorkflowsAreClean runs the check on the repository's workflows, as .ci/run does.
func TestShippedWorkflowsAreClean(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	findings, err := CheckFiles(repoRoot, files...)
	require.NoError(t, err)
	assert.Empty(t, findings)
}

func TestScopes(t *testing.T) {
	t.Parallel()
	action := []byte(`
runs:
  using: composite
  steps:
    - shell: bash
      run: |
        {
          echo "FROM_ACTION=1"
        } >> "$GITHUB_ENV"
`)
	readAction := func(uses string) ([]byte, error) {
		if uses == "./.github/actions/setup" {
			return action, nil
		}
		return nil, os.ErrNotExist
	}
	for _, tc := range []struct {
		name     string
		workflow string
		want     []string
	}{
		{"workflow, job and step env", `
env: {W: w}
jobs:
  j:
    runs-on: ubuntu-latest
    env: {J: "${{ env.W }}"}
    steps:
      - env: {S: s}
        run: echo "${{ env.W }} ${{ env.J }} ${{ env.S }} ${{ env['W'] }}"
`, nil},
		{"a step's env is not visible to the next step", `
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - env: {S: s}
        run: echo "${{ env.S }}"
      - run: echo "${{ env.S }}"
`, []string{"S"}},
		{"a step's env block cannot read its own keys", `
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - env: {A: a, B: "${{ env.A }}"}
        run: "true"
`, []string{"A"}},
		{"GITHUB_ENV written by an earlier step", `
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "LATE=${{ env.LATE }}"
      - run: |
          echo "LATE=1" >> "$GITHUB_ENV"
          printf 'MULTI<<EOF\n...\nEOF\n' >> $GITHUB_ENV
      - run: echo "${{ env.LATE }} ${{ env.MULTI }}"
`, []string{"LATE"}},
		{"GITHUB_ENV is per job", `
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "X=1" >> "$GITHUB_ENV"
  b:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ env.X }}"
`, []string{"X"}},
		{"echo without GITHUB_ENV defines nothing", `
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "X=1" >> "$GITHUB_OUTPUT"
      - run: echo "${{ env.X }}"
`, []string{"X"}},
		{"a local composite action's GITHUB_ENV", `
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ env.FROM_ACTION }}"
      - uses: ./.github/actions/setup
      - with: {a: "${{ env.FROM_ACTION }}"}
        uses: some/action@v1
`, []string{"FROM_ACTION"}},
		{"runner variables are not in the env context", `
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ env.GITHUB_SHA }}"
`, []string{"GITHUB_SHA"}},
		{"job-level fields see workflow and job env", `
env: {W: w}
jobs:
  j:
    runs-on: ubuntu-latest
    env: {J: j}
    name: "${{ env.W }} ${{ env.J }} ${{ env.NOPE }}"
    steps: []
`, []string{"NOPE"}},
		{"the workflow's env cannot read env", `
env: {A: a, B: "${{ env.A }}"}
jobs: {}
`, []string{"A"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			findings, err := Check("w.yml", []byte(tc.workflow), readAction)
			require.NoError(t, err)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			assert.Equal(t, want, names(findings))
		})
	}
}

func TestMalformedYAMLIsAnError(t *testing.T) {
	t.Parallel()
	_, err := Check("w.yml", []byte("jobs: [unclosed"), nil)
	require.Error(t, err)
}
