package export

import (
	"fmt"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
)

// ownPID mirrors catalog.OwnPID (export does not import catalog, which
// sits beside it).
const ownPID = 0x7FFFFFFF

// protocols and personas are the kernel's names of socket(2)'s protocol
// and personality(2)'s persona with the renderings these descriptions give
// the values the catalog names that the kernel has no name for.
var (
	protocols = append([]linux.Named{{V: 0, Name: "0"}}, linux.Protocols...)
	personas  = append(append([]linux.Named{}, linux.Personas...),
		linux.Named{V: linux.PER_LINUX32 | linux.UNAME26, Name: "PER_LINUX32|UNAME26"},
		linux.Named{V: 0xFFFFFFFF, Name: "0xffffffff (query)"})
)

type argKind int

const (
	kindNum argKind = iota
	kindFlags
	kindEnum
	kindPtr
	kindPID
)

type argInfo struct {
	name  string
	kind  argKind
	table []linux.Named
}

// argsOf describes the arguments the catalog's rules test, by system
// call and argument: built the first time a condition is described rather
// than at every start of a program.
var argsOf = sync.OnceValue(func() map[string]map[uint8]argInfo {
	args := map[string]map[uint8]argInfo{}
	set := func(calls []string, arg uint8, ai argInfo) {
		for _, c := range calls {
			if args[c] == nil {
				args[c] = map[uint8]argInfo{}
			}
			args[c][arg] = ai
		}
	}
	set([]string{"clone", "unshare"}, 0, argInfo{"flags", kindFlags, linux.CloneFlags})
	set([]string{"mmap", "mmap2", "old_mmap", "mprotect", "pkey_mprotect"}, 2, argInfo{"prot", kindFlags, linux.ProtFlags})
	set([]string{"mmap", "mmap2", "old_mmap"}, 3, argInfo{"flags", kindFlags, linux.MapFlags})
	set([]string{"open"}, 1, argInfo{"flags", kindFlags, linux.OpenFlags})
	set([]string{"openat"}, 2, argInfo{"flags", kindFlags, linux.OpenFlags})
	set([]string{"open"}, 2, argInfo{"mode", kindFlags, linux.ModeFlags})
	set([]string{"fchmodat", "fchmodat2"}, 2, argInfo{"mode", kindFlags, linux.ModeFlags})
	set([]string{"openat"}, 3, argInfo{"mode", kindFlags, linux.ModeFlags})
	set([]string{"creat", "chmod", "fchmod"}, 1, argInfo{"mode", kindFlags, linux.ModeFlags})
	set([]string{"newfstatat", "fstatat64"}, 3, argInfo{"flags", kindFlags, linux.AtFlags})
	set([]string{"statx"}, 2, argInfo{"flags", kindFlags, linux.AtFlags})
	set([]string{"fcntl", "fcntl64"}, 1, argInfo{"cmd", kindEnum, linux.FcntlCmds})
	set([]string{"ioctl"}, 1, argInfo{"request", kindEnum, linux.Ioctls})
	set([]string{"prctl"}, 0, argInfo{"option", kindEnum, linux.PrctlOpts})
	set([]string{"personality"}, 0, argInfo{"persona", kindEnum, personas})
	set([]string{"prlimit64"}, 0, argInfo{"pid", kindNum, nil})
	set([]string{"prlimit64"}, 1, argInfo{"resource", kindEnum, linux.Rlimits})
	set([]string{"prlimit64"}, 2, argInfo{"new_limit", kindPtr, nil})
	set([]string{"setrlimit"}, 0, argInfo{"resource", kindEnum, linux.Rlimits})
	set([]string{"socket", "socketpair"}, 0, argInfo{"domain", kindEnum, linux.Families})
	set([]string{"socket", "socketpair"}, 1, argInfo{"type", kindEnum, linux.SockTypes})
	set([]string{"socket"}, 2, argInfo{"protocol", kindEnum, protocols})
	set([]string{"setsockopt", "getsockopt"}, 1, argInfo{"level", kindEnum, linux.Levels})
	set([]string{"sendto"}, 4, argInfo{"dest_addr", kindPtr, nil})
	set([]string{"fanotify_init"}, 0, argInfo{"flags", kindFlags, linux.FanFlags})
	set([]string{"fanotify_init"}, 1, argInfo{"event_f_flags", kindFlags, linux.OpenFlags})
	set([]string{"shmat"}, 2, argInfo{"shmflg", kindFlags, linux.ShmFlags})
	set([]string{"kill", "tkill", "rt_sigqueueinfo"}, 0, argInfo{"pid", kindPID, nil})
	set([]string{"tgkill", "rt_tgsigqueueinfo"}, 0, argInfo{"tgid", kindPID, nil})
	return args
})

// DescribeCond renders condition c on an argument of system call sys for
// people: the argument's name and flag or constant names where the
// catalog's rules use them ("flags has CLONE_THREAD|CLONE_VM, lacks
// CLONE_NEWUSER|...", "request == TIOCGWINSZ"), and the raw comparison
// otherwise.
func DescribeCond(sys string, c policy.Cond) string {
	ai, ok := argsOf()[sys][c.Arg]
	if !ok {
		return c.String()
	}
	switch {
	case c.Op == policy.OpMaskedEQ && ai.kind == kindFlags:
		set, clear := c.Value&c.Mask, c.Mask&^c.Value
		var parts []string
		if set != 0 {
			parts = append(parts, "has "+linux.Flags(ai.table, set))
		}
		if clear != 0 {
			parts = append(parts, "lacks "+linux.Flags(ai.table, clear))
		}
		return ai.name + " " + strings.Join(parts, ", ")
	case c.Op == policy.OpMaskedEQ:
		return fmt.Sprintf("%s & %#x == %s", ai.name, c.Mask, valueName(c.Value&c.Mask, ai))
	case c.Op == policy.OpEQ || c.Op == policy.OpNE:
		op := map[policy.Op]string{policy.OpEQ: "==", policy.OpNE: "!="}[c.Op]
		return ai.name + " " + op + " " + valueName(c.Value, ai)
	}
	return fmt.Sprintf("%s %s %#x", ai.name, opSymbol(c.Op), c.Value)
}

// DescribeConds joins DescribeCond of each condition with " and "; no
// conditions is "any arguments".
func DescribeConds(sys string, cs []policy.Cond) string {
	if len(cs) == 0 {
		return "any arguments"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = DescribeCond(sys, c)
	}
	return strings.Join(parts, " and ")
}

func opSymbol(o policy.Op) string {
	switch o {
	case policy.OpLT:
		return "<"
	case policy.OpLE:
		return "<="
	case policy.OpGT:
		return ">"
	case policy.OpGE:
		return ">="
	}
	return o.String()
}

func valueName(v uint64, ai argInfo) string {
	switch ai.kind {
	case kindPtr:
		if v == 0 {
			return "NULL"
		}
	case kindPID:
		if v == ownPID {
			return "own pid"
		}
		return fmt.Sprint(v)
	case kindFlags:
		return linux.Flags(ai.table, v)
	case kindEnum:
		if name, ok := linux.Name(ai.table, v); ok {
			if name == fmt.Sprint(v) || strings.HasPrefix(name, "0x") {
				return name
			}
			return fmt.Sprintf("%s (%#x)", name, v)
		}
	}
	return fmt.Sprintf("%#x", v)
}
