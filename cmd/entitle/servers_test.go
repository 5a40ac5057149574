//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policyfile"
)

// Real servers from Debian, each learned with --learn under a small
// loopback load and then run with the written policy under the same load:
// zero denials, zero errors, and the network entitlements a TCP server
// needs (net.server, never net.client or net.unix).

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, port int, errb *syncBuf) {
	t.Helper()
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("port %d never opened; entitle said:\n%s", port, errb.String())
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }

func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// server describes one server test.
type server struct {
	name  string
	cmd   []string                          // under entitle run
	cred  *syscall.Credential               // run entitle as this user
	port  int                               // ready when it accepts
	load  func(t *testing.T) string         // the load; returns a summary
	child func(t *testing.T, errb *syncBuf) // enforce phase: a forbidden action from a child
	stop  func(t *testing.T, ent *exec.Cmd) // stop the server
	extra func(t *testing.T, ents []string) // more checks on the learned set
}

// runServer runs the server under entitle with args (learn or policy),
// applies the load and stops it; it returns entitle's stderr.
func runServer(t *testing.T, s server, args []string, enforce bool) string {
	t.Helper()
	cmd := exec.Command(entitleBin(t), append(append([]string{"run"}, args...), append([]string{"--"}, s.cmd...)...)...)
	errb := &syncBuf{}
	cmd.Stdout, cmd.Stderr = errb, errb
	cmd.Dir = "/"
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	cmd.WaitDelay = 10 * time.Second // a server left running holds the output pipe
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	exited := false
	go func() { done <- cmd.Wait() }()
	defer func() {
		if !exited { // the test failed midway: stop the server, then entitle
			s.stop(t, cmd)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
	}()
	waitPort(t, s.port, errb)
	t.Logf("%s load: %s", s.name, s.load(t))
	if enforce && s.child != nil {
		s.child(t, errb)
	}
	s.stop(t, cmd)
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Fatalf("entitle %q: %v\n%s", args, err, entitleLines(errb.String()))
		}
	case <-time.After(60 * time.Second):
		ps, _ := exec.Command("ps", "-o", "pid,ppid,pgid,stat,args", "--ppid", strconv.Itoa(cmd.Process.Pid)).CombinedOutput()
		t.Fatalf("entitle did not exit after the server stopped; its children:\n%s\n%s", ps, entitleLines(errb.String()))
	}
	return errb.String()
}

// entitleLines keeps entitle's own lines of a log shared with the server.
func entitleLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "entitle: ") && !strings.HasPrefix(l, "entitle: learned ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// learnThenEnforce is the whole test for one server.
func learnThenEnforce(t *testing.T, s server) {
	dir := publicDir(t)
	policy := filepath.Join(dir, s.name+".yaml")
	if s.cred != nil {
		os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid))
	}
	log := runServer(t, s, []string{"--learn", "-o", policy}, false)
	data, err := os.ReadFile(policy)
	if err != nil {
		t.Fatalf("no policy written: %v\n%s", err, entitleLines(log))
	}
	f, err := policyfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("learned %s:\n%s", s.name, data)
	var network []string
	for _, e := range f.Entitlements {
		if strings.HasPrefix(e, "net.") {
			network = append(network, e)
		}
	}
	if !slices.Equal(network, []string{"net.server"}) {
		t.Errorf("%s learned network entitlements %v, want [net.server]\n%s", s.name, network, entitleLines(log))
	}
	if s.extra != nil {
		s.extra(t, f.Entitlements)
	}
	log = runServer(t, s, []string{"--policy", policy}, true)
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "entitle: ") && !strings.Contains(l, "(forbidden-by-test)") && !strings.Contains(l, "net.raw") && !strings.Contains(l, "1 call denied") {
			t.Errorf("%s under its learned policy: %s", s.name, l)
		}
	}
}

// publicDir is a temporary directory every user can read (servers switch
// to their own users: www-data, nobody for CGI scripts).
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "entitle-srv")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func needRoot(t *testing.T) {
	if os.Getuid() != 0 {
		testenv.Skip(t, "needs root (server users, ports)")
	}
}

