//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runIO([]string{"--version"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !regexp.MustCompile(`^entitle \S+ \(.*go1\.\d+.* \w+/\w+\)\n$`).MatchString(out.String()) {
		t.Errorf("--version printed %q", out.String())
	}
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}},
			"v0.3.0 (go1.26.0 linux/arm64)"},
		{debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"}, {Key: "vcs.time", Value: "2026-12-01T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"(devel) (rev 1a2b3c4d5e6f, modified, 2026-12-01T12:00:00Z; go1.26.0 linux/amd64)"},
	} {
		if got := versionOf(&c.info); got != c.want {
			t.Errorf("versionOf = %q, want %q", got, c.want)
		}
	}
}

// TestCompletion: the completion scripts parse, and the dynamic completion
// offers entitlements (comma lists), presets, architectures and syscalls.
func TestCompletion(t *testing.T) {
	complete := func(args ...string) []string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runIO(append([]string{"__complete"}, args...), &out, &errb); code != 0 {
			t.Fatalf("__complete %q: exit %d: %s", args, code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		lines = lines[:len(lines)-1] // the last line is the directive
		for i, l := range lines {
			lines[i], _, _ = strings.Cut(l, "\t") // drop the description
		}
		return lines
	}
	has := func(got []string, want ...string) {
		t.Helper()
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("completions %q lack %q", got, w)
			}
		}
	}
	has(complete("run", "--allow", "fs.read,net.c"), "fs.read,net.client")
	if got := complete("run", "--allow", "fs.read,fs."); strings.Contains(strings.Join(got, " "), "fs.read,fs.read") {
		t.Errorf("an entitlement already in the list is offered again: %q", got)
	}
	has(complete("run", "--allow", ""), "fs.read", "net.server", "proc.exec")
	has(complete("run", "--sandbox", ""), "read-only", "workspace-write", "workspace-net")
	has(complete("profile", "--arch", "x86_64,aa"), "x86_64,aarch64")
	has(complete("show", "net."), "net.client", "net.server")
	has(complete("show", ""), "base", "never", "fs.read")
	has(complete("which", "open"), "openat", "open_by_handle_at")
	has(complete("which", "socket", "conn"), "connect")
	has(complete("preset", "show", ""), "workspace-net")
	has(complete(""), "run", "explain", "man", "completion")

	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var out, errb bytes.Buffer
		if code := runIO([]string{"completion", shell}, &out, &errb); code != 0 || !strings.Contains(out.String(), "entitle") {
			t.Errorf("completion %s: exit %d %s", shell, code, errb.String())
		}
		if shell == "bash" {
			path := filepath.Join(t.TempDir(), "entitle.bash")
			os.WriteFile(path, out.Bytes(), 0o644)
			if msg, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
				t.Errorf("bash -n on the completion script: %v\n%s", err, msg)
			}
		}
	}
}

// TestMan: entitle man writes a page per command, which man renders
// without warnings.
func TestMan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	var out, errb bytes.Buffer
	if code := runIO([]string{"man", "-o", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	pages := map[string]string{ // page: what it says, rendered
		"entitle.1":                 "Seccomp sandboxing",
		"entitle-run.1":             "--allow ENT,...",
		"entitle-explain.1":         "dmesg | entitle explain",
		"entitle-which.1":           "SYSCALL",
		"entitle-preset-show.1":     "entitle-preset(1)",
		"entitle-completion-bash.1": "source <(entitle completion bash)",
	}
	for page := range pages {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Errorf("%s: %v", page, err)
			continue
		}
		title := strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(page, ".1"), "-", `\-`))
		if th := `.TH "` + title + `" "1" "`; !strings.Contains(string(b), th) {
			t.Errorf("%s lacks %q:\n%.400s", page, th, b)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) < 20 {
		t.Errorf("%d pages, want one per command", len(entries))
	}
	man, err := exec.LookPath("man")
	if err != nil {
		t.Log("no man: pages not rendered")
	}
	for _, e := range entries {
		if man == "" {
			break
		}
		c := exec.Command(man, "--warnings", "-l", "-P", "cat", filepath.Join(dir, e.Name()))
		c.Env = append(os.Environ(), "MANWIDTH=200", "LC_ALL=C.UTF-8")
		var stderr bytes.Buffer
		c.Stderr = &stderr
		got, err := c.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("man -l %s: %v\n%s", e.Name(), err, stderr.Bytes())
		}
		for _, section := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"} {
			if !bytes.Contains(got, []byte("\n"+section+"\n")) {
				t.Errorf("%s has no %s section:\n%s", e.Name(), section, got)
			}
		}
		if want, ok := pages[e.Name()]; ok && !strings.Contains(string(got), want) {
			t.Errorf("%s does not say %q:\n%s", e.Name(), want, got)
		}
	}
	if code := runIO([]string{"man"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "-o DIR") {
		t.Errorf("man without -o: exit %d, %q", code, errb.String())
	}
}

// TestRootOfOneCommand: a command line that starts with a subcommand's
// name gets a tree of that command only (newRoot); what it prints is what
// the whole tree prints.
func TestRootOfOneCommand(t *testing.T) {
	full := newRoot(nil)
	var names []string
	for _, c := range full.Commands() {
		names = append(names, c.Name())
		if len(c.Aliases) > 0 {
			t.Errorf("%s has aliases %q: newRoot does not look for them", c.Name(), c.Aliases)
		}
	}
	if len(names) != len(subcommands) {
		t.Errorf("the tree has %q, subcommands %d entries", names, len(subcommands))
	}
	for _, s := range subcommands {
		if got := s.make().Name(); got != s.name {
			t.Errorf("subcommands: %q makes %q", s.name, got)
		}
		if got := newRoot([]string{s.name}).Commands(); s.name != "man" && (len(got) == 0 || got[0].Name() != s.name) {
			t.Errorf("newRoot(%s) has %d commands", s.name, len(got))
		}
		for _, args := range [][]string{{s.name, "--help"}, {s.name, "-h"}, {s.name, "--no-such-flag"}, {s.name, "--version"},
			{s.name, "list", "--help"}, {s.name, "show", "--help"}} {
			var o1, e1, o2, e2 bytes.Buffer
			c1 := runRoot(newRoot(nil), args, &o1, &e1)
			c2 := runIO(args, &o2, &e2)
			if c1 != c2 || o1.String() != o2.String() || e1.String() != e2.String() {
				t.Errorf("%q: the whole tree gives %d %q %q, the command's %d %q %q", args,
					c1, o1.String(), e1.String(), c2, o2.String(), e2.String())
			}
		}
	}
	if got := len(newRoot([]string{"man", "-o", "x"}).Commands()); got != len(subcommands) {
		t.Errorf("man gets %d commands", got)
	}
}
