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
func ExecChain(path string) []string { return ExecPaths(ExecFiles(path)) }

// ExecPaths returns the paths of files (from ExecFiles).
func ExecPaths(files []ExecFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// ExecFile is one file of an exec chain (ExecFiles) with what its ELF
// headers say, read as execve reads them.
type ExecFile struct {
	Path string
	// ELF: the file is ELF and its header and program headers could be
	// read; Class and Machine are the header's, ExecStack says a
	// PT_GNU_STACK header asks for an executable stack.
	ELF       bool
	Class     elf.Class
	Machine   elf.Machine
	ExecStack bool
}

// ExecFiles is ExecChain with each file's ELF facts, from one read of its
// headers (entitle run needs both before every command).
func ExecFiles(path string) []ExecFile {
	var out []ExecFile
	seen := map[string]bool{}
	var walk func(p string, depth int)
	walk = func(p string, depth int) {
		if p == "" || seen[p] || depth > maxInterpreters {
			return
		}
		seen[p] = true
		i := len(out)
		out = append(out, ExecFile{Path: p})
		f, err := os.Open(p)
		if err != nil {
			return
		}
		defer f.Close()
		var head [256]byte
		n, _ := io.ReadFull(f, head[:])
		switch {
		case bytes.HasPrefix(head[:n], []byte("#!")):
			line := string(head[2:n])
			if i := strings.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			if fields := strings.Fields(line); len(fields) > 0 {
				walk(fields[0], depth+1)
			}
		case bytes.HasPrefix(head[:n], []byte(elf.ELFMAG)):
			h, ok := readELF(f)
			out[i].ELF, out[i].Class, out[i].Machine, out[i].ExecStack = ok, h.class, h.machine, h.execStack
			walk(h.interp, depth+1)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	walk(abs, 0)
	return out
}

// elfFacts are what readELF finds in an ELF file's headers.
type elfFacts struct {
	class     elf.Class
	machine   elf.Machine
	interp    string // PT_INTERP, "" if none
	execStack bool   // PT_GNU_STACK with PF_X
}

// elfInterp returns the PT_INTERP path of an ELF file, "" if none.
func elfInterp(r io.ReaderAt) string {
	h, _ := readELF(r)
	return h.interp
}

// readELF reads the ELF header and the program headers only (what execve
// reads); debug/elf, which also reads every section header and the section
// names, made ExecChain three times slower. Files with more program
// headers than the header can count (PN_XNUM) are left to debug/elf. ok is
// false when the headers cannot be read.
func readELF(r io.ReaderAt) (h elfFacts, ok bool) {
	var hdr [64]byte
	n, _ := r.ReadAt(hdr[:], 0)
	if n < 52 || string(hdr[:4]) != elf.ELFMAG || elf.Version(hdr[elf.EI_VERSION]) != elf.EV_CURRENT {
		return h, false
	}
	var bo binary.ByteOrder
	switch elf.Data(hdr[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return h, false
	}
	h.class, h.machine = elf.Class(hdr[elf.EI_CLASS]), elf.Machine(bo.Uint16(hdr[18:]))
	var phoff uint64
	var phentsize, phnum, minsize int
	switch h.class {
	case elf.ELFCLASS32:
		phoff, phentsize, phnum, minsize = uint64(bo.Uint32(hdr[28:])), int(bo.Uint16(hdr[42:])), int(bo.Uint16(hdr[44:])), 32
	case elf.ELFCLASS64:
		if n < 64 {
			return h, false
		}
		phoff, phentsize, phnum, minsize = bo.Uint64(hdr[32:]), int(bo.Uint16(hdr[54:])), int(bo.Uint16(hdr[56:])), 56
	default:
		return h, false
	}
	if phnum == 0xffff {
		return readELFSlow(r)
	}
	// The kernel reads at most 64 KiB of program headers.
	if phnum == 0 || phentsize < minsize || phnum*phentsize > 64<<10 || phoff > 1<<40 {
		return h, false
	}
	phdrs := make([]byte, phnum*phentsize)
	if _, err := r.ReadAt(phdrs, int64(phoff)); err != nil {
		return h, false
	}
	for i := 0; i < phnum; i++ {
		ph := phdrs[i*phentsize:]
		var flags uint32
		var off, size uint64
		if minsize == 32 {
			off, size, flags = uint64(bo.Uint32(ph[4:])), uint64(bo.Uint32(ph[16:])), bo.Uint32(ph[24:])
		} else {
			flags, off, size = bo.Uint32(ph[4:]), bo.Uint64(ph[8:]), bo.Uint64(ph[32:])
		}
		switch elf.ProgType(bo.Uint32(ph)) {
		case elf.PT_GNU_STACK:
			h.execStack = elf.ProgFlag(flags)&elf.PF_X != 0
		case elf.PT_INTERP:
			if h.interp != "" || size == 0 || size >= 4096 {
				continue
			}
			if off > 1<<40 {
				return elfFacts{class: h.class, machine: h.machine}, false
			}
			b := make([]byte, size)
			if _, err := r.ReadAt(b, int64(off)); err != nil {
				return elfFacts{class: h.class, machine: h.machine}, false
			}
			h.interp = string(bytes.TrimRight(b, "\x00"))
		}
	}
	return h, true
}

// readELFSlow is readELF with debug/elf.
func readELFSlow(r io.ReaderAt) (h elfFacts, ok bool) {
	defer func() {
		if recover() != nil { // debug/elf on hostile input
			h, ok = elfFacts{}, false
		}
	}()
	ef, err := elf.NewFile(r)
	if err != nil {
		return h, false
	}
	h.class, h.machine = ef.Class, ef.Machine
	for _, p := range ef.Progs {
		switch {
		case p.Type == elf.PT_GNU_STACK:
			h.execStack = p.Flags&elf.PF_X != 0
		case p.Type == elf.PT_INTERP && h.interp == "" && p.Filesz > 0 && p.Filesz < 4096:
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return elfFacts{class: h.class, machine: h.machine}, false
			}
			h.interp = string(bytes.TrimRight(b, "\x00"))
		}
	}
	return h, true
}