// TestServerPython: python3 -m http.server --cgi; in the enforced run a
// CGI child opens a raw socket: denied and explained with its pid.
func TestServerPython(t *testing.T) {
	needProgs(t, "/usr/bin/python3")
	root := publicDir(t)
	os.MkdirAll(root+"/cgi-bin", 0o755)
	os.WriteFile(root+"/index.html", []byte("hello\n"), 0o644)
	os.WriteFile(root+"/cgi-bin/ok.py", []byte("#!/usr/bin/python3\nprint('Content-Type: text/plain\\n\\nok')\n"), 0o755)
	os.WriteFile(root+"/cgi-bin/raw.py", []byte(`#!/usr/bin/python3
import os, socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    r = "raw socket opened"
except OSError as e:
    r = "denied %d" % e.errno
print("Content-Type: text/plain\n\n%d %s" % (os.getpid(), r))
`), 0o755)
	port := freePort(t)
	get := func(path string) (string, error) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("%s: %s", path, resp.Status)
		}
		return b.String(), nil
	}
	learnThenEnforce(t, server{
		name: "python",
		// http.server, exiting 0 on SIGTERM.
		cmd: []string{"/usr/bin/python3", "-c", "import runpy, signal, sys; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); " +
			"sys.argv = ['http.server', '--cgi', '--bind', '127.0.0.1', '-d', sys.argv[1], sys.argv[2]]; runpy.run_module('http.server', run_name='__main__')",
			root, strconv.Itoa(port)},
		port: port,
		load: func(t *testing.T) string {
			for i := 0; i < 200; i++ {
				if _, err := get("/"); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := get("/cgi-bin/ok.py"); err != nil || !strings.Contains(out, "ok") {
				t.Fatalf("cgi: %q %v", out, err)
			}
			return "200 GET /, 1 CGI request"
		},
		child: func(t *testing.T, errb *syncBuf) {
			out, err := get("/cgi-bin/raw.py")
			if err != nil {
				t.Fatal(err)
			}
			var pid int
			var res string
			fmt.Sscanf(strings.TrimSpace(out), "%d %s", &pid, &res)
			if res != "denied" {
				t.Fatalf("CGI child: %q", out)
			}
			want := regexp.MustCompile(fmt.Sprintf(`entitle: denied socket\(AF_INET, SOCK_RAW[A-Z_|]*, 1\) by pid %d \(raw.py\): needs net.raw`, pid))
			time.Sleep(100 * time.Millisecond)
			if !want.MatchString(errb.String()) {
				t.Fatalf("no explanation with the child's pid %d:\n%s", pid, errb.String())
			}
		},
		// SIGTERM to entitle, forwarded to the server.
		stop: func(t *testing.T, ent *exec.Cmd) { ent.Process.Signal(syscall.SIGTERM) },
	})
}

// TestServerNginx: Debian's nginx.conf (daemon on, master + workers as
// www-data), with the site on a loopback port and the pid and logs in a
// temporary directory.
func TestServerNginx(t *testing.T) {
	needRoot(t)
	needProgs(t, "nginx")
	dir := publicDir(t)
	conf, err := os.ReadFile("/etc/nginx/nginx.conf")
	if err != nil {
		testenv.Skip(t, err)
	}
	port := freePort(t)
	site := regexp.MustCompile(`(?m)^\s*include /etc/nginx/sites-enabled/\*;`)
	c := site.ReplaceAllString(string(conf), fmt.Sprintf("server { listen 127.0.0.1:%d; root %s; }", port, dir))
	c = regexp.MustCompile(`(?m)^pid .*;`).ReplaceAllString(c, "pid "+dir+"/nginx.pid;")
	c = regexp.MustCompile(`(?m)^(\s*)(access|error)_log [^;]*;`).ReplaceAllString(c, "${1}${2}_log "+dir+"/${2}.log;")
	os.WriteFile(dir+"/nginx.conf", []byte(c), 0o644)
	os.WriteFile(dir+"/index.html", []byte("hello\n"), 0o644)
	learnThenEnforce(t, server{
		name: "nginx",
		cmd:  []string{"nginx", "-c", dir + "/nginx.conf"},
		port: port,
		load: func(t *testing.T) string {
			return httpLoad(t, port, 500)
		},
		stop: func(t *testing.T, _ *exec.Cmd) {
			b, err := os.ReadFile(dir + "/nginx.pid")
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			syscall.Kill(pid, syscall.SIGTERM)
		},
		extra: func(t *testing.T, ents []string) {
			if !slices.Contains(ents, "fs.watch") { // FIOASYNC, F_SETOWN on the worker channels
				t.Errorf("nginx learned %v without fs.watch", ents)
			}
		},
	})
}

// httpLoad makes n sequential GETs and fails on any error.
func httpLoad(t *testing.T, port, n int) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < n; i++ {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %s", i, resp.Status)
		}
	}
	return fmt.Sprintf("%d GET, all 200", n)
}

