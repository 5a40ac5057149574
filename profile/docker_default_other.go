//go:build !linux

package profile

import (
	"errors"

	mobyseccomp "github.com/moby/profiles/seccomp"
)

// dockerDefault is not available off Linux: moby/profiles builds Docker's
// default profile on Linux only. Pass the profile's JSON file instead.
func dockerDefault() (*mobyseccomp.Seccomp, error) {
	return nil, errors.New("Docker's default profile is built in on Linux only: give its JSON file (moby/profiles default.json) instead")
}
