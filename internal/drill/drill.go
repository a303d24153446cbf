// Package drill drives the aks-dr stacks through the Pulumi Automation API. The drill command
// (cmd/drill) and the engine tests (tests/engine) share it, so what the tests prove is what a
// new user runs.
//
// The simulated path needs nothing but Go:
//
//   - the Pulumi CLI is the one on PATH, or bin/pulumi built from the pinned tools module;
//   - the state lives in a file backend inside the repository (.pulumi-local/state, git-ignored),
//     encrypted with the fixed, documented passphrase LocalPassphrase;
//   - the program is stacks.Program, run in-process as an inline program, so no Go toolchain
//     plugin or `go build` of the program is involved;
//   - Pulumi.yaml and the stack files are copied into a work directory first, because a local
//     backend writes an encryption salt into the stack file, and the drill changes config
//     (the failover) on the copies only;
//   - PULUMI_DEBUG_PROVIDERS points the engine at the simulated azure-native and kubernetes
//     providers of internal/simprovider, served from this process.
//
// The real path (Real) runs the same program against whatever backend and Azure credentials
// the environment has, with the real provider plugins.
package drill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/internal/kubelocal"
)

const (
	// Project is the Pulumi project name, as in Pulumi.yaml.
	Project = "aks-dr"
	// Global is the stack of the global layer: Front Door with every origin, so the failover.
	Global = "global"
	// Primary is the stamp that serves traffic while its origin has priority 1.
	Primary = "primary"
	// Secondary is the standby stamp.
	Secondary = "secondary"
	// LocalPassphrase encrypts the secrets of the local, simulated state. It protects nothing
	// real (no real credential ever reaches that state) and is documented, not secret.
	LocalPassphrase = "aks-dr-local-simulation"
	// LocalDir is the git-ignored folder, under the repository root, holding the local state.
	LocalDir = ".pulumi-local"
)

// Stacks are the project's stacks in the order a first deployment creates them; the global
// stack then runs again to add the stamps' origins.
var Stacks = []string{Global, Primary, Secondary}

// projectFiles are copied from the repository into the work directory.
var projectFiles = []string{"Pulumi.yaml", "Pulumi." + Global + ".yaml", "Pulumi." + Primary + ".yaml", "Pulumi." + Secondary + ".yaml"}

// Local is a local, simulated environment: a file backend, a work directory with copies of the
// project and stack files, and the providers to attach to.
type Local struct {
	Root     string // repository root: where Pulumi.yaml and the stack files are read from
	StateDir string // the file backend
	WorkDir  string // the copies of Pulumi.yaml and the stack files
	HomeDir  string // PULUMI_HOME, so the drill neither reads nor writes ~/.pulumi
	// DebugProviders is the PULUMI_DEBUG_PROVIDERS value (see simprovider.Running).
	DebugProviders string
	CLI            auto.PulumiCommand
	Program        pulumi.RunFunc
	// Kube, when set, runs the stamps' workloads through the real Kubernetes provider into local
	// API servers (see Operate); nil keeps the simulated kubernetes provider.
	Kube *kubelocal.Clusters
}

// Operate runs op, one engine operation (preview, up) of stack s. With the real Kubernetes
// provider it starts a provider process for that operation alone and points the engine at it:
// the provider ends its context when an operation ends.
func (l *Local) Operate(ctx context.Context, s *auto.Stack, op func() error) error {
	if l.Kube == nil {
		return op()
	}
	return l.Kube.WithProvider(ctx, s.Workspace(), l.DebugProviders, op)
}

// NewLocal lays out a local environment under dir (LocalDir in the repository for the
// command, a temporary directory for tests).
func NewLocal(root, dir string, cli auto.PulumiCommand, program pulumi.RunFunc, debugProviders string) *Local {
	return &Local{
		Root:           root,
		StateDir:       filepath.Join(dir, "state"),
		WorkDir:        filepath.Join(dir, "work"),
		HomeDir:        filepath.Join(dir, "home"),
		DebugProviders: debugProviders,
		CLI:            cli,
		Program:        program,
	}
}

