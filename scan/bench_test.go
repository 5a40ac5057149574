//go:build linux

package scan

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// The benchmarks run `entitle scan` as a subprocess so that wall time and
// peak memory (getrusage maxrss) are those of one scan:
//
//	go test -run=NONE -bench=. -benchtime=1x ./scan
//
// BenchmarkScanGoCold needs a Go binary of at least 30 MB: it uses
// $ENTITLE_SCAN_BIG, or builds cmd/compile with uncompressed DWARF (about
// 45 MB; a minute on two cores).

func benchEntitle(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "entitle")
	cmd := exec.Command(goToolB(), "build", "-o", bin, "../cmd/entitle")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build entitle: %v\n%s", err, out)
	}
	return bin
}

func goToolB() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go" // not in PATH: exec reports it
}

// scanOnce runs one scan and reports its time and peak RSS.
func scanOnce(b *testing.B, entitle, cacheDir, target string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(entitle, "scan", "--cache-dir", cacheDir, "--format", "json", "-o", os.DevNull, target)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("scan %s: %v\n%s", target, err, out)
	}
	d := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, ru.Maxrss * 1024
}

func report(b *testing.B, target string, d time.Duration, rss int64) {
	fi, _ := os.Stat(target)
	b.ReportMetric(float64(d.Milliseconds()), "ms/scan")
	b.ReportMetric(float64(rss)/(1<<20), "MB-peak-rss")
	b.ReportMetric(float64(fi.Size())/(1<<20), "MB-binary")
	b.ReportMetric(float64(rss)/float64(fi.Size()), "rss/size")
}

func BenchmarkScanGoCold(b *testing.B) {
	big := os.Getenv("ENTITLE_SCAN_BIG")
	if big == "" {
		big = filepath.Join(b.TempDir(), "compile")
		cmd := exec.Command(goToolB(), "build", "-ldflags=-compressdwarf=false", "-o", big, "cmd/compile")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("build cmd/compile: %v\n%s", err, out)
		}
	}
	entitle := benchEntitle(b)
	b.ResetTimer()
	for range b.N {
		d, rss := scanOnce(b, entitle, "off", big)
		report(b, big, d, rss)
	}
}

func BenchmarkScanDynamic(b *testing.B) {
	target := "/usr/bin/curl" // 33 libraries, libc among them
	if _, err := os.Stat(target); err != nil {
		testenv.Skip(b, err)
	}
	entitle := benchEntitle(b)
	b.Run("cold", func(b *testing.B) {
		for range b.N {
			d, rss := scanOnce(b, entitle, b.TempDir(), target)
			report(b, target, d, rss)
		}
	})
	b.Run("warm", func(b *testing.B) {
		cache := b.TempDir()
		scanOnce(b, entitle, cache, target)
		b.ResetTimer()
		for range b.N {
			d, rss := scanOnce(b, entitle, cache, target)
			report(b, target, d, rss)
		}
	})
}
