package policyfile

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/entitle-dev/entitle"
	"github.com/entitle-dev/entitle/catalog"
)

// LoadPolicy reads the policy file at path, with what it extends, into an
// entitle.Policy for the library:
//
//	p, err := policyfile.LoadPolicy("entitle.yaml")
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := p.Apply(); err != nil {
//		log.Fatal(err)
//	}
//
// (It lives here so that a program that never reads a policy file does not
// link the YAML parser.) Errors name the file, the line and the fix; they
// wrap entitle.ErrInvalidPolicy when the file is readable but wrong.
func LoadPolicy(path string) (entitle.Policy, error) {
	f, err := Load(path)
	if err == nil {
		f, err = f.Resolve(filepath.Dir(path))
	}
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			return entitle.Policy{}, fmt.Errorf("%w: %w", entitle.ErrInvalidPolicy, err)
		}
		return entitle.Policy{}, err
	}
	return f.EntitlePolicy()
}

// EntitlePolicy converts f into an entitle.Policy: its entitlements,
// violation, mode, rules, paths and ports. f must not extend anything
// (Resolve first): the library cannot look presets or other files up.
func (f *File) EntitlePolicy() (entitle.Policy, error) {
	if f.Extends != "" {
		return entitle.Policy{}, fmt.Errorf("%w: the policy extends %q: call Resolve first", entitle.ErrInvalidPolicy, f.Extends)
	}
	p := entitle.Policy{
		DenyList: f.Mode == catalog.DenyList,
		Read:     f.Read,
		Write:    f.Write,
		Exec:     f.Exec,
		Bind:     f.Bind,
		Connect:  f.Connect,
	}
	for _, e := range f.Entitlements {
		p.Entitlements = append(p.Entitlements, entitle.Entitlement(e))
	}
	if f.Violation.IsSet() {
		a, err := entitle.ParseAction(f.Violation.String())
		if err != nil {
			return entitle.Policy{}, err
		}
		p.OnViolation = a
	}
	for _, r := range f.Rules {
		a, err := entitle.ParseAction(r.Action.String())
		if err != nil {
			return entitle.Policy{}, err
		}
		out := entitle.Rule{Syscall: r.Syscall, Action: a}
		for _, c := range r.Conds {
			// entitle.Op numbers the comparisons as policy.Op does.
			out.Args = append(out.Args, entitle.Arg{Index: int(c.Arg), Op: entitle.Op(c.Op), Value: c.Value, Mask: c.Mask, Width32: c.Width32})
		}
		p.Extra = append(p.Extra, out)
	}
	return p, nil
}
