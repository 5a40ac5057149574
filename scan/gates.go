package scan

import (
	"bytes"
	"debug/elf"
	"slices"
	"strings"
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

// glibc's DNS module (nss_dns, built into libc since glibc 2.34). Looking
// up a user or a group walks NSS's modules, and loading one runs its
// table function: module_load calls __nss_dns_functions, which takes the
// address of every _nss_dns_* function (nss/nss_module.c). Through that
// table the call graph reaches the DNS client (sendmmsg, setsockopt,
// getpeername, recvfrom, poll) from getpwuid. But a function of the table
// is only called for the name it is looked up by: __nss_lookup_function
// and __nss_module_get_function find a function by name, the caller's
// string, and the DNS module defines only host and network lookups
// (gethostbyname4_r, getcanonname_r, getnetbyname_r, ...). So the table
// function counts only when some code can ask for one of those names:
//
//   - a function of the library whose code refers to one of the names'
//     strings (in glibc 2.36: getaddrinfo, gethostbyname_r,
//     gethostbyname2_r, gethostbyaddr_r, getnetbyname_r, getnetbyaddr_r;
//     the non-reentrant forms, getnameinfo, gethostid and rcmd call
//     those), found by scanning the code for references, so a release
//     that adds a caller adds an opener;
//   - another object importing one of NSS's lookup entry points
//     (__nss_lookup_function, __nss_next2, __nss_hosts_lookup2, ...:
//     every export whose name starts with __nss_), which may pass any
//     name.
//
// The table function's address is taken (module_load passes it to
// module_load_builtin, which calls it): that is harmless, since all it
// does is store the pointers, and a stored pointer is only called when
// looked up by name. Only that path is gated: the _nss_dns_* functions
// themselves are not (another object may import them, and any other
// reference to them counts as usual). Nothing is gated when a relocated
// word in the library's data points at one of the names' strings (a name
// could then come from data), when a reference to one cannot be placed
// in a function, or when the table function's name is not known (no
// symbol table that has it: a stripped libc without libc6-dbg).

// nssGate names the table function and the prefixes of the module's
// functions and of the lookup entry points.
var nssGate = struct {
	table, module, entry string
}{table: "__nss_dns_functions", module: "_nss_dns_", entry: "__nss_"}

// nssGated returns the NSS DNS table function of m and the functions
// whose reach opens its gate (see above), or nothing when m is not such
// a library or the rule cannot be applied soundly.
func (m *module) nssGated() (funcs, openers []int32) {
	var names []string
	for n := range m.exports {
		if s, ok := strings.CutPrefix(n, nssGate.module); ok && s != "" {
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	a, ok := localFuncs(m, []string{nssGate.table})[nssGate.table]
	if !ok {
		return nil, nil
	}
	fi := m.funcAt(a)
	if fi < 0 || m.funcs[fi].start != a {
		return nil, nil
	}
	strs, ok := stringAddrs(m, names)
	if !ok {
		return nil, nil
	}
	for _, p := range m.relPtrs {
		if strs[p.target] {
			return nil, nil
		}
	}
	placed := true
	codeRefsAt(m, func(at, target uint64) {
		if !strs[target] {
			return
		}
		if j := m.funcAt(at); j >= 0 {
			openers = append(openers, int32(j))
		} else {
			placed = false
		}
	})
	if !placed {
		return nil, nil
	}
	return []int32{int32(fi)}, uniq32(openers)
}

// stringAddrs returns the addresses of every NUL-terminated occurrence
// of the names in m's allocated data (a string may be the tail of a
// longer one), or false when the file cannot be read.
func stringAddrs(m *module, names []string) (out map[uint64]bool, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	f, err := elf.Open(m.path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	out = map[uint64]bool{}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 || s.Size > maxFileSize {
			continue
		}
		d, err := s.Data()
		if err != nil {
			return nil, false
		}
		for _, n := range names {
			pat := append([]byte(n), 0)
			for off := 0; ; {
				i := bytes.Index(d[off:], pat)
				if i < 0 {
					break
				}
				out[s.Addr+uint64(off+i)] = true
				off += i + 1
			}
		}
	}
	return out, true
}
