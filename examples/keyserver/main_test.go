//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/internal/childtest"
)

// exploit is the test-only handler that plays an attacker who has taken
// over the confined process: it tries what an exploit would, each attempt
// with arguments that are harmless if the sandbox were missing (they would
// fail with EINVAL, EFAULT, ENOENT, ... rather than EPERM, so the test
// would notice).
func exploit(mux *http.ServeMux) {
	mux.HandleFunc("GET /exploit", func(w http.ResponseWriter, r *http.Request) {
		res := map[string]string{}
		try := func(name string, err error) {
			if err == nil {
				res[name] = "success"
			} else {
				res[name] = err.Error()
			}
		}
		errnoOf := func(_, _ uintptr, e syscall.Errno) error {
			if e == 0 {
				return nil
			}
			return e
		}
		// execve of a shell (it would replace the server: exit 0).
		try("execve", unix.Exec("/bin/sh", []string{"sh", "-c", "exit 0"}, nil))
		try("mount", unix.Mount("none", "/nonexistent-keyserver", "tmpfs", 0, ""))
		try("ptrace", errnoOf(unix.Syscall(unix.SYS_PTRACE, unix.PTRACE_TRACEME, 0, 0)))
		empty := []byte{0}
		try("init_module", errnoOf(unix.Syscall(unix.SYS_INIT_MODULE, 0, 0, uintptr(unsafe.Pointer(&empty[0])))))
		try("unshare", unix.Unshare(unix.CLONE_NEWUSER))
		try("bpf", errnoOf(unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, 0, 0)))
		try("reboot", errnoOf(unix.Syscall6(unix.SYS_REBOOT, 0, 0, 0, 0, 0, 0))) // bad magic: EINVAL if unconfined
		// Exfiltration and persistence.
		c, err := net.Dial("tcp", r.Host)
		if err == nil {
			c.Close()
		}
		try("connect", err)
		try("write file", os.WriteFile("/tmp/keyserver-pwned", []byte("x"), 0o644))
		json.NewEncoder(w).Encode(res)
	})
}

// TestKeyserver runs the confined server in a child process (Apply is
// irreversible) and talks to it.
func TestKeyserver(t *testing.T) {
	if childtest.Child("keyserver") {
		err := serve(context.Background(), config{
			addr:  "127.0.0.1:0",
			data:  os.Getenv("KEYSERVER_DATA"),
			extra: exploit,
			ready: func(a string) { fmt.Println("listening on", a) },
		})
		fmt.Println("serve:", err)
		os.Exit(1)
	}
	data, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	// childtest.Run waits for the child; here the child must run while
	// the test talks to it.
	cmd := childtest.Command(t, "keyserver", "KEYSERVER_DATA="+data)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer timer.Stop()
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			addr = a
			break
		}
		t.Log(sc.Text())
	}
	if addr == "" {
		t.Fatal("server did not start")
	}
	go io.Copy(io.Discard, stdout)

	// The child is confined.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil || !strings.Contains(string(status), "\nSeccomp:\t2\n") {
		t.Fatalf("server not under a seccomp filter (%v):\n%s", err, status)
	}

	get := func(path, user, pass string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	normal := func(when string) {
		t.Helper()
		if code, body := get("/key", "alice", "wonderland"); code != 200 || body != "ak_alice_5f2b8c1e9d\n" {
			t.Errorf("%s: alice: %d %q", when, code, body)
		}
		if code, body := get("/key", "bob", "builder"); code != 200 || body != "ak_bob_0c77a4e213\n" {
			t.Errorf("%s: bob: %d %q", when, code, body)
		}
		if code, _ := get("/key", "alice", "wrong"); code != 401 {
			t.Errorf("%s: wrong password: %d, want 401", when, code)
		}
		if code, _ := get("/key", "", ""); code != 401 {
			t.Errorf("%s: no credentials: %d, want 401", when, code)
		}
		if code, _ := get("/key", "mallory", "x"); code != 401 {
			t.Errorf("%s: unknown user: %d, want 401", when, code)
		}
	}
	normal("before the exploit")

	code, body := get("/exploit", "", "")
	if code != 200 {
		t.Fatalf("exploit handler: %d %s", code, body)
	}
	var res map[string]string
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	eperm := syscall.EPERM.Error()
	for _, name := range []string{"execve", "mount", "ptrace", "init_module", "unshare", "bpf", "reboot", "connect", "write file"} {
		got, ok := res[name]
		switch {
		case !ok:
			t.Errorf("%s: not tried", name)
		case !strings.HasSuffix(got, eperm):
			t.Errorf("%s: %q, want %q", name, got, eperm)
		default:
			t.Logf("%-11s denied: %s", name, got)
		}
	}
	if _, err := os.Stat("/tmp/keyserver-pwned"); err == nil {
		os.Remove("/tmp/keyserver-pwned")
		t.Error("the confined server wrote a file")
	}

	normal("after the exploit")
}
