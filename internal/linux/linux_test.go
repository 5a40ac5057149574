//go:build linux

package linux

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAgainstXSys: every fact here is the kernel's, as x/sys/unix has it.
func TestAgainstXSys(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"SECCOMP_RET_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, unix.SECCOMP_RET_KILL_PROCESS},
		{"SECCOMP_RET_KILL_THREAD", SECCOMP_RET_KILL_THREAD, unix.SECCOMP_RET_KILL_THREAD},
		{"SECCOMP_RET_TRAP", SECCOMP_RET_TRAP, unix.SECCOMP_RET_TRAP},
		{"SECCOMP_RET_ERRNO", SECCOMP_RET_ERRNO, unix.SECCOMP_RET_ERRNO},
		{"SECCOMP_RET_USER_NOTIF", SECCOMP_RET_USER_NOTIF, unix.SECCOMP_RET_USER_NOTIF},
		{"SECCOMP_RET_TRACE", SECCOMP_RET_TRACE, unix.SECCOMP_RET_TRACE},
		{"SECCOMP_RET_LOG", SECCOMP_RET_LOG, unix.SECCOMP_RET_LOG},
		{"SECCOMP_RET_ALLOW", SECCOMP_RET_ALLOW, unix.SECCOMP_RET_ALLOW},
		{"SECCOMP_RET_ACTION_FULL", SECCOMP_RET_ACTION_FULL, unix.SECCOMP_RET_ACTION_FULL},
		{"SECCOMP_RET_DATA", SECCOMP_RET_DATA, unix.SECCOMP_RET_DATA},
		{"BPF_LD", BPF_LD, unix.BPF_LD}, {"BPF_LDX", BPF_LDX, unix.BPF_LDX}, {"BPF_ST", BPF_ST, unix.BPF_ST},
		{"BPF_STX", BPF_STX, unix.BPF_STX}, {"BPF_ALU", BPF_ALU, unix.BPF_ALU}, {"BPF_JMP", BPF_JMP, unix.BPF_JMP},
		{"BPF_RET", BPF_RET, unix.BPF_RET}, {"BPF_MISC", BPF_MISC, unix.BPF_MISC},
		{"BPF_W", BPF_W, unix.BPF_W}, {"BPF_H", BPF_H, unix.BPF_H}, {"BPF_B", BPF_B, unix.BPF_B},
		{"BPF_IMM", BPF_IMM, unix.BPF_IMM}, {"BPF_ABS", BPF_ABS, unix.BPF_ABS}, {"BPF_IND", BPF_IND, unix.BPF_IND},
		{"BPF_MEM", BPF_MEM, unix.BPF_MEM}, {"BPF_LEN", BPF_LEN, unix.BPF_LEN}, {"BPF_MSH", BPF_MSH, unix.BPF_MSH},
		{"BPF_ADD", BPF_ADD, unix.BPF_ADD}, {"BPF_SUB", BPF_SUB, unix.BPF_SUB}, {"BPF_MUL", BPF_MUL, unix.BPF_MUL},
		{"BPF_DIV", BPF_DIV, unix.BPF_DIV}, {"BPF_OR", BPF_OR, unix.BPF_OR}, {"BPF_AND", BPF_AND, unix.BPF_AND},
		{"BPF_LSH", BPF_LSH, unix.BPF_LSH}, {"BPF_RSH", BPF_RSH, unix.BPF_RSH}, {"BPF_NEG", BPF_NEG, unix.BPF_NEG},
		{"BPF_MOD", BPF_MOD, unix.BPF_MOD}, {"BPF_XOR", BPF_XOR, unix.BPF_XOR},
		{"BPF_JA", BPF_JA, unix.BPF_JA}, {"BPF_JEQ", BPF_JEQ, unix.BPF_JEQ}, {"BPF_JGT", BPF_JGT, unix.BPF_JGT},
		{"BPF_JGE", BPF_JGE, unix.BPF_JGE}, {"BPF_JSET", BPF_JSET, unix.BPF_JSET},
		{"BPF_K", BPF_K, unix.BPF_K}, {"BPF_X", BPF_X, unix.BPF_X}, {"BPF_A", BPF_A, unix.BPF_A},
		{"BPF_TAX", BPF_TAX, unix.BPF_TAX}, {"BPF_TXA", BPF_TXA, unix.BPF_TXA},
		{"BPF_MAXINSNS", BPF_MAXINSNS, unix.BPF_MAXINSNS}, {"BPF_MEMWORDS", BPF_MEMWORDS, unix.BPF_MEMWORDS},
		{"EPERM", EPERM, uint64(unix.EPERM)}, {"EACCES", EACCES, uint64(unix.EACCES)},
		{"ENOSYS", ENOSYS, uint64(unix.ENOSYS)}, {"EAFNOSUPPORT", EAFNOSUPPORT, uint64(unix.EAFNOSUPPORT)},
		{"AF_UNIX", AF_UNIX, unix.AF_UNIX}, {"AF_INET", AF_INET, unix.AF_INET}, {"AF_INET6", AF_INET6, unix.AF_INET6},
		{"AF_NETLINK", AF_NETLINK, unix.AF_NETLINK}, {"AF_VSOCK", AF_VSOCK, unix.AF_VSOCK},
		{"SOCK_STREAM", SOCK_STREAM, unix.SOCK_STREAM},
		{"CLONE_NEWNS", CLONE_NEWNS, unix.CLONE_NEWNS}, {"CLONE_NEWCGROUP", CLONE_NEWCGROUP, unix.CLONE_NEWCGROUP},
		{"CLONE_NEWUTS", CLONE_NEWUTS, unix.CLONE_NEWUTS}, {"CLONE_NEWIPC", CLONE_NEWIPC, unix.CLONE_NEWIPC},
		{"CLONE_NEWUSER", CLONE_NEWUSER, unix.CLONE_NEWUSER}, {"CLONE_NEWPID", CLONE_NEWPID, unix.CLONE_NEWPID},
		{"CLONE_NEWNET", CLONE_NEWNET, unix.CLONE_NEWNET},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, x/sys/unix says %#x", c.name, c.got, c.want)
		}
	}
	for e := uint16(1); e < 4096; e++ {
		if got, want := ErrnoName(e), unix.ErrnoName(syscall.Errno(e)); got != want {
			t.Errorf("ErrnoName(%d) = %q, x/sys/unix says %q (go generate ./internal/linux)", e, got, want)
		}
	}
	if n, ok := ErrnoNumber("EACCES"); !ok || n != EACCES {
		t.Errorf("ErrnoNumber(EACCES) = %d, %v", n, ok)
	}
}
