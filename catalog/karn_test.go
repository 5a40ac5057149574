package catalog

import (
	"slices"
	"sort"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// karnLists are Karn's entitlements and their system calls, copied from
// github.com/grantseltzer/karn, pkg/entitlements/entitlements.go at commit
// 1fad9583c782005db6e7808968bb63832a8c1b90 (the version that has
// inbound_connection and outbound_connection; verify.go's defaultDeny map
// lists the 20 names). Duplicates ("socket" twice) are as in the source.
var karnLists = map[string][]string{
	"special_files": {"mknod"},
	"chown":         {"chown", "fchown", "fchownat", "lchown"},
	"exec":          {"execve", "execveat", "fork", "vfork"},
	"network_connection": {"socket", "getsockopt", "setsockopt", "getsockname", "socketpair", "socket",
		"socketcall", "bind", "listen", "sendto", "send", "sendmsg", "recv", "recvfrom", "recvmsg"},
	"inbound_connection": {"socket", "getsockopt", "setsockopt", "getsockname", "socketpair", "socket",
		"socketcall", "bind", "listen", "recv", "recvfrom", "recvmsg"},
	"outbound_connection": {"socket", "getsockopt", "setsockopt", "getsockname", "socketpair", "socket",
		"socketcall", "bind", "sendto", "send", "sendmsg"},
	"mount":           {"mount", "umount", "umount2"},
	"set_time":        {"adjtimex", "clock_adjtime", "clock_settime", "settimeofday", "stime"},
	"tracing":         {"acct", "ptrace", "lookup_dcookie", "bpf", "perf_event_open", "process_vm_readv", "process_vm_writev"},
	"kernel_keyring":  {"add_key", "request_key", "keyctl"},
	"modules":         {"create_module", "delete_module", "finit_module", "get_kernel_syms", "init_module", "query_module"},
	"load_new_kernel": {"kexec_file_load", "kexec_load"},
	"kernel_memory":   {"get_mempolicy", "set_mempolicy", "move_pages", "mbind"},
	"kernel_io":       {"ioperm", "iopl"},
	"rootfs":          {"pivot_root"},
	"namespaces":      {"unshare", "setns"},
	"swap_memory":     {"swapon", "swapoff"},
	"reboot":          {"reboot"},
	"resource_quota":  {"quotactl"},
	"obsolete":        {"sysfs", "_sysctl", "personality", "ustat", "nfsservctl", "vm86", "uselib", "vm86old"},
}

// karnDeliberate are calls of Karn's lists that the aliases deliberately do
// not grant, with the reason.
var karnDeliberate = map[string]string{
	"socketcall":  "Never: a multiplexer that hides the socket family from seccomp",
	"sysfs":       "Never (obsolete)",
	"_sysctl":     "Never (removed)",
	"ustat":       "Never (obsolete)",
	"nfsservctl":  "Never (removed)",
	"vm86":        "Never (obsolete, unsafe)",
	"vm86old":     "Never (obsolete, unsafe)",
	"uselib":      "Never (obsolete)",
	"personality": "admin.debug, too broad for Karn's obsolete; base allows Docker's safe personality values",
}

func TestKarnAliasesCoverKarn(t *testing.T) {
	aliases := KarnAliases()
	if len(karnLists) != 20 {
		t.Fatalf("karnLists has %d entitlements, want Karn's 20", len(karnLists))
	}
	var missingFromTables []string
	for karn, list := range karnLists {
		exp, ok := aliases[karn]
		if !ok {
			t.Errorf("Karn entitlement %q is not an alias", karn)
			continue
		}
		es, err := Lookup(karn)
		if err != nil {
			t.Errorf("Lookup(%q): %v", karn, err)
			continue
		}
		if len(es) != len(exp) {
			t.Errorf("Lookup(%q) returned %d entitlements, KarnAliases says %v", karn, len(es), exp)
		}
		got := map[string]bool{}
		for _, e := range append(es, Base()) {
			for _, s := range e.Allow {
				got[s] = true
			}
			for _, r := range e.Rules {
				if r.Action == policy.Allow {
					got[r.Syscall] = true
				}
			}
		}
		for _, s := range list {
			if got[s] {
				continue
			}
			if _, ok := karnDeliberate[s]; ok {
				continue
			}
			if !syscalls.Known(s) {
				missingFromTables = append(missingFromTables, karn+":"+s)
				continue
			}
			t.Errorf("Karn %q grants %s, but its expansion %v (with base) does not", karn, s, exp)
		}
	}
	for a := range aliases {
		if _, ok := karnLists[a]; !ok {
			t.Errorf("alias %q is not a Karn entitlement", a)
		}
	}
	sort.Strings(missingFromTables)
	missingFromTables = slices.Compact(missingFromTables)
	if len(missingFromTables) > 0 {
		t.Logf("Karn calls absent from every syscall table, skipped: %v", missingFromTables)
	}
}
