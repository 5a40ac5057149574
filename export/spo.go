package export

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/entitle-dev/entitle/policy"
	"go.yaml.in/yaml/v3"
)

// SPOAPIVersion and SPOKind identify the Security Profiles Operator's
// SeccompProfile resource (sigs.k8s.io/security-profiles-operator,
// api/seccompprofile/v1beta1).
const (
	SPOAPIVersion = "security-profiles-operator.x-k8s.io/v1beta1"
	SPOKind       = "SeccompProfile"
)

// SPOProfile is the subset of the SeccompProfile resource entitle writes:
// the fields of SeccompProfileSpec that carry a seccomp policy.
type SPOProfile struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   SPOMetadata `yaml:"metadata"`
	Spec       SPOSpec     `yaml:"spec"`
}

// SPOMetadata is the resource's object metadata.
type SPOMetadata struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// SPOSpec mirrors SeccompProfileSpec. It has no defaultErrnoRet: the
// operator's v1beta1 API cannot carry one, so SCMP_ACT_ERRNO as the
// default action means EPERM.
type SPOSpec struct {
	DefaultAction string       `yaml:"defaultAction"`
	Architectures []string     `yaml:"architectures,omitempty"`
	Syscalls      []SPOSyscall `yaml:"syscalls,omitempty"`
}

// SPOSyscall mirrors the operator's Syscall (errnoRet is an integer in
// v1beta1).
type SPOSyscall struct {
	Names    []string `yaml:"names"`
	Action   string   `yaml:"action"`
	ErrnoRet uint     `yaml:"errnoRet,omitempty"`
	Args     []SPOArg `yaml:"args,omitempty"`
}

// SPOArg mirrors the operator's Arg.
type SPOArg struct {
	Index    uint   `yaml:"index"`
	Value    uint64 `yaml:"value,omitempty"`
	ValueTwo uint64 `yaml:"valueTwo,omitempty"`
	Op       string `yaml:"op"`
}

// dnsSubdomain reports whether name is a Kubernetes object name (RFC 1123
// subdomain: lower-case alphanumerics, '-' and '.', alphanumeric at both
// ends, at most 253 characters). Checked by hand: the equivalent regular
// expression's bounded repetition compiles to a large program at every
// start of the binary.
func dnsSubdomain(name string) bool {
	if len(name) == 0 || len(name) > 253 {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !alnum(c) && ((c != '-' && c != '.') || i == 0 || i == len(name)-1) {
			return false
		}
	}
	return true
}

// SPO converts p into a SeccompProfile named name. The spec is p's OCI
// form for containers (OCI: the runtime rules added, every known call
// named), so the operator hands the kubelet exactly what entitle profile
// --format oci writes. SPO v1beta1 has no defaultErrnoRet, so the default
// errno is always EPERM.
func SPO(p *policy.Policy, name string) (*SPOProfile, error) {
	return SPOWith(p, name, Options{})
}

// SPOWith is SPO with options (NoNewPrivileges for pods with
// allowPrivilegeEscalation: false).
func SPOWith(p *policy.Policy, name string, opts Options) (*SPOProfile, error) {
	if !dnsSubdomain(name) {
		return nil, fmt.Errorf("profile name %q is not a Kubernetes object name (lower-case letters, digits, '-', '.')", name)
	}
	s, _, err := OCIWith(p, opts)
	if err != nil {
		return nil, err
	}
	if s.DefaultErrnoRet != nil && *s.DefaultErrnoRet != 1 {
		return nil, fmt.Errorf("default action %s: the Security Profiles Operator's v1beta1 API has no defaultErrnoRet, so its default errno is always EPERM", p.DefaultAction)
	}
	out := &SPOProfile{
		APIVersion: SPOAPIVersion,
		Kind:       SPOKind,
		Metadata:   SPOMetadata{Name: name},
		Spec:       SPOSpec{DefaultAction: string(s.DefaultAction)},
	}
	for _, a := range s.Architectures {
		out.Spec.Architectures = append(out.Spec.Architectures, string(a))
	}
	for _, c := range s.Syscalls {
		sc := SPOSyscall{Names: c.Names, Action: string(c.Action)}
		if c.ErrnoRet != nil {
			sc.ErrnoRet = *c.ErrnoRet
			if sc.ErrnoRet == 0 {
				return nil, errors.New("errno 0 cannot be written to an SPO profile (errnoRet is omitted when zero)")
			}
		}
		for _, a := range c.Args {
			if a.Value > math.MaxInt64 || a.ValueTwo > math.MaxInt64 {
				return nil, fmt.Errorf("rule for %s compares argument %d with %#x: the operator's CRD stores values as int64 (at most %#x), so the API server would refuse the profile; compare the low 32 bits (a masked comparison) instead", strings.Join(c.Names, ", "), a.Index, max(a.Value, a.ValueTwo), uint64(math.MaxInt64))
			}
			sc.Args = append(sc.Args, SPOArg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: string(a.Op)})
		}
		out.Spec.Syscalls = append(out.Spec.Syscalls, sc)
	}
	return out, nil
}

// MarshalSPO writes the SeccompProfile as YAML.
func MarshalSPO(sp *SPOProfile) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(sp); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
