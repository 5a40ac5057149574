package profile

import (
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// TestHostKernel: the running kernel's release is read only for a profile
// with a minKernel condition to decide and no Options.Kernel, and then
// decides as Options.Kernel would.
func TestHostKernel(t *testing.T) {
	const (
		plain = `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`
		minK  = `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"5.8"}}]}`
		// The entry is dropped by its architecture before its minKernel
		// is looked at.
		otherArch = `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["s390x"],"minKernel":"5.8"}}]}`
	)
	tests := []struct {
		name   string
		json   string
		kernel string
		asked  bool
		bpf    bool // bpf allowed
	}{
		{"no minKernel", plain, "", false, false},
		{"minKernel, Kernel given", minK, "6.1", false, true},
		{"minKernel, Kernel given, older", minK, "5.4", false, false},
		{"minKernel from the host", minK, "", true, false},
		{"minKernel of an entry dropped by its arches", otherArch, "", false, false},
	}
	defer func(f func() (string, error)) { hostRelease = f }(hostRelease)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := false
			hostRelease = func() (string, error) { asked = true; return "5.4.0-host", nil }
			p, err := Parse([]byte(tt.json), Options{HostArch: syscalls.X86_64, Kernel: tt.kernel})
			if err != nil {
				t.Fatal(err)
			}
			if asked != tt.asked {
				t.Errorf("host kernel read: %v, want %v", asked, tt.asked)
			}
			nr, _ := syscalls.X86_64.Number("bpf")
			got := p.Evaluate(syscalls.X86_64.AuditArch(), nr, [6]uint64{}) == policy.Allow
			if got != tt.bpf {
				t.Errorf("bpf allowed: %v, want %v", got, tt.bpf)
			}
		})
	}
}
