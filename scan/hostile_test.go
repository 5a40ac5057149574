//go:build linux

package scan

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
)

func readSelf(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		testenv.Skip(t, err)
	}
	return b
}

func TestHostileELF(t *testing.T) {
	dir := t.TempDir()
	cat := readSelf(t, "/bin/cat")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Enormous section: the first section header with data claims 1 TiB.
	huge := bytes.Clone(cat)
	shoff := binary.LittleEndian.Uint64(huge[0x28:])
	shentsize := uint64(binary.LittleEndian.Uint16(huge[0x3A:]))
	binary.LittleEndian.PutUint64(huge[shoff+shentsize*1+0x20:], 1<<40)
	wrongArch := bytes.Clone(cat)
	binary.LittleEndian.PutUint16(wrongArch[0x12:], uint16(elf.EM_RISCV))
	badShoff := bytes.Clone(cat)
	binary.LittleEndian.PutUint64(badShoff[0x28:], 1<<62)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a valid ELF"},
		{"text", []byte("#!/bin/sh\necho hi\n"), "not a valid ELF"},
		{"truncated-header", cat[:40], "not a valid ELF"},
		{"truncated", cat[:len(cat)/2], ""},
		{"huge-section", huge, ""},
		{"wrong-arch", wrongArch, "unsupported architecture"},
		{"bad-shoff", badShoff, ""},
	}
	sc := New(Options{CacheDir: "off"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sc.Scan(write(c.name, c.data))
			if err == nil {
				t.Fatalf("no error for %s", c.name)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %v (%T) is not a FormatError", err, err)
			}
			if c.want != "" && !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
		})
	}
	if _, err := sc.Scan(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
}

// TestSelfNeeded: a library that needs itself, and a program that needs
// a library that is missing, give a result with the limit said.
func TestSelfNeeded(t *testing.T) {
	needTools(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "self.c")
	os.WriteFile(src, []byte("#include <unistd.h>\nint self_fn(void) { return (int)getpid(); }\n"), 0o644)
	gcc := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, out)
		}
	}
	gcc("-shared", "-fPIC", "-o", filepath.Join(dir, "libself.so"), src)
	// Relink it needing itself.
	gcc("-shared", "-fPIC", "-o", filepath.Join(dir, "libself2.so"), src, "-L"+dir, "-Wl,--no-as-needed", "-lself")
	os.Rename(filepath.Join(dir, "libself2.so"), filepath.Join(dir, "libself.so"))
	gcc("-shared", "-fPIC", "-o", filepath.Join(dir, "libgone.so"), src)
	main := filepath.Join(dir, "main.c")
	os.WriteFile(main, []byte("int self_fn(void);\nint main(void) { return self_fn() < 0; }\n"), 0o644)
	prog := filepath.Join(dir, "prog")
	gcc("-o", prog, main, "-L"+dir, "-Wl,--no-as-needed", "-lself", "-lgone", "-Wl,-rpath,$ORIGIN")
	os.Remove(filepath.Join(dir, "libgone.so"))
	r, err := New(Options{CacheDir: "off"}).Scan(prog)
	if err != nil {
		t.Fatal(err)
	}
	var missing bool
	for _, l := range r.Limits {
		if l.Kind == "missing-library" && strings.Contains(l.Detail, "libgone.so") {
			missing = true
		}
	}
	if !missing {
		t.Errorf("missing libgone.so not reported: %+v", r.Limits)
	}
	found := false
	for _, s := range r.Syscalls {
		if s.Name == "getpid" {
			found = true
		}
	}
	if !found {
		t.Errorf("getpid (from libself.so's self_fn) not found")
	}
}

func FuzzParseModule(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil && len(b) < 1<<20 {
		f.Add(b[:4096])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseModule("fuzz", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		// Whatever parses must analyse, and summarise as a library (data
		// blocks), without panicking.
		m.wantRefs = true
		res := analyzeModule(m, true, func(uint64) uint8 { return 0x3F }, func(string) []site { return nil })
		newSummary(m, res, false)
	})
}

// TestHostileARM64: aarch64 input that is truncated, big-endian, 32-bit,
// or whose code is random bytes: errors or a result, never a panic.
func TestHostileARM64(t *testing.T) {
	dir := t.TempDir()
	bin := buildGo(t, dir, "tiny-arm64", "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(len(os.Args)) }\n", "CGO_ENABLED=0", "GOARCH=arm64")
	good, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bigEndian := bytes.Clone(good)
	bigEndian[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	class32 := bytes.Clone(good)
	class32[elf.EI_CLASS] = byte(elf.ELFCLASS32)
	random := bytes.Clone(good)
	ef, err := elf.NewFile(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	text := ef.Section(".text")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := text.Offset; i < text.Offset+text.Size; i++ {
		random[i] = byte(rng.Uint32())
	}
	sc := New(Options{CacheDir: "off"})
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/3], ""},
		{"truncated-header", good[:60], "not a valid ELF"},
		{"big-endian", bigEndian, ""},
		{"class32", class32, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sc.Scan(write(c.name, c.data))
			var fe *FormatError
			if err == nil || !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a FormatError", err, err)
			}
			if c.want != "" && !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
		})
	}
	// Random code decodes to anything, system call instructions included:
	// the scan finishes, and whatever it cannot resolve it reports.
	r, err := sc.Scan(write("random-text", random))
	if err != nil {
		t.Fatalf("random code: %v", err)
	}
	if r.Arch != "aarch64" {
		t.Errorf("arch %q", r.Arch)
	}
	t.Logf("random code: %d system calls, %d unresolved sites", len(r.Syscalls), len(r.Unresolved))
}

// TestHostileGoData: a Go program whose .bss claims most of the address
// space: the index of code that may write its globals stays bounded
// (maxDataRefs), and the scan finishes.
func TestHostileGoData(t *testing.T) {
	dir := t.TempDir()
	bin := buildGo(t, dir, "tiny", globalsTinyProgram, "CGO_ENABLED=0", "GOARCH=amd64")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	shoff := binary.LittleEndian.Uint64(b[0x28:])
	shentsize := uint64(binary.LittleEndian.Uint16(b[0x3A:]))
	patched := false
	for i, s := range ef.Sections {
		if s.Name == ".bss" || s.Name == ".noptrbss" {
			hdr := shoff + shentsize*uint64(i)
			binary.LittleEndian.PutUint64(b[hdr+0x10:], 0x1000) // sh_addr
			binary.LittleEndian.PutUint64(b[hdr+0x20:], 1<<46)  // sh_size
			patched = true
		}
	}
	if !patched {
		t.Fatal("no .bss")
	}
	p := filepath.Join(dir, "huge-bss")
	os.WriteFile(p, b, 0o755)
	r, err := New(Options{CacheDir: "off"}).Scan(p)
	if err != nil {
		t.Fatalf("huge .bss: %v", err)
	}
	if len(r.Syscalls) == 0 {
		t.Errorf("no system calls found")
	}
}

const globalsTinyProgram = `package main

import "syscall"

var nr uintptr = syscall.SYS_GETPPID

func main() { syscall.RawSyscall(nr, 0, 0, 0) }
`
