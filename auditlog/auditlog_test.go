package auditlog

import (
	"encoding/json"

	"github.com/entitle-dev/entitle/confine"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseLineFormats(t *testing.T) {
	for _, c := range []struct {
		name, line string
		typ        int
		stamp      string
		field, val string
	}{
		{"dmesg", `[ 3161.609134] audit: type=1326 audit(1796129780.122:5323): pid=7 comm="a b" syscall=83`, TypeSeccomp, "1796129780.122:5323", "comm", "a b"},
		{"dmesg -T", `[Mon Dec  1 12:56:20 2026] audit: type=1326 audit(1796129780.122:5323): pid=7 syscall=83`, TypeSeccomp, "1796129780.122:5323", "syscall", "83"},
		{"journalctl -k", `Dec 01 12:56:20 host kernel: audit: type=1423 audit(1.2:3): domain=1 blockers=fs.read_file path="/x"`, TypeLandlockAccess, "1.2:3", "path", "/x"},
		{"kmsg", `5,1176,3161609134,-;audit: type=1326 audit(1.2:3): pid=7 exe=2F746D702F61206220`, TypeSeccomp, "1.2:3", "exe", "/tmp/a b "},
		{"audit.log", `type=SECCOMP msg=audit(1.2:3): pid=7 code=0x50001`, TypeSeccomp, "1.2:3", "code", "0x50001"},
		{"ausearch -i", `type=SECCOMP msg=audit(12/01/2026 12:58:20.002:6002) : pid=7 syscall=fchownat`, TypeSeccomp, "12/01/2026 12:58:20.002:6002", "syscall", "fchownat"},
		{"ausearch unknown", `type=UNKNOWN[1423] msg=audit(1.2:3): blockers=net.bind_tcp src=80`, TypeLandlockAccess, "1.2:3", "src", "80"},
		{"netlink", `type=1424 audit(1.2:3): domain=5 status=allocated pid=9`, TypeLandlockDomain, "1.2:3", "pid", "9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ok := ParseLine(c.line)
			if !ok {
				t.Fatalf("no record in %q", c.line)
			}
			if r.Type != c.typ || r.Stamp != c.stamp || r.Fields[c.field] != c.val {
				t.Errorf("got type %d stamp %q %s=%q, want %d %q %q", r.Type, r.Stamp, c.field, r.Fields[c.field], c.typ, c.stamp, c.val)
			}
		})
	}
	for _, line := range []string{"", "Linux version 6.18", "comm=\"xtype=1326 audit(1.2:3)\"", "type=1326 no stamp", "type=BOGUS msg=audit(1.2:3): pid=1", "----"} {
		if r, ok := ParseLine(line); ok {
			t.Errorf("ParseLine(%q) = %+v, want no record", line, r)
		}
	}
}

