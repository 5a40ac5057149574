//go:build linux

package supervise

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/catalog"
)

// httpServer is a Python HTTP server on 127.0.0.1 that answers exactly n
// requests (one file from the current directory) and exits.
func httpServer(port, n int) []string {
	code := fmt.Sprintf(`import http.server, sys
h = http.server.HTTPServer(("127.0.0.1", %d), http.server.SimpleHTTPRequestHandler)
h.RequestHandlerClass.log_message = lambda *a: None
for _ in range(%d):
    h.handle_request()
`, port, n)
	return []string{"/usr/bin/python3", "-c", code}
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// load waits for the server, then times n sequential GETs.
func load(b *testing.B, port, n int) time.Duration {
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/bench_http_test.go"
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close() // the server counts this as a request it handles
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("server did not start: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	return time.Since(start)
}

// BenchmarkHTTP serves n requests over loopback from Python's http.server,
// plain and under entitle run with net.server, fs.read and net.unix (glibc asks nscd over a Unix socket), and reports
// requests per second and the ratio of wall times. Best of 3 rounds.
// Run with: go test -run=NONE -bench=HTTP -benchtime=1x ./supervise
func BenchmarkHTTP(b *testing.B) {
	need(b, "/usr/bin/python3")
	const n = 1000
	pol, err := Build(catalog.Request{Entitlements: []string{"net.server", "fs.read", "net.unix"}})
	if err != nil {
		b.Fatal(err)
	}
	variants := []struct {
		name  string
		start func(port int) (wait func() error)
	}{
		{"plain", func(port int) func() error {
			c := exec.Command(httpServer(port, n+1)[0], httpServer(port, n+1)[1:]...)
			c.Stderr = os.Stderr
			if err := c.Start(); err != nil {
				b.Fatal(err)
			}
			return c.Wait
		}},
		{"entitle run (net.server, fs.read, net.unix)", func(port int) func() error {
			done := make(chan error, 1)
			go func() {
				args := httpServer(port, n+1)
				c := &Cmd{Path: args[0], Args: args, Policy: pol, Entitlements: []string{"net.server", "fs.read", "net.unix"}, Stderr: os.Stderr}
				err := c.Run()
				if err == nil && (c.Report.ExitCode != 0 || c.Report.Denied != 0) {
					err = fmt.Errorf("exit %d, %d denied", c.Report.ExitCode, c.Report.Denied)
				}
				done <- err
			}()
			return func() error { return <-done }
		}},
	}
	best := make([]time.Duration, len(variants))
	for i := 0; i < b.N; i++ {
		for round := 0; round < 3; round++ {
			for j, v := range variants {
				port := freePort(b)
				wait := v.start(port)
				d := load(b, port, n)
				if err := wait(); err != nil {
					b.Fatalf("%s: %v", v.name, err)
				}
				if best[j] == 0 || d < best[j] {
					best[j] = d
				}
			}
		}
	}
	fmt.Fprintf(os.Stdout, "\n%-46s %10s %8s\n", fmt.Sprintf("python3 http.server, %d GETs", n), "req/s", "ratio")
	for j, v := range variants {
		fmt.Fprintf(os.Stdout, "%-46s %10.0f %7.3fx\n", v.name, n/best[j].Seconds(), float64(best[j])/float64(best[0]))
	}
	b.ReportMetric(float64(best[1])/float64(best[0]), "entitle-ratio")
}
