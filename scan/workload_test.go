//go:build linux

package scan

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The workloads of the recall test: for each program, realistic everyday
// use, several runs whose traces are unioned. The runs marked narrow are
// the test's first workloads (one file listed, copied, archived; a
// one-liner), kept so that the precision they give can still be compared.

// traceWorkload runs a program's workload under strace, asserts recall
// for the narrow runs and for all of them, and logs the precision of both
// and where the static calls no run made are.
func traceWorkload(t *testing.T, sc *Scanner, name, prog, dir string, runs []run) {
	t.Helper()
	narrow, wide := &traced{calls: map[string]bool{}}, &traced{calls: map[string]bool{}}
	for _, r := range runs {
		tr := straceRunIO(t, dir, r)
		wide.add(tr)
		if r.narrow {
			narrow.add(tr)
		}
	}
	checkTraced(t, sc, name, prog, narrow, wide)
}

// checkTraced asserts recall and logs precision for the narrow and the
// whole workload.
func checkTraced(t *testing.T, sc *Scanner, name, prog string, narrow, wide *traced) {
	t.Helper()
	if len(narrow.calls) > 0 {
		checkRecall(t, name+" (narrow)", staticSet(t, sc, prog, narrow), narrow)
	}
	checkRecall(t, name, staticSet(t, sc, prog, wide), wide)
	logOrigins(t, sc, name, prog, wide)
}

// recallServer is the loopback HTTP server curl talks to.
func recallServer() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusFound) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "big", time.Unix(0, 0), strings.NewReader(strings.Repeat("0123456789abcdef", 1<<16)))
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		z := gzip.NewWriter(w)
		fmt.Fprintln(z, strings.Repeat("compressed ", 100))
		z.Close()
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/"})
		fmt.Fprintln(w, "cookie")
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "pass" {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, "welcome")
	})
	mux.HandleFunc("/missing", http.NotFound)
	var flaky atomic.Int32
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1)%2 == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// hostsFileHas reports whether /etc/hosts names host (resolved without
// DNS, so a workload stays on the machine).
func hostsFileHas(host string) bool {
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && !strings.HasPrefix(f[0], "#") && slices.Contains(f[1:], host) {
			return true
		}
	}
	return false
}

