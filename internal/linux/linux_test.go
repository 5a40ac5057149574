//go:build linux

package linux

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestErrnoNamesAgainstXSys: the errno names are x/sys/unix's (the
// constants are checked by TestNamesAgainstXSys).
func TestErrnoNamesAgainstXSys(t *testing.T) {
	for e := uint16(1); e < 4096; e++ {
		if got, want := ErrnoName(e), unix.ErrnoName(syscall.Errno(e)); got != want {
			t.Errorf("ErrnoName(%d) = %q, x/sys/unix says %q (go generate ./internal/linux)", e, got, want)
		}
	}
	if n, ok := ErrnoNumber("EACCES"); !ok || n != EACCES {
		t.Errorf("ErrnoNumber(EACCES) = %d, %v", n, ok)
	}
}
