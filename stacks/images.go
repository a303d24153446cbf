package stacks

import (
	"fmt"
	"strings"

	"github.com/aks-dr/aks-dr/components"
)

// checkWorkloadImage rejects a stamp whose workloadImage the global layer does not import into
// the registry: its pods pull the image's repository and digest from the registry, and would
// fail to start, in the region that must take over when the other is lost. A different tag
// in the reference does not matter; the repository and digest do.
func checkWorkloadImage(cfg *Config, imported []string) error {
	repo, digest, err := components.SplitImage(cfg.Stamp.Workload.Image)
	if err != nil {
		return fmt.Errorf("%s:workloadImage: %w", Namespace, err)
	}
	for _, img := range imported {
		if r, d, err := components.SplitImage(img); err == nil && r == repo && d == digest {
			return nil
		}
	}
	return fmt.Errorf("%s:workloadImage: %s is not among the images the global layer imports into the registry (%s); add it to registryImages in the global stack and run `pulumi up -s global` first",
		Namespace, cfg.Stamp.Workload.Image, strings.Join(imported, ", "))
}
