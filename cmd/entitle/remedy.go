//go:build linux

package main

import (
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/confine"
)

// remedyFlag words a remedy as the `entitle run` flag that applies it,
// ready to paste into a shell ("" for confine.NoRemedy).
func remedyFlag(r confine.Remedy) string {
	switch r.Kind {
	case confine.AddRead:
		return "--read " + shellQuote(r.Path)
	case confine.AddWrite:
		return "--write " + shellQuote(r.Path)
	case confine.AddExec:
		return "--exec " + shellQuote(r.Path)
	case confine.AddBind:
		return "--bind " + strconv.Itoa(r.Port)
	case confine.AddConnect:
		return "--connect " + strconv.Itoa(r.Port)
	case confine.AddEntitlement:
		return "--allow " + r.Entitlement
	case confine.Unprotect:
		return "--unprotect " + shellQuote(r.Path)
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs quoting, so that
// the flags named in explanations can be pasted as they are.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}();&|<>~#") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
