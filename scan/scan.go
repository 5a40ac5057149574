package scan

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/syscalls"
)

// Options configure Scan.
type Options struct {
	// CacheDir holds the per-library analysis cache, keyed by build ID.
	// "" uses DefaultCacheDir(); "off" disables the cache on disk (an
	// in-memory cache is always used within one Scanner).
	CacheDir string
	// Root is prepended to absolute library paths and /etc/ld.so.cache
	// (a sysroot, for binaries of another system). "" is /.
	Root string
	// LibraryPath is searched as LD_LIBRARY_PATH would be. The scanner does
	// not read the environment: the result must not depend on the shell.
	LibraryPath []string
}

// Report is the result of scanning one binary. Its JSON form is the
// stable output of `entitle scan --format json`.
type Report struct {
	Path         string       `json:"path"`
	Arch         string       `json:"arch"`
	Kind         string       `json:"kind"` // "go", "static" or "dynamic"
	Entitlements []string     `json:"entitlements"`
	Syscalls     []Syscall    `json:"syscalls"`
	Unresolved   []Unresolved `json:"unresolved"`
	Limits       []Limit      `json:"limits"`
	Libraries    []string     `json:"libraries,omitempty"`
	Warnings     []string     `json:"warnings,omitempty"`
}

// Syscall is one system call the binary can make.
type Syscall struct {
	Name string `json:"name"`
	// Entitlements are those needed beyond base for the calls found
	// (empty: base allows them).
	Entitlements []string `json:"entitlements"`
	// Runtime is set when the Go runtime itself makes the call.
	Runtime bool `json:"runtime,omitempty"`
	// Sites lists where the call is made (at most MaxSites of them).
	Sites     []Site `json:"sites"`
	MoreSites int    `json:"more_sites,omitempty"`
}

// Site is one place a system call is made.
type Site struct {
	Module   string `json:"module"`
	Function string `json:"function"`
	Address  string `json:"address"`
	Via      string `json:"via,omitempty"`  // the wrapper called there
	Args     string `json:"args,omitempty"` // the arguments the catalog looks at, as found
}

// Unresolved is a system call site whose number, or whose arguments that
// decide the entitlement, are not constant in the function.
type Unresolved struct {
	Module   string `json:"module"`
	Function string `json:"function"`
	Address  string `json:"address"`
	Syscall  string `json:"syscall,omitempty"` // set when only the arguments are unknown
	Reason   string `json:"reason"`
}

// Limit is something static analysis cannot see through: code loaded at
// run time (dlopen) or other programs executed.
type Limit struct {
	Kind   string `json:"kind"` // "dlopen", "exec", "i386", "missing-library"
	Module string `json:"module,omitempty"`
	Detail string `json:"detail"`
}

// MaxSites is how many sites a Report lists per system call.
const MaxSites = 16

// Scanner scans binaries, sharing a library cache between them.
type Scanner struct {
	opts  Options
	cache *libCache
}

// New returns a Scanner.
func New(opts Options) *Scanner {
	return &Scanner{opts: opts, cache: newLibCache(opts.CacheDir)}
}

// Scan analyses the binary at path with default options.
func Scan(path string) (*Report, error) { return New(Options{}).Scan(path) }

// loaded is one object of the program: its analysis summary.
type loaded struct {
	path   string
	sum    *summary
	interp bool // the program interpreter
}

