//go:build linux

package confine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Audit record types of Landlock (ABI 7, Linux 6.15).
const (
	auditLandlockAccess = 1423 // AUDIT_LANDLOCK_ACCESS: one denial
	auditLandlockDomain = 1424 // AUDIT_LANDLOCK_DOMAIN: a domain's life
	auditSeccomp        = 1326 // AUDIT_SECCOMP: a logged seccomp decision
	auditGet            = 1000 // AUDIT_GET
	auditNlgrpReadlog   = 1    // AUDIT_NLGRP_READLOG
)

// SeccompRecord is a seccomp decision the kernel logged (type 1326): for
// a filter installed with SECCOMP_FILTER_FLAG_LOG, every denial.
type SeccompRecord struct {
	PID     int
	Comm    string
	Arch    uint32 // AUDIT_ARCH_*
	Syscall uint32
	Code    uint32 // the filter's return value (SECCOMP_RET_*|data)
}

// Follower receives the kernel's Landlock audit records through the audit
// netlink multicast group (it needs CAP_AUDIT_READ: root) and reports the
// denials of one sandbox: the Landlock domain its first process created.
type Follower struct {
	log     *AuditLog
	mu      sync.Mutex
	pid     int                 // the sandbox's first process
	domain  string              // its (first) domain, once the kernel named it
	domains map[string]bool     // every domain that process created (one per thread for a library)
	pending map[string][]Denial // denials of domains not yet identified
	// Before SetPID: the domains allocated (domain → the allocating
	// process's pid) and the seccomp records, held for SetPID to match.
	early        map[string]string
	earlySeccomp []map[string]string
	fn           func(Denial)
	// OnSeccomp, if set before the sandbox starts, receives the logged
	// seccomp decisions of the sandbox's first process.
	OnSeccomp func(SeccompRecord)
	freed     chan struct{} // closed when the kernel reports the domain freed
}

// ErrAuditOff is returned by FollowAudit when the kernel's audit is
// disabled: Landlock then records no denial.
var ErrAuditOff = errors.New("kernel audit is off, so Landlock records no denial (enable it with `auditctl -e 1`)")

// FollowAudit starts following Landlock's audit records; call SetPID with
// the sandbox's first process (records that come before are held for it).
// fn is called
// from the follower's goroutine, once per denial. Errors: no permission to
// read the audit log (not root), ErrAuditOff.
func FollowAudit(fn func(Denial)) (*Follower, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("audit netlink socket: %w", err)
	}
	err = auditEnabled(fd)
	unix.Close(fd)
	if err != nil {
		return nil, err
	}
	f := &Follower{pending: map[string][]Denial{}, domains: map[string]bool{}, early: map[string]string{}, fn: fn, freed: make(chan struct{})}
	if f.log, err = FollowAuditLog(f.record); err != nil {
		return nil, err
	}
	return f, nil
}

// auditEnabled asks the kernel whether audit is on (AUDIT_GET).
func auditEnabled(fd int) error {
	msg := make([]byte, unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], auditGet)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("query the kernel audit status (needs CAP_AUDIT_CONTROL): %w", err)
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("query the kernel audit status: %w", err)
		}
		if n < unix.NLMSG_HDRLEN+8 {
			return errors.New("query the kernel audit status: short answer")
		}
		typ := binary.NativeEndian.Uint16(buf[4:])
		switch typ {
		case unix.NLMSG_ERROR:
			if e := int32(binary.NativeEndian.Uint32(buf[unix.NLMSG_HDRLEN:])); e != 0 {
				return fmt.Errorf("query the kernel audit status: %w", unix.Errno(-e))
			}
			continue // an acknowledgement
		case auditGet:
			// struct audit_status { u32 mask; u32 enabled; ... }
			if binary.NativeEndian.Uint32(buf[unix.NLMSG_HDRLEN+4:]) == 0 {
				return ErrAuditOff
			}
			return nil
		}
	}
}

