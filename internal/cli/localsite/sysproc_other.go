//go:build !linux

package localsite

import (
	"os/exec"
	"syscall"
)

// sysProcAttr has nothing to add where there is no parent-death signal.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// ownGroup leaves cmd as it is: cancelling it kills only the process itself.
func ownGroup(cmd *exec.Cmd) {}
