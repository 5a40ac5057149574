package policyfile

import (
	"embed"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/internal/suggest"
)

//go:embed presets/*.yaml
var presetFS embed.FS

// Presets returns the names of the built-in presets, sorted.
func Presets() []string {
	ents, _ := presetFS.ReadDir("presets")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// PresetSource returns the text of a built-in preset, to print, copy and
// extend.
func PresetSource(name string) ([]byte, error) {
	b, err := presetFS.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		msg := fmt.Sprintf("unknown preset %q: the presets are %s", name, strings.Join(Presets(), ", "))
		if near := nearest(name, Presets()); near != "" {
			msg = fmt.Sprintf("unknown preset %q; did you mean %s? (the presets are %s)", name, near, strings.Join(Presets(), ", "))
		}
		return nil, errors.New(msg)
	}
	return b, nil
}

// Preset parses a built-in preset (its extends resolved).
func Preset(name string) (*File, error) {
	b, err := PresetSource(name)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("preset %s: %w", name, err)
	}
	return f.Resolve("")
}

// maxExtends bounds a chain of extends.
const maxExtends = 8

// Resolve returns f merged with what it extends (a preset name, or a
// policy file path relative to dir): entitlements, paths, ports and rules
// are the union, f's violation wins when set, the modes must agree.
func (f *File) Resolve(dir string) (*File, error) {
	return f.resolve(dir, nil)
}

func (f *File) resolve(dir string, chain []string) (*File, error) {
	if f.Extends == "" {
		return f, nil
	}
	if len(chain) >= maxExtends || slices.Contains(chain, f.Extends) {
		return nil, fmt.Errorf("extends %s: a loop or a chain longer than %d (%s)", f.Extends, maxExtends, strings.Join(append(chain, f.Extends), " → "))
	}
	var base *File
	var err error
	if strings.ContainsAny(f.Extends, "/.") {
		p := f.Extends
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		if base, err = Load(p); err != nil {
			return nil, fmt.Errorf("extends: %w", err)
		}
		dir = filepath.Dir(p)
	} else {
		b, perr := PresetSource(f.Extends)
		if perr != nil {
			return nil, fmt.Errorf("extends: %w", perr)
		}
		if base, err = Parse(b); err != nil {
			return nil, fmt.Errorf("preset %s: %w", f.Extends, err)
		}
	}
	if base, err = base.resolve(dir, append(chain, f.Extends)); err != nil {
		return nil, err
	}
	if base.Mode != f.Mode {
		return nil, fmt.Errorf("extends %s: its mode (%s) differs from this file's (%s)", f.Extends, base.Mode, f.Mode)
	}
	out := &File{
		Entitlements: union(base.Entitlements, f.Entitlements),
		Violation:    base.Violation,
		Mode:         f.Mode,
		Rules:        append(slices.Clone(base.Rules), f.Rules...),
		Read:         union(base.Read, f.Read),
		Write:        union(base.Write, f.Write),
		Exec:         union(base.Exec, f.Exec),
		Bind:         union(base.Bind, f.Bind),
		Connect:      union(base.Connect, f.Connect),
	}
	if f.Violation.IsSet() {
		out.Violation = f.Violation
	}
	return out, nil
}

func union[T comparable](a, b []T) []T {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ParsePort parses a TCP port number, 1..65535.
func ParsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || n == 0 || n > 65535 {
		return 0, fmt.Errorf("port %q: use a number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// Optional reports whether a path as written may be missing ("?/opt"),
// and returns it without the mark.
func Optional(p string) (string, bool) { return confine.Optional(p) }

// ExpandPath resolves a path as written in a policy file or a flag (see
// confine.ExpandPath), without the optional mark.
func ExpandPath(p string) (string, error) {
	p, _ = Optional(p)
	return confine.ExpandPath(p)
}

func nearest(s string, names []string) string {
	if n := suggest.Nearest(s, names, 1); len(n) > 0 {
		return n[0]
	}
	return ""
}
