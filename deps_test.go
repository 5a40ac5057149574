package entitle_test

import (
	"maps"
	"os"
	"os/exec"
	"slices"
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

// TestDesignGraph checks the package graph of docs/DESIGN.md against the
// module as go list sees it on Linux, macOS and Windows:
//
//   - the package table names every package and no other;
//   - the import-flow sentence ("Imports flow one way: A → B, C → ...")
//     places every package with non-test code, directly, through a
//     "dir/..." pattern, or, for a package in another's internal
//     directory, where its parent stands; it names nothing else;
//   - no package imports one to its left in that sentence;
//   - the packages called pure build on every GOOS, and those called
//     Linux-only do not.
//
// A new package therefore needs a row in the table and, unless it sits in
// an internal directory of a placed package, a place in the sentence.
func TestDesignGraph(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		testenv.Skip(t, "the go command is not in PATH")
	}
	data, err := os.ReadFile("docs/DESIGN.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	const module = "github.com/entitle-dev/entitle"

	// The packages and their imports within the module, per GOOS.
	type pkg struct {
		code    bool     // has non-test Go files
		imports []string // within the module, relative ("." is the root)
	}
	rel := func(path string) (string, bool) {
		if path == module {
			return ".", true
		}
		r, ok := strings.CutPrefix(path, module+"/")
		return r, ok
	}
	list := func(goos string) map[string]pkg {
		cmd := exec.Command(gobin, "list", "-f", "{{.ImportPath}} {{len .GoFiles}}{{range .Imports}} {{.}}{{end}}", "./...")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v", goos, err)
		}
		pkgs := map[string]pkg{}
		for line := range strings.Lines(string(out)) {
			f := strings.Fields(line)
			name, _ := rel(f[0])
			p := pkg{code: f[1] != "0"}
			for _, imp := range f[2:] {
				if r, ok := rel(imp); ok {
					p.imports = append(p.imports, r)
				}
			}
			pkgs[name] = p
		}
		return pkgs
	}
	byGOOS := map[string]map[string]pkg{}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		byGOOS[goos] = list(goos)
	}
	all := byGOOS["linux"]

	// The table: the first cell of each row under "## Packages".
	section := doc[strings.Index(doc, "\n## Packages"):]
	if i := strings.Index(section[1:], "\n## "); i >= 0 {
		section = section[:i+1]
	}
	table := map[string]bool{}
	for line := range strings.Lines(section) {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		for _, n := range designNames(cells[1]) {
			table[n] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if !table[name] {
			t.Errorf("package %s is not in the table of docs/DESIGN.md: add a row saying what it does", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(table)) {
		if _, ok := all[name]; !ok {
			t.Errorf("docs/DESIGN.md's table names %s, which is not a package of the module", name)
		}
	}

	// The import flow: one group of names per arrow. The prose is read
	// with its line breaks as spaces.
	prose := strings.Join(strings.Fields(doc), " ")
	const intro = "Imports flow one way:"
	i := strings.Index(prose, intro)
	if i < 0 {
		t.Fatalf("docs/DESIGN.md has no %q sentence", intro)
	}
	var groups [][]string
	for _, seg := range strings.Split(designSentence(prose[i+len(intro):]), "→") {
		groups = append(groups, designNames(seg))
	}
	if len(groups) < 2 {
		t.Fatalf("the import flow of docs/DESIGN.md has %d groups", len(groups))
	}
	place := func(name string) (int, bool) {
		for {
			for g, names := range groups {
				if slices.Contains(names, name) {
					return g, true
				}
			}
			for g, names := range groups {
				for _, n := range names {
					if dir, ok := strings.CutSuffix(n, "/..."); ok && strings.HasPrefix(name, dir+"/") {
						return g, true
					}
				}
			}
			// A package in another's internal directory stands where
			// its parent does.
			parent, _, ok := strings.Cut(name, "/internal/")
			if !ok || parent == name {
				return 0, false
			}
			name = parent
		}
	}
	for _, names := range groups {
		for _, n := range names {
			found := false
			for name := range all {
				dir, wild := strings.CutSuffix(n, "/...")
				found = found || name == n || wild && strings.HasPrefix(name, dir+"/")
			}
			if !found {
				t.Errorf("the import flow of docs/DESIGN.md names %s, which is not a package of the module", n)
			}
		}
	}
	for _, goos := range slices.Sorted(maps.Keys(byGOOS)) {
		pkgs := byGOOS[goos]
		for _, name := range slices.Sorted(maps.Keys(pkgs)) {
			p := pkgs[name]
			if !p.code {
				continue // tests only: nothing imports it
			}
			g, ok := place(name)
			if !ok {
				if goos == "linux" {
					t.Errorf("package %s has no place in the import flow of docs/DESIGN.md (\"%s ...\"): add it to the group it belongs to", name, intro)
				}
				continue
			}
			for _, imp := range p.imports {
				if h, ok := place(imp); ok && h < g {
					t.Errorf("GOOS=%s: %s imports %s, which stands to its left in the import flow of docs/DESIGN.md (%v before %v)", goos, name, imp, groups[h], groups[g])
				}
			}
		}
	}

	// Which packages build where.
	const pureIntro, linuxOnly = "The pure packages (", "are Linux-only"
	j := strings.Index(prose, pureIntro)
	k := strings.Index(prose, linuxOnly)
	if j < 0 || k < j {
		t.Fatalf("docs/DESIGN.md does not say which packages are pure and which Linux-only")
	}
	pureList, rest, _ := strings.Cut(prose[j+len(pureIntro):k], ")")
	for _, goos := range []string{"darwin", "windows"} {
		for _, n := range designNames(pureList) {
			if _, ok := byGOOS[goos][n]; !ok {
				t.Errorf("docs/DESIGN.md calls %s pure, but it does not build for GOOS=%s", n, goos)
			}
		}
		for _, n := range designNames(rest) {
			if _, ok := byGOOS[goos][n]; ok {
				t.Errorf("docs/DESIGN.md calls %s Linux-only, but it builds for GOOS=%s", n, goos)
			}
		}
	}
}

// designNames returns the package names written in backquotes in s,
// relative to the module, "." for the root package (written `entitle`).
func designNames(s string) []string {
	var out []string
	parts := strings.Split(s, "`")
	for i := 1; i < len(parts); i += 2 {
		n := parts[i]
		if n == "entitle" {
			n = "."
		}
		out = append(out, n)
	}
	return out
}

// designSentence returns s up to the end of its first sentence: a full
// stop outside backquotes followed by a space or the end.
func designSentence(s string) string {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '`':
			quoted = !quoted
		case s[i] == '.' && !quoted && (i+1 == len(s) || s[i+1] == ' '):
			return s[:i]
		}
	}
	return s
}
