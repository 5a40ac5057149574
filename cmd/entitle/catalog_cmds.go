package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Stubs: replaced by the catalog commands (issue 3).

func newListCmd() *cobra.Command {
	return &cobra.Command{Use: "list", Short: "List entitlements", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}

func newShowCmd() *cobra.Command {
	return &cobra.Command{Use: "show", Short: "Show an entitlement", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}

func newWhichCmd() *cobra.Command {
	return &cobra.Command{Use: "which", Short: "Which entitlement grants a syscall", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}
