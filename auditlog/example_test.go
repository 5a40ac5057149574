package auditlog_test

import (
	"fmt"
	"strings"

	"github.com/entitle-dev/entitle/auditlog"
)

// A program confined with entitle.Policy{OnViolation: entitle.Log} runs
// every call and the kernel logs those outside the policy; `dmesg |
// entitle explain` or Read turns the log into what to grant: each kind
// of record with the entitlement that allows it (Fix), and their union
// (Allow).
func ExampleRead() {
	log := `[ 3161.609134] audit: type=1326 audit(1796129780.122:5323): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4242 comm="server" exe="/usr/bin/server" sig=0 arch=c000003e syscall=49 compat=0 ip=0x40c0ee code=0x7ffc0000
[ 3161.609956] audit: type=1326 audit(1796129780.122:5324): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4242 comm="server" exe="/usr/bin/server" sig=0 arch=c000003e syscall=50 compat=0 ip=0x40c0ee code=0x7ffc0000
`
	rep, err := auditlog.Read(strings.NewReader(log), auditlog.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range rep.Explanations {
		fmt.Printf("%s [%s %s]\n", e, e.Fix.Kind, e.Fix.Entitlement)
	}
	fmt.Println(rep.Records, "records; allow:", rep.Allow)
	// Output:
	// 1× seccomp log (the call ran): bind by pid 4242 (server): needs net.server [entitlement net.server]
	// 1× seccomp log (the call ran): listen by pid 4242 (server): needs net.server [entitlement net.server]
	// 2 records; allow: [net.server]
}
