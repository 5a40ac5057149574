//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const sampleLog = "../../auditlog/testdata/sample.log"

// TestExplainCmd: entitle explain reads files and standard input, prints
// one line per kind of record and the summary, or the report as JSON.
func TestExplainCmd(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runIO([]string{"explain", sampleLog}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 15 {
		t.Errorf("%d lines, want 14 explanations and a summary:\n%s", len(lines), out.String())
	}
	for _, want := range []string{
		"2× seccomp log (the call ran): mkdirat by pids 29989, 29990 (exp.test): needs fs.create — add --allow fs.create\n",
		"1× seccomp errno(EPERM): socket by pid 4242 (curl): needs net.client, net.dns, net.netlink, net.raw, net.server or net.unix depending on its arguments",
		"16 records of 14 kinds; to allow them: --allow fs.create,admin.mount,fs.chown,proc.signal --read /etc/hostname --bind 8080 --write '/tmp/my dir'; some depend on the arguments (see above)\n",
		"1× Landlock refused TCP bind to port 8080 by pid 5150 (nginx): outside the bind ports — add --bind 8080\n",
		"2× Landlock refused make_reg on \"/tmp/my dir\" by pid 5150 (nginx): outside the write paths — add --write '/tmp/my dir'\n",
		"1× seccomp errno(EPERM): fchownat by pid 4243 (tar): needs fs.chown — add --allow fs.chown\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := runIO([]string{"explain", "--json", sampleLog, sampleLog}, &out, &errb); code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errb.String())
	}
	var rep struct {
		Records      int
		Explanations []struct {
			Layer, Syscall string
			Count          int
			Entitlements   []string
			Candidates     []string
			Flag           string
			Fix            struct{ Kind, Path, Entitlement string }
		}
		Flags []string
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if rep.Records != 32 || len(rep.Explanations) != 14 || rep.Explanations[0].Count != 4 || rep.Explanations[0].Entitlements[0] != "fs.create" {
		t.Errorf("two copies of the log: %+v", rep)
	}
	if e := rep.Explanations[0]; e.Flag != "--allow fs.create" || e.Fix.Kind != "entitlement" || e.Fix.Entitlement != "fs.create" {
		t.Errorf("the first explanation's remedy in JSON: %+v", e)
	}
	if e := rep.Explanations[11]; e.Flag != "--read /etc/hostname" || e.Fix.Kind != "read" || e.Fix.Path != "/etc/hostname" {
		t.Errorf("the Landlock read's remedy in JSON: %+v", e)
	}
	if len(rep.Flags) != 4 || rep.Flags[3] != "--write '/tmp/my dir'" {
		t.Errorf("flags in JSON: %q", rep.Flags)
	}

	if code := runIO([]string{"explain", "/nonexistent/log"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "/nonexistent/log") {
		t.Errorf("missing file: exit %d, %q", code, errb.String())
	}

	// Standard input, as in `dmesg | entitle explain`.
	log, err := os.ReadFile(sampleLog)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(entitleBin(t), "explain")
	cmd.Stdin = bytes.NewReader(log)
	got, err := cmd.Output()
	if err != nil || !strings.Contains(string(got), "16 records of 14 kinds") {
		t.Errorf("stdin: %v\n%s", err, got)
	}

	// A log without denial records says so, and why that can be.
	empty := filepath.Join(t.TempDir(), "empty.log")
	os.WriteFile(empty, []byte("nothing here\n"), 0o644)
	out.Reset()
	if code := runIO([]string{"explain", empty}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "no seccomp or Landlock denial records in the input (seccomp logs only") {
		t.Errorf("empty log: exit %d, %q", code, out.String())
	}
}
