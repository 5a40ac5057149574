package linux

import "testing"

func TestRender(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{Flags(CloneFlags, CLONE_NEWUSER|CLONE_VM), "CLONE_VM|CLONE_NEWUSER"},
		{Flags(ProtFlags, 0), "0"},
		{Flags(ProtFlags, PROT_READ|0x10), "PROT_READ|0x10"},
		{Flags(OpenFlags, O_TMPFILE|O_CLOEXEC), "O_TMPFILE|O_CLOEXEC"}, // whole, not O_DIRECTORY|O_TMPFILE
		{Flags(OpenFlags, O_TMPFILE_BIT|O_CREAT), "O_CREAT|O_TMPFILE"},
		{Flags(OpenFlags, O_SYNC), "O_SYNC"},
		{Flags(OpenFlags, O_DSYNC), "O_DSYNC"},
		{Enum(Ioctls, TIOCGWINSZ), "TIOCGWINSZ"},
		{Enum(AccModes, O_RDONLY), "O_RDONLY"},
		{Enum(Families, 99), "0x63"},
		{Hex(0xFFFFFFFF), "0xffffffff"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if _, ok := Name(MapTypes, 0); ok {
		t.Error("MapTypes names 0")
	}
}
