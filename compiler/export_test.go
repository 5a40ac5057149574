package compiler

import "github.com/entitle-dev/entitle/policy"

// Exported for the external tests (golden_test.go).

// RandomPolicy is the fuzz target's policy generator on a fixed input.
func RandomPolicy(data []byte) *policy.Policy { return randomPolicy(&bytesource{b: data}) }

// RandomPolicyStream returns the n inputs TestRandomPolicies derives from
// its fixed xorshift stream.
func RandomPolicyStream(n int) [][]byte {
	var out [][]byte
	seed := uint64(0x9E3779B97F4A7C15)
	for i := 0; i < n; i++ {
		buf := make([]byte, 512)
		for j := range buf {
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			buf[j] = byte(seed)
		}
		out = append(out, buf)
	}
	return out
}

// Notes returns the per-instruction disassembly notes of p.
func Notes(p *Program) []string {
	out := make([]string, len(p.notes))
	for i, n := range p.notes {
		out[i] = n.render(p.conds)
	}
	return out
}
