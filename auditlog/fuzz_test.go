package auditlog

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead: any input (a log is written by the kernel, but names and
// paths in it are the logged program's) is read without a panic, and
// every explanation it yields has a line and a reason.
func FuzzRead(f *testing.F) {
	if data, err := os.ReadFile("testdata/sample.log"); err == nil {
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			f.Add(sc.Text())
		}
	}
	f.Add(`type=1326 audit(1.2:3): pid=1 comm="x" arch=c000003e syscall=999999999999 code=0x7ffc0000`)
	f.Add(`type=1423 audit(1.2:3): domain=1 blockers=fs.read_file,net.bind_tcp path=2F6574632F73686164 dest=-1`)
	f.Add(`type=1326 audit(1.2:3): arch=40000003 syscall=-1 code=errno(0x10000)`)
	f.Add(`audit: type=1423 audit(1.2:3): domain=1 blockers=scope.signal opid=notanumber ocomm=`)
	f.Fuzz(func(t *testing.T, log string) {
		for _, opts := range []Options{{}, {Unscoped: true}} {
			rep, err := Read(strings.NewReader(log), opts)
			if err != nil {
				return // a line too long for the reader: an error, not a panic
			}
			if rep.Records < len(rep.Explanations) {
				t.Fatalf("%d records, %d explanations", rep.Records, len(rep.Explanations))
			}
			for _, e := range rep.Explanations {
				line := e.String()
				if e.Reason == "" || line == "" {
					t.Fatalf("explanation without a reason or a line: %+v", e)
				}
				if utf8.ValidString(log) && !utf8.ValidString(line) {
					t.Fatalf("valid input, invalid line %q", line)
				}
			}
		}
	})
}
