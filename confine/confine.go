//go:build linux

package confine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// ABI returns the running kernel's Landlock ABI version, 0 when Landlock is
// not available (not built, not enabled at boot, or forbidden).
func ABI() int {
	v, err := ll.LandlockGetABIVersion()
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// Check returns what this kernel cannot enforce of c, without changing
// anything.
func (c Config) Check() Status {
	abi := ABI()
	st := Status{ABI: abi}
	miss := func(need int, what string) {
		if abi < need {
			st.Missing = append(st.Missing, fmt.Sprintf("%s (needs Landlock ABI %d, this kernel has %d)", what, need, abi))
		}
	}
	if !c.Layers.Mount {
		miss(abiFS, "file access rights, and the isolation of other processes (ptrace, /proc/PID/mem) from the sandbox")
		miss(abiRefer, "refusing links and renames across directories")
		miss(abiTrunc, "refusing truncate")
	}
	if !c.Layers.Connect.All || !c.Layers.Bind.All {
		miss(abiNet, "TCP port rules (bind and connect)")
	}
	if c.Layers.Unscoped&(ll.ScopeSignal|ll.ScopeAbstractUnixSocket) != ll.ScopeSignal|ll.ScopeAbstractUnixSocket {
		miss(abiScopes, "keeping signals and abstract Unix sockets inside the sandbox")
	}
	return st
}

// safeDevices are the device nodes every program may use as its
// entitlements allow: they reach no hardware and no other process. Of
// /dev/pts, only the command's own terminals (ownTerminals), unless
// Layers.Terminals.
var safeDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/log"}

// ownTerminals are the pseudo-terminals of this process's standard
// streams, which the command inherits: the only ones under /dev/pts a
// command without tty reaches (another terminal of the same user is
// another session's keyboard and screen), and /dev/pts itself listable.
func ownTerminals() []string {
	var out []string
	for fd := 0; fd <= 2; fd++ {
		p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if err == nil && strings.HasPrefix(p, "/dev/pts/") && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// procSelfWritable are the entries of /proc/PID a program with fs.write may
// write: its names, out-of-memory score, core dump filter, timer slack and
// LSM attributes.
var procSelfWritable = []string{"comm", "task/PID/comm", "oom_score_adj", "coredump_filter", "timerslack_ns", "attr"}

// Filesystem types whose files administer the kernel or expose its memory:
// excluded from every grant (readExcluded) or from writing (writeExcluded).
var (
	readExcluded  = []string{"debugfs", "tracefs", "securityfs", "bpf", "efivarfs", "pstore", "configfs"}
	writeExcluded = []string{"proc", "sysfs", "cgroup", "cgroup2", "binfmt_misc", "fusectl"}
)

// Rules returns the go-landlock configuration and rules for c.
func (c Config) Rules() (landlock.Config, []landlock.Rule, error) {
	cfg, rules, _, err := c.rules(false)
	return cfg, rules, err
}

// rules is Rules; with deferFS the file rights to grant beneath paths are
// not walked: grant says which, for NewRulesetFD to walk (fsGrants) and
// add itself.
func (c Config) rules(deferFS bool) (cfg landlock.Config, rules []landlock.Rule, grant uint64, err error) {
	cfg = landlock.Config{
		HandledAccessFS:  landlock.AccessFSSet(handledFS),
		HandledAccessNet: landlock.AccessNetSet(ll.AccessNetBindTCP | ll.AccessNetConnectTCP),
		Scoped:           landlock.ScopedSet((ll.ScopeSignal | ll.ScopeAbstractUnixSocket) &^ c.Layers.Unscoped),
	}.BestEffort()
	if c.Layers.Connect.All {
		cfg.HandledAccessNet &^= ll.AccessNetConnectTCP
	} else {
		for _, p := range c.Layers.Connect.List {
			rules = append(rules, landlock.ConnectTCP(p))
		}
	}
	if c.Layers.Bind.All {
		cfg.HandledAccessNet &^= ll.AccessNetBindTCP
	} else {
		for _, p := range c.Layers.Bind.List {
			rules = append(rules, landlock.BindTCP(p))
		}
	}
	if c.Layers.Mount {
		cfg.HandledAccessFS = 0
		return cfg, rules, 0, nil
	}
	grant = c.Layers.FS & handledFS
	if grant != 0 && !deferFS {
		fs, err := c.fsGrants(grant, nil)
		if err != nil {
			return landlock.Config{}, nil, 0, err
		}
		rules = append(rules, pathRules(fs)...)
		grant = 0
	}
	exec := c.Exec
	if c.Scoped && grant&ll.AccessFSExecute != 0 {
		// Programs executed beneath the exec paths need the system's
		// dynamic loader, wherever it is.
		for _, sh := range []string{"/bin/sh", "/usr/bin/env"} {
			if chain := ExecChain(sh); len(chain) > 1 {
				exec = append(exec, chain[len(chain)-1])
			}
		}
	}
	if (grant&ll.AccessFSExecute == 0 || c.Scoped) && len(exec) > 0 {
		rules = append(rules, landlock.PathAccess(ll.AccessFSExecute|ll.AccessFSReadFile, exec...))
	}
	return cfg, rules, grant, nil
}

// fsGrants grants the entitlements' file rights beneath "/" (or, with
// c.Paths, beneath those paths), except what the limits keep out: the
// privileged pseudo-filesystems unless Layers.PseudoFS, and c.Protected.
//
// With out, each grant is also sent on out as it is found, and out is
// closed at the end.
func (c Config) fsGrants(grant uint64, out chan<- PathRule) ([]PathRule, error) {
	b := &fsBuilder{out: out}
	if out != nil {
		defer close(out)
	}
	mounts, err := readMounts()
	if err != nil {
		return nil, err
	}
	if !c.Layers.PseudoFS {
		for _, p := range mounts.pointsOf(readExcluded...) {
			b.limits = append(b.limits, Protected{Path: p, Why: "pseudo-filesystem"})
		}
		b.limits = append(b.limits, Protected{Path: "/dev", Why: "devices"})
		for _, p := range mounts.pointsOf(writeExcluded...) {
			b.limits = append(b.limits, Protected{Path: p, Keep: readish, Why: "pseudo-filesystem"})
		}
	}
	settled := permissionsSettled()
	for _, pr := range c.Protected {
		if pr.Keep == 0 && settled && dacDenied(pr.Path) {
			// Unreachable already: nothing to carve out (see dacDenied).
			continue
		}
		b.limits = append(b.limits, pr)
	}
	// The same files through other mounts (bind mounts) keep the same
	// limits: the devices, and every protected tree.
	b.limits = append(b.limits, mounts.protectedAliases(b.limits)...)
	if !c.Scoped {
		b.walk("/", grant, true, 0)
	} else {
		for _, p := range c.Paths {
			fi, err := os.Stat(p.Path)
			if err != nil {
				continue // the caller checked; a path gone since grants nothing
			}
			b.walk(p.Path, p.Rights&grant, fi.IsDir(), 0)
		}
	}
	// Outside the limits: the harmless devices, and the command's own
	// /proc/PID.
	// Devices and shared memory are not executed: a program written to
	// /dev/shm under any --write would otherwise run outside --exec.
	grant &^= ll.AccessFSExecute
	devices := safeDevices
	if c.Layers.SharedIPC {
		devices = append(slices.Clone(safeDevices), sharedIPCDirs...)
	}
	for _, d := range devices {
		if d == "/dev/pts" && !c.Layers.Terminals {
			if _, err := os.Stat(d); err == nil {
				b.add(d, grant&ll.AccessFSReadDir, true)
			}
			for _, t := range append(ownTerminals(), "/dev/pts/ptmx") {
				if _, err := os.Stat(t); err == nil {
					b.add(t, grant, false)
				}
			}
			continue
		}
		if d == "/dev/zero" {
			// Read-only: a MAP_SHARED mapping of /dev/zero opened for
			// writing is anonymous memory, which a read-execute mapping
			// (allowed for files, as ld.so needs) and a writable alias
			// (mremap with old_size 0, or a forked child's mprotect)
			// turn into executable memory without mem.jit.
			if _, err := os.Stat(d); err == nil {
				b.add(d, grant&ll.AccessFSReadFile, false)
			}
			continue
		}
		if fi, err := os.Stat(d); err == nil {
			b.add(d, grant, fi.IsDir())
		}
	}
	if w := grant & writeish & fileRights; w != 0 && c.ProcSelf > 0 {
		// The command's own settings; not its mem file, through which it
		// could write its own code pages (executable memory without
		// mem.jit).
		for _, f := range procSelfWritable {
			p := fmt.Sprintf("/proc/%d/%s", c.ProcSelf, strings.ReplaceAll(f, "PID", strconv.Itoa(c.ProcSelf)))
			if fi, err := os.Stat(p); err == nil {
				b.add(p, w, fi.IsDir())
			}
		}
	}
	return b.granted, nil
}

// dacDenied reports whether this process can neither read, write nor
// search path, by the kernel's own permission check with its effective
// ids, groups and capabilities (faccessat2 AT_EACCESS: modes, ACLs, LSMs).
// The command has no more than that (it runs with no_new_privs and at most
// these capabilities), so a protected path it denies needs no Landlock
// carve-out: /etc/shadow for a user outside group shadow, /root for
// anyone but root. The carve-out is what makes a granted tree cost a rule
// per sibling (the 135 entries of /etc); root, for whom the kernel allows
// everything, keeps it. A path that is missing, or that this process may
// reach in any way, is protected as before. Only the owner of the file
// (or root) could open it up during the run, and then to everyone.
//
// That holds only while the permissions cannot grow after the sandbox is
// set up: see permissionsSettled.
func dacDenied(path string) bool {
	for _, mode := range []uint32{unix.R_OK, unix.W_OK, unix.X_OK} {
		if err := unix.Faccessat2(unix.AT_FDCWD, path, mode, unix.AT_EACCESS); err != unix.EACCES {
			return false
		}
	}
	return true
}

// permissionsSettled reports whether a process confined from this one can
// never pass a permission check this one fails now: this process holds no
// capability at all (so it can pass none on: no CAP_SETUID, CAP_DAC_*;
// no_new_privs keeps execve from adding any), and its real, effective and
// saved user ids are one, as are its group ids, so that a set*id call can
// only keep them (a root process that set only its effective ids to
// another user's could take them back, and base allows set*id to the real
// ids). Supplementary groups change only with CAP_SETGID.
func permissionsSettled() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	for _, d := range data {
		if d.Permitted|d.Effective|d.Inheritable != 0 {
			return false
		}
	}
	ru, eu, su := unix.Getresuid()
	rg, eg, sg := unix.Getresgid()
	return ru == eu && eu == su && rg == eg && eg == sg
}

// pathRules turns grants into go-landlock rules: one per set of rights,
// with its paths in the order granted.
func pathRules(grants []PathRule) []landlock.Rule {
	var rules []landlock.Rule
	paths := map[uint64][]string{}
	var order []uint64
	for _, g := range grants {
		if _, ok := paths[g.Rights]; !ok {
			order = append(order, g.Rights)
		}
		paths[g.Rights] = append(paths[g.Rights], g.Path)
	}
	for _, r := range order {
		rules = append(rules, landlock.PathAccess(landlock.AccessFSSet(r), paths[r]...).IgnoreIfMissing())
	}
	return rules
}

// fsBuilder turns grants and limits into Landlock path-beneath rules.
type fsBuilder struct {
	limits  []Protected
	granted []PathRule
	out     chan<- PathRule // if set, each grant as it is made
}

// maxRules bounds the rules one sandbox gets (a limit deep in a huge
// directory would otherwise grant its siblings one by one).
const maxRules = 4096

func (b *fsBuilder) add(path string, r uint64, dir bool) {
	if !dir {
		r &= fileRights
	}
	if r == 0 || len(b.granted) >= maxRules {
		return
	}
	b.granted = append(b.granted, PathRule{path, r})
	if b.out != nil {
		b.out <- PathRule{path, r}
	}
}

// walk grants r beneath p (a directory when dir), minus the limits: the
// limits at or above p cut r; when a limit beneath p would cut it, p's
// entries are granted one by one instead (symbolic links skipped: access
// through one is checked on its target), and p itself keeps only the
// right to be listed.
func (b *fsBuilder) walk(p string, r uint64, dir bool, depth int) {
	for _, l := range b.limits {
		if l.Path == p || under(p, l.Path) {
			r &= l.Keep
		}
	}
	if r == 0 {
		return
	}
	inside := false
	if dir {
		for _, l := range b.limits {
			if under(l.Path, p) && r&^l.Keep != 0 {
				inside = true
			}
		}
	}
	if !inside {
		b.add(p, r, dir)
		return
	}
	b.add(p, r&ll.AccessFSReadDir, true)
	if depth > 32 {
		return // fail closed: nothing more beneath
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return
	}
	for _, de := range ents {
		if de.Type()&os.ModeSymlink != 0 {
			continue
		}
		b.walk(joinName(p, de.Name()), r, de.IsDir(), depth+1)
	}
}

// joinName is filepath.Join(dir, name) for a clean dir and the name of an
// entry of it (no "/", not "." or ".."), without Join's cleaning.
func joinName(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// mountEntry is a line of mountinfo: the mount point, the filesystem
// type, the device (major:minor) and the root of the mount within its
// filesystem (a bind mount's is the directory it shows).
type mountEntry struct{ point, fstype, dev, root string }

type mountTable []mountEntry

// readMounts reads the mount points and filesystem types of this process's
// mount namespace.
// protectedAliases returns the same files as each of limits at their
// other mounts (bind mounts), with the same limit; Of names the tree.
// Pseudo-filesystems are excluded by type, wherever mounted.
func (t mountTable) protectedAliases(limits []Protected) []Protected {
	var out []Protected
	for _, l := range limits {
		if l.Why == "pseudo-filesystem" {
			continue
		}
		of := l.Of
		if of == "" {
			of = l.Path
		}
		for _, a := range t.aliases(l.Path) {
			out = append(out, Protected{Path: a, Keep: l.Keep, Why: l.Why, Of: of})
		}
	}
	return out
}

// ProtectedAliases returns the protected trees' other mounts (bind mounts
// of them, or of a directory above them), which the ruleset limits as it
// limits the trees (NewRulesetFD): for explaining a refusal at such a
// path. It reads this process's mount table.
func ProtectedAliases(protected []Protected) ([]Protected, error) {
	mounts, err := readMounts()
	if err != nil {
		return nil, err
	}
	return mounts.protectedAliases(protected), nil
}

func readMounts() (mountTable, error) {
	data, err := readProcFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read the mount table to exclude the privileged pseudo-filesystems: %w", err)
	}
	return parseMounts(data), nil
}

// readProcFile reads a file of /proc, whose size stat does not tell, in
// as few reads as its length allows (os.ReadFile starts at 512 bytes).
func readProcFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 0, 16<<10)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF || (err == nil && n == 0) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = slices.Grow(b, len(b))
		}
	}
}

