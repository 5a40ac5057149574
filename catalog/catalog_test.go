package catalog

import (
	"fmt"
	"github.com/entitle-dev/entitle/internal/linux"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

func allWithBase() []*Entitlement { return append([]*Entitlement{Base()}, All()...) }

// homes maps each classified name to where it lives.
func homes(t *testing.T) map[string][]string {
	t.Helper()
	h := map[string][]string{}
	for _, e := range allWithBase() {
		for _, s := range e.Owns {
			h[s] = append(h[s], e.Name)
		}
	}
	for _, s := range Never() {
		h[s] = append(h[s], "never")
	}
	return h
}

func TestCompleteness(t *testing.T) {
	h := homes(t)
	for name, where := range h {
		if len(where) > 1 {
			t.Errorf("%s is classified more than once: %v", name, where)
		}
	}
	for _, a := range []*syscalls.Arch{syscalls.X86_64, syscalls.AARCH64} {
		var missing []string
		for _, sc := range a.Syscalls() {
			if len(h[sc.Name]) == 0 {
				missing = append(missing, sc.Name)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: %d system calls are in no entitlement's Owns, not in base and not in Never — classify them in catalog/entitlements.go: %s",
				a.Name(), len(missing), strings.Join(missing, " "))
		}
	}
}

// TestCompletenessOtherArches reports (without failing) calls of the other
// tables that are not classified.
func TestCompletenessOtherArches(t *testing.T) {
	h := homes(t)
	for _, a := range allArches() {
		if a == syscalls.X86_64 || a == syscalls.AARCH64 {
			continue
		}
		var missing []string
		for _, sc := range a.Syscalls() {
			if len(h[sc.Name]) == 0 {
				missing = append(missing, sc.Name)
			}
		}
		if len(missing) > 0 {
			t.Logf("%s: unclassified (not required): %s", a.Name(), strings.Join(missing, " "))
		}
	}
}

func allArches() []*syscalls.Arch { return syscalls.All() }

func TestNamesKnown(t *testing.T) {
	check := func(where, name string) {
		if !syscalls.Known(name) {
			t.Errorf("%s names %q, which no syscall table knows (nearest: %v)", where, name, syscalls.Nearest(name, 3))
		}
	}
	for _, e := range allWithBase() {
		for _, s := range e.Owns {
			check(e.Name+".Owns", s)
		}
		for _, s := range e.Allow {
			check(e.Name+".Allow", s)
		}
		for _, r := range e.Rules {
			check(e.Name+".Rules", r.Syscall)
		}
	}
	for _, s := range Never() {
		check("Never", s)
		if NeverReason(s) == "" {
			t.Errorf("Never: %s has no reason", s)
		}
	}
	for s := range fallbacks {
		check("fallbacks", s)
	}
}

// TestGrantsHaveHomes: whatever an entitlement grants is owned by someone
// (not in Never), and an entitlement's Owns are granted by someone.
func TestGrantsHaveHomes(t *testing.T) {
	h := homes(t)
	granted := map[string]bool{}
	for _, e := range allWithBase() {
		for _, s := range e.Allow {
			granted[s] = true
			if len(h[s]) == 0 || h[s][0] == "never" {
				t.Errorf("%s allows %s, which has no home or is in Never", e.Name, s)
			}
		}
		for _, r := range e.Rules {
			if r.Action == policy.Allow {
				granted[r.Syscall] = true
			}
			if len(h[r.Syscall]) == 0 || h[r.Syscall][0] == "never" {
				t.Errorf("%s has a rule on %s, which has no home or is in Never", e.Name, r.Syscall)
			}
		}
	}
	for _, e := range allWithBase() {
		for _, s := range e.Owns {
			if !granted[s] {
				t.Errorf("%s owns %s but nothing grants it", e.Name, s)
			}
		}
	}
}

func TestRulesOCIExpressible(t *testing.T) {
	for _, e := range allWithBase() {
		for _, r := range e.Rules {
			if r.Action != policy.Allow {
				if e.Name != "base" || fallbacks[r.Syscall] == "" || len(r.Conds) != 0 {
					t.Errorf("%s: rule %s: only base's fallback rules may have an action other than allow", e.Name, r)
				}
				continue
			}
			args := map[uint8]bool{}
			for _, c := range r.Conds {
				if args[c.Arg] {
					t.Errorf("%s: rule %s has two conditions on argument %d", e.Name, r, c.Arg)
				}
				args[c.Arg] = true
				if c.Width32 && c.Op != policy.OpEQ && c.Op != policy.OpMaskedEQ {
					t.Errorf("%s: rule %s uses Width32 with %v", e.Name, r, c.Op)
				}
				if c.Width32 && c.Value>>32 != 0 {
					t.Errorf("%s: rule %s: 32-bit value %#x", e.Name, r, c.Value)
				}
				if c.Op == policy.OpMaskedEQ && c.Value&^c.Mask != 0 {
					t.Errorf("%s: rule %s: value has bits outside the mask", e.Name, r)
				}
			}
			if len(r.Conds) == 0 {
				t.Errorf("%s: rule %s has no conditions: put the call in Allow", e.Name, r)
			}
		}
	}
}

func TestNeverIoctls(t *testing.T) {
	for _, e := range allWithBase() {
		if slices.Contains(e.Allow, "ioctl") {
			t.Errorf("%s allows every ioctl", e.Name)
		}
		for _, r := range e.Rules {
			if r.Syscall != "ioctl" {
				continue
			}
			for req, why := range neverIoctls {
				for _, hi := range []uint64{0, 0xFFFFFFFF00000000} {
					args := [6]uint64{0, req | hi}
					if r.Matches(args, 64) || r.Matches(args, 32) {
						t.Errorf("%s: rule %s allows ioctl %#x: %s", e.Name, r, req, why)
					}
				}
			}
		}
	}
	p, err := Build(Request{Entitlements: allNames(), Arches: []*syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	for req := range neverIoctls {
		if got := eval(t, p, "ioctl", 1, req); got != policy.Errno(eperm) {
			t.Errorf("ioctl(%#x) with every entitlement: %v, want errno(EPERM)", req, got)
		}
	}
}

func allNames() []string {
	var n []string
	for _, e := range All() {
		n = append(n, e.Name)
	}
	return n
}

func TestAllSortedAndSummaries(t *testing.T) {
	all := All()
	if len(all) < 30 {
		t.Errorf("%d entitlements, want about 30", len(all))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("All is not sorted by name")
	}
	for _, e := range allWithBase() {
		if e.Summary == "" || strings.Contains(e.Summary, "\n") {
			t.Errorf("%s: summary must be one non-empty line", e.Name)
		}
	}
	// The vocabulary of ENTITLEMENTS.md.
	for _, n := range strings.Fields(`fs.read fs.write fs.create fs.attr fs.chown fs.special fs.lock fs.watch
		net.client net.server net.unix net.dns net.netlink net.raw ipc.fdpass ipc.sysv tty proc.spawn proc.exec
		proc.signal proc.identity proc.resources mem.jit mem.lock io.uring sandbox time.set admin.mount
		admin.namespaces admin.debug admin.kernel`) {
		if _, err := Lookup(n); err != nil {
			t.Errorf("entitlement %s is missing: %v", n, err)
		}
	}
	// The catalog is not shared with callers.
	b := Base()
	b.Allow[0] = "reboot"
	if Base().Allow[0] == "reboot" {
		t.Error("Base returns the catalog's own slices")
	}
}

func TestLookup(t *testing.T) {
	es, err := Lookup("net.client")
	if err != nil || len(es) != 1 || es[0].Name != "net.client" {
		t.Fatalf("Lookup(net.client) = %v, %v", es, err)
	}
	es, err = Lookup("network_connection")
	if err != nil || len(es) != 2 {
		t.Fatalf("Lookup(network_connection) = %v, %v", es, err)
	}
	if es, err := Lookup("obsolete"); err != nil || len(es) != 0 {
		t.Errorf("Lookup(obsolete) = %v, %v; want no entitlements", es, err)
	}
	_, err = Lookup("net.clinet")
	if err == nil || err.Error() != `unknown entitlement "net.clinet"; did you mean net.client?` {
		t.Errorf("Lookup(net.clinet) error = %v", err)
	}
	_, err = Lookup("fs.wirte")
	if err == nil || !strings.Contains(err.Error(), "fs.write") {
		t.Errorf("Lookup(fs.wirte) error = %v", err)
	}
	_, err = Lookup("mounts")
	if err == nil || !strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "mount") {
		t.Errorf("Lookup(mounts) error = %v", err)
	}
	_, err = Lookup("zzzzzzzzzzzz")
	if err == nil || !strings.Contains(err.Error(), "fs.read") {
		t.Errorf("Lookup(zzzzzzzzzzzz) error = %v, want the list of names", err)
	}
	if _, err := Build(Request{Entitlements: []string{"net.client", "bogus.thing"}}); err == nil {
		t.Error("Policy accepted an unknown name")
	}
}

func TestPoliciesValidate(t *testing.T) {
	arches := [][]*syscalls.Arch{nil, {syscalls.X86_64}, {syscalls.AARCH64}, {syscalls.X86_64, syscalls.AARCH64}}
	sets := [][]string{nil, {"net.server"}, {"fs.read", "fs.write", "proc.spawn", "proc.exec"}, allNames()}
	for _, mode := range []Mode{AllowList, DenyList} {
		for _, a := range arches {
			for _, names := range sets {
				for _, pid := range []int{0, 4242} {
					p, err := Build(Request{Entitlements: names, Mode: mode, Arches: a, SelfPID: pid})
					if err != nil {
						t.Fatalf("Policy(%v, %v): %v", names, mode, err)
					}
					if err := p.Validate(); err != nil {
						t.Errorf("Policy(%v, %v, arches %v): invalid: %v", names, mode, a, err)
					}
				}
			}
		}
	}
}

// eval decides a call on x86_64.
func eval(t *testing.T, p *policy.Policy, name string, args ...uint64) policy.Action {
	t.Helper()
	nr, ok := syscalls.X86_64.Number(name)
	if !ok {
		t.Fatalf("x86_64 has no %s", name)
	}
	var a [6]uint64
	copy(a[:], args)
	return p.Evaluate(syscalls.X86_64.AuditArch(), nr, a)
}

func mustPolicy(t *testing.T, names []string, opts Request) *policy.Policy {
	t.Helper()
	if opts.Arches == nil {
		opts.Arches = []*syscalls.Arch{syscalls.X86_64}
	}
	opts.Entitlements = names
	p, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	allow   = policy.Allow
	eperm_  = policy.Errno(eperm)
	enosys_ = policy.Errno(enosys)
)

func TestSpotChecks(t *testing.T) {
	const (
		goThread     = 0x50F00
		glibcThread  = 0x3D0F00
		sigchld      = 17
		cloneNewuser = 0x10000000
		soCloexec    = 0x80000
	)
	base := mustPolicy(t, nil, Request{SelfPID: 1234})
	spawn := mustPolicy(t, []string{"proc.spawn"}, Request{})
	ns := mustPolicy(t, []string{"admin.namespaces"}, Request{})
	jit := mustPolicy(t, []string{"mem.jit"}, Request{})
	tty := mustPolicy(t, []string{"tty"}, Request{})
	client := mustPolicy(t, []string{"net.client"}, Request{})
	unixOnly := mustPolicy(t, []string{"net.unix"}, Request{})
	files := mustPolicy(t, []string{"fs.read"}, Request{})
	kill := mustPolicy(t, nil, Request{Violation: policy.KillProcess})

	cases := []struct {
		p    *policy.Policy
		desc string
		call string
		args []uint64
		want policy.Action
	}{
		{base, "base", "read", nil, allow},
		{base, "base", "futex", nil, allow},
		{base, "base", "clone", []uint64{goThread}, allow},
		{base, "base", "clone", []uint64{glibcThread}, allow},
		{base, "base", "clone", []uint64{cloneNewuser | sigchld}, eperm_},
		{base, "base", "clone", []uint64{sigchld}, eperm_},
		{base, "base", "clone", []uint64{goThread | cloneNewuser}, eperm_},
		{base, "base", "clone3", nil, enosys_},
		{base, "base", "openat2", nil, enosys_},
		{base, "base", "reboot", nil, eperm_},
		{kill, "base, kill", "reboot", nil, policy.KillProcess},
		{base, "base", "mount", nil, eperm_},
		{base, "base", "execve", nil, eperm_},
		{base, "base", "tgkill", []uint64{1234, 1235, 23}, allow},
		{base, "base", "tgkill", []uint64{999, 1000, 9}, eperm_},
		{base, "base", "kill", []uint64{1234, 6}, allow},
		{base, "base", "kill", []uint64{1, 9}, eperm_},
		{base, "base", "kill", []uint64{0xFFFFFFFFFFFFFFFF, 9}, eperm_},
		{spawn, "proc.spawn", "clone", []uint64{sigchld}, allow},
		{spawn, "proc.spawn", "clone", []uint64{0x4000 | 0x100 | 0x1000 | sigchld}, allow}, // Go os/exec: VFORK|VM|PIDFD
		{spawn, "proc.spawn", "clone", []uint64{cloneNewuser | sigchld}, eperm_},
		{spawn, "proc.spawn", "clone3", nil, enosys_},
		{spawn, "proc.spawn", "kill", []uint64{4321, 15}, allow},
		{ns, "admin.namespaces", "clone", []uint64{cloneNewuser | sigchld}, allow},
		{ns, "admin.namespaces", "clone3", nil, allow},
		{ns, "admin.namespaces", "unshare", []uint64{cloneNewuser}, allow},
		{base, "base", "mmap", []uint64{0, 4096, 0x3, 0x22, 0xFFFFFFFFFFFFFFFF, 0}, allow},  // RW anonymous
		{base, "base", "mmap", []uint64{0, 4096, 0x5, 0x22, 0xFFFFFFFFFFFFFFFF, 0}, eperm_}, // RX anonymous
		{base, "base", "mmap", []uint64{0, 4096, 0x5, 0x802, 3, 0}, allow},                  // RX file (ld.so)
		{base, "base", "mmap", []uint64{0, 4096, 0x7, 0x1, 3, 0}, eperm_},                   // RWX shared file
		{base, "base", "mprotect", []uint64{0, 4096, 0x1}, allow},                           // RELRO
		{base, "base", "mprotect", []uint64{0, 4096, 0x5}, eperm_},
		{jit, "mem.jit", "mmap", []uint64{0, 4096, 0x7, 0x22, 0xFFFFFFFFFFFFFFFF, 0}, allow},
		{jit, "mem.jit", "mprotect", []uint64{0, 4096, 0x5}, allow},
		{base, "base", "ioctl", []uint64{1, linux.TCGETS}, allow},
		{base, "base", "ioctl", []uint64{1, linux.TCSETS}, eperm_},
		{tty, "tty", "ioctl", []uint64{1, linux.TCSETS}, allow},
		{tty, "tty", "ioctl", []uint64{1, linux.TIOCSTI}, eperm_},
		{tty, "tty", "ioctl", []uint64{1, 0xFFFFFFFF00000000 | linux.TIOCSTI}, eperm_},
		{client, "net.client", "socket", []uint64{linux.AF_INET, linux.SOCK_STREAM | soCloexec, 0}, allow},
		{client, "net.client", "socket", []uint64{linux.AF_INET6, linux.SOCK_DGRAM, linux.IPPROTO_UDP}, allow},
		{base, "base", "socket", []uint64{linux.AF_INET, linux.SOCK_STREAM | soCloexec, 0}, eperm_},
		{client, "net.client", "socket", []uint64{linux.AF_NETLINK, linux.SOCK_RAW, 0}, eperm_},
		{client, "net.client", "socket", []uint64{linux.AF_UNIX, linux.SOCK_STREAM, 0}, eperm_},
		{client, "net.client", "socket", []uint64{linux.AF_INET, linux.SOCK_RAW, linux.IPPROTO_ICMP}, eperm_},
		{client, "net.client", "connect", nil, allow},
		{client, "net.client", "listen", nil, eperm_},
		{unixOnly, "net.unix", "socket", []uint64{linux.AF_UNIX, linux.SOCK_STREAM | soCloexec, 0}, allow},
		{unixOnly, "net.unix", "socket", []uint64{linux.AF_INET, linux.SOCK_STREAM, 0}, eperm_},
		{base, "base", "openat", []uint64{0xFFFFFF9C, 0, 0}, eperm_},
		{files, "fs.read", "openat", []uint64{0xFFFFFFFFFFFFFF9C, 0, 0x80000}, allow},       // O_RDONLY|O_CLOEXEC
		{files, "fs.read", "openat", []uint64{0xFFFFFFFFFFFFFF9C, 0, 0x1}, eperm_},          // O_WRONLY
		{files, "fs.read", "openat", []uint64{0xFFFFFFFFFFFFFF9C, 0, 0x241, 0o644}, eperm_}, // creat
		{base, "base", "prlimit64", []uint64{0, 7, 0, 0x7fff0000}, allow},
		{base, "base", "prlimit64", []uint64{0, 9, 0x7fff0000, 0}, eperm_},    // RLIMIT_AS
		{base, "base", "prlimit64", []uint64{0, 3, 0x7fff0000, 0}, allow},     // RLIMIT_STACK (compilers raise it)
		{base, "base", "prlimit64", []uint64{1234, 3, 0x7fff0000, 0}, eperm_}, // another process's
		{base, "base", "prlimit64", []uint64{0, 7, 0x7fff0000, 0}, allow},
		{base, "base", "prctl", []uint64{linux.PR_SET_NAME}, allow},
		{base, "base", "prctl", []uint64{linux.PR_SET_SECCOMP}, eperm_},
		{base, "base", "newfstatat", []uint64{3, 0, 0, linux.AT_EMPTY_PATH}, allow},
		{base, "base", "newfstatat", []uint64{0xFFFFFF9C, 0, 0, 0}, eperm_},
		{base, "base", "sendto", []uint64{3, 0, 10, 0, 0, 0}, allow},
		{base, "base", "sendto", []uint64{3, 0, 10, 0, 0x7fff0000, 16}, eperm_},
		{base, "base", "io_uring_setup", nil, eperm_},
	}
	for _, c := range cases {
		if got := eval(t, c.p, c.call, c.args...); got != c.want {
			t.Errorf("%s: %s(%#x) = %v, want %v", c.desc, c.call, c.args, got, c.want)
		}
	}
	// Unknown numbers get ENOSYS.
	if got := base.Evaluate(syscalls.X86_64.AuditArch(), 0x3FFF, [6]uint64{}); got != enosys_ {
		t.Errorf("unknown syscall number: %v, want errno(ENOSYS)", got)
	}
	// Foreign architectures are killed.
	if got := base.Evaluate(syscalls.AARCH64.AuditArch(), 63, [6]uint64{}); got != policy.KillProcess {
		t.Errorf("aarch64 call in an x86_64 policy: %v, want kill-process", got)
	}
}

func TestSignalsWithoutPID(t *testing.T) {
	p := mustPolicy(t, nil, Request{})
	for _, c := range []struct {
		call string
		args []uint64
		want policy.Action
	}{
		{"tgkill", []uint64{77, 78, 23}, allow},
		{"tkill", []uint64{78, 23}, allow},
		{"kill", []uint64{77, 6}, eperm_},
		{"rt_sigqueueinfo", []uint64{77, 6}, eperm_},
	} {
		if got := eval(t, p, c.call, c.args...); got != c.want {
			t.Errorf("SelfPID 0: %s(%v) = %v, want %v", c.call, c.args, got, c.want)
		}
	}
	for _, r := range p.Rules {
		for _, c := range r.Conds {
			if c.Value == OwnPID {
				t.Errorf("rule %s still carries OwnPID", r)
			}
		}
	}
	sig := mustPolicy(t, []string{"proc.signal"}, Request{SelfPID: 10})
	if got := eval(t, sig, "kill", 1, 15); got != allow {
		t.Errorf("proc.signal: kill(1) = %v", got)
	}
}

func TestDenyList(t *testing.T) {
	p := mustPolicy(t, []string{"net.client"}, Request{Mode: DenyList})
	if p.DefaultAction != allow {
		t.Fatalf("default %v, want allow", p.DefaultAction)
	}
	for _, c := range []struct {
		call string
		args []uint64
		want policy.Action
	}{
		{"getpid", nil, allow},
		{"socket", []uint64{linux.AF_NETLINK, linux.SOCK_RAW, 0}, allow}, // no argument rules
		{"mount", nil, eperm_},
		{"reboot", nil, eperm_},
		{"_sysctl", nil, eperm_},
		{"clone3", nil, enosys_},
		{"kill", []uint64{1, 9}, allow}, // base grants kill (to self): kept
		{"listen", nil, eperm_},         // net.server not granted
		{"execve", nil, eperm_},
		// The never-grantable ioctl requests are Never too: TIOCSTI
		// would type into the parent shell's terminal. Both halves of
		// the request word; other requests stay allowed.
		{"ioctl", []uint64{1, linux.TIOCSTI}, eperm_},
		{"ioctl", []uint64{1, 0xFFFFFFFF00000000 | linux.TIOCSTI}, eperm_},
		{"ioctl", []uint64{1, linux.TIOCLINUX}, eperm_},
		{"ioctl", []uint64{1, linux.TIOCGWINSZ}, allow},
	} {
		if got := eval(t, p, c.call, c.args...); got != c.want {
			t.Errorf("deny-list: %s(%v) = %v, want %v", c.call, c.args, got, c.want)
		}
	}
	p = mustPolicy(t, []string{"admin.mount", "mount"}, Request{Mode: DenyList})
	if got := eval(t, p, "mount"); got != allow {
		t.Errorf("deny-list with admin.mount: mount = %v", got)
	}
}

func TestPolicyShape(t *testing.T) {
	p := mustPolicy(t, []string{"net.client", "net.server", "net.dns", "fs.read"}, Request{
		Violation: policy.Log,
		Extra:     []policy.Rule{{Syscall: "reboot", Action: policy.Errno(1)}},
	})
	if p.DefaultAction != policy.Log || p.BadArch() != policy.KillProcess || p.Unknown() != enosys_ {
		t.Errorf("actions: default %v, bad arch %v, unknown %v", p.DefaultAction, p.BadArch(), p.Unknown())
	}
	if last := p.Rules[len(p.Rules)-1]; last.Syscall != "reboot" {
		t.Errorf("Extra not appended last: %v", last)
	}
	seen := map[string]bool{}
	uncond := map[string]bool{}
	for _, r := range p.Rules {
		k := r.String()
		if seen[k] {
			t.Errorf("duplicate rule %s", k)
		}
		seen[k] = true
		if len(r.Conds) == 0 && r.Action == allow {
			uncond[r.Syscall] = true
		}
	}
	for _, r := range p.Rules {
		if len(r.Conds) > 0 && uncond[r.Syscall] {
			t.Errorf("conditional rule %s next to an unconditional allow", r)
		}
		if _, ok := syscalls.X86_64.Number(r.Syscall); !ok {
			t.Errorf("rule for %s, which x86_64 does not have", r.Syscall)
		}
	}
	if _, err := Build(Request{Entitlements: nil, Arches: []*syscalls.Arch{nil}}); err == nil {
		t.Error("nil arch accepted")
	}
	if _, err := Build(Request{Entitlements: nil, SelfPID: -1}); err == nil {
		t.Error("negative SelfPID accepted")
	}
}

func TestGrantors(t *testing.T) {
	g := Grantors(syscalls.X86_64, "socket")
	by := map[string][]Grant{}
	for _, x := range g {
		by[x.Entitlement] = append(by[x.Entitlement], x)
	}
	for _, n := range []string{"net.client", "net.server", "net.unix", "net.dns", "net.netlink", "net.raw"} {
		if len(by[n]) == 0 {
			t.Errorf("Grantors(socket) lacks %s: %v", n, g)
		}
		for _, x := range by[n] {
			if len(x.Conds) == 0 {
				t.Errorf("%s grants socket without conditions", n)
			}
		}
	}
	if len(by) != 6 {
		t.Errorf("Grantors(socket) = %v, want the six net.* entitlements", g)
	}
	if g := Grantors(syscalls.X86_64, "read"); len(g) != 1 || g[0].Entitlement != "base" || g[0].Conds != nil {
		t.Errorf("Grantors(read) = %v", g)
	}
	if g := Grantors(syscalls.AARCH64, "open"); g != nil {
		t.Errorf("Grantors(aarch64, open) = %v, want nil (aarch64 has no open)", g)
	}
	if g := Grantors(syscalls.X86_64, "_sysctl"); len(g) != 0 {
		t.Errorf("Grantors(_sysctl) = %v", g)
	}
}

func TestExplain(t *testing.T) {
	x := syscalls.X86_64
	cases := []struct {
		call string
		args [6]uint64
		want []string
	}{
		{"socket", [6]uint64{linux.AF_UNIX, linux.SOCK_STREAM}, []string{"net.unix"}},
		{"socket", [6]uint64{linux.AF_INET, linux.SOCK_STREAM}, []string{"net.client"}},
		{"socket", [6]uint64{linux.AF_NETLINK, linux.SOCK_RAW, linux.NETLINK_ROUTE}, []string{"net.netlink"}},
		{"socket", [6]uint64{linux.AF_PACKET, linux.SOCK_RAW}, []string{"net.raw"}},
		{"socket", [6]uint64{38 /* AF_ALG */, 5}, nil},
		{"clone", [6]uint64{17}, []string{"proc.spawn"}},
		{"clone", [6]uint64{0x10000000 | 17}, []string{"admin.namespaces"}},
		{"clone3", [6]uint64{}, []string{"admin.namespaces"}},
		{"mmap", [6]uint64{0, 4096, 7, 0x22}, []string{"mem.jit"}},
		{"ioctl", [6]uint64{0, linux.TCSETS}, []string{"tty"}},
		{"ioctl", [6]uint64{0, linux.TIOCSTI}, nil},
		{"openat", [6]uint64{0, 0, 0}, []string{"fs.read"}},
		{"openat", [6]uint64{0, 0, linux.O_WRONLY}, []string{"fs.write"}},
		{"openat", [6]uint64{0, 0, linux.O_WRONLY | linux.O_CREAT, 0o644}, []string{"fs.create"}},
		{"fchmodat", [6]uint64{0, 0, 0o4755}, []string{"fs.chown"}},
		{"fchmodat", [6]uint64{0, 0, 0o755}, []string{"fs.attr"}},
		{"kill", [6]uint64{1, 9}, []string{"proc.signal"}},
		{"mount", [6]uint64{}, []string{"admin.mount"}},
		{"reboot", [6]uint64{}, []string{"admin.kernel"}},
		{"read", [6]uint64{}, []string{}},
		{"_sysctl", [6]uint64{}, nil},
		{"no_such_call", [6]uint64{}, nil},
	}
	for _, c := range cases {
		got := Explain(x, c.call, c.args)
		if !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("Explain(%s, %#x) = %#v, want %#v", c.call, c.args[:3], got, c.want)
		}
	}
	// Whatever Explain names does allow the call.
	for _, c := range cases {
		names := Explain(x, c.call, c.args)
		if len(names) == 0 {
			continue
		}
		p := mustPolicy(t, names, Request{})
		nr, _ := x.Number(c.call)
		if got := p.Evaluate(x.AuditArch(), nr, c.args); got != allow {
			t.Errorf("Explain(%s) = %v, but that policy gives %v", c.call, names, got)
		}
	}
}

func TestUnsupportedArch(t *testing.T) {
	for _, n := range []string{"s390x", "ppc64le"} {
		a, err := syscalls.Lookup(n)
		if err != nil {
			continue
		}
		if _, err := Build(Request{Entitlements: nil, Arches: []*syscalls.Arch{a}}); err == nil {
			t.Errorf("Policy accepted %s, whose constants differ", n)
		}
	}
}

var readmeRow = regexp.MustCompile("^\\| `([^`]+)` \\| (.*) \\|$")

// TestReadme keeps README.md's table in sync with All. Run with
// ENTITLE_UPDATE_README=1 to rewrite the table.
func TestReadme(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	const begin, end = "<!-- table:begin -->\n", "<!-- table:end -->"
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", begin, end)
	}
	var b strings.Builder
	b.WriteString("| entitlement | summary |\n|---|---|\n")
	for _, e := range allWithBase() {
		fmt.Fprintf(&b, "| `%s` | %s |\n", e.Name, e.Summary)
	}
	want := b.String()
	if got := text[i+len(begin) : j]; got != want {
		if os.Getenv("ENTITLE_UPDATE_README") != "" {
			if err := os.WriteFile("README.md", []byte(text[:i+len(begin)]+want+text[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md table is out of date; run ENTITLE_UPDATE_README=1 go test ./catalog -run TestReadme\ngot:\n%s\nwant:\n%s", got, want)
	}
	rows := 0
	for _, line := range strings.Split(want, "\n") {
		if readmeRow.MatchString(line) {
			rows++
		}
	}
	if rows != len(All())+1 {
		t.Errorf("table has %d rows, want %d", rows, len(All())+1)
	}
}

// TestLayersTable: the layers table names only entitlements of the
// catalog, base grants nothing beyond seccomp, and the capabilities are
// the kernel's numbers.
func TestLayersTable(t *testing.T) {
	for name := range layers {
		if _, err := Lookup(name); err != nil {
			t.Errorf("layers: %v", err)
		}
	}
	l, err := LayersOf(nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.FS != 0 || !l.Connect.Empty() || !l.Bind.Empty() || l.Unscoped != 0 || len(l.Caps) != 0 || l.PseudoFS || l.AllCaps || l.Mount {
		t.Errorf("base grants %+v beyond seccomp, want nothing", l)
	}
	l, _ = LayersOf([]string{"net.dns", "net.client"})
	if !l.Connect.All {
		t.Errorf("net.dns + net.client connect to %v, want any port", l.Connect)
	}
	l, _ = LayersOf([]string{"net.dns"})
	if l.Connect.All || len(l.Connect.List) != 1 || l.Connect.List[0] != 53 {
		t.Errorf("net.dns connects to %v, want port 53", l.Connect)
	}
	for _, c := range []struct {
		c    Capability
		want int
	}{{CapNetBindService, 10}, {CapSysAdmin, 21}, {CapSetfcap, 31}, {CapBPF, 39}, {CapPerfmon, 38}} {
		if c.c.Num != c.want {
			t.Errorf("%s = %d, want %d", c.c.Name, c.c.Num, c.want)
		}
	}
	if _, err := LayersOf([]string{"fs.raed"}); err == nil || !strings.Contains(err.Error(), "fs.read") {
		t.Errorf("unknown name: %v", err)
	}
}

// TestIdentityNoops: with the process's ids known, base allows the set*id
// calls that change nothing; changing an id needs proc.identity.
func TestIdentityNoops(t *testing.T) {
	p, err := Build(Request{Entitlements: nil, Identity: &Identity{UID: 1000, GID: 100}})
	if err != nil {
		t.Fatal(err)
	}
	a := syscalls.X86_64
	for _, c := range []struct {
		sys  string
		args [6]uint64
		want bool
	}{
		{"setresuid", [6]uint64{0xFFFFFFFF, 1000, 0xFFFFFFFF}, true},
		{"setresuid", [6]uint64{1000, 1000, 1000}, true},
		{"setresuid", [6]uint64{0xFFFFFFFF, 0, 0xFFFFFFFF}, false},
		{"setreuid", [6]uint64{0xFFFFFFFF, 1001}, false},
		{"setuid", [6]uint64{1000}, true},
		{"setuid", [6]uint64{0}, false},
		{"setresgid", [6]uint64{100, 0xFFFFFFFF, 100}, true},
		{"setgid", [6]uint64{0}, false},
		{"setgroups", [6]uint64{0, 0}, false},
	} {
		nr, _ := a.Number(c.sys)
		got := p.Evaluate(a.AuditArch(), nr, c.args).Kind == policy.ActAllow
		if got != c.want {
			t.Errorf("%s%v: allowed %v, want %v", c.sys, c.args[:3], got, c.want)
		}
	}
	// Without the ids (container profiles) none is allowed.
	p, _ = Build(Request{Entitlements: nil})
	nr, _ := a.Number("setuid")
	if p.Evaluate(a.AuditArch(), nr, [6]uint64{0}).Kind == policy.ActAllow {
		t.Error("setuid allowed without Identity")
	}
}

// TestClosures: MSG_FASTOPEN is refused on sendto, sendmsg and sendmmsg
// whatever is granted (base, every net.*, ipc.fdpass, deny-list mode) and
// in every version, by rules OCI can carry (no unconditional allow of
// those calls beside the refusal); the same calls without it keep their
// decisions.
func TestClosures(t *testing.T) {
	const fastOpen = linux.MSG_FASTOPEN
	refused := policy.Errno(eopnotsupp)
	grants := [][]string{nil, {"net.client"}, {"net.server"}, {"net.dns"}, {"net.unix"}, {"ipc.fdpass", "net.client", "net.server", "net.dns"}}
	for _, v := range Versions() {
		for _, g := range grants {
			for _, mode := range []Mode{AllowList, DenyList} {
				p := mustPolicy(t, g, Request{Version: v, Mode: mode})
				for _, c := range []struct {
					call string
					args []uint64
				}{
					{"sendto", []uint64{3, 0, 1, fastOpen, 0x1000, 16}},
					{"sendto", []uint64{3, 0, 1, fastOpen | 0x40, 0, 0}}, // with MSG_DONTWAIT, no address
					{"sendmsg", []uint64{3, 0x1000, fastOpen}},
					{"sendmsg", []uint64{3, 0x1000, 0xFFFFFFFF00000000 | fastOpen}},
					{"sendmmsg", []uint64{3, 0x1000, 1, fastOpen}},
				} {
					if got := eval(t, p, c.call, c.args...); got != refused {
						t.Errorf("%v %v %v: %s(%#x) = %v, want %v", v, mode, g, c.call, c.args, got, refused)
					}
				}
				if got := eval(t, p, "sendmsg", 3, 0x1000, 0x40); got != allow {
					t.Errorf("%v %v %v: sendmsg without MSG_FASTOPEN = %v, want allow", v, mode, g, got)
				}
				for _, r := range p.Rules {
					if r.Action == allow && len(r.Conds) == 0 && slices.Contains([]string{"sendto", "sendmsg", "sendmmsg"}, r.Syscall) {
						t.Errorf("%v %v %v: %s allowed without conditions beside its closure", v, mode, g, r.Syscall)
					}
				}
			}
		}
	}
}
