//go:build linux

package confine

import (
	"os"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"golang.org/x/sys/unix"
)

// runConfig is the Config `entitle run --allow fs.read -- /bin/true`
// builds (supervise.Cmd.Start: catalog.LayersOf, ExecChain, Request.Apply), with this
// process as the command's /proc/PID.
func runConfig(tb testing.TB) Config {
	layers, err := catalog.LayersOf([]string{"fs.read"})
	if err != nil {
		tb.Fatal(err)
	}
	req := &Request{Optional: map[string]bool{}}
	c := Config{Layers: layers, Exec: ExecChain("/bin/true"), Scoped: req.Scoped()}
	if c.Paths, c.Protected, err = req.Apply(&c.Layers); err != nil {
		tb.Fatal(err)
	}
	c.ProcSelf = os.Getpid()
	return c
}

func needLandlock(tb testing.TB) {
	if ABI() == 0 {
		tb.Skip("no Landlock")
	}
}

// BenchmarkNewRulesetFD: the ruleset of entitle run --allow fs.read, which
// the supervisor builds while the command's init child starts.
func BenchmarkNewRulesetFD(b *testing.B) {
	needLandlock(b)
	c := runConfig(b)
	for b.Loop() {
		fd, _, err := c.NewRulesetFD()
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
	}
}

// BenchmarkRunConfig: the same with the Config's construction (ExecChain,
// Request.Apply), all of entitle run's Landlock work but enforcing it.
func BenchmarkRunConfig(b *testing.B) {
	needLandlock(b)
	for b.Loop() {
		c := runConfig(b)
		fd, _, err := c.NewRulesetFD()
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
	}
}

// BenchmarkRules: the rules alone (the walk), without the kernel's ruleset.
func BenchmarkRules(b *testing.B) {
	c := runConfig(b)
	for b.Loop() {
		if _, _, err := c.Rules(); err != nil {
			b.Fatal(err)
		}
	}
}
