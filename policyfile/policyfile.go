// Package policyfile reads and writes entitle.yaml, the policy file of the
// entitle library and CLI:
//
//	# entitle.yaml
//	entitlements: [net.server, fs.read]
//	violation: errno(EPERM)   # errno(N|NAME), kill, or log; default errno(EPERM)
//	mode: allowlist           # allowlist (default) or denylist (Karn's weaker mode)
//	rules:                    # extra raw rules, appended to the catalog's
//	  - syscall: getcwd
//	    action: allow
//	  - syscall: ioctl
//	    action: allow
//	    args:
//	      - {index: 1, op: "==", value: 0x5401, width: 32}
//
// Paths and ports scope the file and network rights (Landlock; see
// package confine) to trees and port numbers, like OpenBSD's unveil: once
// any path is named, nothing else is reachable but what the command needs
// to start. Each path flag implies its entitlements (read: fs.read; write:
// fs.read, fs.write, fs.create; exec: proc.exec; bind: net.server;
// connect: net.client). Write does not imply fs.attr, whose chmod and
// utimensat Landlock cannot scope: entitle run's supervisor changes modes
// and times beneath the write paths itself. "." is the working directory, "~" the home
// directory, $TMPDIR (default /tmp) the temporary one; they are resolved
// when the sandbox starts.
//
//	extends: workspace-write  # a preset (entitle preset list) or another file
//	paths:
//	  read: [~/src/lib]
//	  write: [./build]
//	  exec: [/usr/bin]
//	ports:
//	  bind: [8080]
//	  connect: [443]
//
// Every field is optional. Unknown fields are errors (a misspelt key must
// not silently weaken or widen a sandbox), and every error carries the line
// and column and, where one exists, the fix ("did you mean fs.read?").
//
// An argument condition compares argument index (0..5) with value using op:
// "==", "!=", "<", "<=", ">", ">=" (unsigned). With mask, "==" compares
// (arg & mask) == (value & mask). width: 32 compares only the low 32 bits,
// for the kernel's int arguments; the default is 64. Numbers may be written
// in decimal, 0x hex, 0o or leading-0 octal, or negative (two's complement,
// so -100 is AT_FDCWD).
package policyfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// File is the content of a policy file.
type File struct {
	Entitlements []string      // entitlement names or Karn aliases, as written
	Violation    policy.Action // zero: not set (the library's default, errno(EPERM))
	Mode         catalog.Mode  // AllowList unless "mode: denylist"
	Rules        []policy.Rule // extra rules
	// Extends names a preset or a policy file whose content this one
	// adds to (Resolve merges it).
	Extends string
	// Read, Write and Exec are the trees the file rights are scoped to,
	// as written (resolved when the sandbox starts).
	Read, Write, Exec []string
	// Bind and Connect are the TCP ports bind and connect are scoped to.
	Bind, Connect []uint16
	// Comments are written by Marshal (and not read by Parse):
	// Comments[name] after entitlement name, RuleComments[i] above
	// Rules[i]. A learned policy says with them why each is there.
	Comments     map[string]string
	RuleComments []string
}

// Scoped reports whether f names paths (the file rights are then scoped
// to them).
func (f *File) Scoped() bool { return len(f.Read)+len(f.Write)+len(f.Exec) > 0 }

// Scope says which kinds of paths and ports f names.
func (f *File) Scope() catalog.Scope {
	return catalog.Scope{Read: len(f.Read) > 0, Write: len(f.Write) > 0, Exec: len(f.Exec) > 0,
		Bind: len(f.Bind) > 0, Connect: len(f.Connect) > 0}
}

// Implied returns the entitlements f's paths and ports imply, beside the
// ones it names (catalog.Scope.Implied).
func (f *File) Implied() []string { return f.Scope().Implied() }

