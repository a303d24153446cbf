package kubelocal

import "syscall"

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
