//go:build linux

package entitle

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrIOURing is returned (wrapped in an *IOURingError) by Apply when the
// process holds io_uring instances that the filter could not confine.
var ErrIOURing = errors.New("entitle: io_uring instances exist that seccomp cannot confine")

// IOURingError reports the io_uring instances found before Apply: an
// io_uring executes the operations queued in its shared memory (open,
// mkdirat, connect, ...) without a system call per operation — a ring
// created with IORING_SETUP_SQPOLL has a kernel thread that picks them up
// with no system call at all, and work already submitted completes later —
// so a filter installed afterwards cannot see them. Nothing was installed.
//
// To fix it, close every ring (and unmap its memory) before Apply, or apply
// before creating rings. Granting io.uring, or setting
// Policy.UnsafeAllowIOURing, lets Apply proceed, and the rings keep doing
// whatever their users queue, outside the policy.
type IOURingError struct {
	FDs      []int // descriptors of io_uring instances
	Mappings int   // mappings of io_uring memory (rings stay alive through them after close)
	Threads  []int // io_uring kernel threads of the process (SQPOLL pollers, io-wq workers)
}

func (e *IOURingError) Error() string {
	var what []string
	if len(e.FDs) > 0 {
		what = append(what, "descriptors "+joinInts(e.FDs))
	}
	if e.Mappings > 0 {
		what = append(what, fmt.Sprintf("%d mapping(s) of io_uring memory", e.Mappings))
	}
	if len(e.Threads) > 0 {
		what = append(what, "io_uring kernel threads "+joinInts(e.Threads)+" (SQPOLL or io-wq)")
	}
	return "entitle: this process has io_uring instances (" + strings.Join(what, "; ") +
		"): their operations run without system calls, outside any seccomp filter; nothing was installed. " +
		"Close the rings and unmap their memory before Apply (or apply first), grant io.uring if the program needs " +
		"io_uring, or set Policy.UnsafeAllowIOURing to accept that they stay unconfined"
}

// Is makes errors.Is(err, ErrIOURing) true.
func (e *IOURingError) Is(target error) bool { return target == ErrIOURing }

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// pfIOWorker is PF_IO_WORKER, the task flag of io_uring's SQPOLL and io-wq
// threads (field 9 of /proc/PID/task/TID/stat).
const pfIOWorker = 0x10

// findIOURings looks for io_uring instances reachable by this process under
// procSelf (normally /proc/self): descriptors and mappings of
// anon_inode:[io_uring], and io_uring kernel threads. It fails closed: an
// error means it could not tell.
func findIOURings(procSelf string) (*IOURingError, error) {
	found := &IOURingError{}
	fdDir := filepath.Join(procSelf, "fd")
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		return nil, fmt.Errorf("entitle: cannot look for io_uring instances (%w); mount /proc, or grant io.uring or set Policy.UnsafeAllowIOURing", err)
	}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue // closed meanwhile (the ReadDir descriptor itself)
		}
		if target == "anon_inode:[io_uring]" {
			found.FDs = append(found.FDs, n)
		}
	}
	sort.Ints(found.FDs)
	maps, err := os.Open(filepath.Join(procSelf, "maps"))
	if err != nil {
		return nil, fmt.Errorf("entitle: cannot look for io_uring mappings (%w); grant io.uring or set Policy.UnsafeAllowIOURing", err)
	}
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		if strings.HasSuffix(sc.Text(), " anon_inode:[io_uring]") {
			found.Mappings++
		}
	}
	maps.Close()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("entitle: cannot look for io_uring mappings: %w", err)
	}
	tasks, err := os.ReadDir(filepath.Join(procSelf, "task"))
	if err != nil {
		return nil, fmt.Errorf("entitle: cannot look for io_uring threads (%w); grant io.uring or set Policy.UnsafeAllowIOURing", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(procSelf, "task", t.Name(), "stat"))
		if err != nil {
			continue // the thread exited
		}
		if flags, ok := statFlags(string(b)); ok && flags&pfIOWorker != 0 {
			found.Threads = append(found.Threads, tid)
		}
	}
	sort.Ints(found.Threads)
	if len(found.FDs) == 0 && found.Mappings == 0 && len(found.Threads) == 0 {
		return nil, nil
	}
	return found, nil
}

// statFlags returns the flags field of a /proc stat line (the 9th field;
// the command name, field 2, may contain spaces and parentheses).
func statFlags(stat string) (uint64, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); flags is field 9.
	if len(f) < 7 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[6], 10, 64)
	return v, err == nil
}

// checkIOURing refuses to confine a process whose io_uring instances would
// stay outside the filter, unless io.uring is granted or the caller opted
// in.
func (p Policy) checkIOURing() error {
	allowed := p.UnsafeAllowIOURing
	for _, e := range p.Entitlements {
		if strings.EqualFold(strings.TrimSpace(string(e)), string(IOUring)) {
			allowed = true
		}
	}
	found, err := findIOURings("/proc/self")
	switch {
	case err != nil && allowed:
		return nil
	case err != nil:
		return err
	case found == nil:
		return nil
	case !allowed:
		return found
	case cgoBuild && len(found.Threads) > 0:
		// In a cgo build go-landlock enforces Landlock on every thread
		// through libpsx, which waits until every task of /proc/self/task
		// has made the call: io_uring's kernel threads never do, and
		// Apply would hang.
		return fmt.Errorf("%w: io_uring kernel threads %s exist and this program is built with cgo, whose all-threads mechanism (libpsx) would wait for them forever; close the rings before Apply or build with CGO_ENABLED=0", ErrIOURing, joinInts(found.Threads))
	}
	return nil
}
