//go:build linux

package supervise

import "testing"

func TestWithin(t *testing.T) {
	trees := []string{"/ws", "/tmp/"}
	for path, want := range map[string]bool{
		"/ws": true, "/ws/a": true, "/ws/a/b": true, "/tmp/x": true, "/tmp": true,
		"/wsx": false, "/w": false, "/": false, "/var/tmp/ws": false, "/etc/passwd": false,
	} {
		if got := within(path, trees); got != want {
			t.Errorf("within(%q) = %v, want %v", path, got, want)
		}
	}
}