// Scan analyses the binary at path and the libraries it loads.
func (sc *Scanner) Scan(path string) (*Report, error) {
	m, err := openModule(path)
	if err != nil {
		return nil, err
	}
	rep := &Report{Path: path, Arch: m.arch.Name(), Warnings: slices.Clone(m.warnings),
		Entitlements: []string{}, Syscalls: []Syscall{}, Unresolved: []Unresolved{}, Limits: []Limit{}}
	switch {
	case m.goBin:
		rep.Kind = "go"
	case m.dynamic && len(m.needed) > 0:
		rep.Kind = "dynamic"
	default:
		rep.Kind = "static"
	}
	rel := relevantArgs(m.arch)
	// Libraries, in the loader's breadth-first order.
	var libs []*loaded
	byPath := map[string]int{}
	if len(m.needed) > 0 || m.interp != "" {
		res := newResolver(sc.opts.Root, sc.opts.LibraryPath, m)
		type pending struct {
			name   string
			loader *module
			chain  []*module
		}
		var q []pending
		for _, n := range m.needed {
			q = append(q, pending{n, m, nil})
		}
		mods := map[string]*module{}
		for len(q) > 0 && len(libs) < 512 {
			p := q[0]
			q = q[1:]
			lp := p.loader.path
			if p.loader == m {
				lp = path
			}
			found := res.find(p.name, p.loader, p.chain)
			if found == "" {
				rep.Limits = append(rep.Limits, Limit{Kind: "missing-library", Module: lp,
					Detail: fmt.Sprintf("%s needs %s, which is not found (RUNPATH, ld.so.cache, default directories): its calls are not included; install it or give its directory with --library-path", filepath.Base(lp), p.name)})
				continue
			}
			found = res.canon(found)
			if _, ok := byPath[found]; ok || found == filepath.Clean(path) {
				continue
			}
			lm, err := openModule(found)
			if err != nil {
				rep.Limits = append(rep.Limits, Limit{Kind: "missing-library", Module: lp, Detail: fmt.Sprintf("cannot analyse %s: %v", found, err)})
				continue
			}
			if lm.machine != m.machine {
				continue
			}
			byPath[found] = len(libs)
			libs = append(libs, &loaded{path: found})
			mods[found] = lm
			for _, n := range lm.needed {
				q = append(q, pending{n, lm, append([]*module{p.loader}, p.chain...)})
			}
		}
		// The loader itself.
		var interp *module
		if m.interp != "" {
			ip := filepath.Join(sc.opts.Root, m.interp)
			if real, err := filepath.EvalSymlinks(ip); err == nil {
				ip = real
			}
			if i, ok := byPath[filepath.Clean(ip)]; ok {
				interp = mods[libs[i].path]
				libs[i].interp = true
			} else if lm, err := openModule(ip); err == nil && lm.machine == m.machine {
				byPath[filepath.Clean(ip)] = len(libs)
				libs = append(libs, &loaded{path: filepath.Clean(ip), interp: true})
				mods[filepath.Clean(ip)] = lm
				interp = lm
			} else {
				rep.Limits = append(rep.Limits, Limit{Kind: "missing-library", Detail: fmt.Sprintf("the program interpreter %s cannot be analysed", m.interp)})
			}
		}
		// Analyse dependencies before the objects that import from them, so
		// calls to imported wrappers (syscall(), socket(), ...) are
		// resolved with the caller's arguments.
		order := depOrder(libs, mods, byPath, res)
		for _, i := range order {
			l := libs[i]
			lm := mods[l.path]
			imp := sc.importer(libs, rel)
			lm.sysroot, lm.wantRefs = sc.opts.Root, true
			l.sum = sc.cache.get(lm, lm == interp, func() *summary {
				res := analyzeModule(lm, true, rel, imp)
				return newSummary(lm, res, lm == interp)
			})
			rep.Warnings = append(rep.Warnings, lm.warnings...)
		}
	}
	for _, l := range libs {
		rep.Libraries = append(rep.Libraries, l.path)
	}
	// The program: all of its code counts.
	res := analyzeModule(m, false, rel, sc.importer(libs, rel))
	sc.collect(rep, m, res, libs)
	return rep, nil
}

