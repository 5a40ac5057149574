package profile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

func TestStrictJSON(t *testing.T) {
	opts := Options{HostArch: syscalls.X86_64}
	tests := []struct {
		name, json string
		want       []string
	}{
		{"misspelt args", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
  {"names":["socket"],"action":"SCMP_ACT_ALLOW","arg":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}`,
			[]string{"line 2, column", "unknown key syscalls[0].arg", `did you mean "args"?`, "--lenient"}},
		{"other letter case", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"Names":["read"],"action":"SCMP_ACT_ALLOW"}]}`,
			[]string{"unknown key syscalls[0].Names", `the key is "names"`}},
		{"unknown top-level key", `{"defaultAction":"SCMP_ACT_ERRNO","defaultAktion":"SCMP_ACT_ALLOW"}`,
			[]string{"line 1, column", "unknown key defaultAktion"}},
		{"unknown arg key", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"valuetwo":2,"op":"SCMP_CMP_EQ"}]}]}`,
			[]string{"unknown key syscalls[0].args[0].valuetwo", `the key is "valueTwo"`}},
		{"duplicate key", `{"defaultAction":"SCMP_ACT_ERRNO",
"defaultAction":"SCMP_ACT_ALLOW"}`, []string{"line 2, column", "duplicate key defaultAction"}},
		{"defaultErrnoRet 0", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":0}`,
			[]string{"defaultErrnoRet is 0", "return success", "--lenient"}},
		{"errnoRet 0", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":0}]}`,
			[]string{"syscalls[0].errnoRet is 0"}},
		{"two objects", `{"defaultAction":"SCMP_ACT_ERRNO"} {"defaultAction":"SCMP_ACT_ALLOW"}`, []string{"malformed JSON", "after top-level value"}},
		{"truncated", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"]`, []string{"malformed JSON"}},
		{"wrong type", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":"read","action":"SCMP_ACT_ALLOW"}]}`, []string{"line 1", "names", "want []string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json), opts)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// --lenient reads the first three as runc does.
	lenient := opts
	lenient.Lenient = true
	p, err := Parse([]byte(tests[0].json), lenient)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 1 || len(p.Rules[0].Conds) != 0 {
		t.Errorf("lenient: rules %v, want socket without conditions (runc's reading)", p.Rules)
	}
	p, err = Parse([]byte(tests[5].json), lenient)
	if err != nil || p.DefaultAction != policy.Errno(0) {
		t.Errorf("lenient defaultErrnoRet 0: %v, %v", p, err)
	}
}

func TestHugeProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	data := `{"defaultAction":"SCMP_ACT_ERRNO","comment":"` + strings.Repeat("x", MaxProfileSize) + `"}`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("got %v", err)
	}
}

func TestPodmanShippedProfile(t *testing.T) {
	const path = "/usr/share/containers/seccomp.json"
	if _, err := os.Stat(path); err != nil {
		testenv.Skipf(t, "%s not installed (Debian package golang-github-containers-common): %v", path, err)
	}
	var warns []Warning
	p, err := ParseFile(path, Options{HostArch: syscalls.X86_64, Kernel: "6.18", Warn: func(w Warning) { warns = append(warns, w) }})
	if err != nil {
		t.Fatalf("Podman's default profile must compile without flags (architecture-private names are skipped as runc skips them): %v", err)
	}
	nr, _ := syscalls.X86_64.Number("setns")
	if got := p.Evaluate(syscalls.X86_64.AuditArch(), nr, [6]uint64{}); got != policy.Allow {
		t.Errorf("setns: %v, want allow (libseccomp keeps the first unconditional rule, as runc loads it)", got)
	}
	found := false
	for _, w := range warns {
		if strings.Contains(w.Where, "(setns)") && strings.Contains(w.Message, "never applies") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the contradictory setns rules; warnings: %v", warns)
	}
}

