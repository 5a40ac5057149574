package catalog

import (
	"fmt"

	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
)

// Version names an entitlement set: what base and every entitlement grant
// (system calls, argument rules, the layers beyond seccomp). A released
// version never changes: a program that asks for V1 gets the same
// decisions from every later release of entitle, so an upgrade cannot
// silently widen (or narrow) its sandbox. A release that changes what an
// entitlement grants adds a version; the zero Version means Latest.
//
// TestVersionsPinned keeps each version's decisions, per entitlement and
// architecture, in testdata/versions and fails when one changes. To change
// the catalog: add the next version here, make the definitions that differ
// depend on it (the earlier versions keep theirs), and record the new
// version's decisions with `go test ./catalog -run TestVersionsPinned
// -update`; the files of earlier versions must not change.
//
// The one exception is a bypass: a decision with which an allowed call does
// what an entitlement's own definition rules out (closures: TCP Fast Open
// connecting past net.dns's port 53 or net.server's "no connect"; tty's
// CAP_SYS_TTY_CONFIG hanging up the terminal shared with processes outside
// the sandbox). A
// program that asked for V1 asked for V1's promises, not for its holes, so
// the fix applies to every version and each version's file records it; it
// only ever narrows.
type Version int

// The entitlement sets.
const (
	// V1 is the catalog of entitle's first versioned release.
	V1 Version = 1
	// V2 adds to base what C programs do at start that nobody else can
	// see: the query prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET)
	// (journalctl and other systemd tools) and setting the process's own
	// RLIMIT_CORE (gpg turns core dumps off; a core file is written under
	// the process's Landlock domain, and no_new_privs and the capabilities
	// the entitlements keep bound the hard limit).
	V2 Version = 2
	// Latest is the newest entitlement set, what the zero Version means.
	Latest = V2
)

// baseAdded are the rules base gains in each version after V1.
func baseAdded(v Version) []policy.Rule {
	var out []policy.Rule
	if v >= V2 {
		out = append(out,
			rule("prctl", eq32(0, linux.PR_CAP_AMBIENT), eq64(1, linux.PR_CAP_AMBIENT_IS_SET)),
			rule("prlimit64", eq32(0, 0), eq32(1, linux.RLIMIT_CORE)),
			rule("setrlimit", eq32(0, linux.RLIMIT_CORE)),
		)
	}
	return out
}

// Versions returns every entitlement set, oldest first.
func Versions() []Version {
	out := make([]Version, 0, int(Latest))
	for v := V1; v <= Latest; v++ {
		out = append(out, v)
	}
	return out
}

func (v Version) String() string {
	if v == 0 {
		return "latest"
	}
	return fmt.Sprintf("V%d", int(v))
}

// resolve returns the version v selects (Latest for the zero Version).
func (v Version) resolve() (Version, error) {
	switch {
	case v == 0:
		return Latest, nil
	case v < V1 || v > Latest:
		return 0, fmt.Errorf("entitlement set %v does not exist: this release of entitle knows V1 to %v; upgrade entitle to use a newer set", v, Latest)
	}
	return v, nil
}
