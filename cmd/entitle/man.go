//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newManCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man -o DIR",
		Short: "Write the manual pages (section 1), one per command, into DIR",
		Example: `  entitle man -o /usr/local/share/man/man1 && man entitle-run
  entitle man -o man1 && man -l man1/entitle-explain.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return fmt.Errorf("man: say where to write the pages with -o DIR")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			if err := writeMan(cmd.Root(), dir); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&dir, "output", "o", "", "directory to write the pages into (created if missing)")
	return cmd
}

// manHeader is what every page's .TH line says besides its title.
type manHeader struct {
	date   time.Time
	source string // "entitle v0.3.0 (...)"
	manual string // "entitle manual"
}

// writeMan writes a page per command of root into dir: entitle.1,
// entitle-run.1, entitle-preset-show.1, ... The date is the commit's
// (vcs.time), so a build writes the same pages every time.
//
// The pages are written here rather than with cobra/doc, whose markdown
// renderer (go-md2man, blackfriday) cost every start of entitle ~0.3 ms of
// package initialisation.
func writeMan(root *cobra.Command, dir string) error {
	root.InitDefaultVersionFlag()   // added at Execute otherwise
	root.InitDefaultCompletionCmd() // so that `entitle completion` has its pages
	h := manHeader{date: time.Now(), source: "entitle " + version(), manual: "entitle manual"}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					h.date = t
				}
			}
		}
	}
	return writeManTree(root, h, dir)
}

func writeManTree(cmd *cobra.Command, h manHeader, dir string) error {
	for _, c := range manChildren(cmd) {
		if err := writeManTree(c, h, dir); err != nil {
			return err
		}
	}
	name := manName(cmd)
	return os.WriteFile(filepath.Join(dir, name+".1"), manPage(cmd, h), 0o644)
}

// manChildren are the commands of cmd that have pages (not help, not
// hidden or deprecated ones), by name.
func manChildren(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// manName is the page's name: the command path with dashes, entitle-run.
func manName(cmd *cobra.Command) string {
	return strings.ReplaceAll(cmd.CommandPath(), " ", "-")
}

// manPage renders the page of cmd in roff with the man macros: NAME,
// SYNOPSIS, DESCRIPTION, OPTIONS (those inherited from parent commands
// too), EXAMPLE and SEE ALSO.
func manPage(cmd *cobra.Command, h manHeader) []byte {
	cmd.InitDefaultHelpFlag()
	var b bytes.Buffer
	name := manName(cmd)
	fmt.Fprintf(&b, ".\\\" Written by entitle man.\n")
	fmt.Fprintf(&b, ".TH %s \"1\" %s %s %s\n", roffArg(strings.ToUpper(name)), roffArg(h.date.Format("Jan 2006")),
		roffArg(h.source), roffArg(h.manual))
	b.WriteString(".nh\n.ad l\n")

	b.WriteString(".SH NAME\n")
	fmt.Fprintf(&b, "%s \\- %s\n", roffEscape(name), roffEscape(cmd.Short))

	b.WriteString(".SH SYNOPSIS\n")
	use, path := cmd.UseLine(), cmd.CommandPath()
	if rest, ok := strings.CutPrefix(use, path); ok {
		fmt.Fprintf(&b, "\\fB%s\\fR%s\n", roffEscape(path), roffEscape(rest))
	} else {
		b.WriteString(roffEscape(use) + "\n")
	}

	b.WriteString(".SH DESCRIPTION\n")
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	roffText(&b, desc)

	if fs := cmd.NonInheritedFlags(); fs.HasAvailableFlags() {
		b.WriteString(".SH OPTIONS\n")
		roffFlags(&b, fs)
	}
	if fs := cmd.InheritedFlags(); fs.HasAvailableFlags() {
		b.WriteString(".SH OPTIONS INHERITED FROM PARENT COMMANDS\n")
		roffFlags(&b, fs)
	}

	if cmd.Example != "" {
		b.WriteString(".SH EXAMPLE\n")
		roffBlock(&b, strings.Split(strings.TrimRight(cmd.Example, "\n"), "\n"))
	}

	var also []string
	if cmd.HasParent() {
		also = append(also, manName(cmd.Parent()))
	}
	for _, c := range manChildren(cmd) {
		also = append(also, manName(c))
	}
	if len(also) > 0 {
		b.WriteString(".SH SEE ALSO\n")
		for i, a := range also {
			sep := ","
			if i == len(also)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, ".BR %s (1)%s\n", roffEscape(a), sep)
		}
	}
	return b.Bytes()
}

// roffFlags writes a tagged paragraph per flag of fs, as --help shows
// them: "-o, --output FILE", the usage and a default that is not the zero
// value.
func roffFlags(b *bytes.Buffer, fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		b.WriteString(".TP\n")
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			fmt.Fprintf(b, "\\fB%s\\fR, ", roffEscape("-"+f.Shorthand))
		}
		fmt.Fprintf(b, "\\fB%s\\fR", roffEscape("--"+f.Name))
		if varname != "" {
			fmt.Fprintf(b, " \\fI%s\\fR", roffEscape(varname))
		}
		b.WriteString("\n")
		if !flagDefaultIsZero(f) {
			if f.Value.Type() == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
		}
		b.WriteString(roffLine(usage) + "\n")
	})
}

// flagDefaultIsZero says whether f's default is its type's zero value,
// which --help does not show either.
func flagDefaultIsZero(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]", "<nil>":
		return true
	}
	return false
}

// roffText writes text (a command's Long) as paragraphs: blank lines
// separate them, indented lines are kept as they are (tables of options
// and formats, commands to type), and a markdown heading (cobra's
// completion commands have them) is a bold line.
func roffText(b *bytes.Buffer, text string) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	para := false // a paragraph is open
	for i := 0; i < len(lines); {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
			para = false
			i++
		case l[0] == ' ' || l[0] == '\t':
			j := i
			for j < len(lines) && lines[j] != "" && (lines[j][0] == ' ' || lines[j][0] == '\t') {
				j++
			}
			roffBlock(b, lines[i:j])
			para = false
			i = j
		default:
			if !para {
				b.WriteString(".PP\n")
				para = true
			}
			if h, ok := markdownHeading(l); ok {
				fmt.Fprintf(b, "\\fB%s\\fR\n", roffEscape(h))
				para = false
			} else {
				b.WriteString(roffLine(l) + "\n")
			}
			i++
		}
	}
}

func markdownHeading(l string) (string, bool) {
	t := strings.TrimLeft(l, "#")
	if len(t) == len(l) || len(l)-len(t) > 6 || !strings.HasPrefix(t, " ") {
		return "", false
	}
	return strings.TrimSpace(t), true
}

// roffBlock writes lines unfilled, indented, without their common
// indentation.
func roffBlock(b *bytes.Buffer, lines []string) {
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	b.WriteString(".PP\n.RS 4\n.nf\n")
	for _, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		l = strings.ReplaceAll(l, "\t", "    ")
		if strings.TrimSpace(l) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(roffLine(l) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
}

// roffLine escapes a line of text, including a leading control character.
func roffLine(s string) string {
	s = roffEscape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = "\\&" + s
	}
	return s
}

// roffEscape escapes roff's escape character and writes hyphens as
// minus signs, so that options and commands copied from the rendered
// page work.
func roffEscape(s string) string {
	if !strings.ContainsAny(s, `\-`) {
		return s
	}
	return strings.NewReplacer(`\`, `\e`, `-`, `\-`).Replace(s)
}

// roffArg quotes a macro argument.
func roffArg(s string) string {
	return `"` + strings.ReplaceAll(roffEscape(s), `"`, `\(dq`) + `"`
}
