//go:build linux

package confine_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/entitle-dev/entitle/confine"
)

// A Landlock denial as the kernel's audit log records it (type 1423),
// parsed and explained: what was refused, why, and what would allow it,
// as a value the caller words (`entitle run` says "add --read PATH").
func ExampleExplainDenial() {
	rec := `audit(1733000000.123:42): domain=1a2b3c blockers=fs.read_file path="/srv/data/report.csv" dev="vda" ino=4242`
	d := confine.ParseDenial(confine.ParseAuditFields(rec))
	what, why, fix := confine.ExplainDenial(d, true, nil)
	fmt.Println(what)
	fmt.Printf("%s — %s %s\n", why, fix.Kind, fix.Path)

	// The same refusal of a protected file names the protection instead.
	prot := []confine.Protected{{Path: "/srv/data", Keep: 0, Why: "secret"}}
	_, why, fix = confine.ExplainDenial(d, true, prot)
	fmt.Printf("%s — %s %s\n", why, fix.Kind, fix.Path)
	// Output:
	// read_file on "/srv/data/report.csv"
	// outside the read paths — read /srv/data/report.csv
	// "/srv/data" is protected (secret) — unprotect /srv/data
}

// ProtectedBy finds the protected tree a path is under: what `entitle
// run` keeps out of reach even when a broader grant (fs.read, --read
// $HOME) covers it.
func ExampleProtectedBy() {
	home, err := os.MkdirTemp("", "home")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(home)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	prot := confine.DefaultProtected(home, nil)
	for _, p := range []string{filepath.Join(home, ".ssh", "id_ed25519"), filepath.Join(home, "notes.txt")} {
		if t, ok := confine.ProtectedBy(prot, p); ok {
			fmt.Printf("~/%s: protected (%s, keeps rights %#x)\n", must(filepath.Rel(home, p)), t.Why, t.Keep)
		} else {
			fmt.Printf("~/%s: not protected\n", must(filepath.Rel(home, p)))
		}
	}
	// Output:
	// ~/.ssh/id_ed25519: protected (secret, keeps rights 0x0)
	// ~/notes.txt: not protected
}

func must(s string, err error) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// ExampleExplainDenial_alias: the same files at another mount keep their
// tree's protection, and an explanation names the tree to unprotect.
func ExampleExplainDenial_alias() {
	alias := confine.Protected{Path: "/mnt/home/.ssh", Why: "secret", Of: "/home/ann/.ssh"}
	d := confine.Denial{Blockers: []string{"fs.read_file"}, Path: "/mnt/home/.ssh/id_ed25519"}
	_, why, fix := confine.ExplainDenial(d, false, []confine.Protected{alias})
	fmt.Printf("%s — %s %s\n", why, fix.Kind, fix.Path)
	// Output:
	// "/mnt/home/.ssh" is protected (secret: the same files as "/home/ann/.ssh") — unprotect /home/ann/.ssh
}
