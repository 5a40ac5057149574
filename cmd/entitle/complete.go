//go:build linux

package main

import (
	"slices"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/syscalls"
	"github.com/spf13/cobra"
)

// addCompletions registers shell completion (`entitle completion
// bash|zsh|fish|powershell`, cobra's command) for entitlement names,
// presets, architectures and system calls: every --allow (comma lists),
// --sandbox and --arch flag of the tree, `show NAME`, `which SYSCALL...`
// and `preset show NAME`.
func addCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		complete := func(flag string, fn cobra.CompletionFunc) {
			if c.Flags().Lookup(flag) != nil {
				c.RegisterFlagCompletionFunc(flag, fn)
			}
		}
		complete("allow", commaList(entitlementNames))
		complete("arch", commaList(archNames))
		complete("sandbox", fixed(policyfile.Presets))
		complete("violation", fixed(func() []string { return []string{"errno", "errno(EACCES)", "kill", "log"} }))
		switch c.CommandPath() {
		case "entitle show":
			c.ValidArgsFunction = oneArg(func() []string { return append([]string{"base", "never"}, entitlementNames()...) })
		case "entitle which":
			c.ValidArgsFunction = fixedArgs(syscalls.Names)
		case "entitle preset show":
			c.ValidArgsFunction = oneArg(policyfile.Presets)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// entitlementNames are the catalog's entitlements and Karn's aliases.
func entitlementNames() []string {
	var out []string
	for _, e := range catalog.All() {
		out = append(out, e.Name)
	}
	for a := range catalog.KarnAliases() {
		out = append(out, a)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func archNames() []string {
	var out []string
	for _, a := range syscalls.All() {
		out = append(out, a.Name())
	}
	return out
}

// commaList completes the last item of a comma-separated value, keeping
// the items before it and leaving out those already given.
func commaList(names func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		given := strings.Split(done, ",")
		var out []cobra.Completion
		for _, n := range names() {
			if strings.HasPrefix(n, last) && !slices.Contains(given, n) {
				out = append(out, done+n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

func fixed(names func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return prefixed(names(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// oneArg completes the first argument only.
func oneArg(names func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return prefixed(names(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// fixedArgs completes every argument.
func fixedArgs(names func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return prefixed(names(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func prefixed(names []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}