func TestRecallDebianPrograms(t *testing.T) {
	needTools(t, "strace")
	sc := newTestScanner(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a.txt")
	os.WriteFile(a, []byte("hello\n"), 0o644)
	srv := httptest.NewServer(recallServer())
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(recallServer())
	defer tlsSrv.Close()
	sock := filepath.Join(dir, "http.sock")
	ul, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ul, recallServer())
	defer ul.Close()
	tree := makeTree(t, filepath.Join(dir, "tree"))

	cases := []struct {
		name string
		runs func(dir string) []run
	}{
		{"ls", func(dir string) []run {
			return []run{
				{argv: []string{"ls", "-la", "/etc", dir}, narrow: true},
				{argv: []string{"ls", "-R", "/usr/share/doc/coreutils"}, narrow: true},
				{argv: []string{"ls", "-lR", "--color=always", tree}},
				{argv: []string{"ls", "-laiZ", "--full-time", tree, filepath.Join(tree, "sub")}},
				{argv: []string{"ls", "-lhS", "-s", "--group-directories-first", "/usr/share/doc"}, env: []string{"LC_ALL=C.UTF-8"}},
				{argv: []string{"ls", "-ltr", "-n", "--time=ctime", "-F", "/etc"}},
				{argv: []string{"ls", "-l", "/dev", "/proc/self/"}},
				{argv: []string{"ls", "-dlL", filepath.Join(tree, "link"), "/"}},
				{argv: []string{"ls", "-1", "-x", "-C", "--width=80", "-Q", "/usr/bin"}, stdout: filepath.Join(dir, "ls.out")},
				{argv: []string{"ls", "-l", "--hyperlink=always", "--time-style=+%c", tree}, env: []string{"TZ=Europe/Paris"}},
				{argv: []string{"ls", "-l", filepath.Join(dir, "nonexistent")}, mayFail: true},
			}
		}},
		{"cat", func(dir string) []run {
			return []run{
				{argv: []string{"cat", "/etc/passwd", a}, narrow: true},
				{argv: []string{"cat", "-n", filepath.Join(tree, "f1.txt"), filepath.Join(tree, "f2.txt")}},
				{argv: []string{"cat", "-A", "/bin/true"}},
				{argv: []string{"cat", "-s", "-"}, input: "piped\n\n\n\ninput\n"},
				{argv: []string{"cat"}, stdin: "/etc/services"},
				{argv: []string{"cat", a, filepath.Join(tree, "f3.txt")}, stdout: filepath.Join(dir, "cat.out")},
				{argv: []string{"cat", "-v", "/proc/self/status"}, env: []string{"LC_ALL=C.UTF-8"}},
				{argv: []string{"cat", filepath.Join(dir, "nonexistent"), a}, mayFail: true},
			}
		}},
		{"tar", func(dir string) []run { return tarRuns(t, dir, a, tree) }},
		{"curl", func(dir string) []run {
			out := filepath.Join(dir, "curl.out")
			cfg := filepath.Join(dir, "curl.cfg")
			os.WriteFile(cfg, []byte("silent\nurl = \""+srv.URL+"/\"\noutput = \""+out+"\"\n"), 0o644)
			jar := filepath.Join(dir, "jar")
			port := strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
			runs := []run{
				{argv: []string{"curl", "-s", "-o", out, srv.URL}, narrow: true},
				{argv: []string{"curl", "-s", "-o", "/dev/null", "http://127.0.0.1:1/"}, narrow: true, mayFail: true},
				{argv: []string{"curl", "-sS", "-L", "-o", out, srv.URL + "/redirect"}},
				{argv: []string{"curl", "-s", "-d", "a=1&b=2", srv.URL + "/echo"}},
				{argv: []string{"curl", "-s", "-F", "file=@" + a, "-F", "name=x", srv.URL + "/echo"}},
				{argv: []string{"curl", "-s", "-T", a, srv.URL + "/echo"}},
				{argv: []string{"curl", "-s", "-X", "DELETE", "--data-binary", "@" + a, srv.URL + "/echo"}},
				{argv: []string{"curl", "-s", "-I", srv.URL}},
				{argv: []string{"curl", "-s", "--compressed", srv.URL + "/gzip"}},
				{argv: []string{"curl", "-s", "-c", jar, srv.URL + "/cookie"}},
				{argv: []string{"curl", "-s", "-b", jar, "-c", jar, srv.URL + "/cookie"}},
				{argv: []string{"curl", "-s", "-u", "user:pass", srv.URL + "/auth"}},
				{argv: []string{"curl", "-s", "-H", "X-Test: 1", "-A", "agent", "-e", "http://ref/", "-w", "%{http_code} %{time_total}\n", "-o", "/dev/null", srv.URL}},
				{argv: []string{"curl", "-s", "--unix-socket", sock, "http://localhost/"}},
				{argv: []string{"curl", "-s", "file:///etc/hostname"}},
				{argv: []string{"curl", "-s", "-r", "0-99", "-o", filepath.Join(dir, "part"), srv.URL + "/big"}},
				{argv: []string{"curl", "-s", "-C", "-", "-o", filepath.Join(dir, "part"), srv.URL + "/big"}},
				{argv: []string{"curl", "-s", "-Z", "-o", "/dev/null", "-o", "/dev/null", srv.URL, srv.URL + "/big"}},
				{argv: []string{"curl", "-s", "--limit-rate", "4M", "--max-time", "10", "--connect-timeout", "5", "-o", "/dev/null", srv.URL + "/big"}},
				{argv: []string{"curl", "-s", "--fail", srv.URL + "/missing"}, mayFail: true},
				{argv: []string{"curl", "-s", "-K", cfg}},
				{argv: []string{"curl", "-s", "-x", srv.URL, "http://example.invalid/"}},
				{argv: []string{"curl", "-s", "-O", "--output-dir", dir, srv.URL + "/echo"}},
				{argv: []string{"curl", "-s", "-v", "-o", "/dev/null", "http://localhost:" + port + "/"}},
				{argv: []string{"curl", "-sk", tlsSrv.URL + "/cookie"}},
				{argv: []string{"curl", "-s", "--create-dirs", "-R", "--xattr", "-o", filepath.Join(dir, "new", "dir", "f"), srv.URL + "/big"}},
				{argv: []string{"curl", "-s", "--retry", "2", "--retry-delay", "1", "--retry-all-errors", "-o", filepath.Join(dir, "flaky"), srv.URL + "/flaky"}},
				{argv: []string{"curl", "-s", "--trace-ascii", filepath.Join(dir, "trace"), "-D", filepath.Join(dir, "headers"), "--etag-save", filepath.Join(dir, "etag"), "-o", "/dev/null", srv.URL}},
			}
			if h, err := os.Hostname(); err == nil && hostsFileHas(h) {
				// A name curl resolves itself (not localhost): its
				// threaded resolver.
				runs = append(runs, run{argv: []string{"curl", "-s", "-o", "/dev/null", "http://" + h + ":" + port + "/"}})
			}
			return runs
		}},
		{"sqlite3", func(dir string) []run { return sqliteRuns(t, dir) }},
		{"python3", func(dir string) []run {
			script, err := filepath.Abs("testdata/recall/workload.py")
			if err != nil {
				t.Fatal(err)
			}
			work := filepath.Join(dir, "py")
			os.Mkdir(work, 0o755)
			return []run{
				{argv: []string{"python3", "-c", "import json, os, socket, subprocess, hashlib; print(json.dumps(os.listdir('/etc'))[:10]); socket.socket().close(); print(hashlib.sha256(b'x').hexdigest())"}, narrow: true},
				{argv: []string{"python3", script, work}},
			}
		}},
		{"busybox", func(dir string) []run {
			script, err := filepath.Abs("testdata/recall/busybox.sh")
			if err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(dir, "bin")
			os.Mkdir(bin, 0o755)
			prog := debianProg(t, "busybox")
			out, err := exec.Command(prog, "--list").Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, applet := range strings.Fields(string(out)) {
				os.Symlink(prog, filepath.Join(bin, applet))
			}
			work := filepath.Join(dir, "bb")
			os.Mkdir(work, 0o755)
			return []run{
				{argv: []string{"busybox", "sh", "-c", "ls /etc >/dev/null; cat /etc/hostname; echo hi | wc -c; busybox sha256sum /etc/passwd"}, narrow: true},
				{argv: []string{"busybox", "sh", script, work, strconv.Itoa(freePort(t)), strconv.Itoa(freePort(t))}, env: []string{"PATH=" + bin}},
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			runs := c.runs(dir)
			prog := debianProg(t, runs[0].argv[0])
			for _, r := range runs {
				if r.argv[0] == c.name {
					r.argv[0] = prog
				}
			}
			traceWorkload(t, sc, c.name, prog, dir, runs)
		})
	}
}

// makeTree makes a directory tree of the kinds of file archivers and
// listings meet: text files, a subdirectory, symbolic and hard links, a
// FIFO, a sparse file, an executable, a file with an extended attribute
// and one with old times.
func makeTree(t *testing.T, root string) string {
	t.Helper()
	os.MkdirAll(filepath.Join(root, "sub", "deeper"), 0o755)
	os.MkdirAll(filepath.Join(root, "empty"), 0o700)
	for i := 1; i <= 10; i++ {
		os.WriteFile(filepath.Join(root, fmt.Sprintf("f%d.txt", i)), []byte(strings.Repeat(fmt.Sprintf("line %d\n", i), i*100)), 0o644)
	}
	os.WriteFile(filepath.Join(root, "sub", "deeper", "g.txt"), []byte("deep\n"), 0o644)
	os.WriteFile(filepath.Join(root, "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	os.Symlink("f1.txt", filepath.Join(root, "link"))
	os.Symlink("missing", filepath.Join(root, "dangling"))
	os.Link(filepath.Join(root, "f2.txt"), filepath.Join(root, "sub", "hard"))
	syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644)
	f, err := os.Create(filepath.Join(root, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("middle"), 4<<20)
	f.Truncate(8 << 20)
	f.Close()
	syscall.Setxattr(filepath.Join(root, "f3.txt"), "user.comment", []byte("kept"), 0)
	// An access ACL (user 1000 may read), as setfacl writes it.
	acl := []byte{2, 0, 0, 0}
	for _, e := range [][3]uint32{{0x01, 6, 0xffffffff}, {0x02, 4, 1000}, {0x04, 4, 0xffffffff}, {0x10, 4, 0xffffffff}, {0x20, 4, 0xffffffff}} {
		acl = append(acl, byte(e[0]), byte(e[0]>>8), byte(e[1]), byte(e[1]>>8), byte(e[2]), byte(e[2]>>8), byte(e[2]>>16), byte(e[2]>>24))
	}
	syscall.Setxattr(filepath.Join(root, "f6.txt"), "system.posix_acl_access", acl, 0)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	os.Chtimes(filepath.Join(root, "f4.txt"), old, old)
	if os.Geteuid() == 0 {
		os.Chown(filepath.Join(root, "f5.txt"), 1000, 1000)
	}
	return root
}

// tarRuns: archives made, listed, compared, updated and extracted, with
// gzip and xz (which tar executes), links, sparse files, extended
// attributes and ACLs, permissions and owners, and incremental backups.
func tarRuns(t *testing.T, dir, a, tree string) []run {
	p := func(n string) string { return filepath.Join(dir, n) }
	out := func(n string) string {
		os.MkdirAll(p(n), 0o755)
		return p(n)
	}
	os.WriteFile(p("list"), []byte("./f1.txt\n./sub\n./link\n"), 0o644)
	return []run{
		{argv: []string{"tar", "-cf", p("x.tar"), "-C", filepath.Dir(a), "a.txt"}, narrow: true},
		{argv: []string{"tar", "-tvf", p("x.tar")}, narrow: true},
		{argv: []string{"tar", "-xf", p("x.tar"), "-C", out("x")}, narrow: true},
		{argv: []string{"tar", "-czf", p("t.tgz"), "-C", tree, "."}},
		{argv: []string{"tar", "-cJf", p("t.txz"), "-C", tree, "."}},
		{argv: []string{"tar", "--xattrs", "--acls", "--selinux", "-cpSf", p("full.tar"), "-C", tree, "."}},
		{argv: []string{"tar", "-tvzf", p("t.tgz")}},
		{argv: []string{"tar", "-tJf", p("t.txz")}},
		{argv: []string{"tar", "-xzf", p("t.tgz"), "-C", out("gz")}},
		{argv: []string{"tar", "-xJf", p("t.txz"), "-C", out("xz"), "--strip-components=1"}},
		{argv: []string{"tar", "--xattrs", "--acls", "-xpf", p("full.tar"), "-C", out("full"), "--same-owner"}},
		{argv: []string{"tar", "-df", p("full.tar"), "-C", tree}},
		{argv: []string{"tar", "-cf", p("files.tar"), "--exclude=*.sh", "-C", tree, "-T", p("list")}},
		{argv: []string{"tar", "-rf", p("files.tar"), "-C", tree, "f6.txt"}},
		{argv: []string{"tar", "-uf", p("files.tar"), "-C", tree, "f6.txt", "f7.txt"}, before: func() {
			now := time.Now().Add(time.Minute)
			os.Chtimes(filepath.Join(tree, "f6.txt"), now, now)
		}},
		{argv: []string{"tar", "--delete", "-f", p("files.tar"), "./link"}},
		{argv: []string{"tar", "-xOf", p("files.tar"), "./f1.txt"}},
		{argv: []string{"tar", "-xf", p("files.tar"), "-C", out("tr"), "--transform", "s/f/g/", "--skip-old-files", "--checkpoint=10", "--totals"}},
		{argv: []string{"tar", "-cf", "-", "-C", tree, "sub"}, stdout: p("pipe.tar")},
		{argv: []string{"tar", "-xvf", "-", "-C", out("pipe")}, stdin: p("pipe.tar")},
		{argv: []string{"tar", "--listed-incremental=" + p("snar"), "-czf", p("level0.tgz"), "-C", tree, "."}},
		{argv: []string{"tar", "--listed-incremental=" + p("snar"), "-czf", p("level1.tgz"), "-C", tree, "."}, before: func() {
			os.WriteFile(filepath.Join(tree, "added.txt"), []byte("new\n"), 0o644)
			os.Remove(filepath.Join(tree, "f10.txt"))
		}},
		{argv: []string{"tar", "--listed-incremental=/dev/null", "-xzf", p("level0.tgz"), "-C", out("incr")}},
		{argv: []string{"tar", "--listed-incremental=/dev/null", "-xzf", p("level1.tgz"), "-C", p("incr")}},
		{argv: []string{"tar", "-xf", p("full.tar"), "-C", p("full"), "--backup=numbered", "--overwrite", "--atime-preserve=system"}},
		{argv: []string{"tar", "-xf", p("full.tar"), "-C", p("full"), "--recursive-unlink", "--unlink-first", "--no-same-owner", "--no-same-permissions"}},
		{argv: []string{"tar", "-chf", p("deref.tar"), "--one-file-system", "--numeric-owner", "--owner=0", "--group=0", "-C", tree, "link", "sub"}},
		{argv: []string{"tar", "-xf", p("missing.tar")}, mayFail: true},
	}
}

// sqliteRuns: a database in WAL mode with transactions, indexes, joins,
// savepoints, an attached database, VACUUM, .backup, .dump, CSV import and
// export, a sort spilling to temporary files, and read-only and JSON use.
func sqliteRuns(t *testing.T, dir string) []run {
	p := func(n string) string { return filepath.Join(dir, n) }
	csv := "id,name\n"
	for i := 0; i < 200; i++ {
		csv += fmt.Sprintf("%d,name%d\n", i, i)
	}
	os.WriteFile(p("data.csv"), []byte(csv), 0o644)
	script := `PRAGMA journal_mode=WAL;
PRAGMA foreign_keys=ON;
BEGIN;
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, created TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE posts(id INTEGER PRIMARY KEY, user INTEGER REFERENCES users(id), body TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
  INSERT INTO users(name) SELECT 'user' || i FROM n;
INSERT INTO posts(user, body) SELECT id, hex(randomblob(64)) FROM users;
COMMIT;
CREATE INDEX posts_user ON posts(user);
SELECT count(*), max(length(body)) FROM users JOIN posts ON posts.user = users.id;
UPDATE users SET name = upper(name) WHERE id % 7 = 0;
SAVEPOINT s; DELETE FROM posts WHERE id < 100; ROLLBACK TO s; RELEASE s;
DELETE FROM posts WHERE id % 3 = 0;
ATTACH DATABASE '` + p("other.db") + `' AS other;
CREATE TABLE other.archive AS SELECT * FROM posts WHERE id < 500;
DETACH DATABASE other;
PRAGMA integrity_check;
PRAGMA wal_checkpoint(TRUNCATE);
VACUUM;
VACUUM INTO '` + p("vacuumed.db") + `';
.backup ` + p("backup.db") + `
.headers on
.mode csv
.import ` + p("data.csv") + ` imported
.output ` + p("dump.sql") + `
.dump
.output ` + p("export.csv") + `
SELECT * FROM imported;
.output stdout
.schema
.tables
`
	os.WriteFile(p("script.sql"), []byte(script), 0o644)
	return []run{
		{argv: []string{"sqlite3", p("t.db"), "create table t(a); insert into t values(1); select * from t;"}, narrow: true},
		{argv: []string{"sqlite3", p("app.db")}, stdin: p("script.sql")},
		{argv: []string{"sqlite3", "-json", p("app.db"), "SELECT id, name FROM users LIMIT 5;"}},
		{argv: []string{"sqlite3", "-readonly", p("backup.db"), "SELECT count(*) FROM posts;"}},
		{argv: []string{"sqlite3", p("sort.db")}, input: `PRAGMA journal_mode=DELETE;
PRAGMA temp_store=FILE;
PRAGMA cache_size=10;
CREATE TABLE r(x);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000) INSERT INTO r SELECT randomblob(100) FROM n;
SELECT count(DISTINCT x) FROM (SELECT x FROM r ORDER BY x);
`},
		{argv: []string{"sqlite3", p("restored.db"), ".restore " + p("backup.db"), "SELECT count(*) FROM users;"}},
		{argv: []string{"sqlite3", p("app.db"), ".read " + p("dump.sql")}, mayFail: true},
		{argv: []string{"sqlite3", "-bail", p("app.db"), "SELECT * FROM no_such_table;"}, mayFail: true},
		{argv: []string{"sqlite3", p("link.db")}, before: func() { os.Symlink(p("app.db"), p("link.db")) }, input: ".timer on\nSELECT count(*) FROM users;\n.cd " + dir + "\n.databases\n"},
		{argv: []string{"sqlite3", "-A", "-c", "-f", p("files.sqlar"), "data.csv", "script.sql"}},
		{argv: []string{"sqlite3", "-A", "-t", "-v", "-f", p("files.sqlar")}},
		{argv: []string{"sqlite3", "-A", "-x", "-f", p("files.sqlar"), "-C", p("sqlar-out")}, before: func() { os.Mkdir(p("sqlar-out"), 0o755) }},
	}
}

// resp sends one command to a Redis server, if args has one, and reads
// its reply.
func resp(t *testing.T, c net.Conn, rd *bufio.Reader, args ...string) string {
	t.Helper()
	if len(args) > 0 {
		fmt.Fprintf(c, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := readReply(rd)
	if err != nil {
		t.Fatalf("redis %v: %v", args, err)
	}
	return s
}

func readReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", nil
		}
		b := make([]byte, n+2)
		_, err := io.ReadFull(rd, b)
		return string(b[:n]), err
	case '*':
		n, _ := strconv.Atoi(line[1:])
		var parts []string
		for i := 0; i < n; i++ {
			s, err := readReply(rd)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), nil
	}
	return "", fmt.Errorf("reply %q", line)
}

func TestRecallRedis(t *testing.T) {
	needTools(t, "strace", "redis-server")
	sc := newTestScanner(t)
	prog := debianProg(t, "redis-server")

	// The narrow workload: PING, SET, GET, INFO and BGSAVE, no persistence.
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	port := freePort(t)
	narrow := straceServe(t, dir, []string{prog, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir},
		func() {
			for _, addr := range [][2]string{{"unix", sock}, {"tcp", fmt.Sprintf("127.0.0.1:%d", port)}} {
				c := waitDial(t, addr[0], addr[1])
				fmt.Fprint(c, "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nINFO\r\n*1\r\n$6\r\nBGSAVE\r\n")
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				b := make([]byte, 8192)
				c.Read(b)
				time.Sleep(300 * time.Millisecond)
				c.Close()
			}
		},
		func(*exec.Cmd) {
			c := waitDial(t, "unix", sock)
			fmt.Fprint(c, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
			c.Close()
		})

	// A cache and store as deployed: snapshots and the append-only file,
	// the data types, expiry, transactions, Lua, publish/subscribe, lazy
	// freeing, rewriting the AOF, CONFIG, and SHUTDOWN saving.
	dir = t.TempDir()
	sock = filepath.Join(dir, "redis.sock")
	port = freePort(t)
	conf := filepath.Join(dir, "redis.conf")
	os.WriteFile(conf, []byte("# rewritten by CONFIG REWRITE\n"), 0o644)
	// A replica of this server, started during the run, for replication.
	replicaDir := t.TempDir()
	replicaPort := freePort(t)
	var replicaCalls *traced
	big := make([]byte, 6<<20) // an RDB beyond the 4 MB of incremental fsync
	for i := range big {
		big[i] = byte(i*7919>>3 ^ i>>11)
	}
	wide := straceServe(t, dir, []string{prog, conf, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--unixsocket", sock, "--unixsocketperm", "700", "--save", "3600 1 300 100",
		"--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir, "--lazyfree-lazy-user-del", "yes", "--logfile", filepath.Join(dir, "redis.log"), "--databases", "4",
		"--rdbcompression", "no", "--repl-diskless-sync", "no"},
		func() {
			sub := waitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
			defer sub.Close()
			subr := bufio.NewReader(sub)
			resp(t, sub, subr, "SUBSCRIBE", "news")
			c := waitDial(t, "unix", sock)
			defer c.Close()
			rd := bufio.NewReader(c)
			for _, cmd := range [][]string{
				{"PING"}, {"SET", "k", "v"}, {"GET", "k"}, {"INCR", "n"}, {"SET", "tmp", "x", "EX", "100"}, {"TTL", "tmp"},
				{"LPUSH", "l", "a", "b", "c"}, {"LRANGE", "l", "0", "-1"}, {"HSET", "h", "f", "v", "g", "w"}, {"HGETALL", "h"},
				{"SADD", "s", "x", "y"}, {"SMEMBERS", "s"}, {"ZADD", "z", "1", "a", "2", "b"}, {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
				{"MULTI"}, {"INCR", "n"}, {"EXPIRE", "k", "1000"}, {"EXEC"},
				{"EVAL", "return redis.call('GET', KEYS[1])", "1", "k"},
				{"PUBLISH", "news", "hello"}, {"SCAN", "0"}, {"KEYS", "*"}, {"DBSIZE"}, {"OBJECT", "ENCODING", "l"}, {"MEMORY", "USAGE", "h"},
				{"SELECT", "1"}, {"SET", "other", "db"}, {"SELECT", "0"},
				{"UNLINK", "s"}, {"DEL", "z"}, {"CLIENT", "LIST"}, {"CONFIG", "GET", "maxmemory"}, {"CONFIG", "SET", "maxmemory", "100mb"},
				{"SLOWLOG", "GET"}, {"INFO", "all"}, {"SAVE"}, {"BGREWRITEAOF"}, {"LASTSAVE"},
			} {
				resp(t, c, rd, cmd...)
			}
			resp(t, sub, subr) // the published message
			// BGREWRITEAOF's child: wait for it to finish before BGSAVE.
			for i := 0; i < 100 && strings.Contains(resp(t, c, rd, "INFO", "persistence"), "aof_rewrite_in_progress:1"); i++ {
				time.Sleep(50 * time.Millisecond)
			}
			resp(t, c, rd, "BGSAVE")
			for i := 0; i < 100 && strings.Contains(resp(t, c, rd, "INFO", "persistence"), "rdb_bgsave_in_progress:1"); i++ {
				time.Sleep(50 * time.Millisecond)
			}
			resp(t, c, rd, "SET", "big", string(big))
			resp(t, c, rd, "CONFIG", "REWRITE")
			// The replica: full synchronisation from an RDB on disk, then
			// the command stream.
			replica := straceServe(t, replicaDir, []string{prog, "--port", strconv.Itoa(replicaPort), "--bind", "127.0.0.1", "--save", "", "--dir", replicaDir,
				"--replicaof", "127.0.0.1", strconv.Itoa(port), "--logfile", filepath.Join(replicaDir, "redis.log")},
				func() {
					rc := waitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", replicaPort))
					defer rc.Close()
					rrd := bufio.NewReader(rc)
					for i := 0; i < 200 && !strings.Contains(resp(t, rc, rrd, "INFO", "replication"), "master_link_status:up"); i++ {
						time.Sleep(50 * time.Millisecond)
					}
					resp(t, c, rd, "SET", "replicated", "yes")
					resp(t, c, rd, "WAIT", "1", "5000")
					resp(t, rc, rrd, "GET", "replicated")
				},
				func(*exec.Cmd) {
					rc := waitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", replicaPort))
					fmt.Fprint(rc, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
					rc.Close()
				})
			replicaCalls = replica
			resp(t, c, rd, "FLUSHALL", "ASYNC")
			resp(t, c, rd, "SET", "last", "value")
			time.Sleep(1100 * time.Millisecond) // the AOF's fsync every second
		},
		func(*exec.Cmd) {
			c := waitDial(t, "unix", sock)
			fmt.Fprint(c, "*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n")
			c.Close()
		})
	wide.add(narrow)
	wide.add(replicaCalls)
	checkTraced(t, sc, "redis-server", prog, narrow, wide)
}

func TestRecallNginx(t *testing.T) {
	needTools(t, "strace", "nginx")
	sc := newTestScanner(t)
	prog := debianProg(t, "nginx")
	get := func(c *http.Client, method, url string, body io.Reader, header ...string) int {
		t.Helper()
		req, err := http.NewRequest(method, url, body)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Logf("%s %s: %d", method, url, resp.StatusCode)
		return resp.StatusCode
	}
	common := `pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
worker_processes 2;
events { worker_connections 64; }
`
	temps := `  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
`
	serve := func(dir, conf string, during func(port int)) *traced {
		port := freePort(t)
		os.WriteFile(filepath.Join(dir, "index.html"), []byte("hello\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(fmt.Sprintf(conf, dir, port)), 0o644)
		return straceServe(t, dir, []string{prog, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-g", "daemon off;"},
			func() {
				waitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port)).Close()
				during(port)
			},
			func(*exec.Cmd) {
				b, err := os.ReadFile(filepath.Join(dir, "nginx.pid"))
				if err != nil {
					t.Fatal(err)
				}
				pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
				syscall.Kill(pid, syscall.SIGQUIT)
			})
	}

	// The narrow workload: three GETs of a static file.
	narrow := serve(t.TempDir(), common+`http {
  access_log %[1]s/access.log;
`+temps+`  server { listen 127.0.0.1:%[2]d; root %[1]s; location / { } }
}
`, func(port int) {
		for _, p := range []string{"/", "/index.html", "/missing"} {
			get(http.DefaultClient, "GET", fmt.Sprintf("http://127.0.0.1:%d%s", port, p), nil)
		}
	})

	// A web server as configured in practice: static files with sendfile,
	// gzip, ranges and a directory index; a reverse proxy to a backend;
	// WebDAV uploads; a Unix socket; buffered logs; then the operator's
	// signals (reopen logs, reload the configuration).
	backend := httptest.NewServer(recallServer())
	defer backend.Close()
	dir := t.TempDir()
	// The workers run as nobody: the files are theirs to read, and the
	// WebDAV directory theirs to write.
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	os.MkdirAll(filepath.Join(dir, "files", "sub"), 0o755)
	os.MkdirAll(filepath.Join(dir, "dav"), 0o777)
	os.Chmod(filepath.Join(dir, "dav"), 0o777)
	os.WriteFile(filepath.Join(dir, "files", "big.bin"), []byte(strings.Repeat("0123456789abcdef", 1<<16)), 0o644)
	os.WriteFile(filepath.Join(dir, "files", "style.css"), []byte(strings.Repeat("body { color: red; }\n", 200)), 0o644)
	sock := filepath.Join(dir, "nginx.sock")
	syslog, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer syslog.Close()
	wideConf := `worker_priority -1;
worker_cpu_affinity auto;
timer_resolution 100ms;
working_directory %[1]s;
` + common + `http {
  include /etc/nginx/mime.types;
  access_log %[1]s/access.log combined buffer=4k flush=1s;
  access_log syslog:server=` + syslog.LocalAddr().String() + `,tag=nginx;
` + temps + `  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  gzip on;
  gzip_types text/css text/plain;
  open_file_cache max=100 inactive=20s;
  server {
    listen 127.0.0.1:%[2]d;
    listen unix:` + sock + `;
    root %[1]s/files;
    location / { index index.html; autoindex on; }
    location /big.bin { aio threads; directio 512k; output_buffers 1 128k; }
    location /api/ { proxy_pass ` + backend.URL + `/; proxy_set_header X-Real-IP $remote_addr; }
    location /dav/ { root %[1]s; dav_methods PUT DELETE MKCOL; create_full_put_path on; client_max_body_size 1m; }
    location = /status { stub_status; add_header X-Server-Addr $server_addr; }
    error_page 404 /404.html;
  }
}
`
	wide := &traced{calls: map[string]bool{}}
	wide.add(serve(dir, wideConf, func(port int) {
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		for _, p := range []string{"/", "/sub/", "/style.css", "/big.bin", "/missing", "/api/echo", "/api/big", "/status"} {
			get(c, "GET", base+p, nil)
		}
		get(c, "GET", base+"/style.css", nil, "Accept-Encoding", "gzip")
		get(c, "GET", base+"/big.bin", nil, "Range", "bytes=100-200000")
		get(c, "HEAD", base+"/big.bin", nil)
		get(c, "POST", base+"/api/echo", strings.NewReader("posted"))
		get(c, "PUT", base+"/dav/new/upload.txt", strings.NewReader(strings.Repeat("upload\n", 1000)))
		get(c, "MKCOL", base+"/dav/coll/", nil)
		get(c, "DELETE", base+"/dav/new/upload.txt", nil)
		get(c, "DELETE", base+"/dav/coll/", nil)
		uc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return net.Dial("unix", sock)
		}}}
		get(uc, "GET", "http://localhost/", nil)
		b, err := os.ReadFile(filepath.Join(dir, "nginx.pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		_ = pid
		// The operator's commands: reopen the logs, reload (new workers).
		wide.add(straceRunIO(t, dir, run{argv: []string{prog, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-s", "reopen"}}))
		time.Sleep(300 * time.Millisecond)
		wide.add(straceRunIO(t, dir, run{argv: []string{prog, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-s", "reload"}}))
		time.Sleep(500 * time.Millisecond)
		get(c, "GET", base+"/", nil)
	}))
	// Testing the configuration.
	wide.add(straceRunIO(t, dir, run{argv: []string{prog, "-t", "-q", "-p", dir, "-c", filepath.Join(dir, "nginx.conf")}}))
	wide.add(narrow)
	checkTraced(t, sc, "nginx", prog, narrow, wide)
}
