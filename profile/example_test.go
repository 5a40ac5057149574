package profile_test

import (
	"fmt"
	"log"

	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

func ExampleParse() {
	const prof = `{
		"defaultAction": "SCMP_ACT_ERRNO",
		"defaultErrnoRet": 1,
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		"syscalls": [
			{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
				{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
				{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}
			]},
			{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}
		]
	}`
	p, err := profile.Parse([]byte(prof), profile.Options{HostArch: syscalls.X86_64})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("default:", p.DefaultAction)
	for _, a := range p.Arches {
		fmt.Println("arch:", a.Name())
	}
	for _, r := range p.Rules {
		fmt.Println(r)
	}
	// Output:
	// default: errno(EPERM)
	// arch: x86_64
	// arch: x86
	// read -> allow
	// write -> allow
	// exit_group -> allow
	// personality(a0 == 0x0) -> allow
	// personality(a0 == 0x8) -> allow
}

func ExampleDockerDefault() {
	p, err := profile.DockerDefault(profile.Options{HostArch: syscalls.X86_64, Kernel: "6.8"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("default:", p.DefaultAction)
	for _, a := range p.Arches {
		fmt.Println("arch:", a.Name())
	}
	for _, r := range p.Rules {
		if r.Syscall == "clone" || r.Syscall == "clone3" {
			fmt.Println(r)
		}
	}
	// Output:
	// default: errno(EPERM)
	// arch: x86_64
	// arch: x86
	// arch: x32
	// clone(a0 & 0x7e020000 == 0x0) -> allow
	// clone3 -> errno(ENOSYS)
}

func ExampleMarshal() {
	p, err := profile.Parse([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
		{"names":["kexec_load"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`), profile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	out, err := profile.Marshal(p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// {
	// 	"defaultAction": "SCMP_ACT_ALLOW",
	// 	"syscalls": [
	// 		{
	// 			"names": [
	// 				"kexec_load",
	// 				"ptrace"
	// 			],
	// 			"action": "SCMP_ACT_ERRNO",
	// 			"errnoRet": 1
	// 		}
	// 	]
	// }
}
