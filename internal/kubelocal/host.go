package kubelocal

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// host is what runs processes for this package: a private temporary directory (logs, the
// kubelogin stand-in, an empty kubeconfig), the token the stand-in prints, and the processes
// started, which stop kills. A ControlPlane has one, and so has a Clusters for its providers.
type host struct {
	dir   string
	token string
	bins  *Binaries
	log   io.Writer

	mu        sync.Mutex
	procs     []*process
	providers int // provider processes started, for their log file names
	stopOnce  sync.Once
}

// newHost makes the temporary directory, with the kubelogin stand-in printing token (a new
// random one when empty).
func newHost(bins *Binaries, log io.Writer, token string) (*host, error) {
	if token == "" {
		var err error
		if token, err = newToken(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "aks-dr-kubelocal-")
	if err != nil {
		return nil, err
	}
	h := &host{dir: dir, token: token, bins: bins, log: log}
	// What a provider process sees as its default kubeconfig: nothing, so that a program that
	// gives its provider no kubeconfig fails instead of reaching the developer's ~/.kube/config.
	if err := os.WriteFile(h.path("empty-kubeconfig"), []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		h.stop()
		return nil, err
	}
	if err := writeKubelogin(h.KubeloginDir(), token); err != nil {
		h.stop()
		return nil, err
	}
	return h, nil
}

func (h *host) path(name string) string { return filepath.Join(h.dir, name) }

// KubeloginDir is the directory holding the kubelogin stand-in; StartProvider puts it first on
// the provider's PATH.
func (h *host) KubeloginDir() string { return h.path("bin") }

// spawn starts a process and records it for stop.
func (h *host) spawn(name, logPath string, env []string, stdout *os.File, bin string, args ...string) (*process, error) {
	p, err := startProcess(name, logPath, env, stdout, bin, args...)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	return p, nil
}

// stop kills the processes started, newest first (their process groups), and removes the
// directory. It is safe to call more than once.
func (h *host) stop() {
	h.stopOnce.Do(func() {
		h.mu.Lock()
		procs := h.procs
		h.mu.Unlock()
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
		_ = os.RemoveAll(h.dir)
	})
}

// newToken returns a random bearer token.
func newToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
