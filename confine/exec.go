package confine

import (
	"bytes"
	"debug/elf"
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

// elfInterp returns the PT_INTERP path of an ELF file, "" if none.
func elfInterp(r io.ReaderAt) (interp string) {
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
