//go:build linux

package profile

import (
	"testing"

	"github.com/entitle-dev/entitle/syscalls"
)

// FuzzParse checks that Parse never panics, and that whatever it accepts
// can be written back (Marshal) and read again with the same decisions.
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}`))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_KILL","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X32"]}],"syscalls":[{"names":["clone"],"action":"SCMP_ACT_TRACE","errnoRet":3,"args":[{"index":1,"value":255,"valueTwo":256,"op":"SCMP_CMP_MASKED_EQ"}],"excludes":{"caps":["CAP_SYS_ADMIN"]}}]}`))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","flags":[],"syscalls":[{"name":"ptrace","action":"SCMP_ACT_ERRNO","includes":{"minKernel":"4.8"}}]}`))
	opts := []Options{
		{HostArch: syscalls.X86_64, Kernel: "6.18"},
		{HostArch: syscalls.X86_64, Kernel: "4.4", IgnoreUnknown: true, Caps: []string{"CAP_SYS_ADMIN"}},
		{HostArch: syscalls.AARCH64, Kernel: "5.10", IgnoreUnknown: true},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range opts {
			p, err := Parse(data, o)
			if err != nil {
				if err.Error() == "" {
					t.Errorf("empty error message")
				}
				continue
			}
			out, err := Marshal(p)
			if err != nil {
				t.Fatalf("Parse accepted the profile but Marshal fails: %v\npolicy: %+v", err, p)
			}
			q, err := Parse(out, o)
			if err != nil {
				t.Fatalf("Marshal output does not parse: %v\n%s", err, out)
			}
			if q.DefaultAction != p.DefaultAction || len(q.Arches) != len(p.Arches) {
				t.Fatalf("round trip changed the policy:\n%s\n%s", canonical(p), canonical(q))
			}
			for _, a := range p.ArchList() {
				for nr := uint32(0); nr < 64; nr++ {
					for _, args := range argVectors[:4] {
						nr := nr
						if a == syscalls.X32 {
							nr += syscalls.X32.SyscallBase()
						}
						if x, y := p.Evaluate(a.AuditArch(), nr, args), q.Evaluate(a.AuditArch(), nr, args); x != y {
							t.Fatalf("%s nr %d: %s before the round trip, %s after", a.Name(), nr, x, y)
						}
					}
				}
			}
		}
	})
}
