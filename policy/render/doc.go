// Package render writes policy conditions for people: the argument's name
// and the kernel's names of the flags and constants the catalog's rules
// test ("flags has CLONE_VM, lacks CLONE_NEWUSER", "request == TIOCGWINSZ
// (0x5413)", "pid == own pid"), and the raw comparison of policy.Cond.String
// for any other argument.
//
// The rendering is faithful: two conditions on one system call that render
// alike accept the same argument values (policy.Cond.Match), and the
// has/lacks reading of a masked comparison decides as policy.Evaluate does
// (TestFaithful). It is used by export's systemd drop-ins and the CLI's
// catalog commands.
//
// It imports catalog, for the names of the arguments its rules test and
// for catalog.OwnPID, the stand-in for the sandboxed process's own pid in
// the signal rules; catalog and policy do not import it.
package render
