//go:build linux

package launch

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// layout is where the blocks the filter pins are mapped: execve's
// filename, argv and envp, and the handshake's message. The supervisor
// chooses the addresses at random (about 34 bits of entropy each, inside a
// 47-bit address space), maps the blocks before forking the init child
// (which gets its own copy) and unmaps its own after, and compiles the
// addresses into the filter; after execve the pages are gone and the
// addresses exist only in the kernel's copy of the filter and in the
// supervisor, neither of which the command can read, so it cannot forge a
// matching call.
type layout struct {
	Path, Argv, Env, Handshake uint64
}

// handshakeSize is the handshake block: msghdr, iovec, control buffer and
// handshakeData bytes of text.
var handshakeSize = int(unsafe.Sizeof(unix.Msghdr{})+unsafe.Sizeof(unix.Iovec{})) + 64 + handshakeData

const handshakeData = 16 // bytes of message data

// blockSizes returns the sizes of the four blocks.
func blockSizes(path string, argv, env []string) [4]int {
	return [4]int{len(path) + 1, vecSize(argv), vecSize(env), handshakeSize}
}

func vecSize(strs []string) int {
	size := (len(strs) + 1) * 8
	for _, s := range strs {
		size += len(s) + 1
	}
	return size
}

// Address ranges for the blocks: above 4 GiB, below 2^46 (inside every
// 47-bit user address space), or below 2^38 when the child reported that
// the address space is smaller (arm64 with 39-bit virtual addresses).
const (
	layoutLow   = uint64(1) << 32
	layoutHigh  = uint64(1) << 46
	layoutSmall = uint64(1) << 38
)

// randomLayout picks four non-overlapping page-aligned ranges below limit.
func randomLayout(sizes [4]int, limit uint64) (layout, error) {
	page := uint64(os.Getpagesize())
	var addrs [4]uint64
	var lens [4]uint64
	for i, sz := range sizes {
		lens[i] = (uint64(sz) + page - 1) &^ (page - 1)
	retry:
		for try := 0; ; try++ {
			if try > 16 {
				return layout{}, fmt.Errorf("no free address range of %d bytes", lens[i])
			}
			var rb [8]byte
			if _, err := rand.Read(rb[:]); err != nil {
				return layout{}, err
			}
			a := (layoutLow + binary.LittleEndian.Uint64(rb[:])%(limit-layoutLow-lens[i])) &^ (page - 1)
			for j := 0; j < i; j++ {
				if a < addrs[j]+lens[j] && addrs[j] < a+lens[i] {
					continue retry
				}
			}
			addrs[i] = a
			break
		}
	}
	return layout{addrs[0], addrs[1], addrs[2], addrs[3]}, nil
}

// mapAt maps size bytes (read-write, zeroed) at exactly addr, or fails
// with the errno (EEXIST: something is there already).
func mapAt(addr uint64, size int) ([]byte, error) {
	page := uint64(os.Getpagesize())
	length := (uint64(size) + page - 1) &^ (page - 1)
	r, _, errno := unix.Syscall6(unix.SYS_MMAP, uintptr(addr), uintptr(length), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, ^uintptr(0), 0)
	if errno != 0 {
		return nil, errno
	}
	if uint64(r) != addr { // a kernel without MAP_FIXED_NOREPLACE took it as a hint
		unix.Syscall(unix.SYS_MUNMAP, r, uintptr(length), 0)
		return nil, unix.EEXIST
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), r)), length), nil
}

// placeAt writes a NUL-terminated string at addr.
func placeAt(addr uint64, s string) ([]byte, error) {
	mem, err := mapAt(addr, len(s)+1)
	if err != nil {
		return nil, err
	}
	copy(mem, s)
	return mem, nil
}

// placeVecAt writes a NULL-terminated pointer array followed by its
// strings at addr.
func placeVecAt(addr uint64, strs []string) ([]byte, error) {
	mem, err := mapAt(addr, vecSize(strs))
	if err != nil {
		return nil, err
	}
	off := (len(strs) + 1) * 8
	for i, s := range strs {
		binary.NativeEndian.PutUint64(mem[i*8:], addr+uint64(off))
		off += copy(mem[off:], s) + 1
	}
	return mem, nil
}
