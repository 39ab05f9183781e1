package devserver

import "syscall"

// sysProcAttr puts the function in a process group of its own, so that
// Ctrl-C in the terminal reaches the server alone, which stops the function
// after the requests it serves; and it makes the kernel kill the function
// when the server's process dies, so that none is left holding a port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
