//go:build linux

package scan

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/syscalls"
)

// ppMain locks a mutex; with -DPP a priority-protect one, with -DCEILING
// it sets a priority ceiling on ordinary attributes (which asks the
// kernel for the priority range), with -DSHARED the mutex is in memory
// another process could share.
const ppMain = `#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
int main(void) {
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
#ifdef PP
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_PROTECT);
#endif
#if defined(PP) || defined(CEILING)
	pthread_mutexattr_setprioceiling(&a, 1);
#endif
	pthread_mutex_t local, *m = &local;
#ifdef SHARED
	m = mmap(0, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
#endif
	pthread_mutex_init(m, &a);
	int r = pthread_mutex_lock(m);
	printf("%d\n", r);
	if (r == 0)
		pthread_mutex_unlock(m);
	return 0;
}
`

// ppCalls are the calls only glibc's priority-protect branch makes in a
// program that does not call them itself.
var ppCalls = []string{"sched_getparam", "sched_getscheduler", "sched_setscheduler", "sched_get_priority_min", "sched_get_priority_max"}

// TestPriorityProtectGate: glibc's priority-protect branch of the mutex
// functions counts when the program can create such a mutex
// (pthread_mutexattr_setprotocol) or map shared memory, and not for a
// program that only locks its own ordinary mutexes. Under strace, the
// program that locks a priority-protect mutex makes those calls, and the
// scan has them (recall).
func TestPriorityProtectGate(t *testing.T) {
	needTools(t, "gcc", "strace")
	dir := t.TempDir()
	src := filepath.Join(dir, "pp.c")
	os.WriteFile(src, []byte(ppMain), 0o644)
	sc := New(Options{CacheDir: "off"})
	for _, c := range []struct {
		name  string
		flags []string
		want  bool
	}{
		{"plain", nil, false},
		{"pp", []string{"-DPP"}, true},
		{"ceiling", []string{"-DCEILING"}, true},
		{"shared", []string{"-DSHARED"}, true},
	} {
		bin := filepath.Join(dir, c.name)
		if out, err := exec.Command("gcc", append(c.flags, "-O2", "-pthread", "-o", bin, src)...).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		r, err := sc.Scan(bin)
		if err != nil {
			t.Fatal(err)
		}
		if c.name == "plain" {
			needGatedLibc(t, r, "the priority-protect functions", func(m *module) bool {
				fs, _ := m.gated(nil)
				return len(fs) > 0
			})
		}
		checkGated(t, c.name, r, ppCalls, c.want)
		tr := straceRun(t, dir, bin)
		if c.name == "pp" && !tr.calls["sched_getparam"] || c.name == "ceiling" && !tr.calls["sched_get_priority_max"] {
			t.Errorf("%s: the priority-protect code made no calls: %s", c.name, strings.Join(slices.Sorted(maps.Keys(tr.calls)), " "))
		}
		checkRecall(t, c.name, staticSet(t, sc, bin, tr), tr)
	}
}

