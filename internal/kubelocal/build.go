package kubelocal

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Binaries are the executables Start and StartProvider run.
type Binaries struct {
	Etcd      string
	APIServer string
	Provider  string
	// ProviderVersion is the version the provider reports to the engine: the version of the
	// kubernetes SDK in the program's go.mod.
	ProviderVersion string
}

// tool is one binary built from a tools module of the repository.
type tool struct {
	name    string // file name in bin/
	module  string // tools module directory, relative to the repository root
	pkg     string // package to build, from that directory
	ldflags string
}

// sdkModule is the program's kubernetes SDK, whose version the provider reports.
const sdkModule = "github.com/pulumi/pulumi-kubernetes/sdk/v4"

// Build returns the binaries in <root>/bin, building each one that is missing or stale first.
// A binary is stale when the files of its tools module (go.mod, go.sum, Go sources) or its
// build flags changed since it was built: a stamp file next to it (bin/.NAME.stamp) records their
// hash. Cold, on two cores, etcd and kube-apiserver take about 6 minutes together and the
// provider about 9; a rebuild with a warm Go build cache is a relink. Progress goes to log.
func Build(ctx context.Context, root string, log io.Writer) (*Binaries, error) {
	version, err := requiredVersion(filepath.Join(root, "go.mod"), sdkModule)
	if err != nil {
		return nil, err
	}
	b := &Binaries{
		Etcd:            filepath.Join(root, "bin", "etcd"),
		APIServer:       filepath.Join(root, "bin", "kube-apiserver"),
		Provider:        filepath.Join(root, "bin", "pulumi-resource-kubernetes"),
		ProviderVersion: strings.TrimPrefix(version, "v"),
	}
	tools := []tool{
		{name: "etcd", module: "tools/kube-apiserver", pkg: "./etcd"},
		{name: "kube-apiserver", module: "tools/kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver"},
		{name: "pulumi-resource-kubernetes", module: "tools/kubernetes-provider", pkg: ".",
			ldflags: "-X main.version=" + b.ProviderVersion},
	}
	// One build at a time: two test packages (or a test and the drill) starting together on a
	// cold cache would otherwise compile the same binaries side by side; the second one waits,
	// then finds them up to date.
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o750); err != nil {
		return nil, err
	}
	unlock, err := lockFile(filepath.Join(root, "bin", ".kubelocal-build.lock"))
	if err != nil {
		return nil, fmt.Errorf("kubelocal: locking bin/ for the build: %w", err)
	}
	defer unlock()
	for _, t := range tools {
		if err := t.ensure(ctx, root, log); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// ensure builds t unless bin/ has it with a matching stamp.
func (t tool) ensure(ctx context.Context, root string, log io.Writer) error {
	out := filepath.Join(root, "bin", t.name)
	stampFile := filepath.Join(root, "bin", "."+t.name+".stamp")
	want, err := t.stamp(root)
	if err != nil {
		return err
	}
	if have, err := os.ReadFile(stampFile); err == nil && string(have) == want && isExecutable(out) {
		return nil
	}
	start := time.Now()
	fmt.Fprintf(log, "kubelocal: building %s from %s/go.mod into bin/ (first time: several minutes)...\n", t.name, t.module)
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	args := []string{"build", "-o", tmp}
	if t.ldflags != "" {
		args = append(args, "-ldflags", t.ldflags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, t.pkg)...)
	cmd.Dir = filepath.Join(root, t.module)
	// GOWORK=off: a go.work around the repository must not pull the program's module in.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("kubelocal: building %s (go build %s in %s): %w", t.name, t.pkg, cmd.Dir, err)
	}
	// Rename, so a concurrent reader never sees a half-written binary.
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	if err := os.WriteFile(stampFile, []byte(want), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(log, "kubelocal: built bin/%s in %s\n", t.name, time.Since(start).Round(time.Second))
	return nil
}

// stamp hashes what the binary is built from: the tools module's go.mod, go.sum and Go files,
// the package and the flags.
func (t tool) stamp(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", t.name, t.pkg, t.ldflags)
	dir, err := os.OpenRoot(filepath.Join(root, t.module))
	if err != nil {
		return "", fmt.Errorf("kubelocal: the tools module %s: %w", t.module, err)
	}
	defer dir.Close()
	files := dir.FS()
	err = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() || (name != "go.mod" && name != "go.sum" && !strings.HasSuffix(name, ".go")) {
			return nil
		}
		data, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("kubelocal: reading the tools module %s: %w", t.module, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// requiredVersion reads the version of module from a go.mod's require lines.
func requiredVersion(gomod, module string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", fmt.Errorf("kubelocal: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(s.Text()), "require "))
		if len(fields) >= 2 && fields[0] == module {
			return fields[1], nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", errors.New("kubelocal: " + gomod + " does not require " + module)
}
