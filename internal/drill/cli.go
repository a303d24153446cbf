package drill

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// cliPackage is the Go package of the Pulumi CLI, built from the tools module.
const cliPackage = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"

// versionFlag is the linker flag the CLI's version must be stamped through: without it the CLI
// reports a dev version and the Automation API refuses to drive it.
const versionFlag = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

// CLI is the Pulumi CLI the drill drives.
type CLI struct {
	Command auto.PulumiCommand
	Path    string // executable
	Source  string // "PATH" or "built from tools/go.mod"
	Built   bool   // whether this call built it
}

// PinnedVersion reads the CLI version pinned in tools/go.mod (e.g. "v3.274.1").
func PinnedVersion(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "tools", "go.mod"))
	if err != nil {
		return "", fmt.Errorf("reading the pinned CLI version: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(s.Text()), "require "))
		if len(fields) >= 2 && fields[0] == "github.com/pulumi/pulumi/pkg/v3" {
			return fields[1], nil
		}
	}
	return "", errors.New("tools/go.mod does not require github.com/pulumi/pulumi/pkg/v3")
}

// FindCLI returns the `pulumi` on PATH when there is one the Automation API accepts, and
// otherwise <root>/bin/pulumi, building it from the tools module at the pinned version when it is
// missing or stamped with another version. Build output goes to log.
func FindCLI(ctx context.Context, root string, log io.Writer) (*CLI, error) {
	if os.Getenv("AKS_DR_PINNED_CLI") == "" {
		if path, err := exec.LookPath("pulumi"); err == nil {
			cmd, err := auto.NewPulumiCommand(nil)
			if err == nil {
				return &CLI{Command: cmd, Path: path, Source: "PATH"}, nil
			}
			fmt.Fprintf(log, "ignoring %s: %v\n", path, err)
		}
	}
	version, err := PinnedVersion(root)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(root, "bin", "pulumi")
	built := false
	if have := binaryVersion(bin); have != version {
		if have != "" {
			fmt.Fprintf(log, "%s is %s, the pin is %s: rebuilding\n", bin, have, version)
		}
		if err := BuildCLI(ctx, root, version, bin, log); err != nil {
			return nil, err
		}
		built = true
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("using %s: %w", bin, err)
	}
	return &CLI{Command: cmd, Path: bin, Source: "built from tools/go.mod", Built: built}, nil
}

// binaryVersion is what `bin version` prints, or "" when it does not run.
func binaryVersion(bin string) string {
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "PULUMI_SKIP_UPDATE_CHECK=true")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// BuildCLI builds the Pulumi CLI from the tools module into out, with its version stamped. It
// takes about 6.5 minutes on two cold cores and seconds once the build cache is warm.
func BuildCLI(ctx context.Context, root, version, out string, log io.Writer) error {
	start := time.Now()
	fmt.Fprintf(log, "building the Pulumi CLI %s from tools/go.mod into %s (first time: several minutes)...\n", version, out)
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build",
		"-ldflags", fmt.Sprintf("-X %s=%s", versionFlag, version),
		"-o", tmp, cliPackage)
	cmd.Dir = filepath.Join(root, "tools")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the Pulumi CLI (go build in %s): %w", cmd.Dir, err)
	}
	// Rename, so a concurrent reader never sees a half-written binary.
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Fprintf(log, "built %s in %s\n", out, time.Since(start).Round(time.Second))
	return nil
}
