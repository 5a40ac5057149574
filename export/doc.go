// Package export writes entitlement policies in the formats other tools
// load: OCI runtime-spec JSON rewritten for container runtimes
// (ForContainer, MarshalOCI), Kubernetes Security Profiles Operator
// SeccompProfile resources (SPO) and systemd unit drop-ins (Systemd). The
// conditions that systemd cannot express are written for people by package
// policy/render.
//
// Each format says what it cannot express. OCI and SPO keep every argument
// rule; systemd's SystemCallFilter= filters by name only, so Systemd lists
// the argument rules it loses in the drop-in's comments.
package export
