package auditlog

import (
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/confine"
)

// Audit record types this package reads.
const (
	TypeSyscall         = 1300 // AUDIT_SYSCALL: the call a record belongs to (pid, comm, exe)
	TypeSeccomp         = 1326 // AUDIT_SECCOMP: a seccomp filter's logged action
	TypeLandlockAccess  = 1423 // AUDIT_LANDLOCK_ACCESS: one access Landlock refused
	TypeLandlockDomain  = 1424 // AUDIT_LANDLOCK_DOMAIN: a Landlock domain's creation or end
	typeNameSeccomp     = "SECCOMP"
	typeNameSyscall     = "SYSCALL"
	typeNameLandlockAcc = "LANDLOCK_ACCESS"
	typeNameLandlockDom = "LANDLOCK_DOMAIN"
)

var typeNames = map[string]int{
	typeNameSyscall:     TypeSyscall,
	typeNameSeccomp:     TypeSeccomp,
	typeNameLandlockAcc: TypeLandlockAccess,
	typeNameLandlockDom: TypeLandlockDomain,
}

// Record is one kernel audit record.
type Record struct {
	// Type is the record type: TypeSeccomp, TypeLandlockAccess, ...
	Type int
	// Stamp is the record's "audit(TIME:SERIAL)" stamp without the
	// parentheses ("1796129780.122:5323"); records of one event share it.
	Stamp string
	// Fields are the record's key=value fields, unquoted and, for paths
	// and process names the kernel hex-encoded, decoded.
	Fields map[string]string
}

// ParseLine finds an audit record in one line of a log and parses it. It
// accepts the spellings of the kernel log (dmesg, dmesg -T, journalctl -k,
// /dev/kmsg: "audit: type=1326 audit(...): ..."), of auditd's log and
// ausearch ("type=SECCOMP msg=audit(...): ...", "type=UNKNOWN[1423]
// msg=..."), including ausearch -i's interpreted values, and of the audit
// netlink socket ("type=1326 audit(...): ..." as Follow delivers it).
// ok is false when the line holds no record.
func ParseLine(line string) (r Record, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	i := typeIndex(line)
	if i < 0 {
		return Record{}, false
	}
	rest := line[i+len("type="):]
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		return Record{}, false
	}
	typ, rest := rest[:end], rest[end+1:]
	r.Type = parseType(typ)
	if r.Type == 0 {
		return Record{}, false
	}
	a := strings.Index(rest, "audit(")
	if a < 0 {
		return Record{}, false
	}
	rest = rest[a+len("audit("):]
	c := strings.IndexByte(rest, ')')
	if c < 0 {
		return Record{}, false
	}
	r.Stamp, rest = rest[:c], rest[c+1:]
	rest = strings.TrimLeft(rest, " ")
	rest = strings.TrimPrefix(rest, ":")
	r.Fields = confine.ParseAuditFields(rest)
	return r, true
}

// typeIndex returns where the record's "type=" field starts: at the start
// of the line or after a space, ':' or ';' (not inside another field).
func typeIndex(line string) int {
	for off := 0; ; {
		i := strings.Index(line[off:], "type=")
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || strings.ContainsRune(" :;]", rune(line[i-1])) {
			return i
		}
		off = i + 1
	}
}

// parseType reads "1326", "SECCOMP" or "UNKNOWN[1423]"; 0 if none.
func parseType(s string) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	if in, ok := strings.CutPrefix(s, "UNKNOWN["); ok {
		if n, err := strconv.Atoi(strings.TrimSuffix(in, "]")); err == nil && n > 0 {
			return n
		}
	}
	return typeNames[s]
}

// Serial is the event serial of the record's stamp ("" when absent).
func (r Record) Serial() string {
	if i := strings.LastIndexByte(r.Stamp, ':'); i >= 0 {
		return r.Stamp[i+1:]
	}
	return ""
}

// PID is the record's pid field (0 when absent).
func (r Record) PID() int {
	n, _ := strconv.Atoi(r.Fields["pid"])
	return n
}
