package auditlog

import (
	"strconv"

	"github.com/entitle-dev/entitle/confine"
)

// Follower receives the kernel's audit records as they are emitted.
type Follower struct{ l *confine.AuditLog }

// Follow calls fn, from its own goroutine, with every audit record the
// kernel emits from now on (seccomp's, Landlock's and every other type;
// see Collector to explain them). It reads the audit netlink multicast
// group, which needs CAP_AUDIT_READ (root); unlike the kernel log it is
// not rate-limited. Records emitted while no one listened are not
// replayed. Close stops it.
func Follow(fn func(Record)) (*Follower, error) {
	l, err := confine.FollowAuditLog(func(typ int, text string) {
		if r, ok := ParseLine("type=" + strconv.Itoa(typ) + " " + text); ok {
			fn(r)
		}
	})
	if err != nil {
		return nil, err
	}
	return &Follower{l}, nil
}

// Close stops following; records still in flight are dropped.
func (f *Follower) Close() error { return f.l.Close() }
