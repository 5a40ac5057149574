//go:build linux

package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version describes this build from the information the Go toolchain
// embeds: the module version (a tag for `go install ...@vX`, "(devel)"
// for a checkout), the VCS revision and whether the tree was modified,
// the commit time and the Go version.
//
//	v0.3.0 (go1.26.0 linux/amd64)
//	(devel) (rev 1a2b3c4d5e6f, modified, 2026-12-01T12:00:00Z; go1.26.0 linux/amd64)
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Sprintf("unknown (no build information; %s %s/%s)", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	goos, goarch := runtime.GOOS, runtime.GOARCH
	for _, s := range info.Settings {
		switch s.Key {
		case "GOOS":
			goos = s.Value
		case "GOARCH":
			goarch = s.Value
		}
	}
	build := fmt.Sprintf("%s %s/%s", info.GoVersion, goos, goarch)
	if rev == "" {
		return fmt.Sprintf("%s (%s)", v, build)
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	detail := "rev " + rev
	if modified {
		detail += ", modified"
	}
	if when != "" {
		detail += ", " + when
	}
	return fmt.Sprintf("%s (%s; %s)", v, detail, build)
}
