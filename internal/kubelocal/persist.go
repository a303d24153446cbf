package kubelocal

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Option changes how Start and NewClusters run control planes.
type Option func(*options)

type options struct {
	stateDir string
}

// StateDir keeps a control plane's identity and data in dir instead of a temporary directory:
// its CA and serving certificate, its token, its ports and etcd's data. A later Start with the
// same dir serves the same objects at the same address with the same CA, as long as the ports
// are still free, so a kubeconfig built from it is unchanged and a Pulumi state that holds the
// objects stays true (the Kubernetes provider replaces every object when the cluster in its
// kubeconfig changes). For NewClusters, each cluster gets a directory in dir. Stop leaves dir
// in place; delete it to start over.
func StateDir(dir string) Option {
	return func(o *options) { o.stateDir = dir }
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Files of a control plane's state directory.
const (
	caFile         = "ca.crt"
	servingFile    = "serving.crt"
	servingKeyFile = "serving.key"
	saKeyFile      = "sa.key"
	tokenFile      = "token"
	portsFile      = "ports" // "etcd-client etcd-peer kube-apiserver"
	etcdDataDir    = "etcd-data"
)

// loadOrCreateToken reads the token in dir, or writes a new random one there.
func loadOrCreateToken(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p := filepath.Join(dir, tokenFile)
	if data, err := os.ReadFile(p); err == nil && len(strings.TrimSpace(string(data))) >= 32 {
		return strings.TrimSpace(string(data)), nil
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	return token, os.WriteFile(p, []byte(token+"\n"), 0o600)
}

// loadOrCreatePKI reads the certificates and keys in dir when they are all there and the
// serving certificate is valid for another hour, and otherwise generates and writes new ones.
func loadOrCreatePKI(dir string) (*pki, error) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil
		}
		return data
	}
	p := &pki{caPEM: read(caFile), servingPEM: read(servingFile), servingKeyPEM: read(servingKeyFile), saKeyPEM: read(saKeyFile)}
	if p.caPEM != nil && p.servingKeyPEM != nil && p.saKeyPEM != nil && validFor(p.servingPEM, time.Hour) {
		return p, nil
	}
	p, err := newPKI()
	if err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{caFile: p.caPEM, servingFile: p.servingPEM, servingKeyFile: p.servingKeyPEM, saKeyFile: p.saKeyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// validFor reports whether a PEM certificate is still valid after d.
func validFor(certPEM []byte, d time.Duration) bool {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return false
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	return err == nil && time.Now().Add(d).Before(cert.NotAfter)
}

// savedPorts reads the ports of the last run from dir; zeros when there are none.
func savedPorts(dir string) (etcdClient, etcdPeer, apiServer int) {
	data, err := os.ReadFile(filepath.Join(dir, portsFile))
	if err != nil {
		return 0, 0, 0
	}
	f := strings.Fields(string(data))
	if len(f) != 3 {
		return 0, 0, 0
	}
	a, _ := strconv.Atoi(f[0])
	b, _ := strconv.Atoi(f[1])
	c, _ := strconv.Atoi(f[2])
	return a, b, c
}

func savePorts(dir string, etcdClient, etcdPeer, apiServer int) error {
	return os.WriteFile(filepath.Join(dir, portsFile), fmt.Appendf(nil, "%d %d %d\n", etcdClient, etcdPeer, apiServer), 0o600)
}

// portOr returns want when it is a loopback port free now, and otherwise a free one.
func portOr(want int) (int, error) {
	if want > 0 {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(want))); err == nil {
			l.Close()
			return want, nil
		}
	}
	return freePort()
}

// clusterDirName is a cluster's directory name in a Clusters state directory.
func clusterDirName(resourceGroup, cluster string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return '_'
		}, s)
	}
	return clean(resourceGroup) + "_" + clean(cluster)
}