// Env is the environment of every CLI run of the local environment.
func (l *Local) Env() map[string]string {
	return map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.ToSlash(l.StateDir),
		"PULUMI_CONFIG_PASSPHRASE":                    LocalPassphrase,
		"PULUMI_HOME":                                 l.HomeDir,
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_DEBUG_PROVIDERS":                      l.DebugProviders,
	}
}

// Prepare creates the directories and refreshes the copies of the project and stack files from
// the repository, keeping the encryption salt the backend wrote into earlier copies (without it
// the secrets already in the state could not be decrypted).
func (l *Local) Prepare() error {
	for _, d := range []string{l.StateDir, l.WorkDir, l.HomeDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
	}
	for _, name := range projectFiles {
		src, err := os.ReadFile(filepath.Join(l.Root, name))
		if err != nil {
			return fmt.Errorf("copying the project files: %w", err)
		}
		dst := filepath.Join(l.WorkDir, name)
		if strings.HasPrefix(name, "Pulumi.") && name != "Pulumi.yaml" {
			prev, _ := os.ReadFile(dst)
			src = localStackFile(src, prev)
		}
		//nolint:gosec // G703: dst is WorkDir joined with one of the constant projectFiles names.
		if err := os.WriteFile(dst, src, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// localStackFile is the committed stack file without its secrets settings (they belong to the
// real backend) plus the encryption salt of the previous local copy, if any.
func localStackFile(committed, previous []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(committed), "\n") {
		if isTopLevel(line, "encryptionsalt", "secretsprovider", "encryptedkey") {
			continue
		}
		out.WriteString(line)
	}
	for _, line := range strings.SplitAfter(string(previous), "\n") {
		if isTopLevel(line, "encryptionsalt") {
			if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				out.WriteByte('\n')
			}
			out.WriteString(strings.TrimRight(line, "\n") + "\n")
		}
	}
	return out.Bytes()
}

func isTopLevel(line string, keys ...string) bool {
	for _, k := range keys {
		if strings.HasPrefix(line, k+":") {
			return true
		}
	}
	return false
}

// Stack creates or selects a stack of the local environment.
func (l *Local) Stack(ctx context.Context, name string) (auto.Stack, error) {
	return auto.UpsertStackInlineSource(ctx, name, Project, l.Program,
		auto.WorkDir(l.WorkDir),
		auto.Pulumi(l.CLI),
		auto.EnvVars(l.Env()),
		auto.SecretsProvider("passphrase"),
	)
}

// PriorityKey is the global stack's config path of a stamp's origin priority, as the runbook
// sets it: `pulumi config set --path 'aks-dr:origins.<stamp>.priority' <n> -s global`.
func PriorityKey(stamp string) string { return "aks-dr:origins." + stamp + ".priority" }

// SetServing makes the named stamp serve traffic: its origin gets priority 1 and every other
// stamp's priority 2, in the global stack's config, exactly as the runbook's
// `pulumi config set --path` commands do (promoted stamp first).
func SetServing(ctx context.Context, global auto.Stack, serving string) error {
	order := []string{serving}
	for _, s := range []string{Primary, Secondary} {
		if s != serving {
			order = append(order, s)
		}
	}
	for i, stamp := range order {
		priority := "1"
		if i > 0 {
			priority = "2"
		}
		if err := global.SetConfigWithOptions(ctx, PriorityKey(stamp), auto.ConfigValue{Value: priority}, &auto.ConfigOptions{Path: true}); err != nil {
			return fmt.Errorf("setting %s: %w", PriorityKey(stamp), err)
		}
	}
	return nil
}

// StandbyKey is a stamp stack's config key of its standby profile.
const StandbyKey = "aks-dr:standbyProfile"

// SetStandbyProfile sets a stamp stack's standby profile (hot or warm), as
// `pulumi config set aks-dr:standbyProfile <profile> -s <stamp>` does.
func SetStandbyProfile(ctx context.Context, stamp auto.Stack, profile string) error {
	if err := stamp.SetConfig(ctx, StandbyKey, auto.ConfigValue{Value: profile}); err != nil {
		return fmt.Errorf("setting %s: %w", StandbyKey, err)
	}
	return nil
}

// FindRoot walks up from dir to the repository root (the directory with Pulumi.yaml and go.mod).
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isFile(filepath.Join(dir, "tools", "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the aks-dr repository (no go.mod with a tools/ module above the current directory)")
		}
		dir = parent
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
