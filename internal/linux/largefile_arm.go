//go:build arm

package linux

const largefile = 0x20000
