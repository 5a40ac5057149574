//go:build linux

// Package doctor finds out what this kernel and this user can enforce —
// seccomp actions and user notification, Landlock's ABI and rights,
// capabilities, audit access for explaining Landlock denials, whether the
// process is already confined or in a container — and says, for each, what
// it means for entitle's sandboxes. `entitle doctor` prints it.
package doctor

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/entitle-dev/entitle/confine"
	"golang.org/x/sys/unix"
)

// Status is how a finding affects the sandbox.
type Status string

const (
	OK      Status = "ok"      // enforced as documented
	Notice  Status = "notice"  // works, with a limit worth knowing
	Missing Status = "missing" // a layer or feature is not available
)

// Finding is one line of the report.
type Finding struct {
	Area    string `json:"area"`    // "seccomp", "landlock", ...
	Status  Status `json:"status"`  // ok, notice, missing
	What    string `json:"what"`    // what was found
	Meaning string `json:"meaning"` // what it means for the user
}

// Check probes the running system. It changes nothing.
func Check() []Finding {
	var out []Finding
	add := func(area string, st Status, what, meaning string) {
		out = append(out, Finding{area, st, what, meaning})
	}
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		add("kernel", OK, fmt.Sprintf("Linux %s (%s)", cstr(uts.Release[:]), cstr(uts.Machine[:])), "")
	}

	// seccomp.
	actions := []struct {
		name string
		ret  uint32
	}{{"kill-process", unix.SECCOMP_RET_KILL_PROCESS}, {"errno", unix.SECCOMP_RET_ERRNO}, {"user-notification", unix.SECCOMP_RET_USER_NOTIF}, {"log", unix.SECCOMP_RET_LOG}}
	var have, lack []string
	for _, a := range actions {
		r := a.ret
		if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&r))); e == 0 {
			have = append(have, a.name)
		} else {
			lack = append(lack, a.name)
		}
	}
	switch {
	case len(have) == 0:
		add("seccomp", Missing, "seccomp filters are not available (or forbidden by an outer sandbox)", "entitle cannot confine anything here: every command fails closed with status 125")
	case len(lack) > 0:
		add("seccomp", Notice, "actions available: "+strings.Join(have, ", ")+"; missing: "+strings.Join(lack, ", "),
			"without user-notification entitle run cannot explain denials: use --quiet")
	default:
		add("seccomp", OK, "filters with every action: "+strings.Join(have, ", "), "entitle run explains each denied call")
	}

	// Landlock.
	abi := confine.ABI()
	switch {
	case abi == 0:
		add("landlock", Missing, "Landlock is not available (not built, not in the lsm= boot list, or forbidden)",
			"no file, port or process isolation beyond seccomp: a confined program can read every file its user can and reach other processes of its user; use --strict to refuse running")
	case abi < 6:
		add("landlock", Notice, fmt.Sprintf("Landlock ABI %d", abi), "file rights enforced; "+landlockGaps(abi)+"; entitle run prints a notice, --strict refuses")
	default:
		add("landlock", OK, fmt.Sprintf("Landlock ABI %d: file rights, TCP bind/connect ports, signal and abstract-socket scoping", abi), landlockExtras(abi))
	}

	// Identity and capabilities.
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) == nil {
		eff := uint64(data[0].Effective) | uint64(data[1].Effective)<<32
		who := fmt.Sprintf("uid %d", os.Getuid())
		if eff == 0 {
			add("capabilities", OK, who+", no effective capabilities", "entitle run works unprivileged (no_new_privs; no namespaces needed)")
		} else {
			add("capabilities", OK, fmt.Sprintf("%s, effective capabilities %#x", who, eff),
				"a command run from here keeps only its entitlements' capabilities (entitle show NAME lists them)")
		}
	}

	// Already confined?
	status, _ := os.ReadFile("/proc/self/status")
	field := func(name string) string {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, name+":"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	switch field("Seccomp") {
	case "2":
		add("confinement", Notice, fmt.Sprintf("this process already runs under %s seccomp filter(s)", orOne(field("Seccomp_filters"))),
			"entitle's filters stack on them (the most restrictive answer wins); an outer filter that denies seccomp or its ioctls makes entitle run fail closed with 125")
	case "1":
		add("confinement", Missing, "strict seccomp mode", "nothing can run")
	default:
		add("confinement", OK, "not under a seccomp filter", "")
	}
	if field("NoNewPrivs") == "1" {
		add("confinement", Notice, "no_new_privs is already set", "set-user-ID programs cannot gain privileges here, with or without entitle")
	}
	if ns := strings.Fields(field("NSpid")); len(ns) > 1 {
		add("container", Notice, fmt.Sprintf("in a PID namespace (pid %s outside)", ns[0]),
			"inside a container: entitle run works as the container's entrypoint or inside it, with the runtime's profile stacked under entitle's")
	} else if fileExists("/.dockerenv") || fileExists("/run/.containerenv") {
		add("container", Notice, "a container runtime's marker file is present", "entitle's filters stack under the runtime's profile")
	}

	// Audit: where Landlock denials can be seen.
	if abi >= 7 {
		if b, err := os.ReadFile("/proc/sys/kernel/dmesg_restrict"); err == nil && strings.TrimSpace(string(b)) == "1" && data[1].Effective&(1<<(unix.CAP_SYSLOG-32)) == 0 {
			add("audit", Notice, "Landlock records denials in the kernel audit log, but this user cannot read the kernel log (dmesg_restrict=1)",
				"Landlock denials are not explained by name; read them as root with `journalctl -k` or `ausearch -m landlock_access`")
		} else {
			add("audit", OK, "Landlock denials are recorded in the kernel audit log (type=1423 LANDLOCK_ACCESS)",
				"see them with `dmesg | grep landlock` or `journalctl -k`; seccomp denials are explained by entitle run itself")
		}
	}
	return out
}

func landlockGaps(abi int) string {
	var gaps []string
	if abi < 3 {
		gaps = append(gaps, "truncate is not restricted")
	}
	if abi < 4 {
		gaps = append(gaps, "TCP ports are not restricted")
	}
	if abi < 6 {
		gaps = append(gaps, "signals and abstract Unix sockets reach outside the sandbox")
	}
	return strings.Join(gaps, ", ")
}

func landlockExtras(abi int) string {
	var s []string
	if abi >= 7 {
		s = append(s, "denials are audited")
	}
	if abi < 9 {
		s = append(s, "connecting to Unix sockets by path is not restricted before ABI 9 (seccomp's net.unix rules apply)")
	}
	if abi < 10 {
		s = append(s, "UDP ports are not restricted before ABI 10")
	}
	return strings.Join(s, "; ")
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func orOne(s string) string {
	if _, err := strconv.Atoi(s); err != nil {
		return "1"
	}
	return s
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
