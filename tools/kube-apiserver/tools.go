//go:build tools

// Package tools pins the kube-apiserver, and the etcd server (./etcd, at the version
// k8s.io/kubernetes requires), that internal/kubelocal runs on loopback for the engine tests and
// `go run ./cmd/drill -kubernetes real`. It is a separate module (with replace
// directives for the Kubernetes staging modules, which k8s.io/kubernetes requires at v0.0.0)
// so that neither the program's go.mod nor `go vet ./...` of the program ever sees it.
//
// Build (from this directory; internal/kubelocal does this on first use):
//
//	go build -o ../../bin/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
//	go build -o ../../bin/etcd ./etcd
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
