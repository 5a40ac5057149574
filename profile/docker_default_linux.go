//go:build linux

package profile

import mobyseccomp "github.com/moby/profiles/seccomp"

// dockerDefault returns Docker's default profile (moby/profiles builds it
// on Linux only).
func dockerDefault() (*mobyseccomp.Seccomp, error) { return mobyseccomp.DefaultProfile(), nil }
