//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// The workload benchmarks of issue 10 compare a command plain, under
// `entitle run --quiet` (the filter only) and under `entitle run`
// (explain mode: supervisor and user notification), each with the
// entitlements the command needs, so that nothing is denied (checked).
// Figures are ratios of plain's throughput (plain time / confined time:
// 1.00 is free, 0.50 twice as slow), never assertions. Variants are
// interleaved round by round so that noise on a shared machine hits them
// alike; the figure is the median.
//
//	go test -run=NONE -bench='ShortCommands|Redis|DenialRoundTrip' -benchtime=1x ./cmd/entitle
//
// ENTITLE_BENCH_ROUNDS sets the rounds (default: 20 for single commands,
// 3 for the 1000-command loops, 7 for redis, 5 for the denial loop).

func benchRounds(def int) int {
	if s := os.Getenv("ENTITLE_BENCH_ROUNDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return def
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// confined is the argv prefix of a variant: nil (plain), quiet or explain.
func confined(bin, mode string, ents string) []string {
	switch mode {
	case "quiet":
		return []string{bin, "run", "--quiet", "--allow", ents, "--"}
	case "explain":
		return []string{bin, "run", "--allow", ents, "--"}
	}
	return nil
}

var benchModes = []string{"plain", "quiet", "explain"}

// runChecked runs argv; in explain mode any denial line fails the
// benchmark (the entitlements must cover the workload).
func runChecked(b *testing.B, dir string, argv []string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("%q: %v\n%s", argv, err, stderr.String())
	}
	if strings.Contains(stderr.String(), "entitle: denied") || strings.Contains(stderr.String(), "entitle: Landlock refused") {
		b.Fatalf("%q: denials, the benchmark's entitlements are incomplete:\n%s", argv, stderr.String())
	}
}

// BenchmarkShortCommands: ssh-keygen, git status in a small checkout,
// 1000 separate `ls` invocations (each confined on its own: what an agent
// or a build system running short commands pays), and one confined shell
// running `ls` 1000 times (the cost inside a confined tree). With
// ENTITLE_LANDLOCK_RESTRICT naming go-landlock's landlock-restrict, the
// peer runs each workload too (read everywhere, write in the workload's
// directory: Landlock only, no seccomp, no supervisor), so that the
// ratios a per-command sandbox can reach are side by side.
func BenchmarkShortCommands(b *testing.B) {
	fresh := freshCopier(b) // (see BenchmarkStartup)
	bin := fresh(entitleBin(b))
	modes := benchModes
	peer := os.Getenv("ENTITLE_LANDLOCK_RESTRICT")
	if peer != "" {
		peer = fresh(peer)
		modes = append(slices.Clone(modes), "peer")
	}
	for _, p := range []string{"ssh-keygen", "git", "ls", "sh"} {
		if _, err := exec.LookPath(p); err != nil {
			testenv.Skipf(b, "%s not installed", p)
		}
	}
	dir := b.TempDir()
	repo := filepath.Join(dir, "repo")
	os.Mkdir(repo, 0o755)
	for i := 0; i < 20; i++ {
		os.WriteFile(filepath.Join(repo, fmt.Sprintf("f%d.txt", i)), []byte(strings.Repeat("line\n", i+1)), 0o644)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=b", "-c", "user.email=b@example.org", "commit", "-qm", "bench"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	key := filepath.Join(dir, "key")
	type workload struct {
		name   string
		ents   string
		argv   []string
		times  int // invocations per measurement
		rounds int
		before func()
	}
	loop := `i=0; while [ $i -lt 1000 ]; do ls >/dev/null; i=$((i+1)); done`
	ws := []workload{
		{"ssh-keygen -t ed25519", "fs.read,fs.write,fs.create", []string{"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}, 1, benchRounds(20),
			func() { os.Remove(key); os.Remove(key + ".pub") }},
		{"git status (20 files)", "fs.read,fs.write,fs.create", []string{"git", "status", "--short"}, 1, benchRounds(20), nil},
		{"ls ×1000, each confined", "fs.read", []string{"ls"}, 1000, benchRounds(3), nil},
		{"sh: ls ×1000, one confined tree", "fs.read,fs.write,fs.create,proc.spawn,proc.exec", []string{"sh", "-c", loop}, 1, benchRounds(3), nil},
	}
	for i := 0; i < b.N; i++ {
		fmt.Printf("\n%-34s %9s %9s %10s %19s %19s", "short commands (medians)", "plain ms", "quiet ms", "explain ms", "quiet× (min–max)", "explain× (min–max)")
		if peer != "" {
			fmt.Printf(" %9s %19s", "peer ms", "peer× (min–max)")
		}
		fmt.Println()
		for _, w := range ws {
			times := make([][]time.Duration, len(modes))
			for r := 0; r < w.rounds; r++ {
				for m, mode := range modes {
					argv := append(confined(bin, mode, w.ents), w.argv...)
					if mode == "peer" { // it wants the program's absolute path
						abs, _ := exec.LookPath(w.argv[0])
						argv = append([]string{peer, "-ro", "/", "-rw", dir, "/dev", "--", abs}, w.argv[1:]...)
					}
					var total time.Duration
					for k := 0; k < w.times; k++ {
						if w.before != nil {
							w.before()
						}
						start := time.Now()
						runChecked(b, repo, argv)
						total += time.Since(start)
					}
					times[m] = append(times[m], total)
				}
			}
			// Each round's plain time over the same round's confined time:
			// median and range of those ratios.
			ratio := func(m int) (med, lo, hi float64) {
				var v []float64
				for r := range times[m] {
					v = append(v, float64(times[0][r])/float64(times[m][r]))
				}
				return medianF(v), slices.Min(v), slices.Max(v)
			}
			ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
			qm, ql, qh := ratio(1)
			em, el, eh := ratio(2)
			fmt.Printf("%-34s %9.1f %9.1f %10.1f %7.2f (%.2f–%.2f) %7.2f (%.2f–%.2f)", w.name, ms(median(times[0])), ms(median(times[1])), ms(median(times[2])),
				qm, ql, qh, em, el, eh)
			if peer != "" {
				pm, pl, ph := ratio(3)
				fmt.Printf(" %9.1f %7.2f (%.2f–%.2f)", ms(median(times[3])), pm, pl, ph)
				b.ReportMetric(pm, strings.NewReplacer(" ", "_", "×", "x", "(", "", ")", "", ",", "", ":", "").Replace(w.name)+"-peer-ratio")
			}
			fmt.Println()
			metric := strings.NewReplacer(" ", "_", "×", "x", "(", "", ")", "", ",", "", ":", "").Replace(w.name)
			b.ReportMetric(qm, metric+"-quiet-ratio")
			b.ReportMetric(em, metric+"-explain-ratio")
		}
	}
}

// BenchmarkRedis: redis-server plain, under --quiet and under explain,
// each loaded by redis-benchmark on loopback (SET and GET, 50 clients,
// ENTITLE_REDIS_REQUESTS requests, default 50000), 7 rounds
// interleaved; the figure is each round's requests per second as a ratio
// of the same round's plain, median and range. With taskset, the server
// runs on CPU 0 and redis-benchmark on CPU 1.
func BenchmarkRedis(b *testing.B) {
	bin := entitleBin(b)
	for _, p := range []string{"redis-server", "redis-benchmark", "redis-cli"} {
		if _, err := exec.LookPath(p); err != nil {
			testenv.Skipf(b, "%s not installed", p)
		}
	}
	requests := "50000"
	if s := os.Getenv("ENTITLE_REDIS_REQUESTS"); s != "" {
		requests = s
	}
	// The server (with entitle's supervisor) on CPU 0, the load on CPU 1:
	// less contention noise between them.
	taskset, err := exec.LookPath("taskset")
	pin := err == nil && runtime.NumCPU() >= 2
	dir := b.TempDir()
	rps := regexp.MustCompile(`(SET|GET): ([0-9.]+) requests per second`)
	type sample struct{ set, get, cpu float64 }
	results := make([][]sample, len(benchModes))
	for i := 0; i < b.N; i++ {
		for r := 0; r < benchRounds(7); r++ {
			for m, mode := range benchModes {
				port := freeBenchPort(b)
				p := strconv.Itoa(port)
				argv := append(confined(bin, mode, "fs.read,fs.create,net.server"),
					"redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
					"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
				var client []string
				if pin {
					argv = append([]string{taskset, "-c", "0"}, argv...)
					client = []string{taskset, "-c", "1"}
				}
				srv := exec.Command(argv[0], argv[1:]...)
				var stderr bytes.Buffer
				srv.Stderr = &stderr
				if err := srv.Start(); err != nil {
					b.Fatal(err)
				}
				waitBenchPort(b, port)
				client = append(client, "redis-benchmark", "-p", p, "-n", requests, "-c", "50", "-q", "-t", "set,get")
				out, err := exec.Command(client[0], client[1:]...).CombinedOutput()
				exec.Command("redis-cli", "-p", p, "shutdown", "nosave").Run()
				srv.Wait()
				if err != nil {
					b.Fatalf("redis-benchmark (%s): %v\n%s", mode, err, out)
				}
				if strings.Contains(stderr.String(), "entitle: denied") {
					b.Fatalf("redis-server (%s): denials:\n%s", mode, stderr.String())
				}
				// CPU time of the server and, under entitle, of the
				// supervisor too (wait4 counts the waited-for descendants).
				s := sample{cpu: (srv.ProcessState.UserTime() + srv.ProcessState.SystemTime()).Seconds()}
				for _, m := range rps.FindAllStringSubmatch(string(out), -1) {
					v, _ := strconv.ParseFloat(m[2], 64)
					if m[1] == "SET" {
						s.set = v
					} else {
						s.get = v
					}
				}
				if s.set == 0 || s.get == 0 {
					b.Fatalf("redis-benchmark (%s): no figures in\n%s", mode, out)
				}
				results[m] = append(results[m], s)
			}
		}
	}
	// Each round's confined figure over the same round's plain one, then
	// the median and the range of those ratios: pairs cancel the drift of
	// a shared machine's load better than a ratio of medians.
	ratios := func(m int, get bool) (med, lo, hi float64) {
		var v []float64
		for r := range results[m] {
			if get {
				v = append(v, results[m][r].get/results[0][r].get)
			} else {
				v = append(v, results[m][r].set/results[0][r].set)
			}
		}
		return medianF(v), slices.Min(v), slices.Max(v)
	}
	rpsMed := func(m int, get bool) float64 {
		var v []float64
		for _, s := range results[m] {
			if get {
				v = append(v, s.get)
			} else {
				v = append(v, s.set)
			}
		}
		return medianF(v)
	}
	fmt.Printf("\n%-40s %9s %9s %20s %20s\n", fmt.Sprintf("redis-benchmark -n %s -c 50 (%d rounds)", requests, len(results[0])), "SET rps", "GET rps", "SET× (min–max)", "GET× (min–max)")
	for m, mode := range benchModes {
		sm, sl, sh := ratios(m, false)
		gm, gl, gh := ratios(m, true)
		fmt.Printf("%-40s %9.0f %9.0f %7.3f (%.2f–%.2f) %7.3f (%.2f–%.2f)\n", "redis-server "+mode, rpsMed(m, false), rpsMed(m, true), sm, sl, sh, gm, gl, gh)
	}
	// Less sensitive to the machine's load than throughput: the CPU time
	// the server side spent on the same requests.
	fmt.Printf("%-40s %9s %9s %20s\n", "server CPU (with entitle's supervisor)", "ms", "", "plain/this (min–max)")
	for m, mode := range benchModes {
		var ms, v []float64
		for r := range results[m] {
			ms = append(ms, results[m][r].cpu*1000)
			v = append(v, results[0][r].cpu/results[m][r].cpu)
		}
		fmt.Printf("%-40s %9.0f %9s %7.3f (%.2f–%.2f)\n", "redis-server "+mode, medianF(ms), "", medianF(v), slices.Min(v), slices.Max(v))
		if m > 0 {
			b.ReportMetric(medianF(v), mode+"-CPU-ratio")
		}
	}
	for m, mode := range benchModes[1:] {
		sm, _, _ := ratios(m+1, false)
		gm, _, _ := ratios(m+1, true)
		b.ReportMetric(sm, mode+"-SET-ratio")
		b.ReportMetric(gm, mode+"-GET-ratio")
	}
}

func freeBenchPort(b *testing.B) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitBenchPort(b *testing.B, port int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
	}
	b.Fatalf("nothing listens on port %d after 10s", port)
}

// denyLoop makes N mkdir calls on a path that cannot exist and prints the
// mean nanoseconds per call, timed inside the program (no start-up).
const denyLoop = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
	long n = atol(argv[1]);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_mkdir, "/proc/entitle-bench/x", 0700);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
`

// BenchmarkDenialRoundTrip: the time a denied call costs in explain mode
// (kernel → supervisor: receive, decode the path from the caller's
// memory, explain, answer → caller), against the same call allowed by
// the filter and denied by the kernel alone (--quiet); fs.read lets the
// dynamic program start. N =
// ENTITLE_DENIALS (default 20000) calls per run, median of the rounds.
func BenchmarkDenialRoundTrip(b *testing.B) {
	bin := entitleBin(b)
	cc, err := exec.LookPath("cc")
	if err != nil {
		testenv.Skip(b, "no C compiler")
	}
	dir := b.TempDir()
	src := filepath.Join(dir, "denyloop.c")
	prog := filepath.Join(dir, "denyloop")
	os.WriteFile(src, []byte(denyLoop), 0o644)
	if out, err := exec.Command(cc, "-O2", "-o", prog, src).CombinedOutput(); err != nil {
		b.Fatalf("cc: %v\n%s", err, out)
	}
	n := "20000"
	if s := os.Getenv("ENTITLE_DENIALS"); s != "" {
		n = s
	}
	vs := []struct {
		name string
		argv []string
	}{
		{"plain (ENOENT)", nil},
		{"entitle run --allow fs.read,fs.create (allowed)", []string{bin, "run", "--allow", "fs.read,fs.create", "--"}},
		{"entitle run --quiet --allow fs.read (kernel's EPERM)", []string{bin, "run", "--quiet", "--allow", "fs.read", "--"}},
		{"entitle run --allow fs.read (denied and explained)", []string{bin, "run", "--allow", "fs.read", "--"}},
	}
	ns := make([][]float64, len(vs))
	for i := 0; i < b.N; i++ {
		for r := 0; r < benchRounds(5); r++ {
			for j, v := range vs {
				argv := append(slices.Clone(v.argv), prog, n)
				out, err := exec.Command(argv[0], argv[1:]...).Output()
				if err != nil {
					b.Fatalf("%s: %v", v.name, err)
				}
				f, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
				if err != nil {
					b.Fatalf("%s: %q", v.name, out)
				}
				ns[j] = append(ns[j], f)
			}
		}
	}
	fmt.Printf("\n%-56s %10s\n", fmt.Sprintf("mkdir, %s calls per run (median of %d)", n, len(ns[0])), "µs/call")
	for j, v := range vs {
		fmt.Printf("%-56s %10.2f\n", v.name, medianF(ns[j])/1000)
	}
	rt := (medianF(ns[3]) - medianF(ns[1])) / 1000
	fmt.Printf("%-56s %10.2f\n", "explain-mode round trip (explained − allowed)", rt)
	b.ReportMetric(rt, "roundtrip-µs")
}
