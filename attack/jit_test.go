//go:build linux

package attack

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle"
	"github.com/entitle-dev/entitle/internal/childtest"
)

// TestAttackJIT (issue 7, item 7): without mem.jit a program must not get
// executable memory — not from the kernel at execve (a program linked
// with an executable stack got an rwx stack), not by dlopen of an
// execstack library, SysV shared memory attached with SHM_EXEC,
// READ_IMPLIES_EXEC or an rwx mapping. `entitle run` refuses an execstack
// program with a message naming mem.jit, and sets PR_SET_MDWE. With
// mem.jit all of it works.
func TestAttackJIT(t *testing.T) {
	stackProg := cprog(t, "jit", "-z", "execstack")
	prog := cprog(t, "jit", "-ldl")
	lib := cprog(t, "execlib", "-shared", "-fPIC", "-z", "execstack")
	noJIT := []string{"--allow", "fs.read,ipc.sysv"}
	withJIT := []string{"--allow", "fs.read,ipc.sysv,mem.jit"}
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		r := run(t, u, m, dir, noJIT, stackProg, "stack")
		if r.code != 126 || strings.Contains(r.stdout, "code ran") ||
			!strings.Contains(r.stderr, "is linked with an executable stack (PT_GNU_STACK RWE): the kernel would give it read-write-execute memory, which needs mem.jit — add --allow mem.jit") {
			t.Errorf("execstack program without mem.jit: not refused\n%s", r)
		}
		for _, c := range []struct {
			args            []string
			want, explained string
		}{
			{[]string{"dlopen", lib}, "dlopen failed: ", "needs mem.jit"},
			{[]string{"shm"}, "shmat-exec EPERM", "needs mem.jit"},
			{[]string{"personality"}, "personality EPERM", "needs admin.debug"},
			{[]string{"mmap"}, "mmap-rwx EPERM", "needs mem.jit"},
			{[]string{"mdwe"}, "mdwe 1", ""},
		} {
			r := run(t, u, m, dir, noJIT, append([]string{prog}, c.args...)...)
			if !strings.Contains(r.stdout, c.want) || strings.Contains(r.stdout, "code ran") {
				t.Errorf("%s without mem.jit: want %q\n%s", c.args[0], c.want, r)
			}
			if m.name == "explain" && !strings.Contains(r.stderr, c.explained) {
				t.Errorf("%s without mem.jit: want %q explained\n%s", c.args[0], c.explained, r)
			}
		}

		// Legitimate use: mem.jit.
		r = run(t, u, m, dir, withJIT, stackProg, "stack")
		if r.code != 0 || !strings.Contains(r.stdout, "stack code ran: 42") {
			t.Errorf("execstack program with mem.jit\n%s", r)
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"dlopen", lib}, "dlopen ok"},
			{[]string{"shm"}, "shm code ran: 42"},
			{[]string{"mmap"}, "mmap code ran: 42"},
			{[]string{"mdwe"}, "mdwe 0"},
		} {
			r := run(t, u, m, dir, withJIT, append([]string{prog}, c.args...)...)
			if !strings.Contains(r.stdout, c.want) || strings.Contains(r.stderr, "denied") {
				t.Errorf("%s with mem.jit: want %q\n%s", c.args[0], c.want, r)
			}
		}
	})
	// Complain mode runs the program and says what it would need.
	dir := scratch(t)
	r := run(t, users(t)[0], mode{"complain", []string{"--complain"}}, dir, nil, stackProg, "stack")
	if r.code != 0 || !strings.Contains(r.stdout, "stack code ran: 42") ||
		!strings.Contains(r.stderr, "entitle: would refuse to start: ") || !strings.Contains(r.stderr, "mem.jit") ||
		!strings.Contains(r.stderr, "to allow them: --allow fs.read,mem.jit") {
		t.Errorf("complain mode\n%s", r)
	}
}

// TestAttackJITLibrary: Apply without mem.jit refuses rwx memory and sets
// PR_SET_MDWE (a second layer behind the filter); with mem.jit both are
// off.
func TestAttackJITLibrary(t *testing.T) {
	for _, c := range []struct {
		name string
		ents []entitle.Entitlement
		want string
	}{
		{"no-jit", []entitle.Entitlement{entitle.FSRead}, "mdwe=1 rwx=operation not permitted"},
		{"jit", []entitle.Entitlement{entitle.FSRead, entitle.MemJIT}, "mdwe=0 rwx=<nil>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if childtest.Child(c.name) {
				if err := entitle.Apply(c.ents...); err != nil {
					fmt.Println("apply:", err)
					os.Exit(1)
				}
				mdwe, _, _ := unix.Syscall6(unix.SYS_PRCTL, 66, 0, 0, 0, 0, 0) // PR_GET_MDWE
				_, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANON)
				fmt.Printf("mdwe=%d rwx=%v\n", mdwe, err)
				os.Exit(0)
			}
			out, err := childtest.Run(t, c.name)
			if err != nil || !strings.Contains(out, c.want) {
				t.Fatalf("%v, want %q:\n%s", err, c.want, out)
			}
		})
	}
}

// TestAttackJITSharedAlias: a read-only executable mapping of a file is
// allowed without mem.jit so that ld.so can map libraries, and /dev/zero
// was writable with fs.write even where no path is (the file rights of a
// scoped sandbox reach the harmless devices). A MAP_SHARED mapping of
// /dev/zero opened read-write is anonymous memory: mapped read-execute,
// then aliased writable by mremap(old_size 0) or by a forked child's
// mprotect, it ran code the program wrote, without mem.jit (MDWE does
// not see aliases). /dev/zero is read-only in the sandbox now; shared
// anonymous memory, which is what it was for, works without it. (The
// explanation is confine's TestExplainDenialDevices.)
func TestAttackJITSharedAlias(t *testing.T) {
	prog := cprog(t, "jit", "-ldl")
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		for _, flags := range [][]string{{"--allow", "fs.read,fs.write,proc.spawn"}, {"--read", dir, "--allow", "fs.write,proc.spawn"}} {
			for _, what := range []string{"devzero", "devzero-fork"} {
				r := run(t, u, m, dir, flags, prog, what)
				if !strings.Contains(r.stdout, "open-devzero EACCES") || strings.Contains(r.stdout, "code ran") {
					t.Errorf("%s with %q: want open-devzero EACCES\n%s", what, flags, r)
				}
			}
			// Legitimate use: shared anonymous memory, and reading /dev/zero.
			r := run(t, u, m, dir, flags, prog, "shared-anon")
			if !strings.Contains(r.stdout, "shared-anon 42") || strings.Contains(r.stderr, "denied") {
				t.Errorf("shared anonymous memory with %q\n%s", flags, r)
			}
		}
	})
}