// TestServerRedis: redis-server daemonized, loaded with redis-benchmark.
func TestServerRedis(t *testing.T) {
	needProgs(t, "redis-server", "redis-benchmark", "redis-cli")
	dir := t.TempDir()
	port := freePort(t)
	p := strconv.Itoa(port)
	learnThenEnforce(t, server{
		name: "redis",
		cmd: []string{"redis-server", "--port", p, "--bind", "127.0.0.1", "--daemonize", "yes",
			"--pidfile", dir + "/redis.pid", "--dir", dir, "--save", "", "--logfile", dir + "/redis.log"},
		port: port,
		load: func(t *testing.T) string {
			out, err := exec.Command("redis-benchmark", "-p", p, "-n", "2000", "-c", "4", "-q", "-t", "set,get").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "GET") {
				t.Fatalf("redis-benchmark: %v\n%s", err, out)
			}
			return strings.Join(strings.Fields(string(out)), " ")
		},
		stop: func(t *testing.T, _ *exec.Cmd) {
			exec.Command("redis-cli", "-p", p, "shutdown", "nosave").Run()
		},
	})
}

// TestServerPostgres: PostgreSQL started with pg_ctl (it forks the
// postmaster away) as the postgres user, loaded with pgbench; in the
// enforced run a program the server starts (COPY TO PROGRAM) opens a raw
// socket: denied and explained with that child's pid.
func TestServerPostgres(t *testing.T) {
	needRoot(t)
	bin := ""
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl"); len(m) > 0 {
		bin = filepath.Dir(m[len(m)-1])
	} else {
		testenv.Skip(t, "postgresql not installed")
	}
	needProgs(t, "/usr/bin/python3")
	u, err := user.Lookup("postgres")
	if err != nil {
		testenv.Skip(t, "no postgres user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	dir := publicDir(t)
	os.Chown(dir, uid, gid)
	asPostgres := func(name string, args ...string) *exec.Cmd {
		c := exec.Command(name, args...)
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		c.Dir = "/"
		c.Env = append(os.Environ(), "PGHOST=127.0.0.1", "PGUSER=postgres")
		return c
	}
	if out, err := asPostgres(bin+"/initdb", "-D", dir+"/data", "-A", "trust", "-U", "postgres").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	p := strconv.Itoa(port)
	opts := fmt.Sprintf("-p %s -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", p)
	learnThenEnforce(t, server{
		name: "postgres",
		cmd:  []string{bin + "/pg_ctl", "-D", dir + "/data", "-l", dir + "/log", "-W", "-o", opts, "start"},
		cred: cred,
		port: port,
		load: func(t *testing.T) string {
			// The port opens before the database accepts connections.
			for i := 0; i < 200 && asPostgres(bin+"/pg_isready", "-q", "-p", p).Run() != nil; i++ {
				time.Sleep(50 * time.Millisecond)
			}
			if out, err := asPostgres(bin+"/pgbench", "-p", p, "-i", "-s", "1", "-q", "postgres").CombinedOutput(); err != nil {
				t.Fatalf("pgbench -i: %v\n%s", err, out)
			}
			out, err := asPostgres(bin+"/pgbench", "-p", p, "-c", "2", "-t", "100", "postgres").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "tps") {
				t.Fatalf("pgbench: %v\n%s", err, out)
			}
			tps := regexp.MustCompile(`tps = [0-9.]+`).FindString(string(out))
			return "pgbench -c 2 -t 100: " + tps
		},
		child: func(t *testing.T, errb *syncBuf) {
			out, err := asPostgres(bin+"/psql", "-p", p, "-Atc", `COPY (SELECT 1) TO PROGRAM '/usr/bin/python3 -c "import socket,os; open(\"`+dir+`/raw.pid\",\"w\").write(str(os.getpid())); socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)"'`, "postgres").CombinedOutput()
			if err == nil {
				t.Fatalf("COPY TO PROGRAM with a raw socket succeeded: %s", out)
			}
			b, _ := os.ReadFile(dir + "/raw.pid")
			pid := strings.TrimSpace(string(b))
			want := regexp.MustCompile(`entitle: denied socket\(AF_INET, SOCK_RAW[A-Z_|]*, 1\) by pid ` + pid + ` \(python3\): needs net.raw`)
			time.Sleep(100 * time.Millisecond)
			if pid == "" || !want.MatchString(errb.String()) {
				t.Fatalf("no explanation with the child's pid %q:\n%s", pid, errb.String())
			}
		},
		stop: func(t *testing.T, _ *exec.Cmd) {
			if out, err := asPostgres(bin+"/pg_ctl", "-D", dir+"/data", "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
				t.Fatalf("pg_ctl stop: %v\n%s", err, out)
			}
		},
	})
}
