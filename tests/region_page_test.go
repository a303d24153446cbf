package tests

import (
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/components"
	"github.com/aks-dr/aks-dr/stacks"
)

// TestWorkloadAnswersWithItsRegion: each stamp's pods get their region in AKSDR_REGION, and
// the default nginx image renders a page and a header naming it from a template, without
// giving up the read-only root filesystem.
func TestWorkloadAnswersWithItsRegion(t *testing.T) {
	t.Parallel()
	for stack, region := range map[string]string{"primary": "eastus2", "secondary": "centralus"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRun(t, stack, stackConfig(t, stack), deployed())
			dep := rec.one(t, "kubernetes:apps/v1:Deployment")
			env := map[string]string{}
			for _, e := range plain(get(t, dep.Inputs, "spec.template.spec.containers[0].env")).([]any) {
				m := e.(map[string]any)
				env[m["name"].(string)] = m["value"].(string)
			}
			assert.Equal(t, region, env[components.RegionEnv])
			assert.Equal(t, "8080", env["PORT"])

			cm := rec.one(t, "kubernetes:core/v1:ConfigMap")
			assert.Equal(t, "workload", plain(get(t, cm.Inputs, "metadata.namespace")))
			assert.True(t, dependsOn(dep, "core/v1:ConfigMap::"+cm.Name), "the pods start after their template exists")
			tmpl := plain(get(t, cm.Inputs, "data")).(map[string]any)["default.conf.template"].(string)
			assert.Contains(t, tmpl, "listen ${PORT};")
			assert.Contains(t, tmpl, `add_header X-Served-By-Region "${AKSDR_REGION}" always;`)
			assert.Contains(t, tmpl, "aks-dr region: ${AKSDR_REGION}", "the page names the region the drill reads")
			assert.Contains(t, tmpl, `Cache-Control "no-store"`)
			// The entrypoint substitutes only variables set in the environment; any other
			// ${...} would reach nginx unrendered.
			for _, m := range regexp.MustCompile(`\$\{([A-Za-z_]+)\}`).FindAllStringSubmatch(tmpl, -1) {
				_, set := env[m[1]]
				assert.True(t, set, "template variable %s is set in the pod's environment", m[1])
			}
			assert.Equal(t, strings.Count(tmpl, "{"), strings.Count(tmpl, "}"), "balanced nginx blocks")

			vols := plain(get(t, dep.Inputs, "spec.template.spec.volumes")).([]any)
			require.Len(t, vols, 3)
			assert.Equal(t, "web-region-page", plain(get(t, cm.Inputs, "metadata.name")), "the volume mounts this ConfigMap")
			assert.Equal(t, "web-region-page", vols[2].(map[string]any)["configMap"].(map[string]any)["name"])
		})
	}
}

func TestOtherImagesGetTheRegionButNoNginxTemplate(t *testing.T) {
	t.Parallel()
	image := "docker.io/team/app@sha256:" + strings.Repeat("a", 64)
	global := globalFixture()
	global["registryImages"] = []any{image}
	others := deployed()
	others[qualified("global")] = global
	secondary := maps.Clone(others[qualified("secondary")])
	secondary[stacks.OutWorkloadImage] = image // both regions run the same image
	others[qualified("secondary")] = secondary
	rec := mustRun(t, "primary", with(stackConfig(t, "primary"), "workloadImage", image), others)
	assert.Empty(t, rec.ofType("kubernetes:core/v1:ConfigMap"))
	dep := rec.one(t, "kubernetes:apps/v1:Deployment")
	assert.Len(t, plain(get(t, dep.Inputs, "spec.template.spec.volumes")), 1, "only /tmp")
	env := plain(get(t, dep.Inputs, "spec.template.spec.containers[0].env")).([]any)
	assert.Contains(t, env, map[string]any{"name": components.RegionEnv, "value": "eastus2"})
}
