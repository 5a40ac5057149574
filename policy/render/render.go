package render

import (
	"fmt"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
)

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

// argInfo describes one argument: its name, how its values read, and
// whether the kernel declares it as a 32-bit type (int, unsigned int), the
// width the catalog's rules compare it on (Width32).
type argInfo struct {
	name  string
	kind  argKind
	table []linux.Named
	w32   bool
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
	set([]string{"clone", "unshare"}, 0, argInfo{"flags", kindFlags, linux.CloneFlags, false})
	set([]string{"mmap", "mmap2", "old_mmap", "mprotect", "pkey_mprotect"}, 2, argInfo{"prot", kindFlags, linux.ProtFlags, false})
	set([]string{"mmap", "mmap2", "old_mmap"}, 3, argInfo{"flags", kindFlags, linux.MapFlags, false})
	set([]string{"open"}, 1, argInfo{"flags", kindFlags, linux.OpenFlags, true})
	set([]string{"openat"}, 2, argInfo{"flags", kindFlags, linux.OpenFlags, true})
	set([]string{"open"}, 2, argInfo{"mode", kindFlags, linux.ModeFlags, true})
	set([]string{"fchmodat", "fchmodat2"}, 2, argInfo{"mode", kindFlags, linux.ModeFlags, true})
	set([]string{"openat"}, 3, argInfo{"mode", kindFlags, linux.ModeFlags, true})
	set([]string{"creat", "chmod", "fchmod"}, 1, argInfo{"mode", kindFlags, linux.ModeFlags, true})
	set([]string{"newfstatat", "fstatat64"}, 3, argInfo{"flags", kindFlags, linux.AtFlags, true})
	set([]string{"statx"}, 2, argInfo{"flags", kindFlags, linux.AtFlags, true})
	set([]string{"fcntl", "fcntl64"}, 1, argInfo{"cmd", kindEnum, linux.FcntlCmds, true})
	set([]string{"ioctl"}, 1, argInfo{"request", kindEnum, linux.Ioctls, true})
	set([]string{"prctl"}, 0, argInfo{"option", kindEnum, linux.PrctlOpts, true})
	set([]string{"prctl"}, 1, argInfo{"arg2", kindNum, nil, false})
	set([]string{"personality"}, 0, argInfo{"persona", kindEnum, personas, true})
	set([]string{"prlimit64"}, 0, argInfo{"pid", kindNum, nil, true})
	set([]string{"prlimit64"}, 1, argInfo{"resource", kindEnum, linux.Rlimits, true})
	set([]string{"prlimit64"}, 2, argInfo{"new_limit", kindPtr, nil, false})
	set([]string{"setrlimit"}, 0, argInfo{"resource", kindEnum, linux.Rlimits, true})
	set([]string{"socket", "socketpair"}, 0, argInfo{"domain", kindEnum, linux.Families, true})
	set([]string{"socket", "socketpair"}, 1, argInfo{"type", kindEnum, linux.SockTypes, true})
	set([]string{"socket"}, 2, argInfo{"protocol", kindEnum, protocols, true})
	set([]string{"setsockopt", "getsockopt"}, 1, argInfo{"level", kindEnum, linux.Levels, true})
	set([]string{"sendto"}, 4, argInfo{"dest_addr", kindPtr, nil, false})
	set([]string{"fanotify_init"}, 0, argInfo{"flags", kindFlags, linux.FanFlags, true})
	set([]string{"fanotify_init"}, 1, argInfo{"event_f_flags", kindFlags, linux.OpenFlags, true})
	set([]string{"shmat"}, 2, argInfo{"shmflg", kindFlags, linux.ShmFlags, true})
	set([]string{"kill", "tkill", "rt_sigqueueinfo"}, 0, argInfo{"pid", kindPID, nil, true})
	set([]string{"tgkill", "rt_tgsigqueueinfo"}, 0, argInfo{"tgid", kindPID, nil, true})
	return args
})

// Cond renders condition c on an argument of system call sys for people:
// the argument's name and flag or constant names where the catalog's rules
// use them ("flags has CLONE_THREAD|CLONE_VM, lacks CLONE_NEWUSER|...",
// "request == TIOCGWINSZ (0x5413)"), and the raw comparison (c.String())
// otherwise. A named argument compared on another width than the kernel
// declares it with says so: "(low 32 bits)" or "(all 64 bits)".
func Cond(sys string, c policy.Cond) string {
	ai, ok := argsOf()[sys][c.Arg]
	if !ok {
		return c.String()
	}
	name := ai.name
	switch {
	case c.Width32 && !ai.w32:
		name += " (low 32 bits)"
	case !c.Width32 && ai.w32:
		name += " (all 64 bits)"
	}
	switch {
	case c.Op == policy.OpMaskedEQ && ai.kind == kindFlags && c.Mask != 0:
		set, clear := hasLacks(c)
		var parts []string
		if set != 0 {
			parts = append(parts, "has "+linux.Flags(ai.table, set))
		}
		if clear != 0 {
			parts = append(parts, "lacks "+linux.Flags(ai.table, clear))
		}
		return name + " " + strings.Join(parts, ", ")
	case c.Op == policy.OpMaskedEQ:
		return fmt.Sprintf("%s & %#x == %s", name, c.Mask, valueName(c.Value&c.Mask, ai))
	case c.Op == policy.OpEQ || c.Op == policy.OpNE:
		return name + " " + c.Op.String() + " " + valueName(c.Value, ai)
	}
	return fmt.Sprintf("%s %s %#x", name, c.Op, c.Value)
}

// hasLacks splits a masked comparison into the bits the argument must have
// and the bits it must lack: arg & Mask == Value & Mask holds exactly when
// arg has every bit of set and none of clear (on the width c compares).
func hasLacks(c policy.Cond) (set, clear uint64) {
	return c.Value & c.Mask, c.Mask &^ c.Value
}

// Conds joins Cond of each condition with " and "; no conditions is "any
// arguments".
func Conds(sys string, cs []policy.Cond) string {
	if len(cs) == 0 {
		return "any arguments"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = Cond(sys, c)
	}
	return strings.Join(parts, " and ")
}

func valueName(v uint64, ai argInfo) string {
	switch ai.kind {
	case kindPtr:
		if v == 0 {
			return "NULL"
		}
	case kindPID:
		if v == catalog.OwnPID {
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