// TestSample explains a log mixing every format: one explanation per kind
// with its count, the entitlement when the record says enough, the
// candidates when it depends on the arguments, and Landlock's flags.
func TestSample(t *testing.T) {
	f, err := os.Open("testdata/sample.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Read(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range rep.Explanations {
		lines = append(lines, e.String())
	}
	all := strings.Join(lines, "\n")
	want := []string{
		"2× seccomp log (the call ran): mkdirat by pids 29989, 29990 (exp.test): needs fs.create",
		"1× seccomp log (the call ran): openat by pid 29989 (exp.test): needs fs.read, fs.create or fs.write depending on its arguments, which the record does not carry (`entitle which openat`",
		"1× seccomp kill-process: mount by pid 2927 (entitle.test): needs admin.mount",
		"1× seccomp errno(EPERM): socket by pid 4242 (curl): needs net.client, net.dns, net.netlink, net.raw, net.server or net.unix depending on its arguments",
		"1× seccomp errno(EPERM): fchownat by pid 4243 (tar): needs fs.chown",
		"1× seccomp kill-process: open (x86) by pid 4244 (old32): not grantable (a system call of a foreign architecture",
		"1× seccomp errno(ENOSYS): uselib by pid 4245 (legacy): not grantable (",
		"1× seccomp errno(EPERM): kill by pid 4246 (sh): needs proc.signal",
		"1× seccomp errno(EPERM): syscall_999 by pid 4247 (future): system call number 999 is not in the x86_64 table",
		"1× seccomp log (the call ran): mkdirat (aarch64) by pid 4248 (mkdir): needs fs.create",
		`1× seccomp errno(EPERM): mkdir by pid 4249 ("\x1b[2Jevil"): needs fs.create`,
		`1× Landlock refused read_file on "/etc/hostname" by pid 26655 (cat): outside the read paths`,
		"1× Landlock refused TCP bind to port 8080 by pid 5150 (nginx): outside the bind ports",
		`2× Landlock refused make_reg on "/tmp/my dir" by pid 5150 (nginx): outside the write paths`,
	}
	if len(lines) != len(want) {
		t.Errorf("%d explanations, want %d:\n%s", len(lines), len(want), all)
	}
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("explanation %d does not start with\n  %s\ngot:\n%s", i, w, all)
		}
	}
	if strings.ContainsRune(all, 0x1b) {
		t.Errorf("a raw escape reached the output:\n%s", all)
	}
	if rep.Records != 16 {
		t.Errorf("Records = %d, want 16", rep.Records)
	}
	if want := []string{"fs.create", "admin.mount", "fs.chown", "proc.signal"}; !slices.Equal(rep.Allow, want) {
		t.Errorf("Allow = %q, want %q", rep.Allow, want)
	}
	wantFixes := []confine.Remedy{{Kind: confine.AddRead, Path: "/etc/hostname"}, {Kind: confine.AddBind, Port: 8080}, {Kind: confine.AddWrite, Path: "/tmp/my dir"}}
	if !slices.Equal(rep.Fixes, wantFixes) {
		t.Errorf("Fixes = %+v, want %+v", rep.Fixes, wantFixes)
	}
	for i, fix := range []confine.Remedy{{Kind: confine.AddEntitlement, Entitlement: "fs.create"}, {}, {Kind: confine.AddEntitlement, Entitlement: "admin.mount"}} {
		if got := rep.Explanations[i].Fix; got != fix {
			t.Errorf("explanation %d: Fix = %+v, want %+v", i, got, fix)
		}
	}
	// The JSON form carries the same facts.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Fixes, wantFixes) || back.Explanations[0].Fix != rep.Explanations[0].Fix {
		t.Errorf("remedies in JSON: %+v, %+v", back.Fixes, back.Explanations[0].Fix)
	}
	open := back.Explanations[1]
	if open.Syscall != "openat" || open.Arch != "x86_64" || open.Action != "log" || len(open.Entitlements) != 0 ||
		!slices.Equal(open.Candidates, []string{"fs.read", "fs.create", "fs.write"}) || open.Count != 1 || !open.Grantable {
		t.Errorf("openat in JSON: %+v", open)
	}
	if m := back.Explanations[0]; m.Count != 2 || !slices.Equal(m.PIDs, []int{29989, 29990}) || !slices.Equal(m.Entitlements, []string{"fs.create"}) {
		t.Errorf("mkdirat in JSON: %+v", m)
	}
}

// TestLandlockOptions: the log does not say how the sandbox was scoped;
// Options do, and a protected path's remedy lifts its protection.
func TestLandlockOptions(t *testing.T) {
	r, _ := ParseLine(`type=1423 audit(1.2:3): domain=1 blockers=fs.read_file path="/root/.ssh/id_ed25519"`)
	e := ExplainLandlock(r, Options{Unscoped: true})
	if e.Fix.Kind != confine.NoRemedy || e.Grantable || !strings.Contains(e.Reason, "outside what the entitlements reach") {
		t.Errorf("unscoped: %+v", e)
	}
	e = ExplainLandlock(r, Options{Protected: []confine.Protected{{Path: "/root/.ssh", Why: "secret"}}})
	if e.Fix != (confine.Remedy{Kind: confine.Unprotect, Path: "/root/.ssh"}) || !strings.Contains(e.Reason, "is protected (secret)") {
		t.Errorf("protected: %+v", e)
	}
}

func TestEmpty(t *testing.T) {
	rep, err := Read(strings.NewReader("nothing here\n"), Options{})
	if err != nil || rep.Records != 0 || len(rep.Explanations) != 0 {
		t.Errorf("Read = %+v, %v", rep, err)
	}
}
