package confine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
)

// Request is a sandbox scoped to paths and ports, as `entitle run --read
// --write --exec --bind --connect`, a policy file's paths and ports, or
// the library's Policy ask for. Paths are absolute (resolve them first).
type Request struct {
	Read, Write, Exec []string
	Bind, Connect     []uint16
	// Optional paths may be missing (they are then skipped); a missing
	// path that is not optional is an error unless IgnoreMissing.
	Optional      map[string]bool
	IgnoreMissing bool
	// Unprotect lifts the default protection of these paths (see
	// DefaultProtected).
	Unprotect []string
	// ProtectWorkspace also protects .env files, .git/hooks and
	// .git/config in the trees named for reading and writing. Landlock can
	// only allow, so a protected entry is carved out by granting its
	// siblings one by one: the workspace's top directory then accepts no
	// new entries (files and directories created directly in it are
	// refused), which is why it is not the default.
	ProtectWorkspace bool
}

// Scoped reports whether r names paths: the file rights are then scoped to
// them (and to StartupPaths).
func (r *Request) Scoped() bool { return len(r.Read)+len(r.Write)+len(r.Exec) > 0 }

// Scope says which kinds of paths and ports r names, for catalog.Build.
func (r *Request) Scope() catalog.Scope {
	return catalog.Scope{Read: len(r.Read) > 0, Write: len(r.Write) > 0, Exec: len(r.Exec) > 0,
		Bind: len(r.Bind) > 0, Connect: len(r.Connect) > 0}
}

// Implied returns the entitlements r's paths and ports need
// (catalog.Scope.Implied).
func (r *Request) Implied() []string { return r.Scope().Implied() }

// StartupPaths are what a dynamically linked program reads to start and
// run ordinary library code, granted for reading whenever the file rights
// are scoped to paths: the loader's libraries and cache, locale and time
// zone data, name-service configuration, terminal descriptions, /proc (the
// processes outside the sandbox stay out of reach) and what runtimes read
// from /sys: the CPU, NUMA node and cgroup limits (ps, libnuma, the JVM),
// and the huge page settings (every Go program reads
// transparent_hugepage/hpage_pmd_size as it starts; glibc and the JVM read
// the mode, the JVM the huge page sizes).
var StartupPaths = []string{
	"/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/local/lib",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ld.so.preload",
	"/usr/lib/locale", "/usr/share/locale", "/etc/locale.alias", "/usr/share/zoneinfo", "/etc/localtime", "/etc/timezone",
	"/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/host.conf", "/etc/resolv.conf",
	"/etc/gai.conf", "/etc/services", "/etc/protocols", "/etc/ssl/certs", "/usr/share/ca-certificates",
	"/usr/share/terminfo", "/etc/terminfo", "/usr/lib/terminfo",
	"/proc", "/sys/devices/system/cpu", "/sys/devices/system/node", "/sys/fs/cgroup", "/sys/kernel/mm/transparent_hugepage", "/sys/kernel/mm/hugepages",
}

// Apply scopes layers to r's ports and returns the Config fields for its
// paths: rules for Read, Write and Exec (and StartupPaths when scoped),
// and the protected trees. Missing paths are an error naming them (unless
// optional or IgnoreMissing).
func (r *Request) Apply(layers *catalog.Layers) (paths []PathRule, protected []Protected, err error) {
	if len(r.Connect) > 0 {
		ports := slices.Clone(r.Connect)
		if !layers.Connect.All {
			ports = append(ports, layers.Connect.List...) // net.dns keeps port 53
		}
		layers.Connect = catalog.Ports{List: uniq(ports)}
	}
	if len(r.Bind) > 0 {
		layers.Bind = catalog.Ports{List: uniq(append(slices.Clone(r.Bind), 0))}
	}
	var missing []string
	add := func(list []string, rights uint64) {
		for _, p := range list {
			if _, err := os.Stat(p); err != nil {
				if !r.Optional[p] && !r.IgnoreMissing {
					missing = append(missing, p)
				}
				continue
			}
			paths = append(paths, PathRule{Path: p, Rights: rights})
		}
	}
	add(r.Read, RightsRead)
	add(r.Write, RightsWrite)
	add(r.Exec, RightsExec)
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%s: no such file or directory (create it, drop the flag, or use --ignore-missing)", strings.Join(missing, ", "))
	}
	if r.Scoped() {
		for _, p := range StartupPaths {
			if _, err := os.Stat(p); err == nil {
				paths = append(paths, PathRule{Path: p, Rights: RightsRead})
			}
		}
	} else {
		paths = nil
	}
	// The workspaces: the trees named for reading or writing, not the
	// system's.
	home, _ := os.UserHomeDir()
	var roots []string
	if r.ProtectWorkspace {
		for _, p := range append(slices.Clone(r.Read), r.Write...) {
			if !systemTree(p) {
				roots = append(roots, p)
			}
		}
	}
	for _, pr := range DefaultProtected(home, roots) {
		if !slices.ContainsFunc(r.Unprotect, func(u string) bool { return u == pr.Path || under(pr.Path, u) }) {
			protected = append(protected, pr)
		}
	}
	return paths, protected, nil
}

