package kubelocal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ReadyTimeout bounds how long Start waits for etcd, then for kube-apiserver, to be ready. On a
// busy two-core machine kube-apiserver takes 10 to 30 seconds.
var ReadyTimeout = 3 * time.Minute

// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
const stopGrace = 10 * time.Second

// attempts is how often Start tries a component whose free port was taken in the meantime.
const attempts = 3

// ServiceClusterIPRange is the range the API server allocates Service cluster IPs from.
const ServiceClusterIPRange = "10.96.0.0/16"

// User is the name the control plane's token authenticates as; it is in system:masters.
const User = "aks-dr-deployer"

// ControlPlane is etcd and kube-apiserver running on loopback.
type ControlPlane struct {
	// URL is the API server's address, https://127.0.0.1:PORT.
	URL string
	// CAData is the PEM certificate of the CA that signed the API server's serving certificate
	// (a kubeconfig's certificate-authority-data, once base64-encoded).
	CAData []byte
	// Token is a bearer token of User, a cluster admin.
	Token string

	*host            // the temporary directory, the processes, the provider processes (provider.go)
	state     string // the directory of the certificates, keys and etcd's data (see StateDir)
	persist   bool   // whether state outlives the control plane
	etcdPorts [2]int // client, peer
	http      *http.Client
}

// Start runs etcd and kube-apiserver on free loopback ports and returns once the API server's
// /readyz answers ok (at most ReadyTimeout per component). Progress goes to log; the
// components' own logs go to files in a temporary directory, quoted in errors. The caller must
// call Stop, which kills both and removes the directory; on error Start has already cleaned up.
// With the StateDir option, the control plane keeps its identity and objects from one run to
// the next.
func Start(ctx context.Context, bins *Binaries, log io.Writer, opts ...Option) (*ControlPlane, error) {
	return start(ctx, bins, log, "", collect(opts).stateDir)
}

// start is Start with a given token (a new random one, or the one saved in stateDir, when
// empty) and state directory (a temporary one when empty).
func start(ctx context.Context, bins *Binaries, log io.Writer, token, stateDir string) (_ *ControlPlane, err error) {
	if !supported {
		return nil, errors.New("kubelocal: the local control plane runs on Linux only")
	}
	if stateDir != "" && token == "" {
		if token, err = loadOrCreateToken(stateDir); err != nil {
			return nil, fmt.Errorf("kubelocal: %w", err)
		}
	}
	h, err := newHost(bins, log, token)
	if err != nil {
		return nil, err
	}
	c := &ControlPlane{host: h, Token: h.token, state: h.dir}
	if stateDir != "" {
		c.state, c.persist = stateDir, true
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if err := c.writeFiles(); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAData)
	c.http = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Proxy: nil},
	}

	began := time.Now()
	etcdURL, err := c.startEtcd(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "kubelocal: etcd ready at %s in %s\n", etcdURL, time.Since(began).Round(10*time.Millisecond))
	began = time.Now()
	if err := c.startAPIServer(ctx, etcdURL); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "kubelocal: kube-apiserver ready at %s in %s (logs in %s)\n", c.URL, time.Since(began).Round(10*time.Millisecond), c.dir)
	return c, nil
}

// Stop kills the processes Start and StartProvider started (their process groups) and removes
// the temporary directory. It is safe to call more than once.
func (c *ControlPlane) Stop() { c.stop() }

// Dir is the control plane's temporary directory: token file, logs (and, without StateDir,
// certificates and etcd's data).
func (c *ControlPlane) Dir() string { return c.dir }

// Kubeconfig is a kubeconfig for the API server that authenticates with Token.
func (c *ControlPlane) Kubeconfig() []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: kubelocal
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: kubelocal
  context:
    cluster: kubelocal
    user: %s
