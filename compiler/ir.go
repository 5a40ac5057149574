package compiler

import (
	"fmt"

	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
)

// word names what the accumulator holds: a 32-bit word of seccomp_data,
// possibly masked by an "and" instruction.
type word struct {
	off  uint32 // byte offset in struct seccomp_data
	mask uint32 // 0xFFFFFFFF when the word is unmasked
}

const (
	offNr   = 0
	offArch = 4
	offArgs = 16
	fullMsk = 0xFFFFFFFF
)

// node is a vertex of the decision DAG: either a return or a test of the
// accumulator that branches to two nodes. Nodes are hash-consed, so equal
// subgraphs exist once.
type node struct {
	id  int32 // creation order: children always have smaller ids
	ret bool  // a return node
	k   uint32
	// test nodes
	in     word   // the word tested
	jop    uint16 // bpf.JumpEqual etc. as raw opcode bits (BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET)
	jt, jf *node
	note   note // disassembly comment

	// filled by the layout pass
	entry    entryState
	reached  bool
	emitted  bool
	needLoad bool
	needMask bool
	hasTramp bool
	pos      int32 // reverse index of the node's first instruction
	jumpPos  int32 // reverse index of its jump instruction
	latest   int32 // return nodes: reverse index of the latest copy
	tramp    int32 // reverse index of the latest trampoline to the node, if hasTramp
}

type entryState struct {
	known bool // false until a predecessor set it; then w is valid unless mixed
	mixed bool // predecessors leave different words in A
	w     word
}

// noteKind says how a note is rendered. Notes are kept as these small
// values and rendered only when the program is disassembled (Asm):
// compiling formats no numbers, conditions or actions.
type noteKind uint8

const (
	noteNone  noteKind = iota
	noteText           // text
	noteRet            // text (a prefix) followed by act
	noteCond           // "aN: <condition>" of the compilation's conds[k]
	noteSplit          // "nr >= <k>", then " (text)" when text names the call
	noteWord           // the word at offset k (wordNote)
)

// note is a disassembly comment, rendered by render.
type note struct {
	kind noteKind
	act  policy.Action
	k    uint32
	text string
}

// render returns the note's text; conds are the conditions noteCond
// notes index.
func (n note) render(conds []policy.Cond) string {
	switch n.kind {
	case noteText:
		return n.text
	case noteRet:
		return n.text + n.act.String()
	case noteCond:
		cd := conds[n.k]
		return fmt.Sprintf("a%d: %s", cd.Arg, cd)
	case noteSplit:
		s := fmt.Sprintf("nr >= %#x", n.k)
		if n.text != "" {
			s += " (" + n.text + ")"
		}
		return s
	case noteWord:
		return wordNote(n.k)
	}
	return ""
}

// builder creates and hash-conses the nodes of one compilation. Nodes are
// allocated in slabs; test nodes are found again through an
// open-addressing hash table of their word, jump and children.
type builder struct {
	tests []*node // power-of-two size, at most half full
	count int     // test nodes in tests
	rets  map[uint32]*node
	all   []*node
	slab  []node
}

func newBuilder() *builder {
	return &builder{tests: make([]*node, 512), rets: make(map[uint32]*node, 8), all: make([]*node, 0, 256)}
}

const slabSize = 128

func (b *builder) alloc() *node {
	if len(b.slab) == 0 {
		b.slab = make([]node, slabSize)
	}
	n := &b.slab[0]
	b.slab = b.slab[1:]
	n.id = int32(len(b.all))
	b.all = append(b.all, n)
	return n
}

// ret returns the node that returns r. An existing node keeps its note.
func (b *builder) ret(r uint32, nt note) *node {
	if old, ok := b.rets[r]; ok {
		if old.note.kind == noteNone {
			old.note = nt
		}
		return old
	}
	n := b.alloc()
	n.ret, n.k, n.note = true, r, nt
	b.rets[r] = n
	return n
}

// testHash mixes what identifies a test node.
func testHash(w word, jop uint16, k uint32, jt, jf *node) uint64 {
	h := uint64(w.off) | uint64(w.mask)<<32
	h ^= (uint64(k) | uint64(jop)<<32) * 0x9E3779B97F4A7C15
	h ^= (uint64(uint32(jt.id)) | uint64(uint32(jf.id))<<32) * 0xC2B2AE3D27D4EB4F
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return h
}

// test returns a node that tests w with jop against k. A test whose branches
// agree is elided. An existing node keeps its note.
func (b *builder) test(w word, jop uint16, k uint32, jt, jf *node, nt note) *node {
	if jt == jf {
		return jt
	}
	mask := uint64(len(b.tests) - 1)
	i := testHash(w, jop, k, jt, jf) & mask
	for ; b.tests[i] != nil; i = (i + 1) & mask {
		if old := b.tests[i]; old.in == w && old.jop == jop && old.k == k && old.jt == jt && old.jf == jf {
			if old.note.kind == noteNone {
				old.note = nt
			}
			return old
		}
	}
	n := b.alloc()
	n.in, n.jop, n.k, n.jt, n.jf, n.note = w, jop, k, jt, jf, nt
	b.tests[i] = n
	if b.count++; 2*b.count > len(b.tests) {
		b.rehash()
	}
	return n
}

// rehash doubles the table of test nodes.
func (b *builder) rehash() {
	old := b.tests
	b.tests = make([]*node, 2*len(old))
	mask := uint64(len(b.tests) - 1)
	for _, n := range old {
		if n == nil {
			continue
		}
		i := testHash(n.in, n.jop, n.k, n.jt, n.jf) & mask
		for b.tests[i] != nil {
			i = (i + 1) & mask
		}
		b.tests[i] = n
	}
}

// The opcodes the compiler emits, from internal/linux's BPF constants.
const (
	opJEQ  = linux.BPF_JMP | linux.BPF_JEQ | linux.BPF_K
	opJGT  = linux.BPF_JMP | linux.BPF_JGT | linux.BPF_K
	opJGE  = linux.BPF_JMP | linux.BPF_JGE | linux.BPF_K
	opJSET = linux.BPF_JMP | linux.BPF_JSET | linux.BPF_K
	opJA   = linux.BPF_JMP | linux.BPF_JA
	opRet  = linux.BPF_RET | linux.BPF_K
	opLdW  = linux.BPF_LD | linux.BPF_W | linux.BPF_ABS
	opAndK = linux.BPF_ALU | linux.BPF_AND | linux.BPF_K
)
