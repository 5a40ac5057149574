package catalog

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// Layers is what an entitlement grants on the layers beyond seccomp, which
// see what system-call numbers and register arguments cannot: the paths a
// call reaches, the port a socket binds, the process a signal or a
// ptrace-class access reaches, and what a privileged (root) process could
// still do with its capabilities. Granting nothing means nothing on every
// layer: a right no granted entitlement lists is refused.
//
// The Landlock bits are the kernel's (LANDLOCK_ACCESS_FS_*,
// LANDLOCK_ACCESS_NET_*, LANDLOCK_SCOPE_*).
type Layers struct {
	// FS are the Landlock filesystem rights granted. They apply to the
	// whole filesystem except the privileged pseudo-filesystems (see
	// PseudoFS), which only admin.kernel reaches.
	FS uint64
	// Connect and Bind are the TCP (and, on kernels whose Landlock filters
	// it, UDP) ports that connect and bind may use: AllPorts, or a list.
	Connect, Bind Ports
	// Unscoped are the Landlock scopes lifted: LANDLOCK_SCOPE_SIGNAL
	// (signals to processes outside the sandbox) and
	// LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (abstract Unix sockets of
	// processes outside it).
	Unscoped uint64
	// Caps are the capabilities a privileged process keeps; all others
	// leave its bounding, permitted, effective, inheritable and ambient
	// sets.
	Caps []Capability
	// AllCaps keeps every capability (Caps is then ignored).
	AllCaps bool
	// Mount says the sandbox may change mounts (admin.mount). Landlock
	// forbids mount changes to a process whose domain restricts files, and
	// a process that can mount can also mount over any path rule, so the
	// Landlock file layer is then left out.
	Mount bool
	// PseudoFS lifts the exclusion of the privileged pseudo-filesystems
	// (/proc and /sys for writing, /dev beyond the own terminals and the
	// null/zero/random devices, debugfs, tracefs, securityfs, cgroupfs,
	// bpffs, efivarfs, pstore, configfs) from the FS rights.
	PseudoFS bool
	// SharedIPC extends the FS rights to /dev/shm and /dev/mqueue: the
	// POSIX shared memory, semaphores and message queues of every
	// process of the user (ipc.sysv). Without it they are unreachable
	// whatever else is granted.
	SharedIPC bool
	// Terminals grants every pseudo-terminal under /dev/pts (AllLayers).
	// Without it the FS rights reach only the command's own terminals:
	// another terminal of the same user is another session's keyboard.
	// (entitle run's supervisor opens the peers of the pseudo-terminals
	// the command creates, for tty.)
	Terminals bool
}

// Ports is a set of ports: every port, or the listed ones.
type Ports struct {
	All  bool
	List []uint16
}

// AllPorts is every port.
var AllPorts = Ports{All: true}

func (p Ports) union(q Ports) Ports {
	if p.All || q.All {
		return AllPorts
	}
	l := append(slices.Clone(p.List), q.List...)
	slices.Sort(l)
	return Ports{List: slices.Compact(l)}
}

// Empty reports whether p has no port.
func (p Ports) Empty() bool { return !p.All && len(p.List) == 0 }

func (p Ports) String() string {
	if p.All {
		return "any port"
	}
	if len(p.List) == 0 {
		return "none"
	}
	s := make([]string, len(p.List))
	for i, n := range p.List {
		s[i] = fmt.Sprint(n)
	}
	return "ports " + strings.Join(s, ",")
}

// Capability is a Linux capability: its number and name.
type Capability struct {
	Num  int
	Name string
}

// The capabilities the table below refers to (linux/capability.h).
var (
	CapChown          = Capability{0, "CAP_CHOWN"}
	CapDacOverride    = Capability{1, "CAP_DAC_OVERRIDE"}
	CapDacReadSearch  = Capability{2, "CAP_DAC_READ_SEARCH"}
	CapFowner         = Capability{3, "CAP_FOWNER"}
	CapFsetid         = Capability{4, "CAP_FSETID"}
	CapKill           = Capability{5, "CAP_KILL"}
	CapSetgid         = Capability{6, "CAP_SETGID"}
	CapSetuid         = Capability{7, "CAP_SETUID"}
	CapSetpcap        = Capability{8, "CAP_SETPCAP"}
	CapNetBindService = Capability{10, "CAP_NET_BIND_SERVICE"}
	CapNetAdmin       = Capability{12, "CAP_NET_ADMIN"}
	CapNetRaw         = Capability{13, "CAP_NET_RAW"}
	CapIpcLock        = Capability{14, "CAP_IPC_LOCK"}
	CapIpcOwner       = Capability{15, "CAP_IPC_OWNER"}
	CapSysModule      = Capability{16, "CAP_SYS_MODULE"}
	CapSysRawio       = Capability{17, "CAP_SYS_RAWIO"}
	CapSysChroot      = Capability{18, "CAP_SYS_CHROOT"}
	CapSysPtrace      = Capability{19, "CAP_SYS_PTRACE"}
	CapSysAdmin       = Capability{21, "CAP_SYS_ADMIN"}
	CapSysBoot        = Capability{22, "CAP_SYS_BOOT"}
	CapSysNice        = Capability{23, "CAP_SYS_NICE"}
	CapSysResource    = Capability{24, "CAP_SYS_RESOURCE"}
	CapSysTime        = Capability{25, "CAP_SYS_TIME"}
	CapSysTtyConfig   = Capability{26, "CAP_SYS_TTY_CONFIG"}
	CapMknod          = Capability{27, "CAP_MKNOD"}
	CapLease          = Capability{28, "CAP_LEASE"}
	CapSetfcap        = Capability{31, "CAP_SETFCAP"}
	CapSyslog         = Capability{34, "CAP_SYSLOG"}
	CapBPF            = Capability{39, "CAP_BPF"}
	CapPerfmon        = Capability{38, "CAP_PERFMON"}
)

