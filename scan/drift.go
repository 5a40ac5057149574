package scan

import (
	"fmt"
	"slices"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policyfile"
)

// Need is a system call a binary can make that a policy does not cover,
// with the entitlements it needs.
type Need struct {
	Syscall      string   `json:"syscall"`
	Entitlements []string `json:"entitlements"` // missing from the policy; empty if no entitlement grants it
	Sites        []Site   `json:"sites"`
}

// Beyond returns what the scanned binary can do beyond the policy file f:
// each system call whose entitlements are not all granted by f (its
// entitlements or Karn aliases) and that no unconditional extra rule of f
// allows. An empty result means the policy covers the binary.
func (r *Report) Beyond(f *policyfile.File) ([]Need, error) {
	granted := map[string]bool{}
	for _, n := range f.Entitlements {
		es, err := catalog.Lookup(n)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		for _, e := range es {
			granted[e.Name] = true
		}
	}
	extra := map[string]bool{}
	for _, rule := range f.Rules {
		if rule.Action == policy.Allow && len(rule.Conds) == 0 {
			extra[rule.Syscall] = true
		}
	}
	var out []Need
	for _, s := range r.Syscalls {
		if extra[s.Name] {
			continue
		}
		var missing []string
		for _, e := range s.Entitlements {
			if !granted[e] {
				missing = append(missing, e)
			}
		}
		if len(missing) == 0 {
			continue
		}
		out = append(out, Need{Syscall: s.Name, Entitlements: slices.Clone(missing), Sites: s.Sites})
	}
	return out, nil
}
