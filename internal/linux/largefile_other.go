//go:build !arm && !arm64 && !386

package linux

const largefile = 0
