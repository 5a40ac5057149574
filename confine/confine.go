//go:build linux

package confine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Config is what to enforce beyond seccomp.
type Config struct {
	// Layers are what the granted entitlements grant (catalog.LayersOf).
	Layers catalog.Layers
	// Exec are the files that may be executed (and read) although
	// proc.exec is not granted: the command and its interpreters
	// (ExecChain). Ignored when proc.exec is granted.
	Exec []string
	// ProcSelf is a pid whose /proc/PID directory stays writable when the
	// FS rights include writing (the command's own /proc entries). 0: none.
	ProcSelf int
}

// Status says what was enforced.
type Status struct {
	ABI int // the kernel's Landlock ABI version (0: no Landlock)
	// Missing says, a sentence each, which layer or right this kernel
	// cannot enforce.
	Missing []string
}

// Landlock ABI versions that bring what the entitlements rely on.
const (
	abiFS      = 1 // file rights
	abiRefer   = 2 // linking and renaming across directories
	abiTrunc   = 3 // truncate
	abiNet     = 4 // TCP bind and connect ports
	abiScopes  = 6 // signal and abstract Unix socket scoping
	abiLogging = 7 // audit records of denials
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

// fileRights are the rights that apply to a file (not a directory).
const fileRights = ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile | ll.AccessFSTruncate |
	ll.AccessFSIoctlDev | ll.AccessFSResolveUnix

// handledFS are the filesystem rights entitle handles. IOCTL_DEV is left to
// seccomp, whose ioctl rules name each request an entitlement allows.
const handledFS = (1<<17 - 1) &^ ll.AccessFSIoctlDev

// safeDevices are the device nodes every program may use as its
// entitlements allow: they reach no hardware and no other process.
var safeDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/log"}

// Filesystem types whose files administer the kernel or expose its memory:
// excluded from every grant (readExcluded) or from writing (writeExcluded).
var (
	readExcluded  = []string{"debugfs", "tracefs", "securityfs", "bpf", "efivarfs", "pstore", "configfs"}
	writeExcluded = []string{"proc", "sysfs", "cgroup", "cgroup2", "binfmt_misc", "fusectl"}
)

const (
	readish  = ll.AccessFSReadFile | ll.AccessFSReadDir | ll.AccessFSExecute
	writeish = handledFS &^ readish
)

// Rules returns the go-landlock configuration and rules for c.
func (c Config) Rules() (landlock.Config, []landlock.Rule, error) {
	cfg := landlock.Config{
		HandledAccessFS:  landlock.AccessFSSet(handledFS),
		HandledAccessNet: landlock.AccessNetSet(ll.AccessNetBindTCP | ll.AccessNetConnectTCP),
		Scoped:           landlock.ScopedSet((ll.ScopeSignal | ll.ScopeAbstractUnixSocket) &^ c.Layers.Unscoped),
	}.BestEffort()
	var rules []landlock.Rule
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
		return cfg, rules, nil
	}
	grant := c.Layers.FS & handledFS
	if grant != 0 {
		fs, err := c.fsRules(grant)
		if err != nil {
			return landlock.Config{}, nil, err
		}
		rules = append(rules, fs...)
	}
	if grant&ll.AccessFSExecute == 0 && len(c.Exec) > 0 {
		rules = append(rules, landlock.PathAccess(ll.AccessFSExecute|ll.AccessFSReadFile, c.Exec...))
	}
	return cfg, rules, nil
}

