//go:build linux

package scan

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// tableLib is a library whose system calls are reached only through
// function pointers held in data: an exported table (the library's own
// code loads it through the GOT) and a static one (loaded by address).
// A third table is used only by a function the program does not import.
const tableLib = `#define _GNU_SOURCE
#include <unistd.h>
__attribute__((noinline)) static long do_sync(void) { sync(); return 0; }
__attribute__((noinline)) static long do_syncfs(void) { return syncfs(0); }
__attribute__((noinline)) static long do_acct(void) { return acct(0); }
__attribute__((noinline)) static long nothing(void) { return 1; }
long (*const exported_table[])(void) = { nothing, do_sync };
static long (*const static_table[])(void) = { nothing, do_syncfs };
static long (*const unused_table[])(void) = { nothing, do_acct };
long call_exported(int i) { return exported_table[i](); }
long call_static(int i) { return static_table[i](); }
long call_unused(int i) { return unused_table[i](); }
`

const tableMain = `long call_exported(int);
long call_static(int);
int main(int argc, char **argv) { return (int)(call_exported(argc > 1) + call_static(argc > 1)); }
`

// buildTableProgram builds tableLib (with the extra linker flags) and a
// program that calls it, in dir.
func buildTableProgram(t *testing.T, dir string, ldflags ...string) string {
	t.Helper()
	os.WriteFile(filepath.Join(dir, "lib.c"), []byte(tableLib), 0o644)
	os.WriteFile(filepath.Join(dir, "main.c"), []byte(tableMain), 0o644)
	lib := exec.Command("gcc", append([]string{"-O2", "-fPIC", "-shared", "-o", filepath.Join(dir, "libtable.so"), filepath.Join(dir, "lib.c")}, ldflags...)...)
	if out, err := lib.CombinedOutput(); err != nil {
		if len(ldflags) > 0 {
			t.Skipf("the linker does not take %v: %v\n%s", ldflags, err, out)
		}
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	prog := filepath.Join(dir, "table")
	if out, err := exec.Command("gcc", "-O2", "-o", prog, filepath.Join(dir, "main.c"), "-L"+dir, "-ltable", "-Wl,-rpath,$ORIGIN").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return prog
}

// TestLibraryDataPointers: code a library reaches only through function
// pointers in its data counts, whether the loader relocates those
// pointers with RELA entries or with packed relative relocations (RELR,
// which glibc 2.36 itself uses); a table that only code the program
// cannot reach refers to does not (data blocks).
func TestLibraryDataPointers(t *testing.T) {
	needTools(t, "gcc", "strace")
	for _, c := range []struct {
		name    string
		ldflags []string
	}{{"rela", nil}, {"relr", []string{"-Wl,-z,pack-relative-relocs"}}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			prog := buildTableProgram(t, dir, c.ldflags...)
			tr := straceRun(t, dir, prog, "both")
			for _, want := range []string{"sync", "syncfs"} {
				if !tr.calls[want] {
					t.Fatalf("the workload did not call %s: %v", want, tr.calls)
				}
			}
			r, err := New(Options{CacheDir: "off"}).Scan(prog)
			if err != nil {
				t.Fatal(err)
			}
			got := reportNames(r)
			for _, want := range []string{"sync", "syncfs"} {
				if !got[want] {
					t.Errorf("%s is made through a function pointer in the library's data and not found", want)
				}
			}
			if got["acct"] {
				t.Errorf("acct is made only through a table no reachable code refers to, and found:\n%s", explainSites(r, "acct"))
			}
			checkRecall(t, "table-"+c.name, staticSet(t, New(Options{CacheDir: "off"}), prog, tr), tr)
		})
	}
}