current-context: kubelocal
`, c.URL, base64.StdEncoding.EncodeToString(c.CAData), User, c.Token, User)
}

// writeFiles loads or creates the certificates and keys in the state directory and writes the
// token file into the temporary one.
func (c *ControlPlane) writeFiles() error {
	if err := os.MkdirAll(c.state, 0o700); err != nil {
		return err
	}
	p, err := loadOrCreatePKI(c.state)
	if err != nil {
		return fmt.Errorf("kubelocal: certificates: %w", err)
	}
	c.CAData = p.caPEM
	// token,user,uid,"group,..."
	return os.WriteFile(c.path("tokens.csv"), fmt.Appendf(nil, "%s,%s,%s,\"system:masters\"\n", c.Token, User, User), 0o600)
}

func (c *ControlPlane) statePath(name string) string { return filepath.Join(c.state, name) }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startEtcd starts etcd on free ports (those of the last run first, with a state directory)
// and waits for its /health; it returns the client URL.
func (c *ControlPlane) startEtcd(ctx context.Context) (string, error) {
	var last error
	wantClient, wantPeer, _ := savedPorts(c.state)
	for attempt := 1; attempt <= attempts; attempt++ {
		clientPort, err := portOr(wantClient)
		if err != nil {
			return "", err
		}
		peerPort, err := portOr(wantPeer)
		if err != nil {
			return "", err
		}
		wantClient, wantPeer = 0, 0
		c.etcdPorts = [2]int{clientPort, peerPort}
		clientURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
		p, err := c.spawn("etcd", c.path("etcd.log"), os.Environ(), nil, c.bins.Etcd,
			"-data-dir", c.statePath(etcdDataDir),
			"-client-url", clientURL,
			"-peer-url", fmt.Sprintf("http://127.0.0.1:%d", peerPort))
		if err != nil {
			return "", err
		}
		last = c.waitUntil(ctx, p, func() bool {
			body, code, err := c.get(ctx, clientURL+"/health", "")
			return err == nil && code == http.StatusOK && strings.Contains(string(body), `"health":"true"`)
		})
		if last == nil {
			return clientURL, nil
		}
		if !p.exited() {
			return "", last
		}
		if !c.persist {
			_ = os.RemoveAll(c.statePath(etcdDataDir))
		}
	}
	return "", last
}

// startAPIServer starts kube-apiserver on a free port (that of the last run first, with a state
// directory) and waits for its /readyz; with a state directory it then saves the ports.
func (c *ControlPlane) startAPIServer(ctx context.Context, etcdURL string) error {
	var last error
	_, _, want := savedPorts(c.state)
	for attempt := 1; attempt <= attempts; attempt++ {
		port, err := portOr(want)
		if err != nil {
			return err
		}
		want = 0
		c.URL = "https://127.0.0.1:" + strconv.Itoa(port)
		p, err := c.spawn("kube-apiserver", c.path("kube-apiserver.log"), os.Environ(), nil, c.bins.APIServer,
			"--etcd-servers="+etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port="+strconv.Itoa(port),
			// No "kubernetes" Service endpoints: there is no network for pods to reach it from.
			"--endpoint-reconciler-type=none",
			"--cert-dir="+c.path("certs"),
			"--tls-cert-file="+c.statePath(servingFile),
			"--tls-private-key-file="+c.statePath(servingKeyFile),
			"--token-auth-file="+c.path("tokens.csv"),
			"--authorization-mode=RBAC",
			"--service-account-issuer="+c.URL,
			"--service-account-key-file="+c.statePath(saKeyFile),
			"--service-account-signing-key-file="+c.statePath(saKeyFile),
			"--service-cluster-ip-range="+ServiceClusterIPRange,
			// As AKS: privileged pods are a Pod Security question, not a cluster-wide refusal.
			"--allow-privileged=true",
			// The ServiceAccount admission plugin refuses pods in a namespace whose "default"
			// service account does not exist yet, and only the controller manager, which does
			// not run here, creates it: a dry-run pod must be judged by Pod Security instead.
			"--disable-admission-plugins=ServiceAccount",
			"--profiling=false",
			"--v=1",
		)
		if err != nil {
			return err
		}
		last = c.waitUntil(ctx, p, func() bool {
			_, code, err := c.get(ctx, c.URL+"/readyz", c.Token)
			return err == nil && code == http.StatusOK
		})
		if last == nil {
			if c.persist {
				return savePorts(c.state, c.etcdPorts[0], c.etcdPorts[1], port)
			}
			return nil
		}
		if !p.exited() {
			return last
		}
	}
	return last
}

// waitUntil polls ready every 250 ms until it returns true, the process exits, ctx is done or
// ReadyTimeout passes.
func (c *ControlPlane) waitUntil(ctx context.Context, p *process, ready func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready() {
			return nil
		}
		select {
		case <-p.done:
			return p.failure("did not become ready")
		case <-ctx.Done():
			return p.failure(fmt.Sprintf("not ready within %s (%v)", ReadyTimeout, ctx.Err()))
		case <-tick.C:
		}
	}
}

// get fetches url, with a bearer token when token is not empty.
func (c *ControlPlane) get(ctx context.Context, url, token string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}
