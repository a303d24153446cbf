// Package workflowenv finds `env.X` reads in GitHub Actions workflows that nothing defines.
//
// GitHub evaluates an undefined `env.X` to the empty string without a warning, and actionlint
// does not report it (it cannot know what a `run:` script appends to $GITHUB_ENV). A typo such as
// `${{ env.primary_PREFIX }}` for `${{ env.STACK_PREFIX }}` then silently changes which stack a
// job targets. Check reports every such read.
//
// A read of `env.X` (or `env['X']`) inside `${{ }}` is defined when X is set:
//   - in the workflow's top-level `env`;
//   - in the job's `env` (for reads anywhere in the job);
//   - in the step's own `env` (for reads in that step, outside its `env` block);
//   - or written to $GITHUB_ENV by an earlier step of the same job: a `run:` script that mentions
//     GITHUB_ENV and echoes or printfs `X=...` or `X<<DELIMITER`, directly or in a local composite
//     action (`uses: ./path`) whose steps do.
//
// The `env` context holds only what the workflow defines: runner variables such as GITHUB_SHA are
// not in it (https://docs.github.com/actions/learn-github-actions/contexts#env-context), so a
// read of `env.GITHUB_SHA` is reported too.
package workflowenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Finding is one undefined read.
type Finding struct {
	File string
	Line int
	Job  string
	Step string
	Name string
}

func (f Finding) String() string {
	where := "job " + f.Job
	if f.Step != "" {
		where += ", step " + f.Step
	}
	return fmt.Sprintf("%s:%d: env.%s is read (%s) but defined in neither the workflow's, the job's nor the step's env, nor written to $GITHUB_ENV by an earlier step",
		f.File, f.Line, f.Name, where)
}

var (
	expression = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	envRead    = regexp.MustCompile(`\benv(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])`)
	// envWrite matches `echo "NAME=`, `echo NAME<<EOF`, `printf 'NAME=%s\n'` and the like.
	envWrite = regexp.MustCompile(`(?:echo|printf)\s+(?:-[a-zA-Z]+\s+)*["']?([A-Za-z_][A-Za-z0-9_]*)(?:=|<<)`)
)

// CheckFiles checks workflow files; root is the repository root, for local actions.
func CheckFiles(root string, files ...string) ([]Finding, error) {
	var all []Finding
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(root, f)
		if err != nil {
			rel = f
		}
		found, err := Check(rel, raw, func(path string) ([]byte, error) {
			return localAction(root, path)
		})
		if err != nil {
			return nil, err
		}
		all = append(all, found...)
	}
	return all, nil
}

// localAction reads the action.yml (or action.yaml) of a `uses: ./path` step.
func localAction(root, uses string) ([]byte, error) {
	dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(uses, "./")))
	raw, err := os.ReadFile(filepath.Join(dir, "action.yml"))
	if errors.Is(err, os.ErrNotExist) {
		raw, err = os.ReadFile(filepath.Join(dir, "action.yaml"))
	}
	return raw, err
}

// Check checks one workflow. readAction returns a local action's definition for `uses: ./...`;
// nil means local actions write nothing to $GITHUB_ENV.
func Check(file string, workflow []byte, readAction func(uses string) ([]byte, error)) ([]Finding, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(workflow, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	workflowEnv := keys(field(root, "env"))
	var findings []Finding
	report := func(n *yaml.Node, job, step string, defined ...map[string]bool) {
		for _, r := range reads(n) {
			if !anyHas(r.name, defined) {
				findings = append(findings, Finding{File: file, Line: r.line, Job: job, Step: step, Name: r.name})
			}
		}
	}
	// The env context is not available to the workflow's own env block.
	report(field(root, "env"), "(workflow env)", "")
	jobs := field(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return findings, nil
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		jobID, job := jobs.Content[i].Value, jobs.Content[i+1]
		if job.Kind != yaml.MappingNode {
			continue
		}
		jobEnv := keys(field(job, "env"))
		written := map[string]bool{}
		for k := 0; k+1 < len(job.Content); k += 2 {
			switch key, val := job.Content[k].Value, job.Content[k+1]; key {
			case "steps":
			case "env":
				report(val, jobID, "", workflowEnv)
			default:
				report(val, jobID, "", workflowEnv, jobEnv)
			}
		}
		steps := field(job, "steps")
		if steps == nil {
			continue
		}
		for n, step := range steps.Content {
			name := stepName(step, n)
			stepEnv := keys(field(step, "env"))
			for k := 0; k+1 < len(step.Content); k += 2 {
				if step.Content[k].Value == "env" {
					report(step.Content[k+1], jobID, name, workflowEnv, jobEnv, written)
				} else {
					report(step.Content[k+1], jobID, name, workflowEnv, jobEnv, written, stepEnv)
				}
			}
			// What this step writes is visible from the next step on.
			for _, w := range stepWrites(step, readAction) {
				written[w] = true
			}
		}
	}
	sort.SliceStable(findings, func(a, b int) bool { return findings[a].Line < findings[b].Line })
	return findings, nil
}

type read struct {
	name string
	line int
}

// reads lists the env reads inside ${{ }} in every scalar under n.
func reads(n *yaml.Node) []read {
	if n == nil {
		return nil
	}
	var out []read
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, e := range expression.FindAllStringSubmatch(n.Value, -1) {
				for _, m := range envRead.FindAllStringSubmatch(e[1], -1) {
					out = append(out, read{name: m[1] + m[2], line: n.Line})
				}
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

// stepWrites lists the names a step writes to $GITHUB_ENV, following a local composite action.
func stepWrites(step *yaml.Node, readAction func(string) ([]byte, error)) []string {
	out := scriptWrites(scalar(field(step, "run")))
	uses := scalar(field(step, "uses"))
	if !strings.HasPrefix(uses, "./") || readAction == nil {
		return out
	}
	raw, err := readAction(uses)
	if err != nil {
		return out
	}
	var action yaml.Node
	if yaml.Unmarshal(raw, &action) != nil || len(action.Content) == 0 {
		return out
	}
	if steps := field(field(action.Content[0], "runs"), "steps"); steps != nil {
		for _, s := range steps.Content {
			out = append(out, stepWrites(s, readAction)...)
		}
	}
	return out
}

// scriptWrites lists the names a `run:` script appends to $GITHUB_ENV.
func scriptWrites(script string) []string {
	if !strings.Contains(script, "GITHUB_ENV") {
		return nil
	}
	var out []string
	for _, m := range envWrite.FindAllStringSubmatch(script, -1) {
		out = append(out, m[1])
	}
	return out
}

func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func keys(n *yaml.Node) map[string]bool {
	out := map[string]bool{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = true
	}
	return out
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func stepName(step *yaml.Node, index int) string {
	for _, k := range []string{"name", "id", "uses"} {
		if v := scalar(field(step, k)); v != "" {
			return fmt.Sprintf("%d (%s)", index+1, v)
		}
	}
	return fmt.Sprint(index + 1)
}

func anyHas(name string, sets []map[string]bool) bool {
	return slices.ContainsFunc(sets, func(s map[string]bool) bool { return s[name] })
}
