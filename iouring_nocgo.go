//go:build linux && !cgo

package entitle

// cgoBuild: go-landlock applies Landlock to all threads through the Go
// runtime (syscall.AllThreadsSyscall).
const cgoBuild = false
