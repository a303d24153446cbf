package kubelocal

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// process is a child process whose output goes to a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited
	err     error         // its exit status, set before done is closed
}

// startProcess starts bin in its own process group with stdout and stderr appended to logPath.
// When stdout is not nil it receives the standard output instead.
func startProcess(name, logPath string, env []string, stdout *os.File, bin string, args ...string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("kubelocal: starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after stopGrace, and waits for the exit.
func (p *process) stop() {
	if p.exited() {
		signalGroup(p.cmd.Process.Pid, syscall.SIGKILL) // anything it left behind
		return
	}
	signalGroup(p.cmd.Process.Pid, syscall.SIGTERM)
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
	}
	signalGroup(p.cmd.Process.Pid, syscall.SIGKILL)
	_ = p.cmd.Process.Kill()
	<-p.done
}

// failure describes why the process is not usable, with the end of its log.
func (p *process) failure(what string) error {
	status := "is still running"
	if p.exited() {
		status = fmt.Sprintf("exited (%v)", p.err)
	}
	return fmt.Errorf("kubelocal: %s %s: %s; last lines of %s:\n%s", p.name, what, status, p.logPath, tail(p.logPath, 25))
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	//nolint:gosec // G703: a log file that this package named, in its own temporary directory.
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.ReplaceAll(string(bytes.Join(lines, []byte("\n"))), "\n", "\n  ")
}
