//go:build !linux

package kubelocal

import "syscall"

// supported says whether this system can run the control plane: the process handling (process
// groups, parent-death signal) is written for Linux, where CI runs.
const supported = false

func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(int, syscall.Signal) {}

func lockFile(string) (func(), error) { return func() {}, nil }