// TestMayShareMemory: the sites that open the gate.
func TestMayShareMemory(t *testing.T) {
	arch := syscalls.X86_64
	m := &module{arch: arch}
	mmap, _ := arch.Number("mmap")
	shmat, _ := arch.Number("shmat")
	read, _ := arch.Number("read")
	mk := func(module string, nr uint64, flags val, wrapperOnly bool) siteRef {
		s := site{nr: konst(nr)}
		s.args[3] = flags
		return siteRef{module: module, s: s, wrapperOnly: wrapperOnly}
	}
	param := val{kind: vParam, p: 3}
	unknown := val{}
	own := map[string]bool{"libc": true}
	for _, c := range []struct {
		name string
		ref  siteRef
		want bool
	}{
		{"private mapping", mk("prog", uint64(mmap), konst(0x22), false), false},
		{"shared mapping", mk("prog", uint64(mmap), konst(0x1), false), true},
		{"MAP_SHARED_VALIDATE", mk("prog", uint64(mmap), konst(0x3), false), true},
		{"flags unknown", mk("lib", uint64(mmap), unknown, false), true},
		{"a wrapper whose callers give the flags", mk("lib", uint64(mmap), param, true), false},
		{"shmat", mk("prog", uint64(shmat), unknown, false), true},
		{"another call", mk("prog", uint64(read), unknown, false), false},
		{"number unknown", siteRef{module: "prog", s: site{}}, true},
		{"glibc's own shared mapping", mk("libc", uint64(mmap), konst(0x1), false), false},
		{"glibc's own, flags unknown", mk("libc", uint64(mmap), unknown, false), false},
		{"glibc's mmap through a pointer", mk("libc", uint64(mmap), param, false), true},
		{"glibc's mmap, called directly", mk("libc", uint64(mmap), param, true), false},
		{"glibc's syscall() through a pointer", siteRef{module: "libc", s: site{nr: val{kind: vParam}}}, true},
	} {
		if got := mayShareMemory(m, []siteRef{c.ref}, own); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWrapperLaterThroughPointer: a libc wrapper reached first under one
// name (the program calls mmap with constant arguments) and then held in
// a library's table under another (mmap64, called through the pointer
// with any arguments) has its sites counted as unresolved, whichever
// name the analysis meets first; and its shared mappings open the
// priority-protect gate.
func TestWrapperLaterThroughPointer(t *testing.T) {
	needTools(t, "gcc")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lib.c"), []byte(`#define _LARGEFILE64_SOURCE
#include <sys/mman.h>
void *(*volatile table[])(void *, size_t, int, int, int, off_t) = { mmap64 };
void *map_any(int prot, int flags) { return table[0](0, 4096, prot, flags, -1, 0); }
`), 0o644)
	os.WriteFile(filepath.Join(dir, "main.c"), []byte(`#include <sys/mman.h>
#include <pthread.h>
void *map_any(int, int);
pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
int main(int argc, char **argv) {
	pthread_mutex_lock(&mu);
	void *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == map_any(argc, argc);
}
`), 0o644)
	if out, err := exec.Command("gcc", "-O2", "-fPIC", "-shared", "-o", filepath.Join(dir, "libt.so"), filepath.Join(dir, "lib.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	prog := filepath.Join(dir, "prog")
	if out, err := exec.Command("gcc", "-O2", "-o", prog, filepath.Join(dir, "main.c"), "-L"+dir, "-lt", "-Wl,-rpath,$ORIGIN").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	r, err := New(Options{CacheDir: "off"}).Scan(prog)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range r.Unresolved {
		found = found || u.Syscall == "mmap" && (u.Function == "mmap" || u.Function == "mmap64")
	}
	if !found {
		t.Errorf("mmap called through a pointer is not reported with unknown arguments: %+v", r.Unresolved)
	}
	names := reportNames(r)
	for _, n := range ppCalls {
		if !names[n] {
			t.Errorf("%s: a mutex in memory mapped with any flags can be priority-protect, but %s is not found", prog, n)
		}
	}
}

// nssMain looks up its user and group; with -DHOSTS it also resolves a
// host name, with -DENTRY it asks NSS's lookup entry point for a
// function by a name it chooses, as another library could.
const nssMain = `#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>
#ifdef ENTRY
extern void *__nss_lookup_function(void *ni, const char *name);
#endif
int main(int argc, char **argv) {
	struct passwd *pw = getpwuid(getuid());
	struct group *gr = getgrgid(getgid());
	printf("%s %s\n", pw ? pw->pw_name : "?", gr ? gr->gr_name : "?");
#ifdef HOSTS
	struct addrinfo *ai;
	if (getaddrinfo("localhost", "80", 0, &ai) == 0)
		freeaddrinfo(ai);
#endif
#ifdef ENTRY
	if (argc > 5)
		printf("%p\n", __nss_lookup_function(0, argv[1]));
#endif
	return 0;
}
`

// nssDNSCalls are the calls glibc's DNS client makes that looking up
// users and groups does not reach otherwise.
var nssDNSCalls = []string{"sendmmsg", "setsockopt", "getpeername", "recvfrom"}

// TestNSSDNSGate: looking up users and groups does not reach glibc's DNS
// module (its functions are only looked up by host and network function
// names); resolving a host name does, and so does a program that calls
// NSS's lookup entry point with a name of its own. Each runs under strace
// with its traced calls in the static set (recall).
func TestNSSDNSGate(t *testing.T) {
	needTools(t, "gcc", "strace")
	dir := t.TempDir()
	src := filepath.Join(dir, "nss.c")
	os.WriteFile(src, []byte(nssMain), 0o644)
	sc := New(Options{CacheDir: "off"})
	for _, c := range []struct {
		name  string
		flags []string
		want  bool
	}{
		{"users", nil, false},
		{"hosts", []string{"-DHOSTS"}, true},
		{"entry", []string{"-DENTRY"}, true},
	} {
		bin := filepath.Join(dir, c.name)
		if out, err := exec.Command("gcc", append(c.flags, "-O2", "-o", bin, src)...).CombinedOutput(); err != nil {
			if c.name == "entry" {
				t.Logf("%s: cannot link against glibc's private NSS entry point: %v\n%s", c.name, err, out)
				continue
			}
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		r, err := sc.Scan(bin)
		if err != nil {
			t.Fatal(err)
		}
		if c.name == "users" {
			needGatedLibc(t, r, "glibc's built-in DNS module", func(m *module) bool {
				fs, _ := m.nssGated()
				return len(fs) > 0
			})
		}
		checkGated(t, c.name, r, nssDNSCalls, c.want)
		tr := straceRun(t, dir, bin)
		checkRecall(t, c.name, staticSet(t, sc, bin, tr), tr)
	}
}

// TestNSSGatedOpeners: the openers of glibc's DNS gate are found from the
// code that refers to the names of the DNS module's functions.
func TestNSSGatedOpeners(t *testing.T) {
	libc := ""
	for _, p := range []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/aarch64-linux-gnu/libc.so.6"} {
		if _, err := os.Stat(p); err == nil {
			libc = p
			break
		}
	}
	if libc == "" {
		t.Skip("no glibc")
	}
	lm, err := openModule(libc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lm.exports["_nss_dns_gethostbyname4_r"]; !ok {
		t.Skipf("%s has no built-in DNS module (glibc < 2.34)", libc)
	}
	funcs, openers := lm.nssGated()
	if len(funcs) == 0 {
		if lm.debugFile() == "" {
			testenv.Skipf(t, "%s: no debug symbols (libc6-dbg)", libc)
		}
		t.Fatalf("%s: no DNS gate", libc)
	}
	got := map[string]bool{}
	for _, o := range openers {
		for n, a := range lm.exports {
			if lm.funcs[o].start == a {
				got[n] = true
			}
		}
	}
	for _, n := range []string{"getaddrinfo", "gethostbyname_r", "gethostbyname2_r", "gethostbyaddr_r", "getnetbyname_r", "getnetbyaddr_r"} {
		if !got[n] {
			t.Errorf("%s is not an opener: %v", n, slices.Sorted(maps.Keys(got)))
		}
	}
	if got["getpwuid_r"] || got["getgrgid_r"] {
		t.Errorf("user and group lookups open the gate: %v", slices.Sorted(maps.Keys(got)))
	}
}

// needGatedLibc skips the test unless the program's libc.so.6 has what
// the gate applies to (gated reports whether it does): without
// libc6-dbg's symbols nothing is gated, and a libc without the code has
// nothing to gate.
func needGatedLibc(t *testing.T, r *Report, what string, gated func(*module) bool) {
	t.Helper()
	for _, l := range r.Libraries {
		if filepath.Base(l) != "libc.so.6" {
			continue
		}
		lm, err := openModule(l)
		if err != nil {
			t.Fatal(err)
		}
		if gated(lm) {
			return
		}
		if lm.debugFile() == "" {
			testenv.Skipf(t, "%s: no debug symbols (libc6-dbg): nothing is gated", l)
		}
	}
	t.Skipf("no libc.so.6 with %s among %v", what, r.Libraries)
}

// checkGated checks that the report has every one of calls (want) or none.
func checkGated(t *testing.T, name string, r *Report, calls []string, want bool) {
	t.Helper()
	names := reportNames(r)
	var got []string
	for _, n := range calls {
		if names[n] {
			got = append(got, n)
		}
	}
	if want && len(got) != len(calls) || !want && len(got) > 0 {
		t.Errorf("%s: found %v of %v, want all: %v\n%s", name, got, calls, want, explainSites(r, calls...))
	}
}
