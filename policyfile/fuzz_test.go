package policyfile

import (
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics on hostile input, and that what
// it accepts survives Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("entitlements: [fs.raed]\n"))
	f.Add([]byte("&a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Parse(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out, err := pf.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed file: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(pf, again) {
			t.Fatalf("round trip changed the file:\n%+v\n%+v\n%s", pf, again, out)
		}
	})
}
