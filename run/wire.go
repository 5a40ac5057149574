package run

import (
	"encoding/json"
	"fmt"

	"github.com/entitle-dev/entitle/catalog"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// initMsg is what the supervisor sends the init child over the socket: the
// policy to compile and the program to execute.
type initMsg struct {
	Policy wirePolicy
	Notify bool     // install with a listener (explain and complain modes)
	Path   string   // resolved executable
	Argv   []string // its argv (argv[0] as the user typed it)
	Env    []string
	// Layers are what the entitlements grant beyond seccomp (Landlock,
	// capabilities); nil: no layer (complain mode).
	Layers *catalog.Layers
	Strict bool // refuse to run when the kernel cannot enforce a layer
	// Scoped, Paths and Protected: see confine.Config.
	Scoped    bool
	Paths     []confinement.PathRule
	Protected []confinement.Protected
	MDWE      bool // set PR_SET_MDWE (the policy allows no executable memory)
}

type wireAction struct {
	Kind policy.ActionKind
	Data uint16
}

type wireRule struct {
	Syscall string
	Action  wireAction
	Conds   []policy.Cond
}

type wirePolicy struct {
	Default, BadArch, Unknown wireAction
	Arches                    []string
	Rules                     []wireRule
}

func toWire(p *policy.Policy) wirePolicy {
	w := wirePolicy{
		Default: wireAction(p.DefaultAction),
		BadArch: wireAction(p.BadArchAction),
		Unknown: wireAction(p.UnknownAction),
	}
	for _, a := range p.Arches {
		w.Arches = append(w.Arches, a.Name())
	}
	for _, r := range p.Rules {
		w.Rules = append(w.Rules, wireRule{r.Syscall, wireAction(r.Action), r.Conds})
	}
	return w
}

func fromWire(w wirePolicy) (*policy.Policy, error) {
	p := &policy.Policy{
		DefaultAction: policy.Action(w.Default),
		BadArchAction: policy.Action(w.BadArch),
		UnknownAction: policy.Action(w.Unknown),
	}
	for _, n := range w.Arches {
		a, err := syscalls.Lookup(n)
		if err != nil {
			return nil, err
		}
		p.Arches = append(p.Arches, a)
	}
	for _, r := range w.Rules {
		p.Rules = append(p.Rules, policy.Rule{Syscall: r.Syscall, Action: policy.Action(r.Action), Conds: r.Conds})
	}
	return p, nil
}

func encodeInit(m *initMsg) ([]byte, error) { return json.Marshal(m) }

func decodeInit(b []byte) (*initMsg, error) {
	var m initMsg
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode init message: %w", err)
	}
	return &m, nil
}
