package export

import (
	"fmt"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
)

// SystemdLayers returns the systemd directives that carry what the
// entitlements grant beyond seccomp (catalog.Layers), as far as systemd can
// express it, and comment lines for what it cannot.
//
//   - Capabilities: CapabilityBoundingSet= lists exactly the kept ones
//     (empty: none), AmbientCapabilities= is cleared.
//   - Privileged pseudo-files, unless admin.kernel: ProtectKernelTunables=
//     (/proc/sys, /sys read-only), ProtectKernelModules=, ProtectKernelLogs=
//     (/dev/kmsg, syslog), ProtectControlGroups=, PrivateDevices= (only
//     the pseudo devices and terminals in /dev).
//   - No file right that writes: ProtectSystem=strict (the whole file
//     system read-only).
//   - TCP bind ports: SocketBindDeny=any with SocketBindAllow= per port.
//
// systemd has no equivalent for Landlock's per-right file rules (create
// without write, execute only the command), for connect ports, or for
// keeping signals and ptrace inside the service (run it as its own User=
// and add ProtectProc=invisible): those lines are comments.
func SystemdLayers(l catalog.Layers) []string {
	var out []string
	var caps []string
	if l.AllCaps {
		caps = nil
	} else {
		for _, c := range l.Caps {
			caps = append(caps, c.Name)
		}
		out = append(out, "CapabilityBoundingSet="+strings.Join(caps, " "), "AmbientCapabilities=")
	}
	if !l.PseudoFS {
		out = append(out, "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
			"ProtectControlGroups=yes", "PrivateDevices=yes")
	}
	const writes = 1<<1 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12 | 1<<13 | 1<<14
	if l.FS&writes == 0 && !l.Mount {
		out = append(out, "ProtectSystem=strict")
	}
	if !l.Bind.All {
		out = append(out, "SocketBindDeny=any")
		for _, p := range l.Bind.List {
			if p != 0 {
				out = append(out, fmt.Sprintf("SocketBindAllow=tcp:%d", p))
			}
		}
	}
	var lost []string
	if l.FS&1 == 0 {
		lost = append(lost, "executing only the service's own binary (no proc.exec)")
	}
	switch {
	case l.Connect.Empty():
		lost = append(lost, "no outgoing TCP connection")
	case !l.Connect.All:
		lost = append(lost, "outgoing TCP connections only to "+l.Connect.String())
	}
	lost = append(lost, "signals and ptrace-class access kept inside the service (use its own User= and ProtectProc=invisible)")
	for _, s := range lost {
		out = append(out, "# not expressible in systemd: "+s)
	}
	return out
}
