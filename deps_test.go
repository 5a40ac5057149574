package entitle_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// TestLibraryDeps: a program that imports the library links neither the
// YAML parser nor the CLI's packages (policy files are read by package
// policyfile).
func TestLibraryDeps(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		testenv.Skip(t, "the go command is not in PATH")
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command(gobin, "list", "-deps", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps (GOOS=%s): %v", goos, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, banned := range []string{"go.yaml.in/yaml", "gopkg.in/yaml", "github.com/entitle-dev/entitle/policyfile", "github.com/spf13/", "github.com/entitle-dev/entitle/supervise", "github.com/entitle-dev/entitle/export", "github.com/entitle-dev/entitle/profile"} {
				if strings.HasPrefix(dep, banned) {
					t.Errorf("GOOS=%s: the library links %s", goos, dep)
				}
			}
		}
	}
}
