// Command etcd is a single-member etcd for internal/kubelocal's loopback control plane, built
// from the etcd server (go.etcd.io/etcd/server/v3/embed) at the version kube-apiserver's module
// requires, so a clean clone needs no etcd package from the operating system and no root.
//
// It serves clients on -client-url and its peer port on -peer-url (both loopback, chosen by the
// caller), keeps its data in -data-dir without fsync (the data is thrown away with the control
// plane), and stops on SIGTERM or SIGINT.
//
// Build (from the parent directory; internal/kubelocal does this on first use):
//
//	go build -o ../../bin/etcd ./etcd
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		os.Exit(1)
	}
}

func run() error {
	dataDir := flag.String("data-dir", "", "directory for etcd's data (required)")
	clientURL := flag.String("client-url", "", "URL to serve clients on, e.g. http://127.0.0.1:2379 (required)")
	peerURL := flag.String("peer-url", "", "URL to serve the peer port on, e.g. http://127.0.0.1:2380 (required)")
	flag.Parse()
	if *dataDir == "" || *clientURL == "" || *peerURL == "" {
		return fmt.Errorf("-data-dir, -client-url and -peer-url are required")
	}
	client, err := url.Parse(*clientURL)
	if err != nil {
		return err
	}
	peer, err := url.Parse(*peerURL)
	if err != nil {
		return err
	}

	cfg := embed.NewConfig()
	cfg.Name = "kubelocal"
	cfg.Dir = *dataDir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*client}, []url.URL{*client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "warn"

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Println("etcd ready on", client.String())
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("not ready after 2 minutes")
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
		return nil
	case err := <-e.Err():
		return err
	}
}
