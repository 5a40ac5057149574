package linux

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// unixImporters are the only directories whose non-test code may import
// golang.org/x/sys/unix: the code that makes system calls (seccomp, the
// supervisor in supervise, its launcher and its decoder, which reads the calling
// process's memory and descriptors, the layers in confine, doctor's probes,
// the library's Apply in the root package, the CLI's terminal checks,
// profile's reading of the running kernel's release) and this package's
// generator. Everything else asks internal/linux for Linux facts, so that
// it builds on every GOOS and each fact has one home.
var unixImporters = map[string]bool{
	".": true, "seccomp": true, "supervise": true, "supervise/internal/launch": true, "supervise/internal/decode": true, "confine": true, "doctor": true,
	"cmd/entitle": true, "profile": true, "internal/linux/internal/gen": true, "internal/testenv": true,
}

func TestUnixImportRule(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		for _, imp := range f.Imports {
			if imp.Path.Value == `"golang.org/x/sys/unix"` && !unixImporters[filepath.ToSlash(dir)] {
				t.Errorf("%s imports golang.org/x/sys/unix: take the constant from internal/linux (or, for a system call, move the code to seccomp, confine or run)", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