// depOrder returns library indices so that each library comes after the
// libraries it needs (cycles broken arbitrarily).
func depOrder(libs []*loaded, mods map[string]*module, byPath map[string]int, res *resolver) []int {
	state := make([]uint8, len(libs))
	var order []int
	var visit func(i int, depth int)
	visit = func(i int, depth int) {
		if state[i] != 0 || depth > 256 {
			return
		}
		state[i] = 1
		lm := mods[libs[i].path]
		for _, n := range lm.needed {
			if p := res.find(n, lm, nil); p != "" {
				if j, ok := byPath[res.canon(p)]; ok {
					visit(j, depth+1)
				}
			}
		}
		state[i] = 2
		order = append(order, i)
	}
	for i := range libs {
		visit(i, 0)
	}
	return order
}

// importer returns the lookup of an imported symbol's parameter-dependent
// sites in the global scope (the first analysed library exporting it).
func (sc *Scanner) importer(libs []*loaded, rel func(uint64) uint8) func(string) []site {
	return func(name string) []site {
		for _, l := range libs {
			if l.sum == nil {
				continue
			}
			if fi, ok := l.sum.Exports[name]; ok {
				return l.sum.params(fi)
			}
		}
		return nil
	}
}

type siteRef struct {
	module string
	fname  string
	s      site
	// wrapperOnly: a wrapper's parameter-dependent site reached without
	// a caller that gives its arguments.
	wrapperOnly bool
}

