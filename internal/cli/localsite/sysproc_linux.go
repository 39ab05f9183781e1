package localsite

import (
	"os/exec"
	"syscall"
)

// sysProcAttr makes the kernel kill a helper process (node) when the
// local site's process dies, so that nothing is left behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// ownGroup puts cmd in a process group of its own and makes cancelling it
// kill the whole group: a synthesis is sh, go run, the app and its node,
// and killing sh alone would leave the others running.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
