//go:build linux

package confine

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/internal/childtest"
	"github.com/entitle-dev/entitle/internal/testenv"
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
			out = append(out, mountEntry{unescapeMount(f[4]), f[sep+1], f[2], unescapeMount(f[3])})
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

// TestProcSelfPaths: the /proc/self and /proc/thread-self names of the
// command's own entries are the entries AddProcSelf grants by pid (the
// same files; for the task entries, those of the calling thread, which in
// the command's one-thread first process is the process).
func TestProcSelfPaths(t *testing.T) {
	rw, _ := catalog.LayersOf([]string{"fs.read", "fs.write"})
	c := Config{Layers: rw}
	paths, rights := c.ProcSelfPaths()
	if ABI() == 0 {
		if paths != nil {
			t.Fatalf("no Landlock: %q", paths)
		}
		return
	}
	if len(paths) != len(procSelfWritable) || rights == 0 {
		t.Fatalf("paths %q, rights %#x", paths, rights)
	}
	ro, _ := catalog.LayersOf([]string{"fs.read"})
	if p, r := (Config{Layers: ro}).ProcSelfPaths(); p != nil || r != 0 {
		t.Errorf("fs.read: %q %#x", p, r)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := strconv.Itoa(os.Getpid()), strconv.Itoa(unix.Gettid())
	for i, f := range procSelfWritable {
		byPid := "/proc/" + pid + "/" + strings.ReplaceAll(f, "PID", tid)
		var a, b unix.Stat_t
		if err := unix.Stat(byPid, &a); err != nil {
			continue // as AddProcSelf: only the entries that exist
		}
		if err := unix.Stat(paths[i], &b); err != nil {
			t.Errorf("%s: %v", paths[i], err)
			continue
		}
		if a.Dev != b.Dev || a.Ino != b.Ino {
			t.Errorf("%s is not %s", paths[i], byPid)
		}
	}
}

// TestFollowerLatePID: records of the sandbox's domain that come before
// SetPID (entitle run learns the pid once the child has called execve)
// are held and delivered then; another sandbox's are not.
func TestFollowerLatePID(t *testing.T) {
	var got []Denial
	var seccomp []SeccompRecord
	f := &Follower{pending: map[string][]Denial{}, domains: map[string]bool{}, early: map[string]string{}, fn: func(d Denial) { got = append(got, d) }, freed: make(chan struct{})}
	f.OnSeccomp = func(r SeccompRecord) { seccomp = append(seccomp, r) }
	f.record(auditLandlockAccess, `audit(1.1:1): domain=aa blockers=fs.read_file path="/etc/ours"`)
	f.record(auditLandlockAccess, `audit(1.1:2): domain=bb blockers=fs.read_file path="/etc/theirs"`)
	f.record(auditLandlockDomain, `audit(1.1:3): domain=aa status=allocated mode=enforcing pid=77 uid=0 exe="/bin/cat" comm="cat"`)
	f.record(auditLandlockDomain, `audit(1.1:4): domain=bb status=allocated mode=enforcing pid=88 uid=0 exe="/bin/cat" comm="cat"`)
	f.record(auditLandlockAccess, `audit(1.1:5): domain=aa blockers=fs.write_file path="/etc/ours2"`)
	f.record(auditSeccomp, `audit(1.1:6): auid=0 uid=0 pid=77 comm="cat" arch=c000003e syscall=165 code=0x80000000`)
	f.record(auditSeccomp, `audit(1.1:7): auid=0 uid=0 pid=88 comm="cat" arch=c000003e syscall=165 code=0x80000000`)
	if len(got) != 0 || len(seccomp) != 0 {
		t.Fatalf("delivered before SetPID: %+v %+v", got, seccomp)
	}
	f.SetPID(77)
	if len(got) != 2 || got[0].Path != "/etc/ours" || got[1].Path != "/etc/ours2" {
		t.Fatalf("after SetPID: %+v", got)
	}
	if len(seccomp) != 1 || seccomp[0].PID != 77 || seccomp[0].Syscall != 165 {
		t.Fatalf("seccomp records after SetPID: %+v", seccomp)
	}
	f.record(auditLandlockAccess, `audit(1.1:8): domain=aa blockers=fs.read_file path="/etc/later"`)
	f.record(auditLandlockAccess, `audit(1.1:9): domain=bb blockers=fs.read_file path="/etc/theirs2"`)
	if len(got) != 3 || got[2].Path != "/etc/later" {
		t.Fatalf("after SetPID, later records: %+v", got)
	}
	if f.domain != "aa" {
		t.Fatalf("domain %q", f.domain)
	}
}

// TestDACSettled: /etc is granted whole, without carving /etc/shadow out,
// only to a process that the kernel refuses /etc/shadow and that cannot
// get it back once confined: a user without capabilities whose real,
// effective and saved ids agree (nobody); not root, and not a root
// process that set only its effective ids to nobody's (it keeps its
// capabilities' permitted set and could set its ids back to its real
// ones).
func TestDACSettled(t *testing.T) {
	if childtest.Child("dac-settled") {
		if os.Getenv("DAC_SAVED_ROOT") != "" {
			if err := syscall.Setresgid(0, 65534, 0); err != nil {
				fmt.Println(err)
				os.Exit(1)
			}
			if err := syscall.Setresuid(0, 65534, 0); err != nil {
				fmt.Println(err)
				os.Exit(1)
			}
		}
		layers, _ := catalog.LayersOf([]string{"fs.read"})
		c := Config{Layers: layers, Protected: []Protected{{Path: "/etc/shadow", Why: "secret"}}}
		grants, err := c.fsGrants(layers.FS&handledFS, nil)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		whole := false
		for _, g := range grants {
			if (g.Path == "/" || g.Path == "/etc") && g.Rights&ll.AccessFSReadFile != 0 {
				whole = true // /etc granted with its entries, not one by one
			}
		}
		fmt.Println("etc whole:", whole)
		os.Exit(0)
	}
	if os.Geteuid() != 0 {
		testenv.Skip(t, "needs root to run as nobody")
	}
	if _, err := os.Stat("/etc/shadow"); err != nil {
		testenv.Skipf(t, "/etc/shadow: %v", err)
	}
	for _, c := range []struct {
		name string
		run  func() (string, error)
		want string
	}{
		{"root", func() (string, error) { return childtest.Run(t, "dac-settled") }, "etc whole: false"},
		{"nobody", func() (string, error) { return childtest.RunAs(t, 65534, 65534, "dac-settled") }, "etc whole: true"},
		{"root with nobody's effective ids", func() (string, error) { return childtest.Run(t, "dac-settled", "DAC_SAVED_ROOT=1") }, "etc whole: false"},
	} {
		out, err := c.run()
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: %v\n%s\nwant %q", c.name, err, out, c.want)
		}
	}
}
