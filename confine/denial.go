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

// ExplainDenial says what d refused, why, and the `entitle run` flag that
// would allow it ("" when none can). scoped tells whether the sandbox's
// file rights were scoped to paths (--read, --write, --exec, a preset):
// then a refused file is outside those paths; otherwise it is outside
// what the entitlements reach. A path under one of protected is named
// with the --unprotect flag that lifts its protection.
func ExplainDenial(d Denial, scoped bool, protected []Protected) (what, why, flag string) {
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
			return what, fmt.Sprintf("%s is protected (%s)", strconv.QuoteToASCII(p.Path), p.Why), "--unprotect " + ShellQuote(p.Path)
		}
		if !scoped {
			return what, "outside what the entitlements reach (privileged pseudo-files need admin.kernel)", ""
		}
		switch kind {
		case "fs.read_file", "fs.read_dir":
			return what, "outside the read paths", "--read " + ShellQuote(d.Path)
		case "fs.execute":
			return what, "outside the exec paths", "--exec " + ShellQuote(filepath.Dir(d.Path))
		default: // write, truncate, make_*, remove_*, refer: the record names the file or its directory
			return what, "outside the write paths", "--write " + ShellQuote(d.Path)
		}
	case kind == "net.connect_tcp":
		return fmt.Sprintf("TCP connect to %s port %d", d.Addr, d.Port), "outside the connect ports", "--connect " + strconv.Itoa(d.Port)
	case kind == "net.bind_tcp":
		return fmt.Sprintf("TCP bind to port %d", d.Port), "outside the bind ports", "--bind " + strconv.Itoa(d.Port)
	case kind == "scope.signal":
		return fmt.Sprintf("a signal to pid %d (%s)", d.OPID, strconv.QuoteToASCII(d.OComm)), "outside the sandbox", "--allow proc.signal"
	case kind == "scope.abstract_unix_socket":
		return fmt.Sprintf("an abstract Unix socket of pid %d (%s)", d.OPID, strconv.QuoteToASCII(d.OComm)), "outside the sandbox", "--allow net.unix"
	case kind == "ptrace":
		return fmt.Sprintf("access to pid %d (%s)", d.OPID, strconv.QuoteToASCII(d.OComm)), "processes outside the sandbox are out of reach (not grantable)", ""
	}
	return blocker, "refused", ""
}

// ShellQuote quotes s for a POSIX shell when it needs quoting: flags
// named in explanations can be pasted as they are.
func ShellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}();&|<>~#") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
