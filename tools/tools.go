//go:build tools

// Package tools pins the Pulumi CLI that the drill command and the engine
// tests build when no `pulumi` is on PATH. It is a separate module so the
// CLI's large dependency graph never leaks into the program's go.mod.
//
// Build (from this directory; the version stamp is required, otherwise the
// Automation API rejects the CLI's version):
//
//	go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.274.1" \
//	    -o ../bin/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
