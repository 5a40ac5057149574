//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// freshCopier returns a function that copies a program into a new file of
// a temporary directory, so that every program a benchmark compares is in
// the same state: the same program ran up to 1 ms (15%) slower from a file
// written minutes earlier, or by the linker, than from a fresh copy on
// this VM, whose memory the kernel (DAMON reclaim) and the host page out
// and move behind the guest's back.
func freshCopier(b *testing.B) func(string) string {
	dir := b.TempDir()
	os.Chmod(dir, 0o755)
	n := 0
	return func(src string) string {
		n++
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		dst := filepath.Join(dir, fmt.Sprintf("%d-%s", n, filepath.Base(src)))
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			b.Fatal(err)
		}
		return dst
	}
}

// BenchmarkStartup measures what `entitle run` adds to starting a command:
// `true` plain, under `entitle run --quiet` (denials fail in the kernel)
// and under `entitle run` (explain mode: supervisor, user notification),
// each with the layers of the granted entitlements (seccomp, Landlock,
// capabilities). The variants are interleaved round by round so that noise
// on a shared machine hits them alike; the figure is the median.
// Run with: go test -run=NONE -bench=Startup -benchtime=1x ./cmd/entitle
// (ENTITLE_STARTUP_ROUNDS changes the number of rounds, default 200;
// ENTITLE_BASELINE=/path/to/an/older/entitle adds its runs side by side,
// for before/after figures).
func BenchmarkStartup(b *testing.B) {
	fresh := freshCopier(b)
	bin := fresh(entitleBin(b))
	truePath, err := exec.LookPath("true")
	if err != nil {
		testenv.Skip(b, "true not installed")
	}
	rounds := 200
	if s := os.Getenv("ENTITLE_STARTUP_ROUNDS"); s != "" {
		fmt.Sscan(s, &rounds)
	}
	type variant struct {
		name string
		args []string
	}
	vs := []variant{
		{"true (plain)", []string{truePath}},
		{"entitle run --quiet -- true", []string{bin, "run", "--quiet", "--allow", "fs.read", "--", truePath}},
		{"entitle run -- true", []string{bin, "run", "--allow", "fs.read", "--", truePath}},
		{"entitle run --allow fs.read,fs.write,fs.create,net.client -- true", []string{bin, "run", "--allow", "fs.read,fs.write,fs.create,net.client", "--", truePath}},
		{"entitle run --quiet --sandbox workspace-write -- true", []string{bin, "run", "--quiet", "--sandbox", "workspace-write", "--", truePath}},
		{"entitle run --sandbox workspace-write -- true", []string{bin, "run", "--sandbox", "workspace-write", "--", truePath}},
	}
	// A Landlock-only peer: landrun is not served by the Go module proxy
	// here; go-landlock's own landlock-restrict (the library landrun wraps)
	// stands in when ENTITLE_LANDLOCK_RESTRICT names it.
	if lr := os.Getenv("ENTITLE_LANDLOCK_RESTRICT"); lr != "" {
		lr = fresh(lr)
		vs = append(vs, variant{"landlock-restrict (workspace-write-like) -- true",
			[]string{lr, "-ro", "/usr", "/etc", "/lib", "/lib64", "-rw", os.TempDir(), ".", "--", truePath}})
	}
	if old := os.Getenv("ENTITLE_BASELINE"); old != "" {
		old = fresh(old)
		vs = append(vs,
			variant{"baseline: entitle run --quiet -- true", []string{old, "run", "--quiet", "--allow", "fs.read", "--", truePath}},
			variant{"baseline: entitle run -- true", []string{old, "run", "--allow", "fs.read", "--", truePath}})
	}
	// The wall time is the start-up a caller waits for; the CPU time (user
	// and system, of the process and its children) is what a machine
	// running many sandboxes at once pays.
	times := make([][]time.Duration, len(vs))
	cpus := make([][]time.Duration, len(vs))
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			for j, v := range vs {
				start := time.Now()
				cmd := exec.Command(v.args[0], v.args[1:]...)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%s: %v\n%s", v.name, err, out)
				}
				times[j] = append(times[j], time.Since(start))
				cpus[j] = append(cpus[j], cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			}
		}
	}
	med := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	base := med(times[0])
	fmt.Printf("\n%-66s %10s %10s %10s\n", fmt.Sprintf("startup, median of %d interleaved rounds", rounds), "ms", "+ms", "cpu ms")
	for j, v := range vs {
		m := med(times[j])
		fmt.Printf("%-66s %10.2f %10.2f %10.2f\n", v.name, float64(m)/1e6, float64(m-base)/1e6, float64(med(cpus[j]))/1e6)
	}
	b.ReportMetric(float64(base)/1e6, "plain-ms")
	b.ReportMetric(float64(med(times[1])-base)/1e6, "quiet-added-ms")
	b.ReportMetric(float64(med(times[2])-base)/1e6, "explain-added-ms")
	b.ReportMetric(float64(med(cpus[2]))/1e6, "explain-cpu-ms")
}

// BenchmarkPresetWorkload runs a short-command workload plain and under
// `entitle run --sandbox workspace-write` (explain mode): `git status` in a
// small checkout and `make` building a small C program from clean, each its
// own `entitle run` (start-up dominates), then a session of ten of each
// inside one `entitle run` (the per-call cost of the layers); each round
// interleaved; the figure is the ratio of medians.
// Run with: go test -run=NONE -bench=PresetWorkload -benchtime=1x ./cmd/entitle
func BenchmarkPresetWorkload(b *testing.B) {
	bin := entitleBin(b)
	for _, p := range []string{"git", "make", "cc"} {
		if _, err := exec.LookPath(p); err != nil {
			b.Skipf("%s not installed", p)
		}
	}
	ws := b.TempDir()
	os.WriteFile(ws+"/main.c", []byte("#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n"), 0o644)
	os.WriteFile(ws+"/Makefile", []byte("prog: main.c\n\tcc -O0 -o prog main.c\n"), 0o644)
	for _, c := range [][]string{{"git", "init", "-q"}, {"git", "add", "."}} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir = ws
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v %s", c, err, out)
		}
	}
	workloads := []struct {
		name string
		args []string
	}{
		{"git status", []string{"git", "status", "--short"}},
		{"make (cc)", []string{"sh", "-c", "rm -f prog && make -s"}},
		// An agent's or a build's session: one sandbox around many
		// commands, where the start-up is paid once and what remains is
		// what the filter and Landlock cost each call.
		{"session: 10 × (git status; make)", []string{"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do git status --short >/dev/null; rm -f prog; make -s; done"}},
	}
	rounds := 30
	for _, w := range workloads {
		var plain, under []time.Duration
		for i := 0; i < b.N; i++ {
			for r := 0; r < rounds; r++ {
				for k, args := range [][]string{w.args, append([]string{bin, "run", "--sandbox", "workspace-write", "--"}, w.args...)} {
					cmd := exec.Command(args[0], args[1:]...)
					cmd.Dir = ws
					start := time.Now()
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("%v: %v\n%s", args, err, out)
					}
					if k == 0 {
						plain = append(plain, time.Since(start))
					} else {
						under = append(under, time.Since(start))
					}
				}
			}
		}
		med := func(d []time.Duration) time.Duration { s := slices.Clone(d); slices.Sort(s); return s[len(s)/2] }
		fmt.Printf("%-34s plain %7.2f ms   workspace-write %7.2f ms   ratio %.3f\n", w.name,
			float64(med(plain))/1e6, float64(med(under))/1e6, float64(med(under))/float64(med(plain)))
	}
}
