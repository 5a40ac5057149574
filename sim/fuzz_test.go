package sim

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"
)

// fuzzInput splits fuzz bytes into a byte order (first byte), seccomp_data
// (next 64 bytes, little-endian) and a program (8 bytes per instruction:
// op uint16 LE, jt, jf, k uint32 LE).
func fuzzInput(b []byte) (binary.ByteOrder, Data, []bpf.RawInstruction) {
	order := binary.ByteOrder(binary.LittleEndian)
	if len(b) > 0 {
		if b[0]&1 == 1 {
			order = binary.BigEndian
		}
		b = b[1:]
	}
	var raw [DataSize]byte
	b = b[copy(raw[:], b):]
	d := Data{
		Nr:   binary.LittleEndian.Uint32(raw[0:]),
		Arch: binary.LittleEndian.Uint32(raw[4:]),
		IP:   binary.LittleEndian.Uint64(raw[8:]),
	}
	for i := range d.Args {
		d.Args[i] = binary.LittleEndian.Uint64(raw[16+8*i:])
	}
	var prog []bpf.RawInstruction
	for ; len(b) >= 8; b = b[8:] {
		prog = append(prog, bpf.RawInstruction{
			Op: binary.LittleEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.LittleEndian.Uint32(b[4:]),
		})
	}
	return order, d, prog
}

// encodeFuzzInput is the inverse of fuzzInput, for seeds.
func encodeFuzzInput(big bool, d Data, prog []bpf.RawInstruction) []byte {
	out := []byte{0}
	if big {
		out[0] = 1
	}
	raw := d.Marshal(binary.LittleEndian)
	out = append(out, raw[:]...)
	for _, ins := range prog {
		out = binary.LittleEndian.AppendUint16(out, ins.Op)
		out = append(out, ins.Jt, ins.Jf)
		out = binary.LittleEndian.AppendUint32(out, ins.K)
	}
	return out
}

func FuzzRun(f *testing.F) {
	f.Add(encodeFuzzInput(false, Data{Arch: archX86_64, Nr: 1}, dispatch()))
	f.Add(encodeFuzzInput(true, sample, []bpf.RawInstruction{
		stmt(opLdAbsW, 20), stmt(opTax, 0), stmt(opLdAbsW, 16), stmt(opDivX, 0), stmt(opSt, 1),
		stmt(opLdxMem, 1), stmt(opLshX, 0), jump(opJsetK, 1, 0, 1), stmt(opRetA, 0), stmt(opRetK, retAllow),
	}))
	f.Fuzz(func(t *testing.T, b []byte) {
		order, d, prog := fuzzInput(b)
		ret, n, err := Run(prog, d, order)
		cached := CacheAllows(prog, d.Arch, d.Nr)
		_ = Disassemble(prog, func(i int, ins bpf.RawInstruction) string { return RetString(ins.K) })
		if err != nil {
			if Validate(prog) == nil {
				t.Fatalf("Run failed but Validate passed: %v", err)
			}
			return
		}
		if n < 1 || n > len(prog) {
			t.Fatalf("executed %d instructions of %d", n, len(prog))
		}
		p, err := New(prog, order)
		if err != nil {
			t.Fatal(err)
		}
		if ret2, n2 := p.Run(d); ret2 != ret || n2 != n {
			t.Fatalf("Program.Run = %#x, %d; Run = %#x, %d", ret2, n2, ret, n)
		}
		// A filter the cache marks as constant-allow must allow whatever the
		// arguments and instruction pointer are.
		if cached && ret != 0x7fff0000 {
			t.Fatalf("CacheAllows but Run returned %s\n%s", RetString(ret), Disassemble(prog, nil))
		}
	})
}
