//go:build libseccomp && cgo

// Differential tests and benchmarks against libseccomp, the compiler runc,
// Docker and Podman use. Only this test file links libseccomp (through cgo);
// the product never does. Run with: go test -tags libseccomp ./compiler
package compiler

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/childtest"
	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func scmpAction(a policy.Action) libseccomp.ScmpAction {
	switch a.Kind {
	case policy.ActAllow:
		return libseccomp.ActAllow
	case policy.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(int16(a.Data))
	case policy.ActKillProcess:
		return libseccomp.ActKillProcess
	case policy.ActKillThread:
		return libseccomp.ActKillThread
	case policy.ActTrap:
		return libseccomp.ActTrap
	case policy.ActLog:
		return libseccomp.ActLog
	case policy.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(int16(a.Data))
	case policy.ActNotify:
		return libseccomp.ActNotify
	}
	panic("unexpected action " + a.String())
}

var scmpArches = map[string]libseccomp.ScmpArch{
	"x86_64":  libseccomp.ArchAMD64,
	"x86":     libseccomp.ArchX86,
	"x32":     libseccomp.ArchX32,
	"aarch64": libseccomp.ArchARM64,
	"arm":     libseccomp.ArchARM,
}

var scmpOps = map[policy.Op]libseccomp.ScmpCompareOp{
	policy.OpEQ: libseccomp.CompareEqual, policy.OpNE: libseccomp.CompareNotEqual,
	policy.OpLT: libseccomp.CompareLess, policy.OpLE: libseccomp.CompareLessOrEqual,
	policy.OpGT: libseccomp.CompareGreater, policy.OpGE: libseccomp.CompareGreaterEqual,
	policy.OpMaskedEQ: libseccomp.CompareMaskedEqual,
}

