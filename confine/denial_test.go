package confine

import (
	"strings"
	"testing"
)

// TestExplainDenialDevices: a refusal in /dev/shm or /dev/mqueue names
// ipc.sysv (the only entitlement that reaches them), and a write to
// /dev/zero says it is read-only and what to use instead, scoped or not;
// a protected path still wins.
func TestExplainDenialDevices(t *testing.T) {
	for _, c := range []struct {
		path, blocker string
		want          string
		fix           Remedy
	}{
		{"/dev/shm/PostgreSQL.1234", "fs.write_file", "shared with every process of the user", Remedy{Kind: AddEntitlement, Entitlement: "ipc.sysv"}},
		{"/dev/shm", "fs.make_reg", "shared with every process of the user", Remedy{Kind: AddEntitlement, Entitlement: "ipc.sysv"}},
		{"/dev/mqueue/q", "fs.read_file", "shared with every process of the user", Remedy{Kind: AddEntitlement, Entitlement: "ipc.sysv"}},
		{"/dev/zero", "fs.write_file", "read-only in the sandbox", Remedy{}},
		{"/dev/shmem", "fs.read_file", "outside the read paths", Remedy{Kind: AddRead, Path: "/dev/shmem"}},
	} {
		for _, scoped := range []bool{true, false} {
			if c.fix.Kind == AddRead && !scoped {
				continue
			}
			_, why, fix := ExplainDenial(Denial{Blockers: []string{c.blocker}, Path: c.path}, scoped, nil)
			if !strings.Contains(why, c.want) || fix != c.fix {
				t.Errorf("%s %s (scoped %v): %q %+v, want %q %+v", c.blocker, c.path, scoped, why, fix, c.want, c.fix)
			}
		}
	}
	_, why, fix := ExplainDenial(Denial{Blockers: []string{"fs.read_file"}, Path: "/dev/shm/x"}, true, []Protected{{Path: "/dev/shm/x", Why: "secret"}})
	if fix.Kind != Unprotect || !strings.Contains(why, "protected") {
		t.Errorf("a protected path in /dev/shm: %q %+v", why, fix)
	}
}
