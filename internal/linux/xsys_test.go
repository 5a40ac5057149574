//go:build linux

package linux

import (
	"go/ast"
	"go/build"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// tables are the package's tables of names; TestNamesAgainstXSys checks
// that no table is left out.
var tables = map[string][]Named{
	"CloneFlags": CloneFlags, "ProtFlags": ProtFlags, "MapTypes": MapTypes, "MapFlags": MapFlags,
	"OpenFlags": OpenFlags, "AccModes": AccModes, "AtFlags": AtFlags, "ModeFlags": ModeFlags, "Families": Families,
	"SockTypes": SockTypes, "SockFlags": SockFlags, "Protocols": Protocols, "Levels": Levels,
	"Rlimits": Rlimits, "Personas": Personas, "FanFlags": FanFlags, "ShmFlags": ShmFlags,
	"FcntlCmds": FcntlCmds, "PrctlOpts": PrctlOpts, "Ioctls": Ioctls,
}

// notInXSys are the constants x/sys/unix does not have (this version of
// it); each is checked by hand against the kernel's headers.
var notInXSys = map[string]bool{
	"O_TMPFILE_BIT": true, "SOCK_TYPE_MASK": true, "PER_LINUX": true, "PER_LINUX32": true, "UNAME26": true,
	"SHM_EXEC": true, "SHM_REMAP": true, "FIONREAD": true, "FIONBIO": true, "FIONCLEX": true, "FIOCLEX": true,
	"FIOASYNC": true, "FIBMAP": true, "FIGETBSZ": true, "FS_IOC32_GETFLAGS": true, "FS_IOC32_SETFLAGS": true,
	"FS_IOC_FSGETXATTR": true, "FS_IOC_FSSETXATTR": true,
}

// differs are the constants whose value here is not x/sys/unix's on some
// architectures, and why.
var differs = map[string]string{
	"F_GETLK64":       "12..14 are fcntl64's numbers on 32-bit architectures; on 64-bit ones x/sys aliases the names to F_GETLK...",
	"F_GETLK":         "5..7 are fcntl's numbers; on 32-bit architectures x/sys aliases the names to F_GETLK64...",
	"F_SETLK":         "as F_GETLK",
	"F_SETLKW":        "as F_GETLK",
	"F_SETLK64":       "as F_GETLK64",
	"F_SETLKW64":      "as F_GETLK64",
	"FS_IOC_GETFLAGS": "_IOR of a long: the 64-bit value; 32-bit architectures' is FS_IOC32_GETFLAGS",
	"FS_IOC_SETFLAGS": "as FS_IOC_GETFLAGS",
	"BLKGETSIZE64":    "_IOR of a size_t: the 64-bit value",
}

// xsysConsts reads the integer constants of x/sys/unix for this GOARCH
// from its source.
func xsysConsts(t *testing.T) map[string]constant.Value {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "golang.org/x/sys/unix").Output()
	if err != nil {
		testenv.Skip(t, "go list golang.org/x/sys/unix:", err)
	}
	dir := strings.TrimSpace(string(out))
	fset := token.NewFileSet()
	m := map[string]constant.Value{}
	for _, f := range []string{"zerrors_linux.go", "zerrors_linux_" + runtime.GOARCH + ".go", "ztypes_linux.go", "ztypes_linux_" + runtime.GOARCH + ".go"} {
		file, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				if len(vs.Names) != 1 || len(vs.Values) != 1 {
					continue
				}
				var v constant.Value
				switch e := vs.Values[0].(type) {
				case *ast.BasicLit:
					v = constant.MakeFromLiteral(e.Value, e.Kind, 0)
				case *ast.CallExpr: // syscall.Errno(0x1)
					if lit, ok := e.Args[0].(*ast.BasicLit); ok && len(e.Args) == 1 {
						v = constant.MakeFromLiteral(lit.Value, lit.Kind, 0)
					}
				case *ast.UnaryExpr:
					if lit, ok := e.X.(*ast.BasicLit); ok && e.Op == token.SUB {
						v = constant.UnaryOp(token.SUB, constant.MakeFromLiteral(lit.Value, lit.Kind, 0), 0)
					}
				}
				if v != nil && v.Kind() == constant.Int {
					m[vs.Names[0].Name] = v
				}
			}
		}
	}
	return m
}

// ownConsts type-checks this package for this GOARCH and returns its
// scope.
func ownConsts(t *testing.T) *types.Scope {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range pkg.GoFiles {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
	}
	conf := types.Config{Importer: importer.Default()}
	p, err := conf.Check("linux", fset, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Scope()
}

// TestNamesAgainstXSys: every constant here is x/sys/unix's (bar the
// documented exceptions), and every table entry is named after a constant
// of its value.
func TestNamesAgainstXSys(t *testing.T) {
	xs := xsysConsts(t)
	scope := ownConsts(t)
	for _, name := range scope.Names() {
		if !token.IsExported(name) {
			continue
		}
		switch o := scope.Lookup(name).(type) {
		case *types.Const:
			want, ok := xs[name]
			switch {
			case !ok && !notInXSys[name]:
				t.Errorf("%s is not in x/sys/unix: a misspelt name? (or list it in notInXSys)", name)
			case ok && notInXSys[name]:
				t.Errorf("%s is in x/sys/unix: take it off notInXSys", name)
			case ok && !constant.Compare(o.Val(), token.EQL, want) && differs[name] == "":
				t.Errorf("%s = %v, x/sys/unix says %v", name, o.Val(), want)
			}
		case *types.Var:
			if s, ok := o.Type().(*types.Slice); ok && s.Elem().String() == "linux.Named" && tables[name] == nil {
				t.Errorf("table %s is not in tables", name)
			}
		}
	}
	for tn, table := range tables {
		for _, n := range table {
			if n.Name == "O_TMPFILE" && n.V == O_TMPFILE_BIT {
				continue // the bit alone, named as the rules mean it
			}
			c, ok := scope.Lookup(n.Name).(*types.Const)
			if !ok {
				t.Errorf("%s: %#x is named %s, which is not a constant here", tn, n.V, n.Name)
				continue
			}
			if v, exact := constant.Uint64Val(c.Val()); !exact || v != n.V {
				t.Errorf("%s: %#x is named %s, which is not a constant of that value", tn, n.V, n.Name)
			}
		}
	}
}
