//go:build linux && !amd64

package launch

// haveVfork: rawVfork is implemented for amd64 only; elsewhere the init
// child is an ordinary fork (the same protocol, a copied address space).
const haveVfork = false

func rawVfork(flags, ptid uintptr) (pid uintptr, errno uintptr) {
	panic("launch: rawVfork without an implementation for this architecture")
}
