//go:build linux

package supervise

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	confinement "github.com/entitle-dev/entitle/confine"
)

// TestCheckExecMemory: the refusals made before the command starts, from
// one read of the headers of the files execve reads: a 32-bit x86 program
// (its calls are foreign-architecture calls) and an executable stack
// without mem.jit; a script is judged by its interpreter.
func TestCheckExecMemory(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the foreign-architecture refusal is for amd64")
	}
	dir := t.TempDir()
	// A minimal ELF: header and one program header, no interpreter.
	write := func(name string, class elf.Class, machine elf.Machine, stackFlags elf.ProgFlag) string {
		bo := binary.LittleEndian
		var b []byte
		if class == elf.ELFCLASS32 {
			b = make([]byte, 52+32)
			bo.PutUint32(b[28:], 52) // phoff
			bo.PutUint16(b[42:], 32) // phentsize
			bo.PutUint16(b[44:], 1)  // phnum
			bo.PutUint32(b[52:], uint32(elf.PT_GNU_STACK))
			bo.PutUint32(b[52+24:], uint32(stackFlags))
		} else {
			b = make([]byte, 64+56)
			bo.PutUint64(b[32:], 64) // phoff
			bo.PutUint16(b[54:], 56) // phentsize
			bo.PutUint16(b[56:], 1)  // phnum
			bo.PutUint32(b[64:], uint32(elf.PT_GNU_STACK))
			bo.PutUint32(b[64+4:], uint32(stackFlags))
		}
		copy(b, elf.ELFMAG)
		b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(class), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
		bo.PutUint16(b[16:], uint16(elf.ET_EXEC))
		bo.PutUint16(b[18:], uint16(machine))
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain", elf.ELFCLASS64, elf.EM_X86_64, elf.PF_R|elf.PF_W)
	stack := write("stack", elf.ELFCLASS64, elf.EM_X86_64, elf.PF_R|elf.PF_W|elf.PF_X)
	i386 := write("i386", elf.ELFCLASS32, elf.EM_386, elf.PF_R|elf.PF_W)
	x32 := write("x32", elf.ELFCLASS32, elf.EM_X86_64, elf.PF_R|elf.PF_W)
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!"+stack+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	build := func(names ...string) catalog.Request { return catalog.Request{Entitlements: names} }
	noJIT, err := Build(build("fs.read"))
	if err != nil {
		t.Fatal(err)
	}
	jit, err := Build(build("fs.read", "mem.jit"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		stackErr   = "executable stack"
		foreignErr = "foreign"
	)
	for _, c := range []struct {
		path   string
		jit    bool
		want   string // the refusal: "", stackErr or foreignErr
		reason string
	}{
		{plain, false, "", "an ordinary program"},
		{stack, false, stackErr, "an executable stack without mem.jit"},
		{stack, true, "", "an executable stack with mem.jit"},
		{script, false, stackErr, "a script whose interpreter has an executable stack"},
		{i386, false, foreignErr, "an i386 program"},
		{x32, true, foreignErr, "an x32 program"},
		{"/bin/true", false, "", "the system's true"},
	} {
		p := noJIT
		if c.jit {
			p = jit
		}
		err := checkExecMemory(confinement.ExecFiles(c.path), p)
		got := ""
		var em *ExecMemoryError
		switch {
		case errors.As(err, &em) && em.Stack:
			got = stackErr
		case errors.As(err, &em):
			got = foreignErr
		case err != nil:
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s (%s): %v, want %s", c.reason, c.path, err, c.want)
		}
	}
}
