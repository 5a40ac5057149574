//go:build !linux

package profile

import "errors"

// runningKernel fails off Linux: there is no running Linux kernel to ask.
func runningKernel() (string, error) {
	return "", errors.New("not running on Linux")
}
