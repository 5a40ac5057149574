package confine

import (
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
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
	// Scoped scopes the file rights to Paths (unveil): each gets its
	// Rights that the entitlements grant, and nothing else is reachable
	// but the harmless devices and Exec. Otherwise the entitlements'
	// rights apply everywhere.
	Scoped bool
	Paths  []PathRule
	// Protected trees keep at most their Keep rights whatever is granted
	// above them (secrets, files that must not be tampered with).
	Protected []Protected
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

// RightsFile are the rights that apply to a file (not a directory).
const RightsFile = fileRights

// fileRights are the rights that apply to a file (not a directory).
const fileRights = ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile | ll.AccessFSTruncate |
	ll.AccessFSIoctlDev | ll.AccessFSResolveUnix

// sharedIPCDirs hold the POSIX shared memory, semaphores (/dev/shm) and
// message queues (/dev/mqueue) of every process of the user: another
// process's objects there are its memory (PostgreSQL's dynamic shared
// memory, Python's multiprocessing, podman's locks). They are reached only
// with Layers.SharedIPC (ipc.sysv, which reaches the same processes'
// SysV objects), never through fs.* alone: the read-only preset's fs.write
// would otherwise write into other processes' memory.
var sharedIPCDirs = []string{"/dev/shm", "/dev/mqueue"}

// handledFS are the filesystem rights entitle handles. IOCTL_DEV is left to
// seccomp, whose ioctl rules name each request an entitlement allows.
const handledFS = (1<<17 - 1) &^ ll.AccessFSIoctlDev

const (
	readish  = ll.AccessFSReadFile | ll.AccessFSReadDir | ll.AccessFSExecute
	writeish = handledFS &^ readish
)

// PathRule grants Rights (Landlock filesystem bits) beneath Path.
type PathRule struct {
	Path   string
	Rights uint64
}

// Protected is a tree that keeps at most Keep of any right granted above
// or at it: 0 for a secret (SSH keys: neither read nor written), the read
// rights for a file that must not be tampered with (.git/hooks, shell rc
// files).
type Protected struct {
	Path string
	Keep uint64
	Why  string // "secret", "tamper", "pseudo-filesystem"
	// Of is, for the same files at another mount (a bind mount), the
	// protected tree they are: what --unprotect names. "" for the tree
	// itself.
	Of string
}

// Read and write rights, for Protected.Keep and the path flags.
const (
	RightsRead  = ll.AccessFSReadFile | ll.AccessFSReadDir
	RightsExec  = ll.AccessFSExecute | ll.AccessFSReadFile
	RightsWrite = handledFS &^ (ll.AccessFSExecute | ll.AccessFSIoctlDev)
)

// under reports whether p is strictly beneath dir.
func under(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && strings.HasPrefix(p, dir)
}
