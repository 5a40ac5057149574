package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Stub: replaced by profile generation (issue 3).
func newProfileCmd() *cobra.Command {
	return &cobra.Command{Use: "profile", Short: "Generate a profile", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}
