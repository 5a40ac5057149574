//go:build linux && cgo

package entitle

// cgoBuild: go-landlock applies Landlock to all threads through libpsx.
const cgoBuild = true
