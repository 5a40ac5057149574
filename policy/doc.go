// Package policy is the seccomp policy model and the reference evaluator
// that defines what a policy means.
//
// A Policy lists the architectures it covers and has a default action (for
// calls no rule matches), a bad-arch action (for calls from architectures
// it does not list, kill-process unless set) and an unknown action (for
// numbers the architecture's table does not know, errno(ENOSYS) unless
// set). A Rule applies an Action to one system call when all of its
// conditions (Cond: an argument compared with a value, unsigned, on 64 or
// the low 32 bits) hold; several rules for one call are alternatives, and
// when several match, the most restrictive action wins, as when the kernel
// combines filters.
//
// Policy.Evaluate decides one struct seccomp_data directly, without BPF.
// It is the specification: the compiler is tested to decide exactly as it
// does, package profile reads OCI and Docker profiles into this model as
// runc and libseccomp would load them, and package region compares two
// policies' decisions exactly. Validate refuses what no filter can express
// (unknown system calls, argument indexes beyond 5, unset actions, errno
// values above 4095). ParseAction and Action.String read and write actions
// in entitle's and libseccomp's spellings.
//
// A Policy holds decisions only. What a container runtime reads beside them
// (OCI's filter flags and notification listener) is package profile's
// Profile.
//
// The package is pure: it builds on every GOOS and touches no kernel
// interface (the SECCOMP_RET_* values come from internal/linux).
package policy
