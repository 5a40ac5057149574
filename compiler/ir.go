package compiler

import (
	"golang.org/x/net/bpf"
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
	id  int  // creation order: children always have smaller ids
	ret bool // a return node
	k   uint32
	// test nodes
	in     word   // the word tested
	jop    uint16 // bpf.JumpEqual etc. as raw opcode bits (BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET)
	jt, jf *node
	note   string // disassembly comment

	// filled by the layout pass
	entry    entryState
	emitted  bool
	pos      int // reverse index of the node's first instruction
	jumpPos  int // reverse index of its jump instruction
	needLoad bool
	needMask bool
}

type entryState struct {
	known bool // false until a predecessor set it; then w is valid unless mixed
	mixed bool // predecessors leave different words in A
	w     word
}

type key struct {
	ret    bool
	k      uint32
	in     word
	jop    uint16
	jt, jf int
}

type builder struct {
	nodes map[key]*node
	all   []*node
}

func newBuilder() *builder { return &builder{nodes: map[key]*node{}} }

func (b *builder) intern(n *node) *node {
	k := key{ret: n.ret, k: n.k, in: n.in, jop: n.jop}
	if n.jt != nil {
		k.jt, k.jf = n.jt.id, n.jf.id
	}
	if old, ok := b.nodes[k]; ok {
		if old.note == "" {
			old.note = n.note
		}
		return old
	}
	n.id = len(b.all)
	b.nodes[k] = n
	b.all = append(b.all, n)
	return n
}

// ret returns the node that returns r.
func (b *builder) ret(r uint32, note string) *node {
	return b.intern(&node{ret: true, k: r, note: note})
}

// test returns a node that tests w with jop against k. A test whose branches
// agree is elided.
func (b *builder) test(w word, jop uint16, k uint32, jt, jf *node, note string) *node {
	if jt == jf {
		return jt
	}
	return b.intern(&node{in: w, jop: jop, k: k, jt: jt, jf: jf, note: note})
}

// Raw jump opcodes (class BPF_JMP | op | BPF_K).
const (
	opJEQ  = 0x05 | 0x10
	opJGT  = 0x05 | 0x20
	opJGE  = 0x05 | 0x30
	opJSET = 0x05 | 0x40
	opJA   = 0x05 // BPF_JMP | BPF_JA (0x00)
	opRet  = 0x06 // BPF_RET | BPF_K
	opLdW  = 0x20 // BPF_LD | BPF_W | BPF_ABS
	opAndK = 0x54 // BPF_ALU | BPF_AND | BPF_K
)

var _ = bpf.RawInstruction{}