// Landlock rights, grouped as the entitlements use them.
const (
	lbExec     = ll.AccessFSExecute
	lbRead     = ll.AccessFSReadFile | ll.AccessFSReadDir
	lbWrite    = ll.AccessFSWriteFile | ll.AccessFSTruncate
	lbCreate   = ll.AccessFSMakeDir | ll.AccessFSMakeReg | ll.AccessFSMakeSym | ll.AccessFSRemoveDir | ll.AccessFSRemoveFile | ll.AccessFSRefer
	lbSpecial  = ll.AccessFSMakeChar | ll.AccessFSMakeBlock | ll.AccessFSMakeFifo | ll.AccessFSMakeSock
	lbUnixSock = ll.AccessFSMakeSock | ll.AccessFSResolveUnix
)

// layers is the table: what each entitlement grants beyond seccomp. An
// entitlement missing here grants nothing beyond seccomp (its calls do not
// reach paths, ports, other processes or capabilities that the layers
// restrict). TestLayersTable checks the names.
var layers = map[string]Layers{
	"fs.read":  {FS: lbRead, Caps: []Capability{CapDacReadSearch}},
	"fs.write": {FS: lbWrite, Caps: []Capability{CapDacOverride}},
	// fs.create: its seccomp rules allow O_CREAT with any access mode, so
	// creating also writes (a new file is opened for writing, and O_CREAT
	// on an existing file opens it).
	"fs.create":  {FS: lbCreate | lbWrite, Caps: []Capability{CapDacOverride}},
	"fs.attr":    {Caps: []Capability{CapFowner}},
	"fs.chown":   {Caps: []Capability{CapChown, CapFowner, CapFsetid}},
	"fs.special": {FS: lbSpecial, Caps: []Capability{CapMknod}},
	"fs.lock":    {Caps: []Capability{CapLease}},
	"net.client": {Connect: AllPorts, Bind: Ports{List: []uint16{0}}},
	"net.server": {Bind: AllPorts, Caps: []Capability{CapNetBindService}},
	"net.unix":   {FS: lbUnixSock, Unscoped: ll.ScopeAbstractUnixSocket},
	"net.dns":    {Connect: Ports{List: []uint16{53}}},
	"net.raw":    {Caps: []Capability{CapNetRaw}},
	// tty keeps no capability: CAP_SYS_TTY_CONFIG's only use a tty
	// program can reach is vhangup(2), which hangs up the terminal the
	// command shares with the shell that started it (SIGHUP to processes
	// outside the sandbox).
	"tty": {},
	// proc.exec: execve opens the file for reading and execution.
	"proc.exec":        {FS: lbExec | ll.AccessFSReadFile},
	"proc.signal":      {Unscoped: ll.ScopeSignal, Caps: []Capability{CapKill}},
	"proc.identity":    {Caps: []Capability{CapSetuid, CapSetgid, CapSetpcap}},
	"proc.resources":   {Caps: []Capability{CapSysResource, CapSysNice}},
	"mem.lock":         {Caps: []Capability{CapIpcLock}},
	"time.set":         {Caps: []Capability{CapSysTime}},
	"admin.mount":      {Mount: true, Caps: []Capability{CapSysAdmin, CapSysChroot}},
	"admin.namespaces": {Caps: []Capability{CapSysAdmin}},
	"admin.debug":      {Caps: []Capability{CapSysPtrace, CapSysAdmin, CapBPF, CapPerfmon}},
	"admin.kernel": {PseudoFS: true, Caps: []Capability{CapSysModule, CapSysRawio, CapSysBoot,
		CapSysAdmin, CapSyslog, CapNetAdmin, CapDacOverride, CapSetfcap}},
	// ipc.sysv: SysV objects are reached by key or id, which no layer
	// scopes, so it reaches the user's other processes' objects anyway;
	// the POSIX ones (/dev/shm, /dev/mqueue) come with it and with no
	// other entitlement (see SharedIPC).
	"ipc.sysv": {SharedIPC: true, Caps: []Capability{CapIpcOwner}},
}

