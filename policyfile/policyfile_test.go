package policyfile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

const example = `# entitle.yaml
entitlements: [net.server, fs.read]
violation: errno(EACCES)
mode: allowlist
rules:
  - syscall: getcwd
    action: allow
  - syscall: ioctl
    action: allow
    args:
      - {index: 1, op: "==", value: 0x5401, width: 32}
  - syscall: personality
    action: errno(EPERM)
    args:
      - {index: 0, op: "==", value: 0x20000, mask: 0xffff0000}
  - syscall: openat
    action: log
    args:
      - {index: 0, value: -100, width: 32}
      - {index: 2, op: ">=", value: 1}
`

func TestParse(t *testing.T) {
	f, err := Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	want := &File{
		Entitlements: []string{"net.server", "fs.read"},
		Violation:    policy.Errno(13),
		Mode:         catalog.AllowList,
		Rules: []policy.Rule{
			{Syscall: "getcwd", Action: policy.Allow},
			{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 0x5401, Width32: true}}},
			{Syscall: "personality", Action: policy.Errno(1), Conds: []policy.Cond{{Arg: 0, Op: policy.OpMaskedEQ, Value: 0x20000, Mask: 0xffff0000}}},
			{Syscall: "openat", Action: policy.Log, Conds: []policy.Cond{
				{Arg: 0, Op: policy.OpEQ, Value: 0xFFFFFFFFFFFFFF9C, Width32: true},
				{Arg: 2, Op: policy.OpGE, Value: 1},
			}},
		},
	}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("Parse:\n got %+v\nwant %+v", f, want)
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(g, f) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n%s", g, f, out)
	}
	p, err := f.Policy(catalog.Request{SelfPID: 42, Arches: []*syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != policy.Errno(13) {
		t.Errorf("default action %v, want errno(EACCES)", p.DefaultAction)
	}
	x := syscalls.X86_64
	nr, _ := x.Number("getcwd")
	if got := p.Evaluate(x.AuditArch(), nr, [6]uint64{}); got != policy.Allow {
		t.Errorf("getcwd: %v, want allow (extra rule)", got)
	}
	nr, _ = x.Number("mount")
	if got := p.Evaluate(x.AuditArch(), nr, [6]uint64{}); got != policy.Errno(13) {
		t.Errorf("mount: %v, want errno(EACCES)", got)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "# nothing\n", "entitlements: []\n"} {
		f, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(f.Entitlements) != 0 || f.Violation.IsSet() || f.Mode != catalog.AllowList || len(f.Rules) != 0 {
			t.Errorf("%q: %+v, want the zero File", in, f)
		}
	}
}

func TestParseModes(t *testing.T) {
	for in, want := range map[string]policy.Action{"kill": policy.KillProcess, "log": policy.Log, "errno": policy.Errno(1), "errno(38)": policy.Errno(38), "kill-process": policy.KillProcess} {
		f, err := Parse([]byte("violation: " + in + "\nmode: denylist\nentitlements: [network_connection]\n"))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if f.Violation != want || f.Mode != catalog.DenyList || f.Entitlements[0] != "network_connection" {
			t.Errorf("%s: %+v", in, f)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"typo entitlement", "# policy\nentitlements:\n  - net.server\n  - fs.raed\n", 4, `unknown entitlement "fs.raed"; did you mean fs.read?`},
		{"typo flow", "entitlements: [net.server, fs.raed]\n", 1, `did you mean fs.read?`},
		{"unknown field", "entitlements: [fs.read]\nvoilation: kill\n", 2, `unknown field "voilation" in the policy file; did you mean violation?`},
		{"unknown rule field", "rules:\n  - syscall: getcwd\n    actoin: allow\n", 3, `unknown field "actoin" in a rule; did you mean action?`},
		{"unknown arg field", "rules:\n  - syscall: ioctl\n    action: allow\n    args: [{index: 1, vaule: 3}]\n", 4, `did you mean value?`},
		{"bad violation", "violation: kill-thread\n", 1, `use kill (kill-process)`},
		{"errno 0", "violation: errno(0)\n", 1, `the errno must be 1..4095 (0 would make denied calls look successful)`},
		{"unknown violation", "violation: trap\n", 1, `use errno (EPERM), errno(N or NAME), kill or log`},
		{"bad mode", "mode: strict\n", 1, `use allowlist`},
		{"bad syscall", "rules:\n  - syscall: getcdw\n    action: allow\n", 2, `unknown system call "getcdw"; did you mean getcwd`},
		{"no action", "rules:\n  - syscall: getcwd\n", 2, `no action`},
		{"bad action", "rules:\n  - syscall: getcwd\n    action: permit\n", 3, `permit`},
		{"bad index", "rules:\n  - syscall: ioctl\n    action: allow\n    args:\n      - {index: 6, value: 1}\n", 5, `must be 0..5`},
		{"bad op", "rules:\n  - syscall: ioctl\n    action: allow\n    args:\n      - {index: 1, op: '=~', value: 1}\n", 5, `op "=~"`},
		{"mask with <", "rules:\n  - syscall: ioctl\n    action: allow\n    args:\n      - {index: 1, op: '<', value: 1, mask: 3}\n", 5, `mask works only`},
		{"bad width", "rules:\n  - syscall: ioctl\n    action: allow\n    args:\n      - {index: 1, value: 1, width: 16}\n", 5, `width "16"`},
		{"bad value", "rules:\n  - syscall: ioctl\n    action: allow\n    args:\n      - {index: 1, value: TCGETS}\n", 5, `not a number`},
		{"same arg twice", "rules:\n  - syscall: ioctl\n    action: allow\n    args:\n      - {index: 1, value: 1}\n      - {index: 1, value: 2}\n", 6, `two conditions on argument 1`},
		{"duplicate", "entitlements: [fs.read, fs.read]\n", 1, `listed twice`},
		{"not a list", "entitlements: fs.read\n", 1, `expected a list`},
		{"nested list", "entitlements: [[fs.read]]\n", 1, `expected a single value`},
		{"top-level list", "- fs.read\n", 1, `expected a mapping`},
		{"two documents", "entitlements: [fs.read]\n---\nentitlements: [fs.write]\n", 2, `more than one YAML document`},
		{"syntax", "entitlements: [fs.read\n", 0, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("no error; got %+v", f)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *Error", err, err)
			}
			if tc.line != 0 && pe.Line != tc.line {
				t.Errorf("line %d, want %d: %v", pe.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestParseSeveralErrors(t *testing.T) {
	_, err := Parse([]byte("entitlements: [fs.raed, net.sevrer]\nviolation: nope\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"line 1:16: unknown entitlement \"fs.raed\"", "line 1:25: unknown entitlement \"net.sevrer\"; did you mean net.server?", "line 2:12: violation \"nope\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not contain %q", err, want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "entitle.yaml")
	if err := os.WriteFile(path, []byte("entitlements:\n  - net.server\n  - fs.raed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + `:3:5: unknown entitlement "fs.raed"; did you mean fs.read?`
	if err == nil || err.Error() != want {
		t.Fatalf("Load: %v\nwant %s", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	if err := os.WriteFile(path, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
}

func TestMarshal(t *testing.T) {
	f := &File{Entitlements: []string{"fs.read"}, Mode: catalog.DenyList, Violation: policy.KillProcess}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "# entitle policy file (entitle.yaml)\nentitlements: [fs.read]\nviolation: kill-process\nmode: denylist\n"
	if string(out) != want {
		t.Errorf("Marshal:\n%s\nwant\n%s", out, want)
	}
	if _, err := (&File{Rules: []policy.Rule{{Syscall: "getcwd"}}}).Marshal(); err == nil {
		t.Error("Marshal of a rule without action: no error")
	}
}

func TestPathsPortsExtends(t *testing.T) {
	f, err := Parse([]byte("extends: workspace-write\nentitlements: [net.dns]\npaths:\n  read: [~/src]\n  exec: [/opt/tool]\nports:\n  bind: [8080]\n  connect: [443]\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got  []string
		want string
	}{{r.Read, "~/src"}, {r.Read, "."}, {r.Write, "$TMPDIR"}, {r.Exec, "/opt/tool"}, {r.Exec, "/usr"}, {r.Entitlements, "net.dns"}, {r.Entitlements, "proc.spawn"}} {
		if !slices.Contains(c.got, c.want) {
			t.Errorf("no %q in %q", c.want, c.got)
		}
	}
	if !slices.Equal(r.Bind, []uint16{8080}) || !slices.Equal(r.Connect, []uint16{443}) {
		t.Errorf("ports %v %v", r.Bind, r.Connect)
	}
	imp := r.Implied()
	for _, w := range []string{"fs.read", "fs.write", "fs.create", "proc.exec", "net.server", "net.client"} {
		if !slices.Contains(imp, w) {
			t.Errorf("implied %q lacks %s", imp, w)
		}
	}
	// The written file reads back the same.
	out, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !slices.Equal(back.Write, r.Write) || !slices.Equal(back.Connect, r.Connect) {
		t.Errorf("round trip: %s", out)
	}
	for _, bad := range []struct{ text, want string }{
		{"ports:\n  bind: [0]\n", "1 to 65535"},
		{"ports:\n  connect: [70000]\n", "1 to 65535"},
		{"paths:\n  raed: [.]\n", `did you mean read`},
		{"extends: workspace-wirte\n", ""},
		{"paths:\n  write: ['']\n", "empty path"},
	} {
		f, err := Parse([]byte(bad.text))
		if err == nil {
			_, err = f.Resolve("")
		}
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.text, err, bad.want)
		}
	}
	if _, err := Preset("workspace-wirte"); err == nil || !strings.Contains(err.Error(), "did you mean workspace-write") {
		t.Errorf("unknown preset: %v", err)
	}
	for _, n := range Presets() {
		if _, err := Preset(n); err != nil {
			t.Errorf("preset %s: %v", n, err)
		}
	}
}

// TestMarshalComments: a learned policy says why each entitlement and rule
// is there, and reads back to the same policy.
func TestMarshalComments(t *testing.T) {
	f := &File{
		Entitlements: []string{"fs.read", "net.server"},
		Rules: []policy.Rule{{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 1, Op: policy.OpEQ, Value: 0x5452, Width32: true}}}},
		Comments: map[string]string{
			"net.server": "listen(3<TCP>, 511) by pid 12 (nginx)",
			"fs.read":    "openat(AT_FDCWD, \"/etc/nginx/nginx.conf\",\nO_RDONLY)",
		},
		RuleComments: []string{"ioctl(6, FIOASYNC, 0x7ffd) by pid 13 (nginx): no entitlement grants it"},
	}
	data, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"  - net.server # listen(3<TCP>, 511) by pid 12 (nginx)\n",
		"# openat(AT_FDCWD, \"/etc/nginx/nginx.conf\", O_RDONLY)\n",
		"# ioctl(6, FIOASYNC, 0x7ffd) by pid 13 (nginx): no entitlement grants it\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !reflect.DeepEqual(back.Entitlements, f.Entitlements) || !reflect.DeepEqual(back.Rules, f.Rules) {
		t.Errorf("read back %+v, want %+v", back, f)
	}
}
