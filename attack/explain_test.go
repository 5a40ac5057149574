//go:build linux

package attack

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// events reads a JSON event stream.
func events(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		if e["v"] != float64(1) {
			t.Errorf("event without schema version 1: %s", sc.Text())
		}
		out = append(out, e)
	}
	return out
}

// TestExplainLandlock (issue 9): every access Landlock refuses is
// explained in one line and one JSON event naming the flag to add, and
// the same run with that flag succeeds. Denials on the seccomp layer get
// their events too, and a summary closes the stream.
func TestExplainLandlock(t *testing.T) {
	testenv.EnableAudit(t)
	root := user{name: "root"}
	port := loopbackServer(t, nil)
	in, out := tree(t, root)
	home := scratch(t)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), []byte("KEY\n"), 0o600)
	t.Setenv("HOME", home)
	py := `import socket; s = socket.socket(); s.connect(("127.0.0.1", ` + port + `)); print("connected")`
	for _, c := range []struct {
		name  string
		flags []string
		args  []string
		line  string // in the explanation
		flag  string // to add
	}{
		{"read", []string{"--read", in}, []string{"cat", out + "/secret"},
			`Landlock refused read_file on "` + out + `/secret": outside the read paths`, "--read " + out + "/secret"},
		{"write", []string{"--read", in, "--write", in}, []string{"touch", out + "/new"},
			`Landlock refused make_reg on "` + out + `": outside the write paths`, "--write " + out},
		{"exec", []string{"--read", in, "--read", out, "--allow", "proc.spawn", "--exec", "/usr/bin"}, []string{"sh", "-c", out + "/tool"},
			`Landlock refused execute on "` + out + `/tool": outside the exec paths`, "--exec " + out},
		{"connect", []string{"--allow", "fs.read", "--connect", "1"}, []string{"/usr/bin/python3", "-c", py},
			`Landlock refused TCP connect to 127.0.0.1 port ` + port + `: outside the connect ports`, "--connect " + port},
		{"protected", []string{"--read", home}, []string{"cat", home + "/.ssh/id_ed25519"},
			`is protected (secret)`, "--unprotect " + home + "/.ssh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(out, "tool"), []byte("#!/bin/sh\necho ran\n"), 0o755)
			evFile := filepath.Join(scratch(t), "events.json")
			r := run(t, root, explain, in, append([]string{"--events", evFile}, c.flags...), c.args...)
			if r.code == 0 {
				t.Fatalf("the command succeeded without the grant\n%s", r)
			}
			if n := strings.Count(r.stderr, c.line); n != 1 {
				t.Errorf("%d explanation lines with %q, want 1\n%s", n, c.line, r)
			}
			if !strings.Contains(r.stderr, "— add "+c.flag+"\n") {
				t.Errorf("the explanation does not name %q\n%s", c.flag, r)
			}
			var denials, summaries int
			for _, e := range events(t, evFile) {
				switch e["event"] {
				case "denial":
					if e["layer"] == "landlock" && e["flag"] == c.flag {
						denials++
					}
				case "summary":
					summaries++
					if e["exit"] != float64(r.code) {
						t.Errorf("summary exit %v, want %d", e["exit"], r.code)
					}
				}
			}
			if denials != 1 || summaries != 1 {
				t.Errorf("%d landlock denial events with flag %q and %d summaries, want 1 and 1", denials, c.flag, summaries)
			}
			// The flag the explanation names makes the run succeed.
			r = run(t, root, explain, in, append(cloneStrings(c.flags), strings.Fields(c.flag)...), c.args...)
			if r.code != 0 || strings.Contains(r.stderr, "Landlock refused") {
				t.Errorf("with %s added the run still fails\n%s", c.flag, r)
			}
		})
	}
	// Unprivileged, the audit log cannot be read: a failing command gets
	// one line saying how denials can be seen.
	if os.Geteuid() == 0 {
		in, out := tree(t, nobody)
		r := run(t, nobody, explain, in, []string{"--read", in}, "cat", out+"/secret")
		if r.code == 0 || !strings.Contains(r.stderr, "entitle doctor") {
			t.Errorf("as nobody: no hint on how to see Landlock denials\n%s", r)
		}
	}
}

func cloneStrings(s []string) []string { return append([]string(nil), s...) }
