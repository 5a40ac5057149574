package suggest

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"getcwd", "getcwd", 0}, {"getcdw", "getcwd", 1}, {"opnat", "openat", 1}, {"", "abc", 3}, {"fs.raed", "fs.read", 1}, {"kitten", "sitting", 3}} {
		if got := Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"read", "readv", "getcwd", "openat", "open"}
	if got := Nearest("getcdw", names, 3); len(got) != 1 || got[0] != "getcwd" {
		t.Errorf("got %v", got)
	}
	if got := Nearest(strings.Repeat("x", 10000), names, 3); len(got) != 0 {
		t.Errorf("long input: %v", got)
	}
}
