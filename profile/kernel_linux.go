//go:build linux

package profile

import "golang.org/x/sys/unix"

// runningKernel returns the running kernel's release ("6.18.44-...").
func runningKernel() (string, error) {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return "", err
	}
	return unix.ByteSliceToString(uts.Release[:]), nil
}