// Error is one problem in a policy file, at a line and column (1-based;
// 0 when unknown).
type Error struct {
	Path         string // "" when parsed from bytes
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	var pos string
	switch {
	case e.Line > 0 && e.Column > 0:
		pos = fmt.Sprintf("%d:%d: ", e.Line, e.Column)
	case e.Line > 0:
		pos = fmt.Sprintf("%d: ", e.Line)
	}
	switch {
	case e.Path != "" && pos != "":
		pos = e.Path + ":" + pos
	case e.Path != "":
		pos = e.Path + ": "
	case pos != "":
		pos = "line " + pos
	}
	return pos + e.Msg
}

// maxName bounds entitlement names looked up (suggestions cost time
// proportional to the name's length).
const maxName = 64

// maxSize bounds a policy file; real ones are a few hundred bytes.
const maxSize = 1 << 20

// Load reads and parses the policy file at path. Errors are *Error values
// (several joined with errors.Join) carrying path and line.
func Load(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, withPath(err, path)
	}
	return f, nil
}

func withPath(err error, path string) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		if pe, ok := e.(*Error); ok {
			pe.Path = path
		}
	}
	return err
}

// scalar is a YAML scalar with its position.
type scalar struct {
	Value     string
	Line, Col int
	Set       bool
}

func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("expected a single value, found a %s", kindName(n.Kind))}
	}
	*s = scalar{Value: n.Value, Line: n.Line, Col: n.Column, Set: true}
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "value"
}

type rawFile struct {
	Entitlements []scalar  `yaml:"entitlements"`
	Violation    scalar    `yaml:"violation"`
	Mode         scalar    `yaml:"mode"`
	Rules        []rawRule `yaml:"rules"`
	Extends      scalar    `yaml:"extends"`
	Paths        rawPaths  `yaml:"paths"`
	Ports        rawPorts  `yaml:"ports"`
}

type rawPaths struct {
	Read  []scalar `yaml:"read"`
	Write []scalar `yaml:"write"`
	Exec  []scalar `yaml:"exec"`
}

type rawPorts struct {
	Bind    []scalar `yaml:"bind"`
	Connect []scalar `yaml:"connect"`
}

type rawRule struct {
	Syscall scalar   `yaml:"syscall"`
	Action  scalar   `yaml:"action"`
	Args    []rawArg `yaml:"args"`
}

type rawArg struct {
	Index scalar `yaml:"index"`
	Op    scalar `yaml:"op"`
	Value scalar `yaml:"value"`
	Mask  scalar `yaml:"mask"`
	Width scalar `yaml:"width"`
}

var fieldsOf = map[string][]string{
	"rawFile":  {"entitlements", "violation", "mode", "rules", "extends", "paths", "ports"},
	"rawPaths": {"read", "write", "exec"},
	"rawPorts": {"bind", "connect"},
	"rawRule":  {"syscall", "action", "args"},
	"rawArg":   {"index", "op", "value", "mask", "width"},
}

var whereOf = map[string]string{"rawFile": "the policy file", "rawRule": "a rule", "rawArg": "an argument condition",
	"rawPaths": "paths", "rawPorts": "ports"}

// yamlErrorRes are the patterns of yaml.v3's messages yamlError rewrites,
// compiled on the first error rather than at every start of a program.
var yamlErrorRes = sync.OnceValue(func() (r struct{ line, unknown, typ *regexp.Regexp }) {
	r.line = regexp.MustCompile(`^line (\d+): (.*)$`)
	r.unknown = regexp.MustCompile(`^field (.*) not found in type policyfile\.(\w+)$`)
	r.typ = regexp.MustCompile(`^cannot unmarshal !!(\w+) ?(.*) into (\[\])?policyfile\.(\w+)$`)
	return r
})