func uniq(ports []uint16) []uint16 {
	slices.Sort(ports)
	return slices.Compact(ports)
}

// Secrets and files whose change runs code later, protected by default:
// a grant of a tree above them does not reach them.
var (
	homeSecrets = []string{".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".kube", ".docker",
		".netrc", ".git-credentials", ".pypirc", ".npmrc", ".cargo/credentials", ".cargo/credentials.toml",
		".password-store", ".local/share/keyrings", ".config/gh", ".terraform.d/credentials.tfrc.json"}
	homeTamper = []string{".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zshenv",
		".zprofile", ".config/fish", ".bash_logout"}
	systemSecrets = []string{"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
		"/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key"}
	// In a granted tree (its top and the directories right below it).
	treeSecrets = []string{".env"}
	treeTamper  = []string{".git/hooks", ".git/config"}
)

// DefaultProtected returns the protected trees that exist: secrets in
// home (SSH and GPG keys, cloud and registry credentials, .netrc, ...) and
// /etc/shadow and friends, which keep no right, and shell start-up files in
// home, which keep the read rights only. With roots (the workspaces, when
// Request.ProtectWorkspace) also ".env" files at the top of each root and
// one level below (no right), and .git/hooks and .git/config at its top
// (read only).
func DefaultProtected(home string, roots []string) []Protected {
	var out []Protected
	seen := map[string]bool{}
	add := func(p string, keep uint64, why string) {
		if seen[p] {
			return
		}
		if _, err := os.Lstat(p); err == nil {
			seen[p] = true
			out = append(out, Protected{Path: p, Keep: keep, Why: why})
		}
	}
	if home != "" && home != "/" {
		for _, s := range homeSecrets {
			add(filepath.Join(home, s), 0, "secret")
		}
		for _, s := range homeTamper {
			add(filepath.Join(home, s), RightsRead, "tamper")
		}
	}
	for _, s := range systemSecrets {
		add(s, 0, "secret")
	}
	for _, root := range roots {
		if fi, err := os.Stat(root); err != nil || !fi.IsDir() || systemTree(root) {
			continue
		}
		dirs := []string{root}
		if ents, err := os.ReadDir(root); err == nil && len(ents) <= 1000 {
			for _, e := range ents {
				if e.IsDir() && e.Name() != ".git" && e.Name() != "node_modules" {
					dirs = append(dirs, filepath.Join(root, e.Name()))
				}
			}
		}
		for _, d := range dirs {
			for _, s := range treeSecrets {
				add(filepath.Join(d, s), 0, "secret")
			}
		}
		for _, s := range treeTamper {
			add(filepath.Join(root, s), RightsRead, "tamper")
		}
	}
	return out
}

// systemTree reports whether p is "/" or in the system's own trees, which
// are not workspaces.
func systemTree(p string) bool {
	for _, t := range []string{"/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/opt", "/proc", "/sys", "/dev", "/boot", "/var/lib"} {
		if p == t || under(p, t) {
			return true
		}
	}
	return p == "/"
}

// ProtectedBy returns the protected tree that contains path, if any.
func ProtectedBy(protected []Protected, path string) (Protected, bool) {
	for _, p := range protected {
		if p.Path == path || under(path, p.Path) {
			return p, true
		}
	}
	return Protected{}, false
}

// Optional reports whether a path as written may be missing ("?/opt", in
// policy files and entitle.Policy), and returns it without the mark.
func Optional(p string) (string, bool) {
	if strings.HasPrefix(p, "?") {
		return p[1:], true
	}
	return p, false
}

// ExpandPath resolves a path as written in a policy file or a flag: "~"
// and "~/..." are the home directory, "$TMPDIR" (or /tmp), relative paths
// are relative to the working directory.
func ExpandPath(p string) (string, error) {
	home := func() (string, error) {
		h, err := os.UserHomeDir()
		if err != nil || h == "" {
			return "", fmt.Errorf("path %q: no home directory ($HOME is not set)", p)
		}
		return h, nil
	}
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		h, err := home()
		if err != nil {
			return "", err
		}
		p = h + p[1:]
	case p == "$TMPDIR" || strings.HasPrefix(p, "$TMPDIR/"):
		p = os.TempDir() + strings.TrimPrefix(p, "$TMPDIR")
	case p == "$HOME" || strings.HasPrefix(p, "$HOME/"):
		h, err := home()
		if err != nil {
			return "", err
		}
		p = h + strings.TrimPrefix(p, "$HOME")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("path %q: %w", p, err)
	}
	return abs, nil
}
