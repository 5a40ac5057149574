//go:build linux

package compiler

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/seccomp"
	"golang.org/x/sys/unix"
)

// TestMain lets benchmarks re-execute the test binary as a timing child:
// with ENTITLE_BENCH_FILTER set, the child installs that raw filter (an
// empty value: none), times personality(0xffffffff) — a call whose rule
// in Docker's profile checks its argument, so the kernel's cache cannot
// skip the filter — and getppid (cacheable), and prints ns per call.
func TestMain(m *testing.M) {
	if path, ok := os.LookupEnv("ENTITLE_BENCH_FILTER"); ok {
		os.Exit(benchChild(path))
	}
	os.Exit(m.Run())
}

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
