package entitle

import "github.com/entitle-dev/entitle/policy"

// BuildFor is p's policy with signals-to-self rules for selfPID, for
// tests that compare the library with the other entry points.
func (p Policy) BuildFor(selfPID int) (*policy.Policy, error) { return p.policy(selfPID) }
