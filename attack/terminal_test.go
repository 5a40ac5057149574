//go:build linux

package attack

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAttackTerminal (issue 7, item 11): a command that names itself and
// its paths with escape sequences (erase line, cursor up, window title,
// conceal), a bidi override and invalid UTF-8 must not get them onto
// entitle's lines: everything the command controls is quoted. The denial
// is still explained, with the escapes visible.
func TestAttackTerminal(t *testing.T) {
	prog := cprog(t, "hostile")
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		r := run(t, u, m, dir, []string{"--allow", "fs.read"}, prog, dir)
		if strings.Contains(r.stdout, "created") {
			t.Fatalf("mkdir succeeded without fs.create\n%s", r)
		}
		for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e"} {
			if strings.Contains(r.stderr, bad) {
				t.Errorf("entitle printed %q raw\n%q", bad, r.stderr)
			}
		}
		if !utf8.ValidString(r.stderr) {
			t.Errorf("entitle printed invalid UTF-8\n%q", r.stderr)
		}
		if m.name == "explain" {
			for _, want := range []string{
				`("\x1b[2K\x1b[1A\rok\x1b[8m"): needs fs.create`,    // the command name, quoted
				`/\x1b]0;owned\a\x1b[2K\r\u202e\xff\x1b[8m", 0755)`, // the path, quoted
			} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("want %s in the denial line\n%s", want, r.stderr)
				}
			}
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 0 {
			t.Errorf("the directory holds %v", ents)
		}
	})
}
