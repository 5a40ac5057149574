//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
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

// writeMan writes a page per command of root into dir. The date is the
// commit's (vcs.time), so a build writes the same pages every time.
func writeMan(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true
	root.InitDefaultVersionFlag()   // added at Execute otherwise
	root.InitDefaultCompletionCmd() // so that `entitle completion` has its pages
	date := time.Now()
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					date = t
				}
			}
		}
	}
	header := &doc.GenManHeader{Title: "ENTITLE", Section: "1", Source: "entitle " + version(), Manual: "entitle manual", Date: &date}
	return doc.GenManTree(root, header, dir)
}
