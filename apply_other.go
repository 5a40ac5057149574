//go:build !linux

package entitle

import (
	"fmt"
	"runtime"
)

// Apply confines the current process to p. Off Linux there is no seccomp
// or Landlock: it returns ErrNotSupported and changes nothing, so a
// program that must not run unconfined can refuse to.
func (p Policy) Apply() error {
	_, err := p.ApplyReport()
	return err
}

// ApplyReport is Apply; off Linux it returns ErrNotSupported.
func (p Policy) ApplyReport() (Report, error) {
	if _, err := p.compile(); err != nil {
		return Report{}, err
	}
	return Report{}, fmt.Errorf("%w: %s is not Linux", ErrNotSupported, runtime.GOOS)
}