// parseMounts reads mountinfo lines: "36 35 98:0 /mnt1 /mnt/parent rw
// shared:1 - ext3 /dev/root rw": the fifth field is the mount point, the
// field after the "-" separator the filesystem type.
func parseMounts(data []byte) mountTable {
	var t mountTable
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		var point, fstype, dev, root []byte
		sep := false
		for n := 0; ; n++ {
			line = bytes.TrimLeft(line, " \t")
			if len(line) == 0 {
				break
			}
			f := line
			if i := bytes.IndexAny(line, " \t"); i >= 0 {
				f, line = line[:i], line[i:]
			} else {
				line = nil
			}
			switch {
			case n == 2:
				dev = f
			case n == 3:
				root = f
			case n == 4:
				point = f
			case sep:
				fstype = f
			case n > 4 && string(f) == "-":
				sep = true
				continue
			}
			if fstype != nil {
				break
			}
		}
		if point == nil || fstype == nil {
			continue
		}
		t = append(t, mountEntry{unescapeMount(string(point)), string(fstype), string(dev), unescapeMount(string(root))})
	}
	return t
}

// aliases returns the other paths at which the file path names can be
// reached through mounts of the same filesystem (bind mounts: /root also
// at /mnt/home shows /root/.ssh as /mnt/home/.ssh). Landlock rules belong
// to the file hierarchy a path walks, so a tree carved out at one path
// must be carved out at each alias too. path is absolute and clean; a
// path that does not exist is aliased through its deepest existing
// ancestor.
func (t mountTable) aliases(path string) []string {
	real, rest := path, ""
	for {
		if r, err := filepath.EvalSymlinks(real); err == nil {
			real = r
			break
		}
		if real == "/" {
			return nil
		}
		rest = filepath.Join(filepath.Base(real), rest)
		real = filepath.Dir(real)
	}
	// The mount real is in: the longest mount point above it (the last
	// listed when mounts stack).
	var m *mountEntry
	for i := range t {
		if (t[i].point == real || under(real, t[i].point)) && (m == nil || len(t[i].point) >= len(m.point)) {
			m = &t[i]
		}
	}
	if m == nil {
		return nil
	}
	fsPath := filepath.Join(m.root, strings.TrimPrefix(real, m.point))
	var out []string
	for i := range t {
		n := &t[i]
		if n.dev != m.dev || n == m {
			continue
		}
		var alias string
		switch {
		case n.root == fsPath || under(fsPath, n.root):
			alias = filepath.Join(n.point, strings.TrimPrefix(fsPath, n.root), rest)
		case under(n.root, fsPath):
			alias = n.point // a mount of a tree inside path: all of it
		default:
			continue
		}
		if alias != path && !slices.Contains(out, alias) {
			out = append(out, alias)
		}
	}
	return out
}

