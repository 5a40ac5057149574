package scan

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
)

// ldCache is the loader's /etc/ld.so.cache: library name → paths.
type ldCache map[string][]string

// readLDCache parses the "glibc-ld.so.cache1.1" format (the only one
// glibc ≥ 2.32 writes); a missing or unreadable cache is empty.
func readLDCache(path string) ldCache {
	d, err := os.ReadFile(path)
	if err != nil || len(d) > 64<<20 {
		return nil
	}
	const magic = "glibc-ld.so.cache1.1"
	base := bytes.Index(d, []byte(magic))
	if base < 0 || base+48 > len(d) {
		return nil
	}
	h := d[base:]
	n := binary.LittleEndian.Uint32(h[20:])
	const hdr, entSize = 48, 24
	if uint64(n) > uint64(len(h)-hdr)/entSize {
		return nil
	}
	str := func(off uint32) string {
		if int(off) >= len(h) {
			return ""
		}
		s := h[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	c := ldCache{}
	for i := uint32(0); i < n; i++ {
		e := h[hdr+i*entSize:]
		k, v := str(binary.LittleEndian.Uint32(e[4:])), str(binary.LittleEndian.Uint32(e[8:]))
		if k != "" && v != "" {
			c[k] = append(c[k], v)
		}
	}
	return c
}

// resolver finds libraries the way the glibc loader does.
type resolver struct {
	root    string // prefix for absolute paths ("" = /)
	libPath []string
	cache   ldCache
	machine elf.Machine
	class   elf.Class
}

func newResolver(root string, libPath []string, m *module) *resolver {
	return &resolver{root: root, libPath: libPath, cache: readLDCache(filepath.Join(root, "/etc/ld.so.cache")), machine: m.machine, class: m.class}
}

func (r *resolver) defaultDirs() []string {
	trip := "x86_64-linux-gnu"
	if r.machine == elf.EM_AARCH64 {
		trip = "aarch64-linux-gnu"
	}
	return []string{"/lib/" + trip, "/usr/lib/" + trip, "/lib64", "/usr/lib64", "/lib", "/usr/lib"}
}

// canon is the name a library is known by: symbolic links resolved (on
// merged-/usr systems /lib is /usr/lib, and the loader is reached as both),
// except under a sysroot, whose absolute links point outside it.
func (r *resolver) canon(p string) string {
	p = filepath.Clean(p)
	if r.root == "" {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return real
		}
	}
	return p
}

// matches reports whether path is an ELF object of the program's machine.
func (r *resolver) matches(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Machine == r.machine && f.Class == r.class
}

func expandOrigin(dir, origin string) string {
	dir = strings.ReplaceAll(dir, "${ORIGIN}", origin)
	return strings.ReplaceAll(dir, "$ORIGIN", origin)
}

// find resolves a DT_NEEDED name for the object loader, whose chain of
// loaders (for DT_RPATH) is chain. It returns "" when nothing matches.
func (r *resolver) find(name string, loader *module, chain []*module) string {
	if strings.Contains(name, "/") {
		p := name
		if filepath.IsAbs(p) {
			p = filepath.Join(r.root, p)
		}
		if r.matches(p) {
			return p
		}
		return ""
	}
	try := func(dirs []string, origin string) string {
		for _, d := range dirs {
			if d == "" {
				continue
			}
			d = expandOrigin(d, origin)
			p := filepath.Join(d, name)
			if filepath.IsAbs(d) && r.root != "" && !strings.Contains(d, "$") {
				p = filepath.Join(r.root, d, name)
			}
			if r.matches(p) {
				return p
			}
		}
		return ""
	}
	if len(loader.runpath) == 0 {
		for _, m := range append([]*module{loader}, chain...) {
			if p := try(m.rpath, filepath.Dir(m.path)); p != "" {
				return p
			}
		}
	}
	if p := try(r.libPath, ""); p != "" {
		return p
	}
	if p := try(loader.runpath, filepath.Dir(loader.path)); p != "" {
		return p
	}
	for _, p := range r.cache[name] {
		if q := filepath.Join(r.root, p); r.matches(q) {
			return q
		}
	}
	return try(r.defaultDirs(), "")
}
