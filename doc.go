// Package entitle confines the current process with a seccomp filter built
// from named entitlements.
package entitle