// SetPID names the sandbox's first process (the one that creates its
// Landlock domain). It may come after that process has started: `entitle
// run` learns the pid once the child has called execve (the child shares
// the supervisor's address space until then), and the records of a
// domain allocated before are held until now.
func (f *Follower) SetPID(pid int) {
	f.mu.Lock()
	f.pid = pid
	p := strconv.Itoa(pid)
	var deliver []Denial
	for dom, by := range f.early {
		if by == p {
			f.claim(dom)
			deliver = append(deliver, f.pending[dom]...)
		}
		delete(f.pending, dom)
	}
	f.early = nil
	seccomp, on := f.earlySeccomp, f.OnSeccomp
	f.earlySeccomp = nil
	f.mu.Unlock()
	for _, d := range deliver {
		f.fn(d)
	}
	for _, fields := range seccomp {
		if fields["pid"] == p && on != nil {
			on(seccompRecord(pid, fields))
		}
	}
}

// claim records dom as the sandbox's (f.mu held).
func (f *Follower) claim(dom string) {
	if f.domain == "" {
		f.domain = dom
	}
	f.domains[dom] = true
}

// Close stops following. Records still in flight may be dropped.
func (f *Follower) Close() { f.log.Close() }

// Drain waits, after the sandbox's last process exited, for the records
// still on their way: until the kernel reports the sandbox's domain freed
// (it logs a domain only once it denied something: then at most 250 ms).
// When no denial was seen yet, it waits up to 100 ms if failed says the
// command failed (a denial may be why), and not at all otherwise.
func (f *Follower) Drain(failed bool) {
	f.mu.Lock()
	known := f.domain != ""
	f.mu.Unlock()
	var wait time.Duration
	switch {
	case known:
		wait = 250 * time.Millisecond
	case failed:
		// kauditd delivers records asynchronously; on a loaded machine
		// tens of milliseconds late.
		wait = 100 * time.Millisecond
	default:
		return
	}
	select {
	case <-f.freed:
	case <-time.After(wait):
	}
}

// maxPending bounds the domains whose denials are held until they are
// identified, maxPendingPerDomain the denials held for each.
const (
	maxPending          = 256
	maxPendingPerDomain = 64
)

// seccompRecord is the SeccompRecord of an audit record's fields.
func seccompRecord(pid int, fields map[string]string) SeccompRecord {
	r := SeccompRecord{PID: pid, Comm: fields["comm"]}
	if v, err := strconv.ParseUint(fields["arch"], 16, 32); err == nil {
		r.Arch = uint32(v)
	}
	if v, err := strconv.ParseUint(fields["syscall"], 10, 32); err == nil {
		r.Syscall = uint32(v)
	}
	if v, err := strconv.ParseUint(strings.TrimPrefix(fields["code"], "0x"), 16, 32); err == nil {
		r.Code = uint32(v)
	}
	return r
}

func (f *Follower) record(typ int, text string) {
	fields := ParseAuditFields(text)
	if typ == auditSeccomp {
		f.mu.Lock()
		pid, on := f.pid, f.OnSeccomp
		if pid == 0 && f.early != nil && len(f.earlySeccomp) < maxPending {
			f.earlySeccomp = append(f.earlySeccomp, fields)
		}
		f.mu.Unlock()
		if on != nil && pid != 0 && fields["pid"] == strconv.Itoa(pid) {
			on(seccompRecord(pid, fields))
		}
		return
	}
	dom := fields["domain"]
	if dom == "" {
		return
	}
	f.mu.Lock()
	var deliver []Denial
	switch typ {
	case auditLandlockDomain:
		switch {
		case fields["status"] == "allocated" && f.pid != 0 && fields["pid"] == strconv.Itoa(f.pid):
			f.claim(dom)
			deliver = f.pending[dom]
		case fields["status"] == "allocated" && f.pid == 0 && f.early != nil && len(f.early) < maxPending:
			f.early[dom] = fields["pid"] // SetPID decides, and keeps the pending denials until then
			f.mu.Unlock()
			return
		case fields["status"] == "deallocated" && dom == f.domain:
			defer close(f.freed)
		}
		delete(f.pending, dom)
	case auditLandlockAccess:
		d := ParseDenial(fields)
		switch {
		case f.domains[dom]:
			deliver = []Denial{d}
		case len(f.pending[dom]) >= maxPendingPerDomain:
			// Another sandbox's domain whose allocation came before we
			// listened: never ours; keep the memory bounded.
		case len(f.pending) < maxPending || f.pending[dom] != nil:
			f.pending[dom] = append(f.pending[dom], d)
		}
	}
	f.mu.Unlock()
	for _, d := range deliver {
		f.fn(d)
	}
}
