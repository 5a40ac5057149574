//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
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
		"16 records of 14 kinds; to allow them: --allow fs.create,admin.mount,fs.chown,proc.signal --read /etc/hostname --bind 8080 --write '/tmp/my dir'",
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
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if rep.Records != 32 || len(rep.Explanations) != 14 || rep.Explanations[0].Count != 4 || rep.Explanations[0].Entitlements[0] != "fs.create" {
		t.Errorf("two copies of the log: %+v", rep)
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
}
