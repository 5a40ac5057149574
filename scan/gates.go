package scan

import (
	"debug/elf"
	"slices"
)

// Gates: library code that a call graph reaches but that runs only once
// something else has happened in the process.
//
// glibc's priority-protect mutexes (PTHREAD_PRIO_PROTECT). Every mutex
// operation (pthread_mutex_lock, trylock, timedlock and clocklock, unlock,
// the condition variables' internal lock, pthread_mutex_setprioceiling)
// has a branch for mutexes of that protocol, and only that branch calls
// __pthread_tpp_change_priority and __pthread_current_priority, which make
// sched_getparam, sched_getscheduler and sched_setscheduler, and
// __init_sched_fifo_prio, which makes sched_get_priority_min/max
// (nptl/tpp.c). In glibc 2.36 the only other callers of
// __init_sched_fifo_prio are pthread_mutex_init for a priority-protect
// mutex and pthread_mutexattr_getprioceiling/setprioceiling, and no
// address of the three is taken. A mutex has that protocol only if
// pthread_mutexattr_setprotocol set it on the attributes it was
// initialised with: no initialiser macro and no other function of
// glibc's gives it. So the three functions count only when one of those
// (pthread_mutexattr_setprotocol, pthread_mutexattr_get/setprioceiling,
// and pthread_mutex_setprioceiling for good measure) can be reached in
// the process, or when the process can lock a mutex another process
// initialised: one in memory shared with it, which it can only have
// mapped itself (exec discards every mapping). That is the case as soon
// as code other than glibc's own (the program, another library, or a
// caller glibc's mmap or syscall() gets through a function pointer) can
// map memory shared (mmap whose flags may include MAP_SHARED, shmat) or
// makes a call whose number is not known. glibc's and its loader's own
// mappings are not counted: they hold its heaps, stacks, caches,
// profiling data and semaphores, never a mutex another process placed
// there.
//
// The gate needs the names of those two local functions: without a symbol
// table that has them (a stripped libc and no libc6-dbg), nothing is
// gated.

// ppGate is the priority-protect rule: the gated functions, and the
// export whose reach opens the gate.
var ppGate = struct {
	funcs, openers []string
}{
	funcs: []string{"__pthread_tpp_change_priority", "__pthread_current_priority", "__init_sched_fifo_prio"},
	openers: []string{"pthread_mutexattr_setprotocol", "pthread_mutexattr_getprioceiling", "pthread_mutexattr_setprioceiling",
		"pthread_mutex_setprioceiling"},
}

// gated returns the functions of m that only the priority-protect rule
// reaches (see above), and the exports that open the rule, or nothing
// when m is not a library that has them all (pthread_mutexattr_setprotocol
// exported, the gated functions named). taken are the functions whose
// address is taken: then nothing is gated.
func (m *module) gated(taken []int32) (funcs []int32, openers []string) {
	if _, ok := m.exports[ppGate.openers[0]]; !ok {
		return nil, nil
	}
	addrs := localFuncs(m, ppGate.funcs)
	for _, name := range ppGate.funcs {
		a, ok := addrs[name]
		if !ok {
			return nil, nil
		}
		fi := m.funcAt(a)
		if fi < 0 || m.funcs[fi].start != a || slices.Contains(taken, int32(fi)) {
			return nil, nil
		}
		funcs = append(funcs, int32(fi))
	}
	for _, name := range ppGate.openers {
		if _, ok := m.exports[name]; ok {
			openers = append(openers, name)
		}
	}
	return uniq32(funcs), openers
}

// localFuncs returns the addresses of the named functions from m's own
// symbol table or, for a stripped library, its separate debug file.
func localFuncs(m *module, names []string) map[string]uint64 {
	out := map[string]uint64{}
	for _, p := range []string{m.path, m.debugFile()} {
		if p == "" || len(out) == len(names) {
			continue
		}
		func() {
			defer func() { recover() }() // a malformed file only costs precision
			f, err := elf.Open(p)
			if err != nil {
				return
			}
			defer f.Close()
			if f.Machine != m.machine || f.Class != m.class {
				return
			}
			syms, err := f.Symbols()
			if err != nil || len(syms) > maxSymbols {
				return
			}
			for _, s := range syms {
				if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF && slices.Contains(names, s.Name) {
					out[s.Name] = s.Value
				}
			}
		}()
	}
	return out
}

// mayShareMemory reports whether a site of code other than the gated
// library's and the loader's (own) can map memory another process can
// write, or makes a call whose number is not known.
func mayShareMemory(m *module, refs []siteRef, own map[string]bool) bool {
	mmap, _ := m.arch.Number("mmap")
	shmat, _ := m.arch.Number("shmat")
	mmap2, hasMmap2 := m.arch.Number("mmap2")
	for _, r := range refs {
		s := r.s
		if s.abi32 {
			return true // i386 calls: numbers of another table
		}
		if own[r.module] {
			if r.wrapperOnly {
				continue // its callers' sites say what they pass
			}
			// glibc's own mappings do not count; its mmap or syscall()
			// called through a pointer, with arguments no site shows, do.
			if s.nr.kind == vParam || s.nr.kind == vConst && slices.Contains(s.nr.consts(), uint64(mmap)) && s.args[3].kind == vParam {
				return true
			}
			continue
		}
		if s.nr.kind != vConst {
			if r.wrapperOnly && s.nr.kind == vParam {
				continue
			}
			return true
		}
		for _, nr := range s.nr.consts() {
			switch {
			case nr == uint64(shmat):
				return true
			case nr == uint64(mmap) || hasMmap2 && nr == uint64(mmap2):
				if r.wrapperOnly && s.args[3].kind == vParam {
					continue
				}
				if s.args[3].kind != vConst {
					return true
				}
				for _, f := range s.args[3].consts() {
					if f&0x1 != 0 { // MAP_SHARED, MAP_SHARED_VALIDATE
						return true
					}
				}
			}
		}
	}
	return false
}