// pointsOf returns the mount points of the given filesystem types.
func (t mountTable) pointsOf(types ...string) []string {
	var out []string
	for _, m := range t {
		if slices.Contains(types, m.fstype) && !slices.Contains(out, m.point) {
			out = append(out, m.point)
		}
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// RestrictProcess enforces c on every thread of the process (the library's
// Apply).
func (c Config) RestrictProcess() (Status, error) {
	st := c.Check()
	if st.ABI == 0 {
		return st, nil
	}
	cfg, rules, err := c.Rules()
	if err != nil {
		return st, err
	}
	if err := cfg.Restrict(rules...); err != nil {
		return st, fmt.Errorf("landlock: %w", err)
	}
	return st, nil
}

// NewRulesetFD builds c's Landlock ruleset (with audit logging of the
// denials of programs executed later, ABI 7) without enforcing it:
// `entitle run`'s supervisor builds it, and its init child enforces it
// with landlock_restrict_self before execve. fd is -1 when this kernel has no Landlock or there
// is nothing to restrict.
func (c Config) NewRulesetFD() (fd int, flags uint32, err error) {
	if ABI() == 0 {
		return -1, 0, nil
	}
	cfg, rules, grant, err := c.rules(true)
	if err != nil {
		return -1, 0, err
	}
	fd, flags, err = cfg.EnableLoggingForSubprocesses().NewRulesetFD(rules...)
	if err != nil {
		return -1, 0, fmt.Errorf("landlock ruleset: %w", err)
	}
	if fd >= 0 && grant != 0 {
		// The grants are added as the walk finds them, by two
		// goroutines beside it: the walk (reading directories and the
		// mount table) and the rules (an open, a landlock_add_rule and a
		// close each, hundreds around the secrets of /etc) took about
		// as long each, and `entitle run` waits for both.
		handled := uint64(cfg.HandledAccessFS) & supportedFS(ABI())
		ch := make(chan PathRule, 256)
		errc := make(chan error, 2)
		for range 2 {
			go func() { errc <- addGrants(fd, ch, handled) }()
		}
		_, werr := c.fsGrants(grant, ch)
		err = errors.Join(werr, <-errc, <-errc)
		if err != nil {
			unix.Close(fd)
			return -1, 0, fmt.Errorf("landlock ruleset: %w", err)
		}
	}
	return fd, flags, nil
}

// addGrants adds a path-beneath rule to the ruleset fd for each grant
// received, with the rights the ruleset handles (as go-landlock's best
// effort does; a path gone since the walk is skipped, as IgnoreIfMissing
// does). After an error it only drains grants, so that the walk finishes.
func addGrants(fd int, grants <-chan PathRule, handled uint64) error {
	var first error
	for g := range grants {
		r := g.Rights & handled
		if r == 0 || first != nil {
			continue
		}
		pfd, err := unix.Open(g.Path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			if err != unix.ENOENT && err != unix.ENOTDIR {
				first = fmt.Errorf("open %s: %w", g.Path, err)
			}
			continue
		}
		err = ll.LandlockAddPathBeneathRule(fd, &ll.PathBeneathAttr{AllowedAccess: r, ParentFd: pfd}, 0)
		if err == unix.EINVAL && r&^fileRights != 0 {
			// a directory when walked, a file now: its file rights
			err = nil
			if rf := r & fileRights; rf != 0 {
				err = ll.LandlockAddPathBeneathRule(fd, &ll.PathBeneathAttr{AllowedAccess: rf, ParentFd: pfd}, 0)
			}
		}
		unix.Close(pfd)
		if err != nil {
			first = fmt.Errorf("landlock_add_rule %s: %w", g.Path, err)
		}
	}
	return first
}

// RestrictSelf enforces a ruleset from NewRulesetFD on the calling thread,
// which must have no_new_privs set.
func RestrictSelf(fd int, flags uint32) error {
	if err := ll.LandlockRestrictSelf(fd, flags); err != nil {
		return fmt.Errorf("landlock_restrict_self: %w", err)
	}
	return nil
}

// ProcSelfRights are the rights the command's own /proc/PID entries get
// (see ProcSelf): 0 when the file rights include no writing, and the
// ruleset then does not depend on the pid.
func (c Config) ProcSelfRights() uint64 {
	if c.Layers.Mount {
		return 0
	}
	return c.Layers.FS & handledFS & writeish & fileRights
}

// AddProcSelf adds to fd, a ruleset NewRulesetFD built with ProcSelf 0,
// the rules ProcSelf = pid would have added, for a command whose pid is
// known only after its ruleset was built. A right this kernel's Landlock
// does not know is dropped: on an older kernel the command may then not
// write its own settings, never more.
func (c Config) AddProcSelf(fd, pid int) error {
	w := c.ProcSelfRights() & supportedFS(ABI())
	if w == 0 || fd < 0 || pid <= 0 {
		return nil
	}
	ps := strconv.Itoa(pid)
	for _, f := range procSelfWritable {
		p := "/proc/" + ps + "/" + strings.ReplaceAll(f, "PID", ps)
		pfd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // as NewRulesetFD: only the entries that exist
		}
		err = ll.LandlockAddPathBeneathRule(fd, &ll.PathBeneathAttr{AllowedAccess: w, ParentFd: pfd}, 0)
		unix.Close(pfd)
		if err != nil && err != unix.EINVAL {
			return fmt.Errorf("landlock_add_rule %s: %w", p, err)
		}
	}
	return nil
}

// ProcSelfPaths returns the command's own /proc entries that AddProcSelf
// grants, named through /proc/self and /proc/thread-self, so that the
// command's first process can add their rules itself before it runs the
// command (where it is one thread, whose tid is its pid), and the rights
// for them; nil when the file rights include no writing.
func (c Config) ProcSelfPaths() (paths []string, rights uint64) {
	w := c.ProcSelfRights() & supportedFS(ABI())
	if w == 0 {
		return nil, 0
	}
	for _, f := range procSelfWritable {
		if rest, ok := strings.CutPrefix(f, "task/PID/"); ok {
			paths = append(paths, "/proc/thread-self/"+rest)
		} else {
			paths = append(paths, "/proc/self/"+f)
		}
	}
	return paths, w
}

// supportedFS are the file rights Landlock ABI abi knows (a ruleset
// built best-effort handles no others): 13 in ABI 1, then REFER (2),
// TRUNCATE (3), IOCTL_DEV (5); RESOLVE_UNIX is newer than this package's
// ABI 7 (go-landlock adds it from ABI 9).
func supportedFS(abi int) uint64 {
	r := uint64(1<<13 - 1)
	if abi >= 2 {
		r |= ll.AccessFSRefer
	}
	if abi >= 3 {
		r |= ll.AccessFSTruncate
	}
	if abi >= 5 {
		r |= ll.AccessFSIoctlDev
	}
	if abi >= 9 {
		r |= ll.AccessFSResolveUnix
	}
	return r
}