// collect gathers the sites of the program and of every library function
// reachable from what the program imports, and fills the report.
func (sc *Scanner) collect(rep *Report, m *module, res []funcResult, libs []*loaded) {
	var refs []siteRef
	// A wrapper whose address is taken is called through pointers too,
	// with arguments no call site shows: its sites count as they are.
	taken := map[int32]bool{}
	for _, j := range takenFuncs(m, res) {
		taken[j] = true
	}
	for i := range res {
		for _, s := range res[i].sites {
			refs = append(refs, siteRef{module: m.path, fname: m.funcs[s.fn].name, s: s})
		}
		for _, s := range res[i].params {
			refs = append(refs, siteRef{module: m.path, fname: m.funcs[s.fn].name, s: s, wrapperOnly: !taken[int32(i)]})
		}
	}
	// Reachability over the libraries: (library, function) and
	// (library, data block) pairs.
	type key struct{ lib, fn int32 }
	seen, done := map[key]bool{}, map[key]bool{}
	var work []key
	// Gated functions (gates.go) wait until their library's gate opens:
	// the priority-protect gate when an opener is reached, or shared
	// memory is possible (checked when nothing else is left to do); the
	// NSS DNS gate when an opener is reached or another object imports
	// an NSS lookup entry point.
	type gateKey struct {
		lib  int32
		kind uint8
	}
	const (
		gatePP = iota + 1
		gateNSS
	)
	gated, opener := map[key]uint8{}, map[key][]uint8{}
	gateOpen := map[gateKey]bool{}
	own := map[string]bool{}
	var waiting []key
	for li, l := range libs {
		if l.sum == nil {
			continue
		}
		if len(l.sum.Gated) > 0 {
			own[l.path] = true
			for _, fi := range l.sum.Gated {
				gated[key{int32(li), fi}] = gatePP
			}
			for _, n := range l.sum.GateOpeners {
				if fi, ok := l.sum.Exports[n]; ok {
					k := key{int32(li), fi}
					opener[k] = append(opener[k], gatePP)
				}
			}
		}
		if len(l.sum.NSSGated) > 0 {
			for _, fi := range l.sum.NSSGated {
				gated[key{int32(li), fi}] = gateNSS
			}
			for _, fi := range l.sum.NSSOpeners {
				k := key{int32(li), fi}
				opener[k] = append(opener[k], gateNSS)
			}
		}
	}
	for _, l := range libs {
		if l.interp && len(own) > 0 {
			own[l.path] = true // glibc's loader: its own mappings
		}
	}
	openGate := func(g gateKey) {
		if gateOpen[g] {
			return
		}
		gateOpen[g] = true
		rest := waiting[:0]
		for _, k := range waiting {
			if k.lib == g.lib && gated[k] == g.kind {
				seen[k] = true
				work = append(work, k)
			} else {
				rest = append(rest, k)
			}
		}
		waiting = rest
	}
	push := func(li int, fi int32) {
		k := key{int32(li), fi}
		if seen[k] {
			return
		}
		if g := gated[k]; g != 0 && !gateOpen[gateKey{int32(li), g}] {
			if !slices.Contains(waiting, k) {
				waiting = append(waiting, k)
			}
			return
		}
		seen[k] = true
		work = append(work, k)
		for _, g := range opener[k] {
			openGate(gateKey{int32(li), g})
		}
	}
	seenBlock := map[key]bool{}
	var blockWork []key
	pushBlock := func(li int, b int32) {
		k := key{int32(li), b}
		if !seenBlock[k] {
			seenBlock[k] = true
			blockWork = append(blockWork, k)
		}
	}
	importSeen := map[string]bool{}
	// Imports whose address is taken (stored in data, loaded from the
	// GOT) can be called with any arguments: their wrapper sites count.
	indirect := map[string]bool{}
	for _, n := range m.dataImports {
		indirect[n] = true
	}
	for _, n := range m.addrImports {
		indirect[n] = true
	}
	for _, l := range libs {
		if l.sum != nil {
			for _, n := range l.sum.DataImports {
				indirect[n] = true
			}
			for _, n := range l.sum.AddrImports {
				indirect[n] = true
			}
		}
	}
	type indKey struct{ lib, fn int32 }
	indirectFn := map[indKey]bool{}
	for li, l := range libs {
		if l.sum != nil {
			for _, fi := range l.sum.Taken {
				indirectFn[indKey{int32(li), fi}] = true
			}
		}
	}
	var dlopen []string
	resolveImport := func(from, name string) {
		if strings.HasPrefix(name, nssGate.entry) {
			// Another object calling NSS's lookup may ask for any name.
			for li, l := range libs {
				if l.sum == nil {
					continue
				}
				if _, ok := l.sum.Exports[name]; ok {
					if l.path != from {
						openGate(gateKey{int32(li), gateNSS})
					}
					break
				}
			}
		}
		if importSeen[name] {
			return
		}
		importSeen[name] = true
		if name == "dlopen" || name == "dlmopen" {
			dlopen = append(dlopen, from)
		}
		for li, l := range libs {
			if l.sum == nil {
				continue
			}
			if fi, ok := l.sum.Exports[name]; ok {
				push(li, fi)
				if ik := (indKey{int32(li), fi}); indirect[name] && !indirectFn[ik] {
					indirectFn[ik] = true
					if done[key(ik)] {
						// Reached before under a name not called through
						// pointers (mmap, then mmap64 in a table): its
						// wrapper sites count now.
						f := &l.sum.Funcs[fi]
						for _, s := range f.Params {
							refs = append(refs, siteRef{module: l.path, fname: f.Name, s: s.site()})
						}
					}
				}
				return
			}
			if bs, ok := l.sum.DataExports[name]; ok {
				for _, b := range bs {
					pushBlock(li, b)
				}
				return
			}
		}
	}
	for _, name := range m.imports {
		resolveImport(m.path, name)
	}
	for li, l := range libs {
		if l.sum == nil {
			continue
		}
		for _, r := range l.sum.Roots {
			push(li, r)
		}
		for _, b := range l.sum.RootBlocks {
			pushBlock(li, b)
		}
		for _, name := range l.sum.RootImports {
			resolveImport(l.path, name)
		}
	}
	for len(work) > 0 || len(blockWork) > 0 || len(waiting) > 0 {
		if len(work) == 0 && len(blockWork) == 0 {
			// Everything else is reached: the priority-protect gates
			// still closed open if code outside glibc can map shared
			// memory.
			var pp []gateKey
			for _, k := range waiting {
				if gated[k] == gatePP {
					pp = append(pp, gateKey{k.lib, gatePP})
				}
			}
			if len(pp) == 0 || !mayShareMemory(m, refs, own) {
				break
			}
			for _, g := range pp {
				openGate(g)
			}
			continue
		}
		if len(blockWork) > 0 {
			k := blockWork[len(blockWork)-1]
			blockWork = blockWork[:len(blockWork)-1]
			l := libs[k.lib]
			if int(k.fn) >= len(l.sum.Blocks) {
				continue
			}
			b := &l.sum.Blocks[k.fn]
			for _, f := range b.Funcs {
				push(int(k.lib), f)
			}
			for _, c := range b.Blocks {
				pushBlock(int(k.lib), c)
			}
			for _, name := range b.Imports {
				resolveImport(l.path, name)
			}
			continue
		}
		k := work[len(work)-1]
		work = work[:len(work)-1]
		done[k] = true
		l := libs[k.lib]
		f := &l.sum.Funcs[k.fn]
		for _, s := range f.Sites {
			refs = append(refs, siteRef{module: l.path, fname: f.Name, s: s.site()})
		}
		ind := indirectFn[indKey(k)]
		for _, s := range f.Params {
			refs = append(refs, siteRef{module: l.path, fname: f.Name, s: s.site(), wrapperOnly: !ind})
		}
		for _, c := range f.Calls {
			push(int(k.lib), c)
		}
		for _, name := range f.Imports {
			resolveImport(l.path, name)
		}
		for _, b := range f.Data {
			pushBlock(int(k.lib), b)
		}
	}
	refs = dropLoaderExec(m, libs, refs)
	sc.report(rep, m, refs)
	for _, d := range uniq(dlopen) {
		rep.Limits = append(rep.Limits, Limit{Kind: "dlopen", Module: d,
			Detail: "loads code at run time (dlopen): the libraries it loads are not analysed; scan them too and merge"})
	}
}

