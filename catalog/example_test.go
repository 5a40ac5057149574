package catalog_test

import (
	"fmt"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/syscalls"
)

func ExampleBuild() {
	x := syscalls.X86_64
	p, err := catalog.Build(catalog.Request{
		Entitlements: []string{"net.server", "fs.read"},
		Arches:       []*syscalls.Arch{x},
		SelfPID:      4242,
	})
	if err != nil {
		panic(err)
	}
	call := func(name string, args ...uint64) {
		nr, _ := x.Number(name)
		var a [6]uint64
		copy(a[:], args)
		fmt.Printf("%s: %v\n", name, p.Evaluate(x.AuditArch(), nr, a))
	}
	call("socket", 10, 1|0x80000, 0) // AF_INET6, SOCK_STREAM|SOCK_CLOEXEC
	call("socket", 16, 3, 0)         // AF_NETLINK: needs net.netlink
	call("listen", 3, 128)
	call("clone3") // ENOSYS: libc falls back to clone
	call("mount")  // needs admin.mount
	call("kill", 4242, 15)
	fmt.Println(p.DefaultAction, p.UnknownAction, p.BadArchAction)
	// Output:
	// socket: allow
	// socket: errno(EPERM)
	// listen: allow
	// clone3: errno(ENOSYS)
	// mount: errno(EPERM)
	// kill: allow
	// errno(EPERM) errno(ENOSYS) kill-process
}

func ExampleLookup() {
	es, _ := catalog.Lookup("network_connection") // a Karn alias
	for _, e := range es {
		fmt.Println(e.Name, "-", e.Summary)
	}
	_, err := catalog.Lookup("net.clinet")
	fmt.Println(err)
	// Output:
	// net.client - AF_INET/AF_INET6 TCP and UDP sockets, connect, bind (local address), sendto, IP-level socket options
	// net.server - AF_INET/AF_INET6 TCP and UDP sockets, bind, listen, accept
	// unknown entitlement "net.clinet"; did you mean net.client?
}

func ExampleExplain() {
	// socket(AF_UNIX, SOCK_STREAM, 0) was denied: which entitlement allows it?
	fmt.Println(catalog.Explain(syscalls.X86_64, "socket", [6]uint64{1, 1, 0}))
	// Output:
	// [net.unix]
}