// yamlError turns yaml.v3's errors into *Error values with positions and
// fixes.
func yamlError(err error) error {
	var te *yaml.TypeError
	var lines []string
	var pe *Error
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &te):
		lines = te.Errors
	default:
		lines = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	re := yamlErrorRes()
	var errs []error
	for _, l := range lines {
		e := &Error{Msg: l}
		if m := re.line.FindStringSubmatch(l); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		if m := re.unknown.FindStringSubmatch(e.Msg); m != nil {
			known := fieldsOf[m[2]]
			e.Msg = fmt.Sprintf("unknown field %q in %s", m[1], whereOf[m[2]])
			if near := syscalls.NearestOf(m[1], known, 1); len(near) > 0 {
				e.Msg += fmt.Sprintf("; did you mean %s?", near[0])
			} else {
				e.Msg += "; the fields are " + strings.Join(known, ", ")
			}
		} else if m := re.typ.FindStringSubmatch(e.Msg); m != nil {
			found := m[2]
			if found == "" {
				found = "a " + map[string]string{"seq": "list", "map": "mapping"}[m[1]]
			}
			if m[3] != "" {
				e.Msg = fmt.Sprintf("expected a list, found %s", found)
			} else {
				e.Msg = fmt.Sprintf("expected a mapping (%s), found %s", strings.Join(fieldsOf[m[4]], ", "), found)
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// Parse reads a policy file from data. Errors are *Error values (several
// joined with errors.Join), each with its line.
func Parse(data []byte) (*File, error) {
	if len(data) > maxSize {
		return nil, &Error{Msg: fmt.Sprintf("policy file larger than %d bytes", maxSize)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var raw rawFile
	if err := dec.Decode(&raw); err != nil && err != io.EOF {
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := 0
		if err == nil {
			line = extra.Line
		}
		return nil, &Error{Line: line, Msg: "more than one YAML document: a policy file is one document"}
	}
	var errs []error
	fail := func(s scalar, format string, args ...any) {
		errs = append(errs, &Error{Line: s.Line, Column: s.Col, Msg: fmt.Sprintf(format, args...)})
	}
	f := &File{}
	seen := map[string]scalar{}
	for _, e := range raw.Entitlements {
		name := strings.TrimSpace(e.Value)
		if len(name) > maxName {
			fail(e, "unknown entitlement %.20q...: longer than any entitlement name", name)
			continue
		}
		if _, err := catalog.Lookup(name); err != nil {
			fail(e, "%v", err)
			continue
		}
		if prev, dup := seen[strings.ToLower(name)]; dup {
			fail(e, "entitlement %q is listed twice (also at line %d)", name, prev.Line)
			continue
		}
		seen[strings.ToLower(name)] = e
		f.Entitlements = append(f.Entitlements, name)
	}
	if raw.Violation.Set {
		a, err := parseViolation(raw.Violation.Value)
		if err != nil {
			fail(raw.Violation, "%v", err)
		}
		f.Violation = a
	}
	if raw.Mode.Set {
		switch strings.ToLower(strings.TrimSpace(raw.Mode.Value)) {
		case "allowlist", "allow-list", "allow":
			f.Mode = catalog.AllowList
		case "denylist", "deny-list", "deny":
			f.Mode = catalog.DenyList
		default:
			fail(raw.Mode, "mode %q: use allowlist (the default) or denylist (Karn's weaker mode)", raw.Mode.Value)
		}
	}
	if raw.Extends.Set {
		f.Extends = strings.TrimSpace(raw.Extends.Value)
		if f.Extends == "" {
			fail(raw.Extends, "extends: name a preset (%s) or a policy file", strings.Join(Presets(), ", "))
		}
	}
	paths := func(list []scalar, what string) []string {
		var out []string
		for _, p := range list {
			v := strings.TrimSpace(p.Value)
			switch {
			case v == "":
				fail(p, "paths.%s: an empty path", what)
			case strings.ContainsRune(v, 0):
				fail(p, "paths.%s: a path with a NUL byte", what)
			default:
				out = append(out, v)
			}
		}
		return out
	}
	f.Read = paths(raw.Paths.Read, "read")
	f.Write = paths(raw.Paths.Write, "write")
	f.Exec = paths(raw.Paths.Exec, "exec")
	ports := func(list []scalar, what string) []uint16 {
		var out []uint16
		for _, p := range list {
			n, err := ParsePort(p.Value)
			if err != nil {
				fail(p, "ports.%s: %v", what, err)
				continue
			}
			out = append(out, n)
		}
		return out
	}
	f.Bind = ports(raw.Ports.Bind, "bind")
	f.Connect = ports(raw.Ports.Connect, "connect")
	for i, rr := range raw.Rules {
		r, rerrs := parseRule(i, rr)
		errs = append(errs, rerrs...)
		if len(rerrs) == 0 {
			f.Rules = append(f.Rules, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f, nil
}

func parseViolation(s string) (policy.Action, error) {
	a, err := policy.ParseAction(strings.TrimSpace(s))
	if err != nil {
		return policy.Action{}, fmt.Errorf("violation %q: use errno(EPERM) (the default), errno(N) or errno(NAME), kill or log", s)
	}
	if err := catalog.CheckViolation(a, catalog.AllowList); err != nil {
		return policy.Action{}, err
	}
	return a, nil
}

func parseRule(i int, rr rawRule) (policy.Rule, []error) {
	var errs []error
	fail := func(s scalar, format string, args ...any) {
		errs = append(errs, &Error{Line: s.Line, Column: s.Col, Msg: fmt.Sprintf(format, args...)})
	}
	r := policy.Rule{Syscall: strings.TrimSpace(rr.Syscall.Value)}
	switch {
	case !rr.Syscall.Set || r.Syscall == "":
		pos := rr.Action
		if !pos.Set && len(rr.Args) > 0 {
			pos = rr.Args[0].Index
		}
		fail(pos, "rule %d has no syscall", i+1)
	case !syscalls.Known(r.Syscall):
		msg := fmt.Sprintf("unknown system call %q", r.Syscall)
		if near := syscalls.Nearest(r.Syscall, 3); len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, ", ") + "?"
		}
		fail(rr.Syscall, "%s", msg)
	}
	if !rr.Action.Set {
		fail(rr.Syscall, "rule for %q has no action (allow, errno(EPERM), kill, log, ...)", r.Syscall)
	} else if a, err := policy.ParseAction(strings.TrimSpace(rr.Action.Value)); err != nil {
		fail(rr.Action, "%v", err)
	} else {
		r.Action = a
	}
	used := map[uint64]bool{}
	for _, ra := range rr.Args {
		c, ok := parseCond(ra, fail)
		if !ok {
			continue
		}
		if used[uint64(c.Arg)] {
			fail(ra.Index, "two conditions on argument %d in one rule: conditions are AND-ed, and a set of values is written as several rules", c.Arg)
			continue
		}
		used[uint64(c.Arg)] = true
		r.Conds = append(r.Conds, c)
	}
	return r, errs
}

func parseCond(ra rawArg, fail func(scalar, string, ...any)) (policy.Cond, bool) {
	var c policy.Cond
	ok := true
	first := ra.Index
	for _, s := range []scalar{ra.Index, ra.Op, ra.Value, ra.Mask, ra.Width} {
		if s.Set {
			first = s
			break
		}
	}
	if !ra.Index.Set {
		fail(first, "argument condition without index (0..5)")
		ok = false
	} else if n, err := parseNumber(ra.Index.Value); err != nil || n > 5 {
		fail(ra.Index, "argument index %q: must be 0..5", ra.Index.Value)
		ok = false
	} else {
		c.Arg = uint8(n)
	}
	if !ra.Value.Set {
		fail(first, "argument condition without value")
		ok = false
	} else if v, err := parseNumber(ra.Value.Value); err != nil {
		fail(ra.Value, "value %q: %v", ra.Value.Value, err)
		ok = false
	} else {
		c.Value = v
	}
	op := strings.TrimSpace(ra.Op.Value)
	if !ra.Op.Set {
		op = "=="
	}
	switch strings.ToLower(op) {
	case "==", "=", "eq":
		c.Op = policy.OpEQ
	case "!=", "ne":
		c.Op = policy.OpNE
	case "<", "lt":
		c.Op = policy.OpLT
	case "<=", "le":
		c.Op = policy.OpLE
	case ">", "gt":
		c.Op = policy.OpGT
	case ">=", "ge":
		c.Op = policy.OpGE
	case "&==", "masked_eq", "masked==":
		c.Op = policy.OpMaskedEQ
		if !ra.Mask.Set {
			fail(ra.Op, "op %q needs a mask", op)
			ok = false
		}
	default:
		fail(ra.Op, `op %q: use "==", "!=", "<", "<=", ">", ">=" (with mask, "==" compares arg & mask)`, op)
		ok = false
	}
	if ra.Mask.Set {
		if c.Op != policy.OpEQ && c.Op != policy.OpMaskedEQ {
			fail(ra.Mask, "mask works only with op \"==\" (arg & mask == value & mask)")
			ok = false
		} else if m, err := parseNumber(ra.Mask.Value); err != nil {
			fail(ra.Mask, "mask %q: %v", ra.Mask.Value, err)
			ok = false
		} else {
			c.Op, c.Mask = policy.OpMaskedEQ, m
		}
	}
	if ra.Width.Set {
		switch strings.TrimSpace(ra.Width.Value) {
		case "32":
			c.Width32 = true
		case "64":
		default:
			fail(ra.Width, "width %q: use 32 (int arguments: compare the low 32 bits) or 64 (the default)", ra.Width.Value)
			ok = false
		}
	}
	return c, ok
}

// parseNumber reads a decimal, 0x hex, 0o/leading-0 octal or 0b binary
// number, or a negative one (as its 64-bit two's complement).
func parseNumber(s string) (uint64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	if strings.HasPrefix(s, "-") {
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, errors.New("not a 64-bit number")
		}
		return uint64(n), nil
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 0, 64)
	if err != nil {
		return 0, errors.New("not a number (decimal, 0x hex, 0o octal; at most 64 bits)")
	}
	return n, nil
}

// outFile is the shape Marshal writes.
type outFile struct {
	Extends      string    `yaml:"extends,omitempty"`
	Entitlements []string  `yaml:"entitlements,flow"`
	Violation    string    `yaml:"violation,omitempty"`
	Mode         string    `yaml:"mode,omitempty"`
	Paths        *outPaths `yaml:"paths,omitempty"`
	Ports        *outPorts `yaml:"ports,omitempty"`
	Rules        []outRule `yaml:"rules,omitempty"`
}

type outPaths struct {
	Read  []string `yaml:"read,omitempty,flow"`
	Write []string `yaml:"write,omitempty,flow"`
	Exec  []string `yaml:"exec,omitempty,flow"`
}

type outPorts struct {
	Bind    []uint16 `yaml:"bind,omitempty,flow"`
	Connect []uint16 `yaml:"connect,omitempty,flow"`
}

type outRule struct {
	Syscall string   `yaml:"syscall"`
	Action  string   `yaml:"action"`
	Args    []outArg `yaml:"args,omitempty"`
}

type outArg struct {
	Index uint8   `yaml:"index"`
	Op    string  `yaml:"op"`
	Value hexNum  `yaml:"value"`
	Mask  *hexNum `yaml:"mask,omitempty"`
	Width int     `yaml:"width,omitempty"`
}

// hexNum marshals as a hex literal when that reads better.
type hexNum uint64

func (h hexNum) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(uint64(h), 10)}
	if h > 0xFF {
		n.Value = "0x" + strconv.FormatUint(uint64(h), 16)
	}
	return n, nil
}

var opSpelling = map[policy.Op]string{
	policy.OpEQ: "==", policy.OpNE: "!=", policy.OpLT: "<", policy.OpLE: "<=",
	policy.OpGT: ">", policy.OpGE: ">=", policy.OpMaskedEQ: "==",
}

// Marshal renders f as a policy file that Parse reads back to the same
// File.
func (f *File) Marshal() ([]byte, error) {
	out := outFile{Entitlements: f.Entitlements, Extends: f.Extends}
	if out.Entitlements == nil {
		out.Entitlements = []string{}
	}
	if f.Scoped() {
		out.Paths = &outPaths{Read: f.Read, Write: f.Write, Exec: f.Exec}
	}
	if len(f.Bind)+len(f.Connect) > 0 {
		out.Ports = &outPorts{Bind: f.Bind, Connect: f.Connect}
	}
	if f.Violation.IsSet() {
		out.Violation = f.Violation.String()
	}
	switch f.Mode {
	case catalog.AllowList:
	case catalog.DenyList:
		out.Mode = "denylist"
	default:
		return nil, fmt.Errorf("policyfile: unknown mode %v", f.Mode)
	}
	for _, r := range f.Rules {
		if !r.Action.IsSet() {
			return nil, fmt.Errorf("policyfile: rule %v has no action", r)
		}
		or := outRule{Syscall: r.Syscall, Action: r.Action.String()}
		for _, c := range r.Conds {
			op, ok := opSpelling[c.Op]
			if !ok {
				return nil, fmt.Errorf("policyfile: rule %v: invalid operator", r)
			}
			a := outArg{Index: c.Arg, Op: op, Value: hexNum(c.Value)}
			if c.Op == policy.OpMaskedEQ {
				m := hexNum(c.Mask)
				a.Mask = &m
			}
			if c.Width32 {
				a.Width = 32
			}
			or.Args = append(or.Args, a)
		}
		out.Rules = append(out.Rules, or)
	}
	var doc yaml.Node
	if err := doc.Encode(out); err != nil {
		return nil, err
	}
	f.comment(&doc)
	var b bytes.Buffer
	b.WriteString("# entitle policy file (entitle.yaml)\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// comment attaches f.Comments and f.RuleComments to the encoded
// document; commented entitlements are written one per line.
func (f *File) comment(doc *yaml.Node) {
	if doc.Kind != yaml.MappingNode {
		return
	}
	oneLine := func(c string) string { return strings.Join(strings.Fields(c), " ") }
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i].Value, doc.Content[i+1]
		switch key {
		case "entitlements":
			if len(f.Comments) == 0 || len(val.Content) == 0 {
				continue
			}
			val.Style = 0
			for _, item := range val.Content {
				if c := f.Comments[item.Value]; c != "" {
					item.LineComment = "# " + oneLine(c)
				}
			}
		case "rules":
			for j, item := range val.Content {
				if j < len(f.RuleComments) && f.RuleComments[j] != "" {
					item.HeadComment = "# " + oneLine(f.RuleComments[j])
				}
			}
		}
	}
}

// Request returns the catalog request f describes, on top of base: f's
// entitlements followed by base's, f.Mode, f.Violation when set (otherwise
// base's), base.Extra followed by f.Rules, and the scope of f's paths and
// ports joined with base's. base supplies what a file does not say
// (architectures, self pid, identity).
func (f *File) Request(base catalog.Request) catalog.Request {
	r := base
	r.Entitlements = append(slices.Clone(f.Entitlements), base.Entitlements...)
	r.Mode = f.Mode
	if f.Violation.IsSet() {
		r.Violation = f.Violation
	}
	r.Extra = append(slices.Clone(base.Extra), f.Rules...)
	s := f.Scope()
	r.Scope = catalog.Scope{Read: s.Read || base.Scope.Read, Write: s.Write || base.Scope.Write, Exec: s.Exec || base.Scope.Exec,
		Bind: s.Bind || base.Scope.Bind, Connect: s.Connect || base.Scope.Connect}
	return r
}

// Policy builds the policy f describes on top of base:
// catalog.Build(f.Request(base)).
func (f *File) Policy(base catalog.Request) (*policy.Policy, error) {
	return catalog.Build(f.Request(base))
}