// dropLoaderExec removes the execve sites of glibc's loader from a
// program it loads. Its one execve (rtld_chain_load) runs a static program
// named on ld.so's own command line, and returns at once when the main
// program has a PT_INTERP: a program the kernel started through its
// interpreter never gets there. A loader that exports execve itself (musl,
// whose loader is its libc) keeps every site.
func dropLoaderExec(m *module, libs []*loaded, refs []siteRef) []siteRef {
	if m.interp == "" {
		return refs
	}
	var loader string
	for _, l := range libs {
		if l.interp && l.sum != nil {
			if _, ok := l.sum.Exports["execve"]; ok {
				return refs
			}
			if _, ok := l.sum.Exports["_dl_catch_exception"]; !ok {
				return refs // not glibc's
			}
			loader = l.path
		}
	}
	if loader == "" {
		return refs
	}
	execs := map[uint64]bool{}
	for _, n := range []string{"execve", "execveat"} {
		if nr, ok := m.arch.Number(n); ok {
			execs[uint64(nr)] = true
		}
	}
	out := refs[:0]
	for _, r := range refs {
		if r.module == loader && r.s.nr.kind == vConst && r.s.nr.n == 1 && execs[r.s.nr.c[0]] && !r.s.abi32 {
			continue
		}
		out = append(out, r)
	}
	return out
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// report turns the sites into the report's system calls, entitlements,
// unresolved sites and limits.
func (sc *Scanner) report(rep *Report, m *module, refs []siteRef) {
	arch := m.arch
	type acc struct {
		sys     Syscall
		ents    map[string]bool
		known   bool // some site has its arguments resolved
		pending []siteRef
	}
	calls := map[string]*acc{}
	ents := map[string]bool{}
	var unresolved []Unresolved
	i386 := map[string]bool{}
	var i386Sites []string // where, for the limit's detail
	addr := func(a uint64) string { return fmt.Sprintf("%#x", a) }
	for _, r := range refs {
		s := r.s
		if s.abi32 {
			i386Sites = append(i386Sites, r.fname+" ("+r.module+" "+addr(s.pc)+")")
			if s.nr.kind == vConst {
				for _, x := range s.nr.consts() {
					if n, ok := syscalls.X86.SyscallName(uint32(x)); ok {
						i386[n] = true
					}
				}
			} else {
				i386["?"] = true
			}
			continue
		}
		if s.nr.kind != vConst {
			if r.wrapperOnly && s.nr.kind == vParam {
				continue // a wrapper; its callers give the number
			}
			unresolved = append(unresolved, Unresolved{Module: r.module, Function: r.fname, Address: addr(s.pc),
				Reason: "system call number is not constant here" + viaText(s.via)})
			continue
		}
		for _, x := range s.nr.consts() {
			name, ok := arch.SyscallName(uint32(x))
			if !ok {
				continue // a number the kernel does not know: ENOSYS, never allowed
			}
			a := calls[name]
			if a == nil {
				a = &acc{sys: Syscall{Name: name}, ents: map[string]bool{}}
				calls[name] = a
			}
			if isRuntime(r.fname) && r.module == m.path && m.goBin {
				a.sys.Runtime = true
			}
			st := Site{Module: r.module, Function: r.fname, Address: addr(s.pc), Via: s.via, Args: argText(s, uint32(x), sc)}
			if len(a.sys.Sites) < MaxSites {
				a.sys.Sites = append(a.sys.Sites, st)
			} else {
				a.sys.MoreSites++
			}
			es, ok := siteEntitlements(arch, name, s)
			if ok {
				a.known = true
				for _, e := range es {
					a.ents[e] = true
				}
			} else {
				a.pending = append(a.pending, r)
			}
		}
	}
	if _, ok := calls["rt_sigaction"]; ok && arch == syscalls.AARCH64 {
		if _, ok := calls["rt_sigreturn"]; !ok {
			// A program that installs signal handlers returns from them
			// through the kernel's vDSO trampoline (glibc and Go set no
			// SA_RESTORER on aarch64): the call is in no file.
			a := &acc{sys: Syscall{Name: "rt_sigreturn", Runtime: calls["rt_sigaction"].sys.Runtime,
				Sites: []Site{{Module: "[vdso]", Function: "__kernel_rt_sigreturn", Address: "0x0"}}}, ents: map[string]bool{}, known: true}
			es, _ := siteEntitlements(arch, "rt_sigreturn", site{})
			for _, e := range es {
				a.ents[e] = true
			}
			calls["rt_sigreturn"] = a
		}
	}
	for name, a := range calls {
		for _, r := range a.pending {
			if r.wrapperOnly {
				// A wrapper whose callers give the arguments: each call
				// site was resolved on its own.
				continue
			}
			// Arguments unknown: every entitlement that grants the call
			// under some arguments (sound, not precise), and said.
			gs := grantorNames(arch, name)
			for _, e := range gs {
				a.ents[e] = true
			}
			unresolved = append(unresolved, Unresolved{Module: r.module, Function: r.fname, Address: addr(r.s.pc), Syscall: name,
				Reason: fmt.Sprintf("arguments of %s that decide the entitlement are not constant here%s; assumed any: %s", name, viaText(r.s.via), strings.Join(gs, ","))})
		}
		a.sys.Entitlements = slices.Sorted(maps.Keys(a.ents))
		for e := range a.ents {
			ents[e] = true
		}
		rep.Syscalls = append(rep.Syscalls, a.sys)
		if name == "execve" || name == "execveat" {
			rep.Limits = append(rep.Limits, Limit{Kind: "exec", Detail: name + ": runs other programs, whose own needs are not included (scan them too)"})
		}
	}
	sort.Slice(rep.Syscalls, func(i, j int) bool { return rep.Syscalls[i].Name < rep.Syscalls[j].Name })
	rep.Entitlements = slices.Sorted(maps.Keys(ents))
	sort.SliceStable(unresolved, func(i, j int) bool {
		if unresolved[i].Module != unresolved[j].Module {
			return unresolved[i].Module < unresolved[j].Module
		}
		return unresolved[i].Address < unresolved[j].Address
	})
	rep.Unresolved = append(rep.Unresolved, dedupUnresolved(unresolved)...)
	if len(i386) > 0 {
		slices.Sort(i386Sites)
		i386Sites = slices.Compact(i386Sites)
		where := strings.Join(i386Sites[:min(len(i386Sites), 3)], ", ")
		if len(i386Sites) > 3 {
			where += fmt.Sprintf(" and %d more", len(i386Sites)-3)
		}
		rep.Limits = append(rep.Limits, Limit{Kind: "i386", Detail: "makes i386 system calls (int $0x80: " + strings.Join(slices.Sorted(maps.Keys(i386)), ", ") + ", in " + where + "); entitlement policies kill foreign-architecture calls"})
	}
}

func dedupUnresolved(u []Unresolved) []Unresolved {
	out := u[:0]
	seen := map[Unresolved]bool{}
	for _, x := range u {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func viaText(via string) string {
	if via == "" {
		return ""
	}
	return " (call to " + via + ")"
}

func isRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/") || strings.HasPrefix(fn, "runtime/internal/")
}

// grantorNames returns the entitlements (not base) that grant a call
// under some arguments.
func grantorNames(arch *syscalls.Arch, name string) []string {
	var out []string
	for _, g := range catalog.Grantors(arch, name) {
		if g.Entitlement != "base" {
			out = append(out, g.Entitlement)
		}
	}
	return uniq(out)
}

// relevantArgs returns, per system call number, the argument indices the
// catalog's rules for that call compare (from catalog.Grantors).
func relevantArgs(arch *syscalls.Arch) func(uint64) uint8 {
	masks := map[uint32]uint8{}
	for _, s := range arch.Syscalls() {
		var mask uint8
		for _, g := range catalog.Grantors(arch, s.Name) {
			for _, c := range g.Conds {
				if c.Arg < 6 {
					mask |= 1 << c.Arg
				}
			}
		}
		masks[s.Nr] = mask
	}
	return func(nr uint64) uint8 {
		if nr > 0xFFFFFFFF {
			return 0
		}
		return masks[uint32(nr)]
	}
}

// siteEntitlements maps one site of call name to the entitlements that
// allow it (catalog.Explain over every combination of the argument values
// found). ok is false when an argument that matters is not constant.
func siteEntitlements(arch *syscalls.Arch, name string, s site) ([]string, bool) {
	nr, _ := arch.Number(name)
	var mask uint8
	for _, g := range catalog.Grantors(arch, name) {
		for _, c := range g.Conds {
			mask |= 1 << c.Arg
		}
	}
	_ = nr
	var idx []int
	for i := range 6 {
		if mask&(1<<i) != 0 {
			if s.args[i].kind != vConst {
				return nil, false
			}
			idx = append(idx, i)
		}
	}
	var out []string
	var args [6]uint64
	var rec func(k int)
	rec = func(k int) {
		if k == len(idx) {
			out = append(out, catalog.Explain(arch, name, args)...)
			return
		}
		for _, v := range s.args[idx[k]].consts() {
			args[idx[k]] = v
			rec(k + 1)
		}
	}
	rec(0)
	return uniq(out), true
}

// argText describes the arguments of a site that the catalog looks at.
func argText(s site, nr uint32, sc *Scanner) string {
	var parts []string
	for i := range 6 {
		v := s.args[i]
		switch v.kind {
		case vConst:
			var cs []string
			for _, c := range v.consts() {
				cs = append(cs, fmt.Sprintf("%#x", c))
			}
			parts = append(parts, fmt.Sprintf("arg%d=%s", i, strings.Join(cs, "|")))
		case vParam:
			parts = append(parts, fmt.Sprintf("arg%d=(caller's)", i))
		}
	}
	return strings.Join(parts, " ")
}