// fsRules grants the rights beneath "/", except the privileged
// pseudo-filesystems unless Layers.PseudoFS.
func (c Config) fsRules(grant uint64) ([]landlock.Rule, error) {
	if c.Layers.PseudoFS {
		return []landlock.Rule{landlock.PathAccess(landlock.AccessFSSet(grant), "/")}, nil
	}
	mounts, err := readMounts()
	if err != nil {
		return nil, err
	}
	var rules []landlock.Rule
	add := func(rights uint64, excluded []string) {
		if rights == 0 {
			return
		}
		for _, p := range beneathExcept("/", excluded) {
			r := rights
			if !p.dir {
				r &= fileRights
			}
			if r != 0 {
				rules = append(rules, landlock.PathAccess(landlock.AccessFSSet(r), p.path))
			}
		}
		for _, d := range safeDevices {
			fi, err := os.Stat(d)
			if err != nil {
				continue
			}
			r := rights
			if !fi.IsDir() {
				r &= fileRights
			}
			if r != 0 {
				rules = append(rules, landlock.PathAccess(landlock.AccessFSSet(r), d).IgnoreIfMissing())
			}
		}
	}
	readEx := mounts.pointsOf(readExcluded...)
	readEx = append(readEx, "/dev")
	writeEx := append(slices.Clone(readEx), mounts.pointsOf(writeExcluded...)...)
	// Listing directories reveals names, not contents: read_dir applies
	// everywhere, also to the directories on the way to an exclusion.
	if grant&ll.AccessFSReadDir != 0 {
		rules = append(rules, landlock.PathAccess(ll.AccessFSReadDir, "/"))
	}
	add(grant&readish&^ll.AccessFSReadDir, readEx)
	add(grant&writeish, writeEx)
	if w := grant & writeish & fileRights; w != 0 && c.ProcSelf > 0 {
		rules = append(rules, landlock.PathAccess(landlock.AccessFSSet(w), fmt.Sprintf("/proc/%d", c.ProcSelf)).IgnoreIfMissing())
	}
	return rules, nil
}

type entry struct {
	path string
	dir  bool
}

// beneathExcept returns the paths whose rules together cover root except
// the excluded trees: root itself when nothing is excluded beneath it,
// else each entry of root, recursively, except the excluded ones.
// Symbolic links are skipped (access through one is checked on its
// target).
func beneathExcept(root string, excluded []string) []entry {
	inside := false
	for _, e := range excluded {
		if e == root {
			return nil
		}
		if under(e, root) {
			inside = true
		}
	}
	if !inside {
		return []entry{{root, true}}
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []entry
	for _, de := range ents {
		p := filepath.Join(root, de.Name())
		switch t := de.Type(); {
		case t&os.ModeSymlink != 0:
		case de.IsDir():
			out = append(out, beneathExcept(p, excluded)...)
		default:
			if !slices.Contains(excluded, p) {
				out = append(out, entry{p, false})
			}
		}
	}
	return out
}

// under reports whether p is strictly beneath dir.
func under(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

type mountTable []struct{ point, fstype string }

// readMounts reads the mount points and filesystem types of this process's
// mount namespace.
func readMounts() (mountTable, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read the mount table to exclude the privileged pseudo-filesystems: %w", err)
	}
	var t mountTable
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		sep := slices.Index(fields, "-")
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) {
			continue
		}
		t = append(t, struct{ point, fstype string }{unescapeMount(fields[4]), fields[sep+1]})
	}
	return t, nil
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

// RestrictThread enforces c on the calling thread only, which must be
// locked to its goroutine and have no_new_privs set: `entitle run`'s init
// child calls it on the thread that then calls execve.
func (c Config) RestrictThread() (Status, error) {
	st := c.Check()
	if st.ABI == 0 {
		return st, nil
	}
	cfg, rules, err := c.Rules()
	if err != nil {
		return st, err
	}
	fd, flags, err := cfg.NewRulesetFD(rules...)
	if err != nil {
		return st, fmt.Errorf("landlock ruleset: %w", err)
	}
	if fd < 0 {
		return st, nil
	}
	defer unix.Close(fd)
	if err := ll.LandlockRestrictSelf(fd, flags); err != nil {
		return st, fmt.Errorf("landlock_restrict_self: %w", err)
	}
	return st, nil
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

// ErrNoLandlock is returned by strict callers when a layer is missing.
var ErrNoLandlock = errors.New("this kernel cannot enforce every layer of the sandbox")
