//go:build linux

package doctor

import (
	"os"
	"testing"
)

func TestCheck(t *testing.T) {
	got := map[string]Finding{}
	for _, f := range Check() {
		if f.What == "" {
			t.Errorf("%+v: empty finding", f)
		}
		if _, dup := got[f.Area]; !dup {
			got[f.Area] = f
		}
	}
	for _, area := range []string{"kernel", "seccomp", "landlock", "capabilities", "confinement"} {
		if _, ok := got[area]; !ok {
			t.Errorf("no %s finding in %v", area, got)
		}
	}
	// CI runs on a machine with every feature: nothing may be missing there.
	if os.Getenv("CI") != "" {
		for _, area := range []string{"seccomp", "landlock"} {
			if got[area].Status != OK {
				t.Errorf("CI machine: %s is %s: %s", area, got[area].Status, got[area].What)
			}
		}
	}
}
