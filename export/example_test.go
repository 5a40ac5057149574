package export_test

import (
	"encoding/json"
	"fmt"
	"log"
	"slices"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/export"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

func policyFor(ents ...string) *policy.Policy {
	p, err := catalog.Build(catalog.Request{Entitlements: ents, Arches: []*syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// OCI writes what runc, crun, Docker and Podman read as
// linux.seccomp: the runtime's own calls are added (a container runtime
// makes a few calls between installing the filter and starting the
// program) and every call the policy does not name is listed with the
// default action.
func ExampleOCI() {
	seccomp, c, err := export.OCI(policyFor("net.server", "fs.read"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(seccomp.DefaultAction, seccomp.Architectures)
	fmt.Println("runtime calls added:", len(c.Runtime) > 0)
	for _, s := range seccomp.Syscalls {
		if slices.Contains(s.Names, "listen") {
			fmt.Println("listen:", s.Action)
		}
	}
	b, _ := json.Marshal(seccomp)
	fmt.Println(json.Valid(b))
	// Output:
	// SCMP_ACT_ERRNO [SCMP_ARCH_X86_64]
	// runtime calls added: true
	// listen: SCMP_ACT_ALLOW
	// true
}

// Systemd writes a unit drop-in. systemd filters by name only, so the
// calls the policy allows only with certain arguments are listed as lost
// (Conditional), and systemd's own directives recover part of them.
func ExampleSystemd() {
	d, err := export.Systemd(policyFor("net.client"), "example")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(slices.Contains(d.Allowed, "connect"), slices.Contains(d.Allowed, "mount"))
	fmt.Println(slices.Contains(d.Conditional, "socket"))
	fmt.Println(d.Hardening)
	// Output:
	// true false
	// true
	// [RestrictNamespaces=yes MemoryDenyWriteExecute=yes LockPersonality=yes RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6]
}

// SPO writes a Kubernetes Security Profiles Operator SeccompProfile, which
// the operator installs on every node for pods to reference.
func ExampleSPO() {
	sp, err := export.SPO(policyFor("fs.read"), "reader")
	if err != nil {
		log.Fatal(err)
	}
	out, err := export.MarshalSPO(sp)
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	fmt.Println(strings.Join(lines[:6], "\n"))
	// Output:
	// apiVersion: security-profiles-operator.x-k8s.io/v1beta1
	// kind: SeccompProfile
	// metadata:
	//   name: reader
	// spec:
	//   defaultAction: SCMP_ACT_ERRNO
}