// TestFILEVtables: glibc's FILE vtables are function pointers in data
// (section __libc_IO_vtables, glibc 2.24-2.37): pclose reaches wait4 only
// through popen's vtable, which counts for a program that calls popen and,
// where each vtable is known (libc's debug symbols), not for one that
// only opens files.
func TestFILEVtables(t *testing.T) {
	needTools(t, "gcc", "strace")
	dir := t.TempDir()
	build := func(name, src string) string {
		os.WriteFile(filepath.Join(dir, name+".c"), []byte(src), 0o644)
		bin := filepath.Join(dir, name)
		if out, err := exec.Command("gcc", "-O2", "-o", bin, filepath.Join(dir, name+".c")).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		return bin
	}
	popen := build("popen", `#include <stdio.h>
int main(void) { FILE *f = popen("exit 0", "r"); if (!f) return 1; return pclose(f) != 0; }
`)
	fopen := build("fopen", `#include <stdio.h>
int main(int argc, char **argv) { FILE *f = fopen(argv[0], "r"); if (!f) return 1; char b[16]; fread(b, 1, sizeof b, f); return fclose(f); }
`)
	sc := New(Options{CacheDir: "off"})
	tr := straceRun(t, dir, popen)
	if !tr.calls["wait4"] {
		t.Fatalf("pclose made no wait4: %v", tr.calls)
	}
	checkRecall(t, "popen", staticSet(t, sc, popen, tr), tr)
	r, err := sc.Scan(fopen)
	if err != nil {
		t.Fatal(err)
	}
	libc := ""
	for _, l := range r.Libraries {
		if filepath.Base(l) == "libc.so.6" {
			libc = l
		}
	}
	lm, err := openModule(libc)
	if err != nil {
		t.Skipf("no libc.so.6 among %v", r.Libraries)
	}
	hasSection := false
	for _, d := range lm.data {
		hasSection = hasSection || d.name == "__libc_IO_vtables"
	}
	if !hasSection || lm.debugFile() == "" {
		t.Skipf("%s: no __libc_IO_vtables section or no debug symbols (libc6-dbg): its vtables are one block", libc)
	}
	if reportNames(r)["wait4"] {
		t.Errorf("a program that only opens files can wait4:\n%s", explainSites(r, "wait4"))
	}
}

// TestStdoutCharDevice: a stdio program writing to a character device
// that is not a pseudo-terminal (here /dev/null) asks whether it is a
// terminal, ioctl(TCGETS), when its FILE buffer is allocated, through
// FILE vtable functions (function pointers in libc's data, which glibc
// 2.36 relocates with RELR). wc imports no ioctl of its own.
func TestStdoutCharDevice(t *testing.T) {
	needTools(t, "strace")
	prog := debianProg(t, "wc")
	dir := t.TempDir()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	out := filepath.Join(dir, "strace.out")
	cmd := exec.Command("strace", "-f", "-qq", "-o", out, prog, "/etc/passwd")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = null, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace %s: %v\n%s", prog, err, stderr.String())
	}
	tr := parseStrace(t, out)
	if !tr.calls["ioctl"] {
		t.Skipf("%s made no ioctl writing to %s: %v", prog, os.DevNull, tr.calls)
	}
	checkRecall(t, "wc>/dev/null", staticSet(t, New(Options{CacheDir: "off"}), prog, tr), tr)
}

// TestDataInText: a table the symbol table places in an executable
// section (OpenSSL's precomputed curves are in .text: node's
// ecp_nistz256_precomputed held the bytes of int $0x80) is data, not part
// of the function before it: its bytes make no system call and no i386
// call.
func TestDataInText(t *testing.T) {
	needTools(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "tab.c")
	os.WriteFile(src, []byte(`__asm__(
	".text\n"
	".globl before\n.type before,@function\nbefore:\n\tret\n.size before,1\n"
	".globl table\n.type table,@object\n"
	"table:\n\t.byte 0xb8,0xa9,0,0,0,0x0f,0x05,0xb8,0x01,0,0,0,0xcd,0x80\n.size table,14\n"
	".previous\n");
extern void before(void);
int main(void) { before(); return 0; }
`), 0o644)
	bin := filepath.Join(dir, "tab")
	if out, err := exec.Command("gcc", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	r, err := New(Options{CacheDir: "off"}).Scan(bin)
	if err != nil {
		t.Fatal(err)
	}
	if reportNames(r)["reboot"] {
		t.Errorf("the table's bytes were read as a reboot call:\n%s", explainSites(r, "reboot"))
	}
	for _, l := range r.Limits {
		if l.Kind == "i386" {
			t.Errorf("the table's bytes were read as an i386 call: %s", l.Detail)
		}
	}
}
