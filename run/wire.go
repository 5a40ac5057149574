//go:build linux

package run

import (
	"encoding/json"
	"fmt"

	"github.com/entitle-dev/entitle/catalog"
)

// initMsg is what the supervisor sends the init child over the socket:
// the filter it compiled for the child (whose pid it knows once the child
// started) and where to lay out the program's execve arguments, which the
// filter's pinned execve and sendmsg rules name. A Landlock ruleset
// descriptor, built by the supervisor too, comes with it (SCM_RIGHTS) when
// Ruleset is set. Everything slow happens in the supervisor while the
// child's runtime starts; the child only maps, restricts, installs and
// executes.
type initMsg struct {
	Prog   []byte   // raw sock_filter records, native byte order
	Layout layout   // where to map execve's arguments and the handshake
	Notify bool     // install with a listener (explain and complain modes)
	Path   string   // resolved executable
	Argv   []string // its argv (argv[0] as the user typed it)
	Env    []string
	// Ruleset says a Landlock ruleset descriptor is attached, to enforce
	// with RulesetFlags.
	Ruleset      bool
	RulesetFlags uint32
	// DropCaps keeps only Caps (the entitlements' capabilities).
	DropCaps bool
	Caps     []catalog.Capability
	MDWE     bool // set PR_SET_MDWE (the policy allows no executable memory)
}

// Answers of the init child besides those in init.go.
const msgRetry = 'R' // the layout's addresses are taken: byte 1 is the errno; pick others

func encodeInit(m *initMsg) ([]byte, error) { return json.Marshal(m) }

func decodeInit(b []byte) (*initMsg, error) {
	var m initMsg
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode init message: %w", err)
	}
	return &m, nil
}
