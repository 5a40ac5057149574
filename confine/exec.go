package confine

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxInterpreters bounds the interpreter chain, as the kernel does
// (binfmt_script may recurse a few times).
const maxInterpreters = 4

// ExecChain returns the files execve reads to start path: path itself, the
// interpreter of a "#!" script (and that interpreter's own chain), and the
// ELF program interpreter (the dynamic loader, PT_INTERP). These are what a
// sandbox without proc.exec must still let execve open. A file that cannot
// be read or parsed contributes only itself: execve will report why it
// cannot run it.
func ExecChain(path string) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(p string, depth int)
	walk = func(p string, depth int) {
		if p == "" || seen[p] || depth > maxInterpreters {
			return
		}
		seen[p] = true
		out = append(out, p)
		f, err := os.Open(p)
		if err != nil {
			return
		}
		defer f.Close()
		head := make([]byte, 256)
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		switch {
		case bytes.HasPrefix(head, []byte("#!")):
			line := string(head[2:])
			if i := strings.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			if fields := strings.Fields(line); len(fields) > 0 {
				walk(fields[0], depth+1)
			}
		case bytes.HasPrefix(head, []byte(elf.ELFMAG)):
			walk(elfInterp(f), depth+1)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	walk(abs, 0)
	return out
}

// elfInterp returns the PT_INTERP path of an ELF file, "" if none. It
// reads the ELF header and the program headers only (what execve reads);
// debug/elf, which also reads every section header and the section names,
// made ExecChain three times slower. Files with more program headers than
// the header can count (PN_XNUM) are left to debug/elf.
func elfInterp(r io.ReaderAt) string {
	var hdr [64]byte
	n, _ := r.ReadAt(hdr[:], 0)
	if n < 52 || string(hdr[:4]) != elf.ELFMAG || elf.Version(hdr[elf.EI_VERSION]) != elf.EV_CURRENT {
		return ""
	}
	var bo binary.ByteOrder
	switch elf.Data(hdr[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return ""
	}
	var phoff uint64
	var phentsize, phnum, minsize int
	switch elf.Class(hdr[elf.EI_CLASS]) {
	case elf.ELFCLASS32:
		phoff, phentsize, phnum, minsize = uint64(bo.Uint32(hdr[28:])), int(bo.Uint16(hdr[42:])), int(bo.Uint16(hdr[44:])), 32
	case elf.ELFCLASS64:
		if n < 64 {
			return ""
		}
		phoff, phentsize, phnum, minsize = bo.Uint64(hdr[32:]), int(bo.Uint16(hdr[54:])), int(bo.Uint16(hdr[56:])), 56
	default:
		return ""
	}
	if phnum == 0xffff {
		return elfInterpSlow(r)
	}
	// The kernel reads at most 64 KiB of program headers.
	if phnum == 0 || phentsize < minsize || phnum*phentsize > 64<<10 || phoff > 1<<40 {
		return ""
	}
	phdrs := make([]byte, phnum*phentsize)
	if _, err := r.ReadAt(phdrs, int64(phoff)); err != nil {
		return ""
	}
	for i := 0; i < phnum; i++ {
		ph := phdrs[i*phentsize:]
		if elf.ProgType(bo.Uint32(ph)) != elf.PT_INTERP {
			continue
		}
		var off, size uint64
		if minsize == 32 {
			off, size = uint64(bo.Uint32(ph[4:])), uint64(bo.Uint32(ph[16:]))
		} else {
			off, size = bo.Uint64(ph[8:]), bo.Uint64(ph[32:])
		}
		if size == 0 || size >= 4096 {
			continue
		}
		if off > 1<<40 {
			return ""
		}
		b := make([]byte, size)
		if _, err := r.ReadAt(b, int64(off)); err != nil {
			return ""
		}
		return string(bytes.TrimRight(b, "\x00"))
	}
	return ""
}

// elfInterpSlow is elfInterp with debug/elf.
func elfInterpSlow(r io.ReaderAt) (interp string) {
	defer func() {
		if recover() != nil { // debug/elf on hostile input
			interp = ""
		}
	}()
	ef, err := elf.NewFile(r)
	if err != nil {
		return ""
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP && p.Filesz > 0 && p.Filesz < 4096 {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return ""
			}
			return string(bytes.TrimRight(b, "\x00"))
		}
	}
	return ""
}