// LayersOf returns what the named entitlements (names or Karn aliases)
// grant together beyond seccomp.
func LayersOf(names []string) (Layers, error) {
	var out Layers
	caps := map[int]Capability{}
	for _, n := range names {
		es, err := Lookup(n)
		if err != nil {
			return Layers{}, err
		}
		for _, e := range es {
			l := layers[e.Name]
			out.FS |= l.FS
			out.Connect = out.Connect.union(l.Connect)
			out.Bind = out.Bind.union(l.Bind)
			out.Unscoped |= l.Unscoped
			out.PseudoFS = out.PseudoFS || l.PseudoFS
			out.Terminals = out.Terminals || l.Terminals
			out.SharedIPC = out.SharedIPC || l.SharedIPC
			out.Mount = out.Mount || l.Mount
			out.AllCaps = out.AllCaps || l.AllCaps
			for _, c := range l.Caps {
				caps[c.Num] = c
			}
		}
	}
	for _, c := range caps {
		out.Caps = append(out.Caps, c)
	}
	sort.Slice(out.Caps, func(i, j int) bool { return out.Caps[i].Num < out.Caps[j].Num })
	return out, nil
}

// LearnLayers is what learn mode (entitle run --learn) enforces beyond
// seccomp while it lets the calls it learns run: the layers of every
// entitlement but the admin.* ones, which learn mode never grants. So the
// privileged pseudo-files (/proc/sys, /sys, devices), processes outside
// the sandbox (ptrace, /proc/PID/mem and environ) and the capabilities
// only admin.* keep stay out of reach, as the learned policy will keep
// them; files, ports, signals and the rest are open, to be learned. Every
// terminal is reachable too: the pseudo-terminals a command opens are not
// known in advance, and a learned tty is answered by the supervisor only
// when enforced.
func LearnLayers() Layers {
	var names []string
	for _, e := range All() {
		if !strings.HasPrefix(e.Name, "admin.") {
			names = append(names, e.Name)
		}
	}
	l, err := LayersOf(names)
	if err != nil {
		panic(err) // the catalog's own names
	}
	l.Terminals = true
	return l
}

// AllLayers grants everything on every layer beyond seccomp: what an OCI
// profile, which defines only the seccomp layer, is run with. A Landlock
// domain is still created (it handles every file right and grants them
// all), so the processes outside the sandbox stay out of ptrace-class
// reach.
func AllLayers() Layers {
	return Layers{FS: 1<<len(FSRightNames) - 1, Connect: AllPorts, Bind: AllPorts,
		Unscoped: ll.ScopeSignal | ll.ScopeAbstractUnixSocket, AllCaps: true, PseudoFS: true, Terminals: true, SharedIPC: true}
}

// FSRightNames names Landlock filesystem rights, in bit order.
var FSRightNames = []string{"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
	"make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer",
	"truncate", "ioctl_dev", "resolve_unix"}

// FSRights renders a set of Landlock filesystem rights.
func FSRights(bits uint64) string {
	var s []string
	for i, n := range FSRightNames {
		if bits&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// Describe renders l for `entitle show`: one line per layer.
func (l Layers) Describe() []string {
	var out []string
	if l.FS != 0 {
		where := "everywhere except the privileged pseudo-filesystems"
		if l.PseudoFS {
			where = "everywhere"
		}
		out = append(out, fmt.Sprintf("landlock fs: %s (%s)", FSRights(l.FS), where))
	} else if l.PseudoFS {
		out = append(out, "landlock fs: the granted rights also reach the privileged pseudo-filesystems (/proc, /sys, /dev, ...)")
	}
	if l.SharedIPC {
		out = append(out, "landlock fs: the granted file rights also reach /dev/shm and /dev/mqueue (POSIX shared memory and message queues of every process of the user)")
	}
	if !l.Connect.Empty() {
		out = append(out, "landlock net: connect to "+l.Connect.String())
	}
	if !l.Bind.Empty() {
		out = append(out, "landlock net: bind "+l.Bind.String())
	}
	if l.Unscoped&ll.ScopeSignal != 0 {
		out = append(out, "landlock scope: signals may reach processes outside the sandbox")
	}
	if l.Unscoped&ll.ScopeAbstractUnixSocket != 0 {
		out = append(out, "landlock scope: abstract Unix sockets outside the sandbox may be reached")
	}
	if l.Mount {
		out = append(out, "landlock fs: no file rules (a sandbox that may mount can mount over them, and Landlock forbids mounting under file rules)")
	}
	if l.AllCaps {
		out = append(out, "capabilities: all kept")
	} else if len(l.Caps) > 0 {
		names := make([]string, len(l.Caps))
		for i, c := range l.Caps {
			names[i] = c.Name
		}
		out = append(out, "capabilities kept (when run with privileges): "+strings.Join(names, ", "))
	}
	return out
}