func TestLibseccompMerging(t *testing.T) {
	x64 := Options{HostArch: syscalls.X86_64}
	nr := func(name string) uint32 { n, _ := syscalls.X86_64.Number(name); return n }
	decide := func(p *policy.Policy, name string, a0, a1 uint64) policy.Action {
		return p.Evaluate(syscalls.X86_64.AuditArch(), nr(name), [6]uint64{a0, a1})
	}
	eq := func(i, v int) string {
		return `{"index":` + itoa(i) + `,"value":` + itoa(v) + `,"op":"SCMP_CMP_EQ"}`
	}
	rule := func(act string, args ...string) string {
		r := `{"names":["setns"],"action":"` + act + `"`
		if act == "SCMP_ACT_ERRNO" {
			r += `,"errnoRet":1`
		}
		return r + `,"args":[` + strings.Join(args, ",") + `]}`
	}
	prof := func(rules ...string) string {
		return `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[` + strings.Join(rules, ",") + `]}`
	}
	A, E := "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"
	tests := []struct {
		name  string
		json  string
		probe [][2]uint64
		want  []policy.Action
		warn  string
	}{
		// Each expectation is what libseccomp 2.5.4's program decides
		// (compiler/libseccomp_test.go TestLibseccompMergeCases checks
		// the same cases against libseccomp itself).
		{"first unconditional wins", prof(rule(A), rule(E)), [][2]uint64{{0, 0}, {1, 2}}, []policy.Action{policy.Allow, policy.Allow}, "never applies"},
		{"unconditional errno first", prof(rule(E), rule(A, eq(0, 1))), [][2]uint64{{1, 0}}, []policy.Action{policy.Errno(1)}, "never applies"},
		{"later unconditional replaces conditional", prof(rule(A, eq(0, 1)), rule(E)), [][2]uint64{{1, 0}, {0, 0}}, []policy.Action{policy.Errno(1), policy.Errno(1)}, "replaces"},
		{"shorter earlier rule decides", prof(rule(E, eq(0, 1)), rule(A, eq(0, 1), eq(1, 2))), [][2]uint64{{1, 2}, {1, 0}}, []policy.Action{policy.Errno(1), policy.Errno(1)}, "keeps the shorter"},
		{"disjoint rules both apply", prof(rule(A, eq(0, 1)), rule(E, eq(0, 2))), [][2]uint64{{1, 0}, {2, 0}, {3, 0}}, []policy.Action{policy.Allow, policy.Errno(1), policy.Errno(38)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			o := x64
			o.Warn = func(w Warning) { warns = append(warns, w.String()) }
			p, err := Parse([]byte(tt.json), o)
			if err != nil {
				t.Fatal(err)
			}
			for i, pr := range tt.probe {
				if got := decide(p.Policy, "setns", pr[0], pr[1]); got != tt.want[i] {
					t.Errorf("setns(%d, %d) = %v, want %v", pr[0], pr[1], got, tt.want[i])
				}
			}
			joined := strings.Join(warns, "\n")
			if tt.warn == "" && len(warns) > 0 || tt.warn != "" && !strings.Contains(joined, tt.warn) {
				t.Errorf("warnings %q, want one containing %q", joined, tt.warn)
			}
		})
	}
	// Same conditions, another action: libseccomp refuses (runc fails).
	for _, j := range []string{prof(rule(A, eq(0, 1)), rule(E, eq(0, 1))), prof(rule(A, eq(0, 1), eq(1, 2)), rule(E, eq(0, 1)))} {
		_, err := Parse([]byte(j), x64)
		if err == nil || !strings.Contains(err.Error(), "libseccomp refuses") || !strings.Contains(err.Error(), "syscalls[0]") {
			t.Errorf("got %v, want libseccomp's refusal naming both rules", err)
		}
		o := x64
		o.Lenient = true
		p, err := Parse([]byte(j), o)
		if err != nil {
			t.Fatal(err)
		}
		if got := decide(p.Policy, "setns", 1, 2); got != policy.Allow {
			t.Errorf("lenient: %v, want the first rule's allow", got)
		}
	}
	// Overlapping rules on different arguments: libseccomp decides the
	// overlap by its tree's order (errno on argument 0 and allow on
	// argument 1 allow setns(1, 2); compiler's TestLibseccompOverlapOrder):
	// an error naming both rules; read leniently, warned and the more
	// restrictive applied, unless RefuseOverlaps.
	for _, j := range []string{prof(rule(A, eq(0, 1)), rule(E, eq(1, 2))), prof(rule(E, eq(0, 1)), rule(A, eq(1, 2)))} {
		_, err := Parse([]byte(j), x64)
		if err == nil || !strings.Contains(err.Error(), "syscalls[1] (setns)") || !strings.Contains(err.Error(), "contradicts syscalls[0] (setns)") || !strings.Contains(err.Error(), "disjoint") {
			t.Errorf("overlap: got %v, want an error naming both rules", err)
		}
		var warns []string
		o := x64
		o.Lenient = true
		o.Warn = func(w Warning) { warns = append(warns, w.String()) }
		p, err := Parse([]byte(j), o)
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], "contradicts syscalls[0]") {
			t.Errorf("warnings %q", warns)
		}
		if got := decide(p.Policy, "setns", 1, 2); got != policy.Errno(1) {
			t.Errorf("lenient overlap: %v, want the more restrictive errno(EPERM)", got)
		}
		o.RefuseOverlaps = true
		if _, err := Parse([]byte(j), o); err == nil || !strings.Contains(err.Error(), "contradicts") {
			t.Errorf("lenient with RefuseOverlaps: got %v, want the error", err)
		}
	}
}

func TestOtherArchNamesSkipped(t *testing.T) {
	j := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","syscall","breakpoint","cacheflush","set_tls"],"action":"SCMP_ACT_ALLOW"}]}`
	p, err := Parse([]byte(j), Options{HostArch: syscalls.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 1 || p.Rules[0].Syscall != "read" {
		t.Errorf("rules %v, want read only", p.Rules)
	}
	_, err = Parse([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["getcdw"],"action":"SCMP_ACT_ALLOW"}]}`), Options{})
	if err == nil || !strings.Contains(err.Error(), "--ignore-unknown") || !strings.Contains(err.Error(), "did you mean getcwd") {
		t.Errorf("got %v", err)
	}
}

func TestMaskedDatumWarning(t *testing.T) {
	var warns []string
	j := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"valueTwo":255,"op":"SCMP_CMP_MASKED_EQ"}]}]}`
	p, err := Parse([]byte(j), Options{HostArch: syscalls.X86_64, Warn: func(w Warning) { warns = append(warns, w.String()) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "syscalls[0].args[0]") || !strings.Contains(warns[0], "swapped") {
		t.Errorf("warnings %q", warns)
	}
	nr, _ := syscalls.X86_64.Number("personality")
	if got := p.Evaluate(syscalls.X86_64.AuditArch(), nr, [6]uint64{8}); got != policy.Allow {
		t.Errorf("personality(8) = %v: libseccomp masks the datum (255&8 == 8) and allows it", got)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
