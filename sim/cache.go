package sim

import (
	"github.com/entitle-dev/entitle/internal/linux"
	"golang.org/x/net/bpf"
)

// CacheAllows reports whether the kernel's constant-action cache (Linux
// 5.11+, seccomp_cache_prepare_bitmap) would mark syscall nr of arch as
// always allowed for this filter, so that the filter is not even run for it.
//
// It mirrors seccomp_is_const_allow (kernel/seccomp.c), which emulates the
// original (unrewritten) program tracking only A, starting from A = 0, and
// knows only: ld [0] (nr), ld [4] (arch), jeq/jge/jgt/jset with K, ja,
// and #k, and ret #k. Any other instruction reached on the path - loading
// the instruction pointer or an argument, anything touching X or scratch
// memory, other ALU operations, ret a, ld len/#k - makes the answer false;
// reaching ret #k gives true only for exactly SECCOMP_RET_ALLOW (0x7fff0000;
// not LOG, not ALLOW with data bits).
//
// Not modelled: the kernel's hard-wired exception for uretprobe/uprobe on
// the native arch (it marks those numbers cached whatever the filter says),
// that only the native and compat arches have bitmaps, and that the cache of
// a stack of filters is the AND of their bitmaps.
//
// CacheAllows does not validate prog; its answer is meaningful only for
// programs that pass [Validate]. It never panics: a path leaving the program
// gives false.
func CacheAllows(prog []bpf.RawInstruction, arch uint32, nr uint32) bool {
	var a uint32
	n := uint64(len(prog))
	for pc := uint64(0); pc < n; pc++ {
		ins := prog[pc]
		k := ins.K
		switch ins.Op {
		case opLdAbsW:
			switch k {
			case 0: // offsetof(struct seccomp_data, nr)
				a = nr
			case 4: // offsetof(struct seccomp_data, arch)
				a = arch
			default:
				return false // non-constant value load
			}
		case opRetK:
			return k == linux.SECCOMP_RET_ALLOW
		case opJa:
			pc += uint64(k)
		case opJeqK:
			pc += uint64(branch(a == k, ins))
		case opJgeK:
			pc += uint64(branch(a >= k, ins))
		case opJgtK:
			pc += uint64(branch(a > k, ins))
		case opJsetK:
			pc += uint64(branch(a&k != 0, ins))
		case opAndK:
			a &= k
		default:
			return false // unknown instruction
		}
	}
	return false // ran off the end of the filter
}
