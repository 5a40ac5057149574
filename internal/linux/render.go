package linux

import (
	"strconv"
	"strings"
)

// Named is a value with the kernel's name for it.
type Named struct {
	V    uint64
	Name string
}

// Flags renders v as the names of its flags in table, joined by "|" in the
// table's order ("O_CREAT|O_CLOEXEC"), with the bits no entry names in hex
// at the end; 0 is "0". An entry is named when all its bits are in v (an
// entry of several bits, such as O_TMPFILE, takes them all), and entries
// whose value is 0 are never named.
func Flags(table []Named, v uint64) string {
	if v == 0 {
		return "0"
	}
	var parts []string
	for _, n := range table {
		if n.V != 0 && v&n.V == n.V {
			parts = append(parts, n.Name)
			v &^= n.V
		}
	}
	if v != 0 {
		parts = append(parts, Hex(v))
	}
	return strings.Join(parts, "|")
}

// Name returns the name of value v in table, if it has one.
func Name(table []Named, v uint64) (string, bool) {
	for _, n := range table {
		if n.V == v {
			return n.Name, true
		}
	}
	return "", false
}

// Enum returns the name of value v in table, or v in hex.
func Enum(table []Named, v uint64) string {
	if s, ok := Name(table, v); ok {
		return s
	}
	return Hex(v)
}

// Hex is v as "0x" and lowercase hex digits.
func Hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }
