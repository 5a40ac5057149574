//go:build linux

package supervise

import "testing"

func TestQuoteName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"mkdir", "mkdir"},
		{"python3.11", "python3.11"},
		{"kworker/u8:1", `"kworker/u8:1"`}, // ':' could start a fake field
		{"a b", `"a b"`},
		{"x): allowed", `"x): allowed"`},
		{"\x1b[2K", `"\x1b[2K"`},
		{"\u202eabc", `"\u202eabc"`},
		{"caf\xc3\xa9", `"caf\u00e9"`},
		{"\xff", `"\xff"`},
		{"", `""`},
	} {
		if got := quoteName(c.in); got != c.want {
			t.Errorf("quoteName(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
