//go:build unix && !linux

package devserver

import "syscall"

// sysProcAttr puts the function in a process group of its own, so that
// Ctrl-C in the terminal reaches the server alone, which stops the function
// after the requests it serves. (There is no parent-death signal here.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
