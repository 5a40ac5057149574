package catalog

import "fmt"

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
type Version int

// The entitlement sets.
const (
	// V1 is the catalog of entitle's first versioned release.
	V1 Version = 1
	// Latest is the newest entitlement set, what the zero Version means.
	Latest = V1
)

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
