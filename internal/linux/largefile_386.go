//go:build 386

package linux

const largefile = 0x8000
