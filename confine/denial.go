package confine

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Denial is one access Landlock refused, from its audit record.
type Denial struct {
	// Blockers are the refused rights: "fs.read_file", "fs.make_reg",
	// "net.connect_tcp", "scope.signal", "ptrace", ...
	Blockers []string
	Path     string // the file, or for make_*/remove_* the directory
	Addr     string // net.*: the address
	Port     int    // net.*: the port (dest for connect, src for bind)
	OPID     int    // scope.*, ptrace: the other process
	OComm    string
}

// ParseDenial reads a Landlock access record (type 1423,
// AUDIT_LANDLOCK_ACCESS) whose fields ParseAuditFields parsed.
func ParseDenial(fields map[string]string) Denial {
	d := Denial{Path: fields["path"], Addr: fields["daddr"], OComm: fields["ocomm"]}
	if b := fields["blockers"]; b != "" {
		d.Blockers = strings.Split(b, ",")
	}
	if d.Addr == "" {
		d.Addr = fields["saddr"]
	}
	for _, k := range []string{"dest", "src"} {
		if p, err := strconv.Atoi(fields[k]); err == nil {
			d.Port = p
			break
		}
	}
	d.OPID, _ = strconv.Atoi(fields["opid"])
	return d
}

// Remedy is what would allow a refused access, as a value: the caller
// words it (`entitle run` as a flag, --read PATH, --allow ENT, ...).
type Remedy struct {
	Kind RemedyKind `json:"kind"`
	// Path is the file or directory to add (AddRead, AddWrite, AddExec)
	// or the protected tree to lift (Unprotect).
	Path string `json:"path,omitempty"`
	// Port is the TCP port to add (AddBind, AddConnect).
	Port int `json:"port,omitempty"`
	// Entitlement is the entitlement to add (AddEntitlement).
	Entitlement string `json:"entitlement,omitempty"`
}

// RemedyKind says what a Remedy adds or lifts.
type RemedyKind int

// The kinds of remedy. NoRemedy: nothing allows the access (processes
// outside the sandbox are out of reach), or nothing that the record
// identifies.
const (
	NoRemedy       RemedyKind = iota
	AddRead                   // read the path (and below it)
	AddWrite                  // write the path (and below it)
	AddExec                   // execute from the directory
	AddBind                   // bind the TCP port
	AddConnect                // connect to the TCP port
	AddEntitlement            // grant the entitlement
	Unprotect                 // lift the protection of the tree
)

var remedyKinds = [...]string{"", "read", "write", "exec", "bind", "connect", "entitlement", "unprotect"}

// String is the kind's name in JSON: "read", "write", "exec", "bind",
// "connect", "entitlement", "unprotect", or "" for NoRemedy.
func (k RemedyKind) String() string {
	if k < 0 || int(k) >= len(remedyKinds) {
		return "RemedyKind(" + strconv.Itoa(int(k)) + ")"
	}
	return remedyKinds[k]
}