// libseccompCompile builds p with libseccomp at the given optimisation level
// (1: the default linear layout runc loads for small profiles, 2: binary
// tree) and returns the exported program and the rule names libseccomp
// does not know.
func libseccompCompile(t testing.TB, p *policy.Policy, level int) ([]bpf.RawInstruction, map[string]bool) {
	t.Helper()
	f, err := libseccomp.NewFilter(scmpAction(p.DefaultAction))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	native, _ := libseccomp.GetNativeArch()
	keepNative := false
	for _, a := range p.ArchList() {
		sa, ok := scmpArches[a.Name()]
		if !ok {
			t.Fatalf("no libseccomp arch for %s", a.Name())
		}
		if sa == native {
			keepNative = true
			continue
		}
		if err := f.AddArch(sa); err != nil {
			t.Fatalf("add arch %s: %v", a.Name(), err)
		}
	}
	if !keepNative {
		if err := f.RemoveArch(native); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetBadArchAction(scmpAction(p.BadArch())); err != nil {
		t.Fatal(err)
	}
	if err := f.SetOptimize(level); err != nil {
		t.Fatal(err)
	}
	// unknown maps "arch/name" for rules libseccomp cannot place on an arch.
	unknown := map[string]bool{}
	for _, r := range p.Rules {
		for _, a := range p.ArchList() {
			if _, ok := a.Number(r.Syscall); !ok {
				continue
			}
			ours, _ := a.Number(r.Syscall)
			theirs, err := libseccomp.GetSyscallFromNameByArch(r.Syscall, scmpArches[a.Name()])
			// On i386 a negative number is libseccomp's pseudo-syscall for
			// calls it also multiplexes (socket, ipc families): it still places
			// the rule on the direct number, so those are compared. Elsewhere
			// a negative number means "not on this arch" to libseccomp.
			multiplexed := int32(theirs) < 0 && a == syscalls.X86
			if err != nil || (!multiplexed && uint32(theirs) != ours) {
				unknown[a.Name()+"/"+r.Syscall] = true
			}
		}
		sc, err := libseccomp.GetSyscallFromName(r.Syscall)
		if err != nil {
			continue
		}
		var conds []libseccomp.ScmpCondition
		for _, c := range r.Conds {
			var sc libseccomp.ScmpCondition
			switch {
			case c.Width32 && c.Op == policy.OpEQ:
				sc, err = libseccomp.MakeCondition(uint(c.Arg), libseccomp.CompareMaskedEqual, 0xFFFFFFFF, c.Value&0xFFFFFFFF)
			case c.Op == policy.OpMaskedEQ:
				sc, err = libseccomp.MakeCondition(uint(c.Arg), libseccomp.CompareMaskedEqual, c.Mask, c.Value)
			default:
				sc, err = libseccomp.MakeCondition(uint(c.Arg), scmpOps[c.Op], c.Value)
			}
			if err != nil {
				t.Fatal(err)
			}
			conds = append(conds, sc)
		}
		if err := f.AddRuleConditional(sc, scmpAction(r.Action), conds); err != nil {
			t.Fatalf("libseccomp rejects %v: %v", r, err)
		}
	}
	path := filepath.Join(t.TempDir(), "filter.bpf")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ExportBPF(out); err != nil {
		t.Fatal(err)
	}
	out.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := FromBytes(raw)
	if err != nil {
		t.Fatalf("libseccomp's export: %v", err)
	}
	return prog, unknown
}

func dockerDefault(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := profile.DockerDefault(profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"})
	if err != nil {
		t.Fatal(err)
	}
	p.Arches = []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32}
	return p.Policy
}

// diffInputs lists the inputs to compare for one arch: every number of its
// table, numbers around and beyond it, and argument vectors built from the
// policy's condition values.
func diffInputs(p *policy.Policy, a *syscalls.Arch) []sim.Data {
	var out []sim.Data
	condVals := map[string][]policy.Cond{}
	for _, r := range p.Rules {
		condVals[r.Syscall] = append(condVals[r.Syscall], r.Conds...)
	}
	for _, s := range a.Syscalls() {
		out = append(out, sim.Data{Arch: a.AuditArch(), Nr: s.Nr})
		conds := condVals[s.Name]
		var acc [6]uint64
		for _, c := range conds {
			for _, v := range []uint64{c.Value, c.Value + 1, c.Value - 1, c.Value | 1<<32, c.Value ^ 0xFFFFFFFF00000000, c.Value & c.Mask, c.Mask} {
				var args [6]uint64
				args[c.Arg] = v
				out = append(out, sim.Data{Arch: a.AuditArch(), Nr: s.Nr, Args: args})
				acc[c.Arg] = v
				out = append(out, sim.Data{Arch: a.AuditArch(), Nr: s.Nr, Args: acc})
			}
			acc[c.Arg] = c.Value
			out = append(out, sim.Data{Arch: a.AuditArch(), Nr: s.Nr, Args: acc})
		}
	}
	if a.Bits() == 32 {
		// The kernel zero-extends a 32-bit ABI's arguments into seccomp_data.
		for i := range out {
			for j := range out[i].Args {
				out[i].Args[j] &= 0xFFFFFFFF
			}
		}
	}
	for _, nr := range []uint32{a.Max() + 1, a.Max() + 2, a.Max() + 100, 1000, 4095, 0x3FFFFFFF, 0x40000000, 0x40000001, 0x40000200, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE} {
		out = append(out, sim.Data{Arch: a.AuditArch(), Nr: nr})
	}
	return out
}

// compareWithLibseccomp checks that entitle's program decides every input as
// libseccomp's does. Known, listed differences: numbers entitle's table does
// not know (entitle returns the unknown action, ENOSYS by default, where
// libseccomp returns the default action), rules on syscalls libseccomp 2.5.4
// does not know (it cannot express them), and i386 socketcall/ipc, which
// libseccomp rewrites from rules on the individual socket and IPC calls.
func compareWithLibseccomp(t *testing.T, p *policy.Policy, level int, tolerate bool) (compared, deviations int, excepted map[string]bool) {
	return compareWithLibseccompReport(t, p, level, tolerate, nil)
}

// compareProfileWithLibseccomp compiles p (a profile as entitle reads it,
// libseccomp's merging of rules applied) with entitle and raw (the same
// profile's rules as runc adds them, profile.RuncRules) with libseccomp,
// and checks both programs decide every input alike.
func compareProfileWithLibseccomp(t *testing.T, p, raw *policy.Policy, level int) (compared int, excepted map[string]bool) {
	t.Helper()
	rawProg = raw
	defer func() { rawProg = nil }()
	compared, _, excepted = compareWithLibseccompReport(t, p, level, false, nil)
	return compared, excepted
}

// rawProg, when set, is what compareWithLibseccompReport hands libseccomp
// instead of the policy entitle compiles.
var rawProg *policy.Policy

// compareWithLibseccompReport is compareWithLibseccomp; when report is not
// nil, disagreements that are not self-contradictions are passed to it
// instead of failing the test.
func compareWithLibseccompReport(t *testing.T, p *policy.Policy, level int, tolerate bool, report func(string)) (compared, deviations int, excepted map[string]bool) {
	t.Helper()
	ours, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	src := p
	if rawProg != nil {
		src = rawProg
	}
	theirs, unknown := libseccompCompile(t, src, level)
	excepted = map[string]bool{}
	for _, a := range p.ArchList() {
		order := orderOf(a)
		vmOurs, err := sim.New(ours.Insns, order)
		if err != nil {
			t.Fatal(err)
		}
		vmTheirs, err := sim.New(theirs, order)
		if err != nil {
			t.Fatalf("libseccomp program: %v", err)
		}
		inputs := p
		if rawProg != nil {
			both := *p
			both.Rules = append(append([]policy.Rule(nil), p.Rules...), rawProg.Rules...)
			inputs = &both
		}
		for _, d := range diffInputs(inputs, a) {
			r1, _ := vmOurs.Run(d)
			r2, _ := vmTheirs.Run(d)
			table := a
			if a == syscalls.X86_64 && d.Nr >= syscalls.X32.SyscallBase() && d.Nr != 0xFFFFFFFF {
				table = syscalls.X32
			}
			name, known := table.SyscallName(d.Nr)
			// Which table decides this number, in the policy's view?
			if ref := p.Evaluate(d.Arch, d.Nr, d.Args); policy.FromRet(r1) != ref {
				t.Fatalf("%s nr %#x args %#x: entitle %v, reference evaluator %v", a.Name(), d.Nr, d.Args, policy.FromRet(r1), ref)
			}
			switch {
			case !known && p.Evaluate(d.Arch, d.Nr, d.Args) == p.Unknown():
				excepted["(numbers unknown to the table: entitle returns "+p.Unknown().String()+")"] = true
				continue
			case known && unknown[table.Name()+"/"+name]:
				excepted[table.Name()+" "+name+" (unknown to libseccomp 2.5.4, or numbered differently)"] = true
				continue
			case table == syscalls.X32 && len(condVals(p, name)) > 0:
				excepted["x32 argument rules (libseccomp compares 32 bits on x32, entitle all 64 the kernel passes)"] = true
				continue
			case a == syscalls.X86 && (name == "socketcall" || name == "ipc") && rawProg == nil:
				// A policy handed to libseccomp as it is: libseccomp adds
				// multiplexer rules the policy does not have. A profile
				// (rawProg) is read with them (profile's muxRule), so
				// its multiplexers are compared.
				excepted["i386 "+name+" (libseccomp multiplexer rewriting)"] = true
				continue
			}
			compared++
			if r1 != r2 && tolerate && selfContradiction(t, p, level, a, name, d, r1) {
				excepted[defectNote] = true
				deviations++
				continue
			}
			if r1 != r2 {
				var rs []string
				for _, r := range p.Rules {
					if r.Syscall == name {
						rs = append(rs, r.String())
					}
				}
				msg := fmt.Sprintf("%s nr %#x (%s) args %#x: entitle %s, libseccomp(opt=%d) %s; default %v; arches %v; rules: %s", a.Name(), d.Nr, name, d.Args, sim.RetString(r1), level, sim.RetString(r2), p.DefaultAction, p.Arches, strings.Join(rs, "; "))
				if report != nil {
					report(msg)
					continue
				}
				t.Error(msg)
				if t.Failed() && compared > 20 {
					t.FailNow()
				}
			}
		}
	}
	return compared, deviations, excepted
}

const defectNote = "libseccomp 2.5.4 contradicting itself: it decides a call differently from what its own programs for each rule alone decide (rule-merge defects; see GHSA-4q85-33p6-j5g6, fixed in 2.6.1)"

// selfContradiction reports whether libseccomp contradicts itself on d:
// each rule of syscall name is compiled alone with libseccomp (same
// default, arches and layout), and the rules libseccomp itself says match
// are combined as rules combine (the most restrictive action wins). If that
// combination is entitle's answer, libseccomp's different answer for the
// whole profile is its own merge defect, not a difference of semantics.
func selfContradiction(t *testing.T, p *policy.Policy, level int, a *syscalls.Arch, name string, d sim.Data, ours uint32) bool {
	var best policy.Action
	for _, r := range p.Rules {
		if r.Syscall != name {
			continue
		}
		alone := *p
		alone.Rules = []policy.Rule{r}
		prog, _ := libseccompCompile(t, &alone, level)
		vm, err := sim.New(prog, orderOf(a))
		if err != nil {
			t.Fatal(err)
		}
		ret, _ := vm.Run(d)
		if policy.FromRet(ret) != r.Action {
			continue // libseccomp says this rule does not match
		}
		if !best.IsSet() || policy.MoreRestrictive(r.Action, best) {
			best = r.Action
		}
	}
	if !best.IsSet() {
		best = p.DefaultAction
	}
	return best.Ret() == ours
}

func condVals(p *policy.Policy, name string) []policy.Cond {
	var out []policy.Cond
	for _, r := range p.Rules {
		if r.Syscall == name {
			out = append(out, r.Conds...)
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLibseccompDockerDefault(t *testing.T) {
	p := dockerDefault(t)
	for _, level := range []int{1, 2} {
		n, _, exc := compareWithLibseccomp(t, p, level, false)
		t.Logf("docker-default, libseccomp opt=%d: %d decisions equal; excepted: %s", level, n, strings.Join(keys(exc), "; "))
	}
}

// randomOCIPolicy builds a profile of the kind runc loads: one action per
// syscall, conditions of at most one per argument. With docker false,
// several multi-argument rules may share a syscall; otherwise a syscall has
// either one rule with conditions AND-ed across arguments, or several
// rules of one condition each (what runc makes of repeated indexes), as in
// Docker's and Podman's profiles.
func randomOCIPolicy(rng *rand.Rand, docker bool) *policy.Policy {
	defaults := []policy.Action{policy.Errno(1), policy.Errno(38), policy.KillProcess, policy.Allow, policy.Log, policy.Trap(0)}
	ruleActs := []policy.Action{policy.Allow, policy.Errno(1), policy.Errno(13), policy.KillProcess, policy.KillThread, policy.Log, policy.Trace(3), policy.Trap(0), policy.Notify}
	archSets := [][]*syscalls.Arch{{syscalls.X86_64}, {syscalls.X86_64, syscalls.X86, syscalls.X32}, {syscalls.X86_64, syscalls.X86}, {syscalls.X86_64, syscalls.X32}}
	p := &policy.Policy{DefaultAction: defaults[rng.Intn(len(defaults))], Arches: archSets[rng.Intn(len(archSets))]}
	names := syscalls.Names()
	used := map[string]bool{}
	n := 5 + rng.Intn(80)
	for i := 0; i < n; i++ {
		name := names[rng.Intn(len(names))]
		if used[name] {
			continue
		}
		used[name] = true
		act := ruleActs[rng.Intn(len(ruleActs))]
		if act == p.DefaultAction {
			continue
		}
		nrules := 1
		if rng.Intn(3) == 0 {
			nrules = 1 + rng.Intn(3)
		}
		for j := 0; j < nrules; j++ {
			r := policy.Rule{Syscall: name, Action: act}
			if rng.Intn(2) == 0 || (docker && nrules > 1) {
				nargs := 1 + rng.Intn(3)
				if docker && nrules > 1 {
					nargs = 1
				}
				args := rng.Perm(6)[:nargs]
				for _, arg := range args {
					c := policy.Cond{Arg: uint8(arg), Op: policy.Op(1 + rng.Intn(7))}
					if docker && nrules > 1 && j > 0 {
						// Docker's shape: one ordered comparison at most, then equalities.
						c.Op = []policy.Op{policy.OpEQ, policy.OpMaskedEQ}[rng.Intn(2)]
					}
					c.Value = interesting[rng.Intn(len(interesting))]
					if rng.Intn(3) == 0 {
						c.Value = rng.Uint64() >> uint(rng.Intn(64))
					}
					if c.Op == policy.OpMaskedEQ {
						c.Mask = interesting[rng.Intn(len(interesting))]
						c.Value &= c.Mask // libseccomp normalises the datum the same way
					}
					r.Conds = append(r.Conds, c)
				}
			}
			p.Rules = append(p.Rules, r)
		}
	}
	return p
}

func TestLibseccompGenerated(t *testing.T) {
	rng := rand.New(rand.NewSource(20261129))
	total, devs := 0, 0
	allExc := map[string]bool{}
	for i := 0; i < 220; i++ {
		p := randomOCIPolicy(rng, true)
		if err := p.Validate(); err != nil {
			t.Fatalf("generated policy invalid: %v", err)
		}
		level := 1 + i%2
		t.Run(fmt.Sprintf("profile%03d", i), func(t *testing.T) {
			n, d, exc := compareWithLibseccomp(t, p, level, true)
			total += n
			devs += d
			for k := range exc {
				allExc[k] = true
			}
		})
	}
	t.Logf("220 generated profiles: %d decisions compared, %d where libseccomp contradicts itself; excepted: %s", total, devs, strings.Join(keys(allExc), "; "))
}

// TestLibseccompDefects runs unrestricted random profiles (several
// multi-argument rules with ordered comparisons on one syscall, x32 next to
// x86_64). libseccomp 2.5.4 decides some of them wrongly. The test asserts
// that entitle agrees with the reference evaluator on every input (inside
// compareWithLibseccomp), and reports libseccomp's disagreements: those
// where libseccomp contradicts its own per-rule programs, and the others,
// with examples, for a human to read.
func TestLibseccompDefects(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	total, dev := 0, 0
	var others []string
	for i := 0; i < 100; i++ {
		p := randomOCIPolicy(rng, false)
		n, d, _ := compareWithLibseccompReport(t, p, 1+i%2, true, func(msg string) { others = append(others, msg) })
		total += n
		dev += d
	}
	t.Logf("100 unrestricted profiles: %d decisions compared; libseccomp 2.5.4 disagrees with the rule semantics on %d (self-contradictions) + %d (others); entitle matches the reference evaluator on all", total, dev, len(others))
	for i, m := range others {
		if i == 5 {
			break
		}
		t.Logf("  %s", m)
	}
}

// TestLibseccompMissingLoad records a libseccomp 2.5.4 defect the
// differential tests found: with x86_64 and x32 and a rule only on an
// x86_64-only syscall, libseccomp omits "ld [0]" after the arch check, so
// it compares the arch value with the syscall number and the rule never
// applies (the filter silently allows epoll_ctl_old). entitle must deny.
func TestLibseccompMissingLoad(t *testing.T) {
	p := pol(policy.Allow, []*syscalls.Arch{syscalls.X86_64, syscalls.X32}, argRule("epoll_ctl_old", policy.Errno(13), cond(5, policy.OpNE, 0)))
	d := sim.Data{Arch: syscalls.X86_64.AuditArch(), Nr: nrOf(t, syscalls.X86_64, "epoll_ctl_old"), Args: [6]uint64{0, 0, 0, 0, 0, 1}}
	ours, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	vm, _ := sim.New(ours.Insns, binary.LittleEndian)
	if ret, _ := vm.Run(d); policy.FromRet(ret) != policy.Errno(13) {
		t.Fatalf("entitle: %s, want ERRNO(13)", sim.RetString(ret))
	}
	theirs, _ := libseccompCompile(t, p, 1)
	vm, _ = sim.New(theirs, binary.LittleEndian)
	ret, _ := vm.Run(d)
	t.Logf("libseccomp %d.%d.%d decides %s (want ERRNO(13))\n%s", major(), minor(), micro(), sim.RetString(ret), sim.Disassemble(theirs, nil))
}

func major() uint { m, _, _ := libseccomp.GetLibraryVersion(); return m }
func minor() uint { _, m, _ := libseccomp.GetLibraryVersion(); return m }
func micro() uint { _, _, m := libseccomp.GetLibraryVersion(); return m }

// BenchmarkDockerDefault compiles Docker's default profile (x86_64 + x86 +
// x32) with entitle and with libseccomp in both layouts, and reports the
// compile time, the program length and the instructions executed per
// x86_64 system call.
func BenchmarkDockerDefault(b *testing.B) { benchProfile(b, "docker-default", dockerDefault(b)) }

// BenchmarkPodmanDefault is BenchmarkDockerDefault for Podman's shipped
// default profile (Debian's golang-github-containers-common).
func BenchmarkPodmanDefault(b *testing.B) {
	const path = "/usr/share/containers/seccomp.json"
	p, err := profile.Load(path, profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"})
	if err != nil {
		testenv.Skipf(b, "%s: %v (install golang-github-containers-common)", path, err)
	}
	p.Arches = []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32}
	benchProfile(b, "podman default", p.Policy)
}

func benchProfile(b *testing.B, name string, p *policy.Policy) {
	type row struct {
		name    string
		st      sim.Stats
		compile time.Duration
	}
	var rows []row
	best := func(prev, d time.Duration) time.Duration {
		if prev == 0 || d < prev {
			return d
		}
		return prev
	}
	compiles := make([]time.Duration, 3)
	for i := 0; i < b.N; i++ {
		for round := 0; round < 5; round++ {
			rows = rows[:0]
			start := time.Now()
			ours, err := Compile(p)
			if err != nil {
				b.Fatal(err)
			}
			compiles[0] = best(compiles[0], time.Since(start))
			st, err := sim.Measure(ours.Insns, syscalls.X86_64)
			if err != nil {
				b.Fatal(err)
			}
			rows = append(rows, row{name: "entitle", st: st})
			for k, level := range []int{1, 2} {
				start := time.Now()
				prog, _ := libseccompCompile(b, p, level)
				compiles[k+1] = best(compiles[k+1], time.Since(start))
				st, err := sim.Measure(prog, syscalls.X86_64)
				if err != nil {
					b.Fatal(err)
				}
				n := "libseccomp default (linear)"
				if level == 2 {
					n = "libseccomp binary tree"
				}
				rows = append(rows, row{name: n, st: st})
			}
		}
	}
	b.StopTimer()
	for k := range rows {
		rows[k].compile = compiles[k]
	}
	e := rows[0].st
	b.ReportMetric(float64(e.Len), "insns")
	b.ReportMetric(e.Mean, "mean-executed")
	b.ReportMetric(float64(e.Max), "max-executed")
	b.ReportMetric(float64(rows[0].compile)/1e6, "compile-ms")
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%s (x86_64+x86+x32), executed instructions over %d x86_64 syscall numbers, zero arguments; compile time best of 5:\n", name, e.Syscalls)
	fmt.Fprintf(&sb, "%-30s %10s %8s %8s %6s %10s %10s %10s %10s\n", "compiler", "compile ms", "length", "mean", "max", "len ratio", "mean ratio", "max ratio", "cacheable")
	for _, r := range rows {
		fmt.Fprintf(&sb, "%-30s %10.2f %8d %8.2f %6d %10.2f %10.2f %10.2f %6d/%d\n", r.name, float64(r.compile)/1e6, r.st.Len, r.st.Mean, r.st.Max,
			float64(r.st.Len)/float64(e.Len), r.st.Mean/e.Mean, float64(r.st.Max)/float64(e.Max), r.st.Cacheable, r.st.AllowedNoArg)
	}
	b.Log(sb.String())
}

// BenchmarkKernelArgSyscall measures, on the real kernel, the cost of a
// system call whose rule checks arguments (personality(0xffffffff) under
// Docker's default profile), with no filter, entitle's filter and
// libseccomp's two layouts, each in a fresh child process. It reports ns
// per call (best of 7 runs of 200000 calls) and the ratios to entitle.
func BenchmarkKernelArgSyscall(b *testing.B) {
	if childtest.Child("kernel-arg-syscall") {
		os.Exit(benchChild(os.Getenv("ENTITLE_BENCH_FILTER")))
	}
	p := dockerDefault(b)
	dir := b.TempDir()
	write := func(name string, prog []bpf.RawInstruction) string {
		path := filepath.Join(dir, name)
		raw := make([]byte, 0, 8*len(prog))
		for _, in := range prog {
			raw = binary.NativeEndian.AppendUint16(raw, in.Op)
			raw = append(raw, in.Jt, in.Jf)
			raw = binary.NativeEndian.AppendUint32(raw, in.K)
		}
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			b.Fatal(err)
		}
		return path
	}
	ours, err := Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	lin, _ := libseccompCompile(b, p, 1)
	tree, _ := libseccompCompile(b, p, 2)
	variants := []struct{ name, path string }{
		{"no filter", ""},
		{"entitle", write("entitle.bpf", ours.Insns)},
		{"libseccomp default (linear)", write("linear.bpf", lin)},
		{"libseccomp binary tree", write("tree.bpf", tree)},
	}
	type result struct{ arg, cached float64 }
	results := map[string]result{}
	for i := 0; i < b.N; i++ {
		for _, v := range variants {
			out, err := childtest.Command(b, "kernel-arg-syscall", "ENTITLE_BENCH_FILTER="+v.path).CombinedOutput()
			if err != nil {
				b.Fatalf("%s: %v\n%s", v.name, err, out)
			}
			var r result
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Fields(line)
				if len(f) == 2 {
					x, _ := strconv.ParseFloat(f[1], 64)
					switch f[0] {
					case "personality":
						r.arg = x
					case "getppid":
						r.cached = x
					}
				}
			}
			results[v.name] = r
		}
	}
	b.StopTimer()
	e := results["entitle"]
	b.ReportMetric(e.arg, "ns/argcall")
	var sb strings.Builder
	sb.WriteString("\nkernel cost per call under docker-default (x86_64+x86+x32), best of 7×200000:\n")
	fmt.Fprintf(&sb, "%-30s %22s %10s %18s\n", "filter", "personality (args) ns", "ratio", "getppid (cached) ns")
	for _, v := range variants {
		r := results[v.name]
		fmt.Fprintf(&sb, "%-30s %22.1f %10.2f %18.1f\n", v.name, r.arg, r.arg/e.arg, r.cached)
	}
	b.Log(sb.String())
}

// orderOf is the byte order of a's seccomp_data.
func orderOf(a *syscalls.Arch) binary.ByteOrder {
	if a.BigEndian() {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// benchChild is BenchmarkKernelArgSyscall's timing child: it installs the
// raw filter at path (an empty path: none), times personality(0xffffffff)
// — a call whose rule in Docker's profile checks its argument, so the
// kernel's cache cannot skip the filter — and getppid (cacheable), and
// prints ns per call.
func benchChild(path string) int {
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		prog, err := FromBytes(raw)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		if _, err := seccomp.Install(prog, seccomp.FlagTSync|seccomp.FlagSpecAllow); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	n, _ := strconv.Atoi(os.Getenv("ENTITLE_BENCH_N"))
	if n <= 0 {
		n = 200000
	}
	best := func(nr uintptr, a0 uintptr) float64 {
		b := 1e18
		for rep := 0; rep < 7; rep++ {
			start := time.Now()
			for i := 0; i < n; i++ {
				unix.RawSyscall(nr, a0, 0, 0)
			}
			if d := float64(time.Since(start).Nanoseconds()) / float64(n); d < b {
				b = d
			}
		}
		return b
	}
	fmt.Printf("personality %.1f\ngetppid %.1f\n", best(unix.SYS_PERSONALITY, 0xffffffff), best(unix.SYS_GETPPID, 0))
	return 0
}
