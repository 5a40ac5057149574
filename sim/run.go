package sim

import (
	"encoding/binary"
	"errors"

	"golang.org/x/net/bpf"
)

var errNilOrder = errors.New("sim: nil byte order")

// Run validates prog (see [Validate]) and executes it on d, laying d out in
// the given byte order (binary.LittleEndian for x86_64 and aarch64,
// binary.BigEndian for s390x, ...). It returns the seccomp return value and
// the number of instructions executed, the final ret included. An invalid
// program yields a *ValidationError. Run never panics.
//
// To run one program on many inputs, use [New] and [Program.Run], which
// validate once.
func Run(prog []bpf.RawInstruction, d Data, order binary.ByteOrder) (ret uint32, executed int, err error) {
	p, err := New(prog, order)
	if err != nil {
		return 0, 0, err
	}
	ret, executed = p.Run(d)
	return ret, executed, nil
}

// Program is a validated seccomp program bound to a byte order. It is
// immutable and safe for concurrent use.
type Program struct {
	insns []bpf.RawInstruction
	order binary.ByteOrder
	kind  byteOrderKind
}

// New validates prog (see [Validate]) and returns a Program that runs it with
// seccomp_data laid out in the given byte order. prog is copied.
func New(prog []bpf.RawInstruction, order binary.ByteOrder) (*Program, error) {
	if order == nil {
		return nil, errNilOrder
	}
	if err := Validate(prog); err != nil {
		return nil, err
	}
	return &Program{
		insns: append([]bpf.RawInstruction(nil), prog...),
		order: order,
		kind:  classifyOrder(order),
	}, nil
}

// Len is the number of instructions in the program.
func (p *Program) Len() int { return len(p.insns) }

// Instructions returns a copy of the program.
func (p *Program) Instructions() []bpf.RawInstruction {
	return append([]bpf.RawInstruction(nil), p.insns...)
}

// Run executes the program on d and returns the seccomp return value and the
// number of instructions executed (the ret included).
func (p *Program) Run(d Data) (ret uint32, executed int) {
	var (
		a, x uint32
		mem  [MemWords]uint32
		raw  [DataSize]byte
	)
	if p.kind == orderGeneric {
		raw = d.Marshal(p.order)
	}
	insns := p.insns
	n := 0
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		k := ins.K
		n++
		switch ins.Op {
		case opLdAbsW:
			switch p.kind {
			case orderLittle:
				a = word(&d, k, true)
			case orderBig:
				a = word(&d, k, false)
			default:
				a = p.order.Uint32(raw[k%DataSize&^3:])
			}
		case opLdLen:
			a = DataSize
		case opLdxLen:
			x = DataSize
		case opLdImm:
			a = k
		case opLdxImm:
			x = k
		case opLdMem:
			a = mem[k%MemWords]
		case opLdxMem:
			x = mem[k%MemWords]
		case opSt:
			mem[k%MemWords] = a
		case opStx:
			mem[k%MemWords] = x
		case opAddK:
			a += k
		case opAddX:
			a += x
		case opSubK:
			a -= k
		case opSubX:
			a -= x
		case opMulK:
			a *= k
		case opMulX:
			a *= x
		case opDivK:
			if k == 0 { // rejected by Validate; kept so Run cannot panic
				return 0, n
			}
			a /= k
		case opDivX:
			// bpf_convert_filter: "if X == 0 { A = 0; exit }", i.e. the
			// program returns 0 (SECCOMP_RET_KILL_THREAD).
			if x == 0 {
				return 0, n
			}
			a /= x
		case opAndK:
			a &= k
		case opAndX:
			a &= x
		case opOrK:
			a |= k
		case opOrX:
			a |= x
		case opXorK:
			a ^= k
		case opXorX:
			a ^= x
		case opLshK:
			a <<= k & 31 // k < 32 after Validate
		case opLshX:
			a <<= x & 31
		case opRshK:
			a >>= k & 31
		case opRshX:
			a >>= x & 31
		case opNeg:
			a = -a
		case opTax:
			x = a
		case opTxa:
			a = x
		case opJa:
			pc += int(k)
		case opJeqK:
			pc += branch(a == k, ins)
		case opJeqX:
			pc += branch(a == x, ins)
		case opJgeK:
			pc += branch(a >= k, ins)
		case opJgeX:
			pc += branch(a >= x, ins)
		case opJgtK:
			pc += branch(a > k, ins)
		case opJgtX:
			pc += branch(a > x, ins)
		case opJsetK:
			pc += branch(a&k != 0, ins)
		case opJsetX:
			pc += branch(a&x != 0, ins)
		case opRetK:
			return k, n
		case opRetA:
			return a, n
		default:
			// Unreachable for validated programs.
			return 0, n
		}
	}
	// Unreachable for validated programs (the last instruction is a ret and
	// jumps stay inside the program).
	return 0, n
}

func branch(cond bool, ins bpf.RawInstruction) int {
	if cond {
		return int(ins.Jt)
	}
	return int(ins.Jf)
}
