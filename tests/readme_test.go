package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestReadmeStaysTrue checks what README.md promises: the Quick start is the main job then the
// test command, CI runs that exact test command, and every config key is documented.
func TestReadmeStaysTrue(t *testing.T) {
	t.Parallel()
	readme := read(t, "README.md")
	quick := regexp.MustCompile("(?s)## Quick start.*?```sh\n(.*?)```").FindStringSubmatch(readme)
	require.Len(t, quick, 2, "README has a Quick start shell block")
	commands := strings.Split(strings.TrimSpace(quick[1]), "\n")
	require.Len(t, commands, 2, "two commands: the main job, then the tests")
	assert.Equal(t, "go run ./cmd/drill", commands[0])
	assert.Contains(t, read(t, ".ci/run"), "\n"+commands[1]+"\n", ".ci/run runs the README's exact test command")

	var project struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(read(t, "Pulumi.yaml")), &project))
	for key := range project.Config {
		//nolint:testifylint // assert.Contains would print the whole README for each missing key
		assert.True(t, strings.Contains(readme, "| `"+key+"` |"), "README documents %s", key)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	require.NoError(t, err)
	return string(b)
}