// MarshalText writes the kind's name (String).
func (k RemedyKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a name MarshalText wrote.
func (k *RemedyKind) UnmarshalText(b []byte) error {
	for i, n := range remedyKinds {
		if n == string(b) {
			*k = RemedyKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown remedy kind %q", b)
}

// ExplainDenial says what d refused, why, and what would allow it (a
// Remedy of kind NoRemedy when nothing can). scoped tells whether the
// sandbox's file rights were scoped to paths (--read, --write, --exec, a
// preset): then a refused file is outside those paths; otherwise it is
// outside what the entitlements reach. A path under one of protected is
// explained by its protection, and the remedy lifts it.
func ExplainDenial(d Denial, scoped bool, protected []Protected) (what, why string, fix Remedy) {
	blocker := strings.Join(d.Blockers, ",")
	quoted := strconv.QuoteToASCII(d.Path)
	kind := ""
	if len(d.Blockers) > 0 {
		kind = d.Blockers[0]
	}
	switch {
	case strings.HasPrefix(kind, "fs."):
		what = fmt.Sprintf("%s on %s", strings.TrimPrefix(blocker, "fs."), quoted)
		if p, ok := ProtectedBy(protected, d.Path); ok {
			if p.Of != "" {
				return what, fmt.Sprintf("%s is protected (%s: the same files as %s)", strconv.QuoteToASCII(p.Path), p.Why, strconv.QuoteToASCII(p.Of)), Remedy{Kind: Unprotect, Path: p.Of}
			}
			return what, fmt.Sprintf("%s is protected (%s)", strconv.QuoteToASCII(p.Path), p.Why), Remedy{Kind: Unprotect, Path: p.Path}
		}
		if d.Path == "/dev/zero" {
			return what, "/dev/zero is read-only in the sandbox (a shared writable mapping of it could be aliased executable): map shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS) instead", Remedy{}
		}
		for _, dir := range sharedIPCDirs {
			if d.Path == dir || strings.HasPrefix(d.Path, dir+"/") {
				return what, "POSIX shared memory and message queues are shared with every process of the user: only ipc.sysv reaches them (with the fs.* rights the access needs)", Remedy{Kind: AddEntitlement, Entitlement: "ipc.sysv"}
			}
		}
		if !scoped {
			return what, "outside what the entitlements reach (privileged pseudo-files need admin.kernel)", Remedy{}
		}
		switch kind {
		case "fs.read_file", "fs.read_dir":
			return what, "outside the read paths", Remedy{Kind: AddRead, Path: d.Path}
		case "fs.execute":
			return what, "outside the exec paths", Remedy{Kind: AddExec, Path: filepath.Dir(d.Path)}
		default: // write, truncate, make_*, remove_*, refer: the record names the file or its directory
			return what, "outside the write paths", Remedy{Kind: AddWrite, Path: d.Path}
		}
	case kind == "net.connect_tcp":
		return fmt.Sprintf("TCP connect to %s port %d", d.Addr, d.Port), "outside the connect ports", Remedy{Kind: AddConnect, Port: d.Port}
	case kind == "net.bind_tcp":
		return fmt.Sprintf("TCP bind to port %d", d.Port), "outside the bind ports", Remedy{Kind: AddBind, Port: d.Port}
	case kind == "scope.signal":
		return fmt.Sprintf("a signal to pid %d (%s)", d.OPID, strconv.QuoteToASCII(d.OComm)), "outside the sandbox", Remedy{Kind: AddEntitlement, Entitlement: "proc.signal"}
	case kind == "scope.abstract_unix_socket":
		return fmt.Sprintf("an abstract Unix socket of pid %d (%s)", d.OPID, strconv.QuoteToASCII(d.OComm)), "outside the sandbox", Remedy{Kind: AddEntitlement, Entitlement: "net.unix"}
	case kind == "ptrace":
		return fmt.Sprintf("access to pid %d (%s)", d.OPID, strconv.QuoteToASCII(d.OComm)), "processes outside the sandbox are out of reach (not grantable)", Remedy{}
	}
	return blocker, "refused", Remedy{}
}

// ParseAuditFields parses an audit record's key=value fields; quoted
// values are unquoted, hex-encoded ones (paths with spaces or unusual
// bytes) decoded.
func ParseAuditFields(text string) map[string]string {
	out := map[string]string{}
	if i := strings.Index(text, "): "); i >= 0 && strings.HasPrefix(text, "audit(") {
		text = text[i+3:]
	}
	for len(text) > 0 {
		text = strings.TrimLeft(text, " ")
		eq := strings.IndexByte(text, '=')
		if eq <= 0 {
			break
		}
		key := text[:eq]
		text = text[eq+1:]
		var val string
		if strings.HasPrefix(text, `"`) {
			end := strings.IndexByte(text[1:], '"')
			if end < 0 {
				val, text = text[1:], ""
			} else {
				val, text = text[1:1+end], text[2+end:]
			}
		} else {
			end := strings.IndexByte(text, ' ')
			if end < 0 {
				end = len(text)
			}
			val, text = text[:end], text[end:]
			if (key == "path" || key == "comm" || key == "ocomm" || key == "exe") && isHex(val) {
				if b, ok := unhex(val); ok {
					val = b
				}
			}
		}
		out[key] = val
	}
	return out
}

func isHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func unhex(s string) (string, bool) {
	b := make([]byte, len(s)/2)
	for i := range b {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return "", false
		}
		b[i] = byte(v)
	}
	return string(b), true
}
