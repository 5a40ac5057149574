package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Stub: replaced by entitle run (issue 4).
func newRunCmd() *cobra.Command {
	return &cobra.Command{Use: "run", Short: "Run a command under a filter", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}
