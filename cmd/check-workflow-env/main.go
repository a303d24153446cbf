// Command check-workflow-env fails when a GitHub Actions workflow reads an `env.X` that nothing
// defines (see internal/workflowenv). Usage, from the repository root:
//
//	go run ./cmd/check-workflow-env [workflow.yml ...]
//
// Without arguments it checks .github/workflows/*.yml and *.yaml.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aks-dr/aks-dr/internal/workflowenv"
)

func main() {
	files := os.Args[1:]
	if len(files) == 0 {
		for _, pattern := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml"} {
			m, err := filepath.Glob(pattern)
			if err != nil {
				fail(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) == 0 {
		fail(fmt.Errorf("no workflow files found; run from the repository root"))
	}
	findings, err := workflowenv.CheckFiles(".", files...)
	if err != nil {
		fail(err)
	}
	for _, f := range findings {
		fmt.Fprintln(os.Stderr, f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "check-workflow-env: %d undefined env read(s)\n", len(findings))
		os.Exit(1)
	}
	fmt.Printf("check-workflow-env: %d workflow(s), every env read is defined\n", len(files))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "check-workflow-env:", err)
	os.Exit(2)
}
