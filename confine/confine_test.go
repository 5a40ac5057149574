//go:build linux

package confine

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

func TestWalk(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/x", "a/y", "b", "c/deep/er"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "f"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "a", "g"), nil, 0o644)
	os.Symlink("/proc", filepath.Join(root, "link"))
	const rw = RightsWrite
	show := func(gs []PathRule) (out []string) {
		for _, g := range gs {
			rel, _ := filepath.Rel(root, g.Path)
			switch g.Rights {
			case rw:
				rel += " rw"
			case rw & fileRights:
				rel += " rw-file"
			case RightsRead:
				rel += " r"
			case ll.AccessFSReadDir:
				rel += " list"
			default:
				rel += " " + catalog.FSRights(g.Rights)
			}
			out = append(out, rel)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		limits []Protected
		want   []string
	}{
		{nil, []string{". rw"}},
		{[]Protected{{Path: "/elsewhere"}}, []string{". rw"}},
		{[]Protected{{Path: root}}, nil},
		// A secret a/x: its siblings granted one by one, the rest of
		// root whole, the directories on the way only listable; the
		// symlink is skipped (its target decides).
		{[]Protected{{Path: filepath.Join(root, "a", "x")}}, []string{". list", "a list", "a/g rw-file", "a/y rw", "b rw", "c rw", "f rw-file"}},
		// Tamper-protected b keeps reading.
		{[]Protected{{Path: filepath.Join(root, "b"), Keep: RightsRead}}, []string{". list", "a rw", "b r", "c rw", "f rw-file"}},
		{[]Protected{{Path: filepath.Join(root, "c", "deep", "er")}, {Path: filepath.Join(root, "b")}},
			[]string{". list", "a rw", "c list", "c/deep list", "f rw-file"}},
	} {
		b := &fsBuilder{limits: c.limits}
		b.walk(root, rw, true, 0)
		if got := show(b.granted); !slices.Equal(got, c.want) {
			t.Errorf("limits %v: %q, want %q", c.limits, got, c.want)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/plain`: "/plain", `/x\134y`: `/x\y`, `/t\04`: `/t\04`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestExecChain(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("#!/bin/sh -e\necho hi\n"), 0o755)
	chain := ExecChain(script)
	if len(chain) < 2 || chain[0] != script || chain[1] != "/bin/sh" {
		t.Fatalf("chain %q: want the script then /bin/sh", chain)
	}
	// /bin/sh is a dynamic ELF: its loader follows.
	if len(chain) != 3 || filepath.Base(chain[2])[:3] != "ld-" {
		t.Errorf("chain %q: want the dynamic loader last", chain)
	}
	// Hostile input: a loop of scripts, garbage ELF, a missing file.
	loop := filepath.Join(dir, "loop")
	os.WriteFile(loop, []byte("#!"+loop+"\n"), 0o755)
	if c := ExecChain(loop); len(c) != 1 {
		t.Errorf("self-referencing script: %q", c)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("\x7fELF\x02\x01\x01garbage"), 0o755)
	if c := ExecChain(bad); len(c) != 1 {
		t.Errorf("garbage ELF: %q", c)
	}
	if c := ExecChain(filepath.Join(dir, "missing")); len(c) != 1 {
		t.Errorf("missing file: %q", c)
	}
}

func TestRulesGrantNothingByDefault(t *testing.T) {
	cfg, rules, err := Config{}.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 0 {
		t.Errorf("base grants %d rules, want none", len(rules))
	}
	if cfg.HandledAccessFS == 0 || cfg.HandledAccessNet == 0 || cfg.Scoped == 0 {
		t.Errorf("base handles %v: want every file right, TCP bind/connect and both scopes", cfg)
	}
	l, _ := catalog.LayersOf([]string{"net.client", "net.server", "proc.signal", "net.unix"})
	cfg, _, _ = Config{Layers: l}.Rules()
	if cfg.HandledAccessNet != 0 || cfg.Scoped != 0 {
		t.Errorf("net.client+net.server+proc.signal+net.unix still handle %v", cfg)
	}
	l, _ = catalog.LayersOf([]string{"admin.mount", "fs.read"})
	if cfg, _, _ = (Config{Layers: l}).Rules(); cfg.HandledAccessFS != 0 {
		t.Errorf("admin.mount: file rights still handled: %v", cfg)
	}
}

// TestCapabilityNumbers: the catalog's capability numbers are the
// kernel's (x/sys/unix).
func TestCapabilityNumbers(t *testing.T) {
	for _, c := range []struct {
		c    catalog.Capability
		want int
	}{
		{catalog.CapChown, unix.CAP_CHOWN}, {catalog.CapDacOverride, unix.CAP_DAC_OVERRIDE},
		{catalog.CapDacReadSearch, unix.CAP_DAC_READ_SEARCH}, {catalog.CapFowner, unix.CAP_FOWNER},
		{catalog.CapFsetid, unix.CAP_FSETID}, {catalog.CapKill, unix.CAP_KILL}, {catalog.CapSetgid, unix.CAP_SETGID},
		{catalog.CapSetuid, unix.CAP_SETUID}, {catalog.CapSetpcap, unix.CAP_SETPCAP},
		{catalog.CapNetBindService, unix.CAP_NET_BIND_SERVICE}, {catalog.CapNetAdmin, unix.CAP_NET_ADMIN},
		{catalog.CapNetRaw, unix.CAP_NET_RAW}, {catalog.CapIpcLock, unix.CAP_IPC_LOCK}, {catalog.CapIpcOwner, unix.CAP_IPC_OWNER},
		{catalog.CapSysModule, unix.CAP_SYS_MODULE}, {catalog.CapSysRawio, unix.CAP_SYS_RAWIO},
		{catalog.CapSysChroot, unix.CAP_SYS_CHROOT}, {catalog.CapSysPtrace, unix.CAP_SYS_PTRACE},
		{catalog.CapSysAdmin, unix.CAP_SYS_ADMIN}, {catalog.CapSysBoot, unix.CAP_SYS_BOOT}, {catalog.CapSysNice, unix.CAP_SYS_NICE},
		{catalog.CapSysResource, unix.CAP_SYS_RESOURCE}, {catalog.CapSysTime, unix.CAP_SYS_TIME},
		{catalog.CapSysTtyConfig, unix.CAP_SYS_TTY_CONFIG}, {catalog.CapMknod, unix.CAP_MKNOD}, {catalog.CapLease, unix.CAP_LEASE},
		{catalog.CapSetfcap, unix.CAP_SETFCAP}, {catalog.CapSyslog, unix.CAP_SYSLOG}, {catalog.CapBPF, unix.CAP_BPF},
		{catalog.CapPerfmon, unix.CAP_PERFMON},
	} {
		if c.c.Num != c.want {
			t.Errorf("%s = %d, the kernel's is %d", c.c.Name, c.c.Num, c.want)
		}
	}
}

// TestParseMounts: the mount points and types of mountinfo lines, as
// strings.Fields splits them, and those of this process's table.
func TestParseMounts(t *testing.T) {
	fields := func(data string) (out mountTable) {
		for _, line := range strings.Split(data, "\n") {
			f := strings.Fields(line)
			sep := slices.Index(f, "-")
			if len(f) < 5 || sep < 0 || sep+1 >= len(f) {
				continue
			}
			out = append(out, struct{ point, fstype string }{unescapeMount(f[4]), f[sep+1]})
		}
		return out
	}
	real, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Skip(err)
	}
	for _, data := range []string{
		string(real),
		"36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n",
		"36 35 98:0 / /a\\040b rw shared:1 master:2 - tmpfs tmpfs rw\n37 36 0:5 / /c rw - debugfs",
		"\n\n1 2 3 4\n1 2 3 4 5 6 -\n1 2 3 4 /x 6 - \n  1  2 3 4 /y 6 -  proc  x\n",
		"", "-", "1 2 3 4 5 - -",
	} {
		if got, want := parseMounts([]byte(data)), fields(data); !slices.Equal(got, want) {
			t.Errorf("%q:\n%q\nwant %q", data, got, want)
		}
	}
	if m, err := readMounts(); err != nil || !slices.Equal(m, fields(string(real))) {
		t.Errorf("readMounts: %v", err)
	}
}

// TestElfInterp: readELF reads what debug/elf reads (the interpreter, the
// class and machine, an executable stack), on the system's programs and
// libraries and on hand-made 32-bit and big-endian files.
func TestElfInterp(t *testing.T) {
	n := 0
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if !e.Type().IsRegular() || n >= 400 {
				continue
			}
			f, err := os.Open(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			n++
			got, ok := readELF(f)
			want, wok := readELFSlow(f)
			if ok && wok && got != want || got.interp != want.interp {
				t.Errorf("%s: %+v, debug/elf reads %+v", f.Name(), got, want)
			}
			f.Close()
		}
	}
	if n == 0 {
		t.Skip("no programs to read")
	}
	// ELF32: header (52 bytes), one program header (32 bytes), the path.
	make32 := func(bo binary.ByteOrder, data byte) []byte {
		b := make([]byte, 52+32)
		copy(b, elf.ELFMAG)
		b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS32), data, byte(elf.EV_CURRENT)
		bo.PutUint16(b[16:], uint16(elf.ET_EXEC))
		bo.PutUint16(b[18:], uint16(elf.EM_ARM))
		bo.PutUint32(b[20:], uint32(elf.EV_CURRENT))
		bo.PutUint32(b[28:], 52) // phoff
		bo.PutUint16(b[40:], 52) // ehsize
		bo.PutUint16(b[42:], 32) // phentsize
		bo.PutUint16(b[44:], 1)  // phnum
		bo.PutUint32(b[52:], uint32(elf.PT_INTERP))
		bo.PutUint32(b[52+4:], 84) // offset
		bo.PutUint32(b[52+16:], 11)
		return append(b, "/lib/ld.so\x00"...)
	}
	for _, b := range [][]byte{make32(binary.LittleEndian, byte(elf.ELFDATA2LSB)), make32(binary.BigEndian, byte(elf.ELFDATA2MSB))} {
		got, _ := readELF(bytes.NewReader(b))
		want, _ := readELFSlow(bytes.NewReader(b))
		if got.interp != "/lib/ld.so" || got != want {
			t.Errorf("ELF32: %+v, debug/elf reads %+v", got, want)
		}
		// Cut anywhere: no interpreter, no panic.
		for i := range b[:len(b)-1] {
			if got := elfInterp(bytes.NewReader(b[:i])); got != "" {
				t.Errorf("cut at %d: %q", i, got)
			}
		}
	}
}

// TestAddProcSelf: the command's own /proc entries need its pid only when
// the file rights include writing; AddProcSelf adds their rules to a
// ruleset built without a pid (the attack suite's TestAttackSelfMem checks
// the command can then write its comm and still not its mem).
func TestAddProcSelf(t *testing.T) {
	if ABI() == 0 {
		t.Skip("no Landlock")
	}
	ro, _ := catalog.LayersOf([]string{"fs.read"})
	if r := (Config{Layers: ro}).ProcSelfRights(); r != 0 {
		t.Errorf("fs.read: ProcSelfRights %#x, want 0", r)
	}
	rw, _ := catalog.LayersOf([]string{"fs.read", "fs.write"})
	c := Config{Layers: rw}
	if c.ProcSelfRights() == 0 {
		t.Fatal("fs.write: ProcSelfRights 0")
	}
	fd, _, err := c.NewRulesetFD()
	if err != nil || fd < 0 {
		t.Fatalf("NewRulesetFD: %d %v", fd, err)
	}
	defer unix.Close(fd)
	if err := c.AddProcSelf(fd, os.Getpid()); err != nil {
		t.Fatal(err)
	}
}
