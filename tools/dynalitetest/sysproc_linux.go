package dynalitetest

import "syscall"

// sysProcAttr makes the kernel kill dynalite when the process that started
// it dies, so that a test binary killed by a timeout leaves nothing behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
