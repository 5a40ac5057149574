package policyfile_test

import (
	"log"

	"github.com/entitle-dev/entitle/policyfile"
)

// A policy file names the entitlements, the violation action, extra rules,
// paths and ports; LoadPolicy reads it (with what it extends) for the
// library. (No Output line: running it would confine the test process.)
func ExampleLoadPolicy() {
	p, err := policyfile.LoadPolicy("entitle.yaml")
	if err != nil {
		log.Fatal(err) // "entitle.yaml:3:5: unknown entitlement "fs.raed"; did you mean fs.read?"
	}
	if err := p.Apply(); err != nil {
		log.Fatal(err)
	}
}
