//go:build arm64

package linux

const largefile = 0
