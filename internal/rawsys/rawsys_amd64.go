//go:build linux

package rawsys

//go:noescape
func int80(nr, a1, a2, a3 uint32) int32
