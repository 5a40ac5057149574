package sim

import "encoding/binary"

// DataSize is sizeof(struct seccomp_data): the value "ld len" yields and the
// bound for absolute loads.
const DataSize = 64

// Data is struct seccomp_data, the input of a seccomp filter.
type Data struct {
	Nr   uint32    // int nr, as its 32-bit pattern
	Arch uint32    // AUDIT_ARCH_*
	IP   uint64    // instruction_pointer
	Args [6]uint64 // syscall arguments
}

// Marshal lays d out as the kernel does: nr (4 bytes), arch (4), ip (8),
// args[0..5] (8 each), every field in the given byte order (the task's native
// order). order must not be nil.
func (d Data) Marshal(order binary.ByteOrder) [DataSize]byte {
	var b [DataSize]byte
	order.PutUint32(b[0:], d.Nr)
	order.PutUint32(b[4:], d.Arch)
	order.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		order.PutUint64(b[16+8*i:], a)
	}
	return b
}

// byteOrderKind classifies a byte order so that the interpreter can read
// words straight from Data for the two usual orders.
type byteOrderKind uint8

const (
	orderGeneric byteOrderKind = iota // use Marshal + order.Uint32
	orderLittle
	orderBig
)

func classifyOrder(order binary.ByteOrder) byteOrderKind {
	var b [8]byte
	order.PutUint64(b[:], 0x0807060504030201)
	switch b {
	case [8]byte{1, 2, 3, 4, 5, 6, 7, 8}:
		if order.Uint32(b[:4]) == 0x04030201 {
			return orderLittle
		}
	case [8]byte{8, 7, 6, 5, 4, 3, 2, 1}:
		if order.Uint32(b[:4]) == 0x08070605 {
			return orderBig
		}
	}
	return orderGeneric
}

// word returns the 32-bit word at byte offset k (4-aligned, < 64) of d laid
// out in little- (little == true) or big-endian order.
func word(d *Data, k uint32, little bool) uint32 {
	switch k {
	case 0:
		return d.Nr
	case 4:
		return d.Arch
	}
	var v uint64
	if k < 16 {
		v = d.IP
	} else {
		v = d.Args[((k-16)/8)%6]
	}
	// On little-endian the word at the 8-aligned offset is the low half.
	if (k%8 == 0) == little {
		return uint32(v)
	}
	return uint32(v >> 32)
}
