//go:build linux && !amd64

package run

// haveVfork: rawVfork is implemented for amd64 only; elsewhere the init
// child is an ordinary fork (the same protocol, a copied address space).
const haveVfork = false

func rawVfork(flags, ptid uintptr) (pid uintptr, errno uintptr) {
	panic("run: rawVfork without an implementation for this architecture")
}
