//go:build linux

package supervise

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
)

// ddArgs is the syscall-heavy command of the benchmark: 400 000 one-byte
// read/write calls.
// ENTITLE_DD_COUNT overrides the count (the figure is 2000000);
// ENTITLE_BENCH_STRACE=0 leaves strace out (it is ~400x slower).
var ddArgs = []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=" + ddCount()}

func ddCount() string {
	if c := os.Getenv("ENTITLE_DD_COUNT"); c != "" {
		return c
	}
	return "200000"
}

// BenchmarkDD compares the wall time of dd plain, under entitle run with
// everything it needs allowed (no notification: the kernel's constant-action
// cache allows read and write without running the filter), with three
// denials (access, getrandom, prlimit64 taken out of the policy: each goes
// through the supervisor once), and under strace -f -c. A one-instruction
// allow-all filter (--quiet) shows the kernel's own cost of having any
// seccomp filter (the syscall slow path), which no filter can go below.
// Best of 5 rounds.
// Run with: go test -run=NONE -bench=DD -benchtime=1x ./supervise
func BenchmarkDD(b *testing.B) {
	need(b, "dd")
	allowed, err := Build(catalog.Request{Entitlements: []string{"fs.read", "fs.create"}})
	if err != nil {
		b.Fatal(err)
	}
	denying := *allowed
	denying.Rules = slices.DeleteFunc(slices.Clone(allowed.Rules), func(r policy.Rule) bool {
		return r.Syscall == "access" || r.Syscall == "getrandom" || r.Syscall == "prlimit64"
	})
	type variant struct {
		name string
		run  func() error
	}
	plain := func(args ...string) func() error {
		return func() error {
			c := exec.Command(args[0], args[1:]...)
			c.Stderr = io.Discard
			return c.Run()
		}
	}
	under := func(p *policy.Policy, wantDenied bool) func() error {
		return func() error {
			c := &Cmd{Path: ddArgs[0], Args: ddArgs, Policy: p, Entitlements: []string{"fs.read", "fs.create"}, Stderr: io.Discard}
			if err := c.Run(); err != nil {
				return err
			}
			if rep := c.Report; rep.ExitCode != 0 || (rep.Denied > 0) != wantDenied {
				return fmt.Errorf("exit %d, %d denied", rep.ExitCode, rep.Denied)
			}
			return nil
		}
	}
	allowAll := &policy.Policy{DefaultAction: policy.Allow}
	unrestricted := catalog.AllLayers()
	vs := []variant{
		{"plain", plain(ddArgs...)},
		{"allow-all filter (floor)", func() error {
			c := &Cmd{Path: ddArgs[0], Args: ddArgs, Policy: allowAll, Layers: &unrestricted, Mode: Quiet, Stderr: io.Discard}
			err := c.Run()
			if err == nil && c.Report.ExitCode != 0 {
				err = fmt.Errorf("exit %d", c.Report.ExitCode)
			}
			return err
		}},
		{"entitle run (all allowed)", under(allowed, false)},
		{"entitle run (3 denials)", under(&denying, true)},
	}
	if _, err := exec.LookPath("strace"); err == nil && os.Getenv("ENTITLE_BENCH_STRACE") != "0" {
		vs = append(vs, variant{"strace -f -c", plain(append([]string{"strace", "-f", "-c", "-o", "/dev/null"}, ddArgs...)...)})
	}
	best := make([]time.Duration, len(vs))
	for i := 0; i < b.N; i++ {
		for round := 0; round < 5; round++ {
			for j, v := range vs {
				if round > 0 && v.name == "strace -f -c" {
					continue // one round is enough for a 400x slowdown
				}
				start := time.Now()
				if err := v.run(); err != nil {
					b.Fatalf("%s: %v", v.name, err)
				}
				if d := time.Since(start); best[j] == 0 || d < best[j] {
					best[j] = d
				}
			}
		}
	}
	fmt.Fprintf(os.Stdout, "\n%-28s %10s %8s\n", "dd bs=1 count="+ddCount(), "best ms", "ratio")
	metric := []string{"plain-ms", "floor-ratio", "allowed-ratio", "denials-ratio", "strace-ratio"}
	for j, v := range vs {
		ratio := float64(best[j]) / float64(best[0])
		fmt.Fprintf(os.Stdout, "%-28s %10.1f %7.3fx\n", v.name, float64(best[j])/1e6, ratio)
		if j == 0 {
			b.ReportMetric(float64(best[0])/1e6, metric[0])
		} else {
			b.ReportMetric(ratio, metric[j])
		}
	}
	fmt.Fprintf(os.Stdout, "target (issue 4): all allowed <= 1.05x plain\n")
}
