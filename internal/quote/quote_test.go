package quote_test

import (
	"fmt"
	"testing"

	"github.com/entitle-dev/entitle/internal/quote"
)

func TestName(t *testing.T) {
	for in, want := range map[string]string{
		"":                  `""`,
		"curl":              "curl",
		"python3.11":        "python3.11",
		"/usr/bin/ls":       "/usr/bin/ls",
		"a b":               `"a b"`,
		"x\x1b[2Jy":         `"x\x1b[2Jy"`,
		"evil\nentitle: ok": `"evil\nentitle: ok"`,
		"\u202eexe":         `"\u202eexe"`,
		"сurl":              `"\u0441url"`, // Cyrillic es
		"\xff":              `"\xff"`,
	} {
		if got := quote.Name(in); got != want {
			t.Errorf("Name(%q) = %s, want %s", in, got, want)
		}
	}
}

func ExampleName() {
	fmt.Println(quote.Name("curl"))
	fmt.Println(quote.Name("evil\x1b[31m"))
	// Output:
	// curl
	// "evil\x1b[31m"
}
