package kubelocal

import (
	"os"
	"syscall"
)

// supported says whether this system can run the control plane.
const supported = true

// sysProcAttr puts a child in its own process group (so Stop kills what it started, and only
// that) and has the kernel kill it if this process dies first, so nothing is left running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) {
	_ = syscall.Kill(-pid, sig)
}

// lockFile takes an exclusive lock on path (created if needed), waiting for another process
// that holds it, and returns the func that releases it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
