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
	os.Exit(run(os.Args[1:]))
}

// run checks the files (default: the repository's workflows) and returns the exit code:
// 0 clean, 1 undefined env reads, 2 the check could not run.
func run(files []string) int {
	if len(files) == 0 {
		for _, pattern := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml"} {
			m, err := filepath.Glob(pattern)
			if err != nil {
				return fail(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) == 0 {
		return fail(fmt.Errorf("no workflow files found; run from the repository root"))
	}
	findings, err := workflowenv.CheckFiles(".", files...)
	if err != nil {
		return fail(err)
	}
	for _, f := range findings {
		fmt.Fprintln(os.Stderr, f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "check-workflow-env: %d undefined env read(s)\n", len(findings))
		return 1
	}
	fmt.Printf("check-workflow-env: %d workflow(s), every env read is defined\n", len(files))
	return 0
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "check-workflow-env:", err)
	return 2
}
