package entitle_test

import (
	"fmt"
	"log"
	"os"
	"syscall"

	"github.com/entitle-dev/entitle"
)

// A service confines itself once it has opened what it needs. If Apply
// fails the process is not confined: exit, never continue.
// (No Output line: running it would confine the test process.)
func ExampleApply() {
	if err := entitle.Apply(entitle.NetServer, entitle.FSRead); err != nil {
		log.Fatalf("sandbox: %v", err)
	}
	// From here on execve, mount, ptrace, connect, opening files for
	// writing, ... fail with EPERM, in every thread.
}

// Program shows what a policy decides without installing it: Decide runs
// the compiled filter as the kernel does.
func ExamplePolicy_Program() {
	p := entitle.Policy{
		Entitlements: []entitle.Entitlement{entitle.NetServer, entitle.FSRead},
		Extra:        []entitle.Rule{{Syscall: "uname", Action: entitle.Errno(syscall.ENOSYS)}},
	}
	prog, err := p.Program()
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"accept4", "openat", "connect", "execve", "mount", "uname", "clone3"} {
		var args []uint64
		if name == "openat" {
			args = []uint64{0xFFFFFF9C, 0, 0x80000} // AT_FDCWD, path, O_RDONLY|O_CLOEXEC
		}
		a, err := prog.Decide(name, args...)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %v\n", name, a)
	}
	// Output:
	// accept4: allow
	// openat: allow
	// connect: errno(EPERM)
	// execve: errno(EPERM)
	// mount: errno(EPERM)
	// uname: errno(ENOSYS)
	// clone3: errno(ENOSYS)
}

// An extra rule with a condition on an argument: allow ioctl(fd,
// TIOCSWINSZ) (set the terminal size) without granting tty.
func ExampleRule() {
	const tiocswinsz = 0x5414
	prog, err := entitle.Policy{Extra: []entitle.Rule{{
		Syscall: "ioctl",
		Action:  entitle.Allow,
		Args:    []entitle.Arg{{Index: 1, Op: entitle.Equal, Value: tiocswinsz, Width32: true}},
	}}}.Program()
	if err != nil {
		log.Fatal(err)
	}
	set, _ := prog.Decide("ioctl", 0, tiocswinsz)
	sti, _ := prog.Decide("ioctl", 0, 0x5412) // TIOCSTI
	fmt.Println(set, sti)
	// Output:
	// allow errno(EPERM)
}

// A program that names an entitlement set keeps exactly the sandbox it
// was tested with when it upgrades entitle. (No Output line: running it
// would confine the test process.)
func ExampleVersion_Apply() {
	if err := entitle.V1.Apply(entitle.NetServer, entitle.FSRead); err != nil {
		log.Fatalf("sandbox: %v", err)
	}
}

// Policy values carry the options. Kill ends the process at the first
// denied call instead of failing it.
func ExamplePolicy_Apply() {
	p := entitle.Policy{
		Entitlements: []entitle.Entitlement{entitle.NetClient, entitle.FSRead, entitle.FSWrite},
		OnViolation:  entitle.Kill,
	}
	if err := p.Apply(); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

// Bad input is an error before anything is applied.
func ExampleApply_unknown() {
	err := entitle.Apply(entitle.NetServer, "fs.raed")
	fmt.Println(err)
	// Output:
	// entitle: invalid policy: unknown entitlement "fs.raed"; did you mean fs.read?
}

// A build step that may read the project, write only ./build and reach a
// package mirror on port 443: the paths and ports imply the entitlements
// (FSRead, FSWrite, FSCreate, FSAttr, NetClient), and Landlock keeps every
// other file, port and process out of reach. ApplyReport says what an older
// kernel could not enforce. (No Output line: running it would confine the
// test process.)
func ExamplePolicy_ApplyReport() {
	rep, err := entitle.Policy{
		Entitlements: []entitle.Entitlement{entitle.NetDNS},
		Read:         []string{"."},
		Write:        []string{"./build"},
		Connect:      []uint16{443},
		Strict:       false, // best effort on older kernels
	}.ApplyReport()
	if err != nil {
		log.Fatalf("sandbox: %v", err)
	}
	for _, m := range rep.Missing {
		log.Printf("sandbox: not enforced on this kernel: %s", m)
	}
}
