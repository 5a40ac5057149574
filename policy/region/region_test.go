package region

import (
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/export"
	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

var x86 = []*syscalls.Arch{syscalls.X86_64}

// container returns the policy entitle profile writes for ents.
func container(t testing.TB, ents ...string) *policy.Policy {
	t.Helper()
	p, err := catalog.Build(catalog.Request{Entitlements: ents, Arches: x86})
	if err != nil {
		t.Fatal(err)
	}
	c, err := export.ForContainer(p)
	if err != nil {
		t.Fatal(err)
	}
	return c.Policy
}

func docker(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := profile.DockerDefault(profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Policy
}

func TestCompareIdentical(t *testing.T) {
	d := docker(t)
	diffs, err := Compare(d, d)
	if err != nil || len(diffs) != 0 {
		t.Fatalf("%v %v", diffs, err)
	}
}

// TestSubsetWithinWider: a generated profile is within a wider generated
// one; one that adds ptrace is not, and the counterexample names ptrace
// with any arguments.
func TestSubsetWithinWider(t *testing.T) {
	narrow := container(t, "fs.read", "net.client")
	wide := container(t, "fs.read", "fs.write", "fs.create", "net.client", "net.server", "proc.spawn")
	if cex, err := Looser(wide, narrow); err != nil || len(cex) != 0 {
		t.Fatalf("narrow not within wide: %v %v", cex, err)
	}
	if cex, _ := Looser(narrow, wide); len(cex) == 0 {
		t.Fatal("wide within narrow")
	}
	withPtrace := *narrow
	withPtrace.Rules = append(append([]policy.Rule(nil), narrow.Rules...), policy.Rule{Syscall: "ptrace", Action: policy.Allow})
	cex, err := Looser(narrow, &withPtrace)
	if err != nil {
		t.Fatal(err)
	}
	if len(cex) != 1 || cex[0].Syscall != "ptrace" || !cex[0].Region.Any() || cex[0].B != policy.Allow {
		t.Fatalf("counterexamples %v, want ptrace with any arguments", cex)
	}
}

// TestArgumentRegions: a profile that allows openat with O_CREAT where
// the baseline does not differs exactly in the O_CREAT region.
func TestArgumentRegions(t *testing.T) {
	base := &policy.Policy{DefaultAction: policy.Errno(1), Arches: x86, Rules: []policy.Rule{
		{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{{Arg: 2, Op: policy.OpMaskedEQ, Mask: 0x40, Value: 0, Width32: true}}},
	}}
	wider := &policy.Policy{DefaultAction: policy.Errno(1), Arches: x86, Rules: []policy.Rule{
		{Syscall: "openat", Action: policy.Allow},
	}}
	cex, err := Looser(base, wider)
	if err != nil {
		t.Fatal(err)
	}
	if len(cex) != 1 || cex[0].Region.String() != "a2 & 0x40 == 0x40" {
		t.Fatalf("%v", cex)
	}
}

// TestExact compares Compare's regions with Evaluate on random policies
// and vectors: a vector is in a reported region exactly when the policies
// decide it differently.
func TestExact(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	vals := []uint64{0, 1, 2, 3, 5, 0x40, 0x41, 0xFFFFFFFF, 0xFFFFFF9C, 0xFFFFFFFFFFFFFF9C, 1 << 32, 1<<63 | 5}
	ops := []policy.Op{policy.OpEQ, policy.OpNE, policy.OpLT, policy.OpLE, policy.OpGT, policy.OpGE, policy.OpMaskedEQ}
	actions := []policy.Action{policy.Allow, policy.Errno(1), policy.Errno(38), policy.KillProcess, policy.Log}
	names := []string{"read", "openat", "ioctl"}
	gen := func() *policy.Policy {
		p := &policy.Policy{DefaultAction: actions[rng.Intn(len(actions))], Arches: x86}
		for i := 0; i < 6; i++ {
			r := policy.Rule{Syscall: names[rng.Intn(len(names))], Action: actions[rng.Intn(len(actions))]}
			for j := rng.Intn(3); j > 0; j-- {
				// at most two conditions: enough for overlaps on one and two arguments
				c := policy.Cond{Arg: uint8(rng.Intn(2)), Op: ops[rng.Intn(len(ops))], Value: vals[rng.Intn(len(vals))], Width32: rng.Intn(2) == 0}
				if c.Op == policy.OpMaskedEQ {
					c.Mask = vals[rng.Intn(len(vals))]
				}
				if c.Width32 {
					c.Value &= 0xFFFFFFFF
				}
				r.Conds = append(r.Conds, c)
			}
			p.Rules = append(p.Rules, r)
		}
		return p
	}
	a := syscalls.X86_64
	tooMany := 0
	for iter := 0; iter < 20; iter++ {
		p, q := gen(), gen()
		diffs, err := Compare(p, q)
		if err != nil && strings.Contains(err.Error(), "too many") {
			tooMany++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			nr, _ := a.Number(name)
			for k := 0; k < 200; k++ {
				var args [6]uint64
				args[0] = vals[rng.Intn(len(vals))] + uint64(rng.Intn(3)) - 1
				args[1] = vals[rng.Intn(len(vals))] ^ uint64(rng.Intn(2))<<32
				x, y := p.Evaluate(a.AuditArch(), nr, args), q.Evaluate(a.AuditArch(), nr, args)
				in := false
				for _, d := range diffs {
					if d.Syscall != name {
						continue
					}
					r := policy.Rule{Conds: d.Region.Conds(64)}
					if r.Matches(args, 64) {
						if in {
							t.Fatalf("%x in two regions", args)
						}
						in = true
						if d.A != x || d.B != y {
							t.Fatalf("%s %x: region says %s/%s, Evaluate %s/%s", name, args, d.A, d.B, x, y)
						}
					}
				}
				if in != (x != y) {
					t.Fatalf("%s %x: in a difference region %v, but decisions %s and %s\np %v\nq %v\n%v", name, args, in, x, y, p.Rules, q.Rules, diffs)
				}
			}
		}
	}
	if tooMany > 2 {
		t.Errorf("%d of 20 random pairs split into more than %d regions", tooMany, MaxRegions)
	}
}

// TestNetServerFsReadWithinDocker says whether (and why not) the profile
// entitle profile net.server fs.read writes is within Docker's default.
func TestNetServerFsReadWithinDocker(t *testing.T) {
	cex, err := Looser(docker(t), container(t, "net.server", "fs.read"))
	if err != nil {
		t.Fatal(err)
	}
	// Not within: entitle's base allows calls newer than Docker's
	// profile (which denies what it does not name), and where Docker
	// compares an int argument on 64 bits entitle compares the low 32 the
	// kernel reads, so values with garbage in the high half differ.
	var lines []string
	high := map[string]bool{}
	for _, c := range cex {
		if c.HighHalf() {
			high[c.Syscall] = true
			continue
		}
		lines = append(lines, c.String())
	}
	t.Logf("within Docker's default: %v; %d counterexamples; only in the high half of an argument: %v; the others:\n%s", len(cex) == 0, len(cex), high, strings.Join(lines, "\n"))
	if len(cex) == 0 {
		t.Fatal("expected counterexamples (calls newer than Docker's profile)")
	}
}

func podman(t testing.TB) *policy.Policy {
	const path = "/usr/share/containers/seccomp.json"
	if _, err := os.Stat(path); err != nil {
		testenv.Skipf(t, "%s: %v", path, err)
	}
	p, err := profile.Load(path, profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Policy
}

// BenchmarkCompareDockerPodman: the exact difference of Docker's and
// Podman's defaults (x86_64, x86, x32), and the subset check both ways.
func BenchmarkCompareDockerPodman(b *testing.B) {
	d, p := docker(b), podman(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Compare(d, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLooserDockerPodman(b *testing.B) {
	d, p := docker(b), podman(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Looser(d, p); err != nil {
			b.Fatal(err)
		}
	}
}
