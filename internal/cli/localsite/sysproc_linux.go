package localsite

import "syscall"

// sysProcAttr makes the kernel kill a helper process (node) when the
// local site's process dies, so that nothing is left behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
