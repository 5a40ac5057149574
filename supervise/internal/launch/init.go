//go:build linux

package launch

import (
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	"golang.org/x/sys/unix"
)

// selfPID stands for the command's pid in the signal-to-self rules of a
// policy from Build (catalog.Policy refuses OwnPID itself): the supervisor
// replaces it with the init child's pid, which the command keeps across
// execve, when it compiles the child's filter.
const selfPID = catalog.OwnPID - 1

// Messages from the init child to the supervisor (one SOCK_SEQPACKET
// record each; the socket is close-on-exec, so a successful execve shows up
// as end-of-file).
const (
	msgOK       = 'O' // filter installed; carries the listener (SCM_RIGHTS) when supervised
	msgErr      = 'E' // a step failed before exec: byte 1 is the step, byte 2 the errno; exit 125
	msgExecFail = 'X' // execve failed: byte 1 is the exit code (126, 127), byte 2 the errno
)

// handshake is the init child's one message to the supervisor after the
// filter is installed, laid out (msghdr, iovec, control buffer and data)
// in a block at a random address that the filter's sendmsg rule names. The
// supervisor fills it before the fork; the child only stores the listener's
// number (or, when execve fails, the status) through the pointers.
type handshake struct {
	addr       uintptr
	fd         *int32   // the SCM_RIGHTS descriptor
	controllen *uint64  // msghdr.Controllen (0: no descriptor)
	iovlen     *uint64  // iovec.Len
	data       *[4]byte // kind, then code and errno for msgExecFail
}

// newHandshake writes an msgOK record with room for one descriptor into
// mem, which is mapped at addr.
func newHandshake(mem []byte, addr uintptr) *handshake {
	msgSize := unsafe.Sizeof(unix.Msghdr{})
	iovSize := unsafe.Sizeof(unix.Iovec{})
	ctlOff := msgSize + iovSize
	dataOff := ctlOff + 64
	data := mem[dataOff : dataOff+4]
	data[0] = msgOK
	msg := (*unix.Msghdr)(unsafe.Pointer(&mem[0]))
	iov := (*unix.Iovec)(unsafe.Pointer(&mem[msgSize]))
	*iov = unix.Iovec{Base: &data[0]}
	iov.SetLen(1)
	*msg = unix.Msghdr{Iov: iov}
	msg.SetIovlen(1)
	rights := unix.UnixRights(-1)
	copy(mem[ctlOff:dataOff], rights)
	msg.Control = &mem[ctlOff]
	msg.SetControllen(len(rights))
	return &handshake{
		addr:       addr,
		fd:         (*int32)(unsafe.Pointer(&mem[ctlOff+uintptr(unix.CmsgLen(0))])),
		controllen: (*uint64)(unsafe.Pointer(&msg.Controllen)),
		iovlen:     (*uint64)(unsafe.Pointer(&iov.Len)),
		data:       (*[4]byte)(data),
	}
}
