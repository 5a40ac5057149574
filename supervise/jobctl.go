//go:build linux

package supervise

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Process groups, terminals and job control (Cmd.Subreaper).
//
// The command runs in its own process group, so that a signal reaches it
// exactly once: signals sent to entitle are forwarded to it, and signals
// the terminal generates (Ctrl-C, Ctrl-\, Ctrl-Z) go to the terminal's
// foreground process group only. When entitle is alone in the foreground
// process group of its controlling terminal (an interactive shell's job),
// the command's group becomes the foreground group, so that the command can
// read the terminal and gets the terminal's signals directly; when the
// command stops (Ctrl-Z, or reading the terminal from the background),
// entitle takes the terminal back and stops itself the same way, so that
// the shell sees the job stop; when the shell continues entitle (fg, bg),
// entitle hands the terminal on again if it has it and continues the
// command. In a pipeline (entitle is not alone in its group) the terminal
// stays with the pipeline: the command runs in the background of it.

// jobControl is the terminal state of one run; nil without a controlling
// terminal.
type jobControl struct {
	tty  int // /dev/tty, close-on-exec
	pgrp int // entitle's process group
	mu   sync.Mutex
	cmd  int // the command's process group (its pid); 0 once it has exited
}

// openJobControl opens the controlling terminal, or returns nil when there
// is none.
func openJobControl() *jobControl {
	fd, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil
	}
	return &jobControl{tty: fd, pgrp: unix.Getpgrp()}
}

func (j *jobControl) close() {
	if j != nil {
		unix.Close(j.tty)
	}
}

// foreground reports whether entitle's group is the terminal's foreground
// group and entitle is alone in it, so that it may hand the terminal on.
func (j *jobControl) foreground() bool {
	fg, err := unix.IoctlGetInt(j.tty, unix.TIOCGPGRP)
	return err == nil && fg == j.pgrp && aloneInGroup(j.pgrp)
}

// setForeground makes pgrp the terminal's foreground group. SIGTTOU, which
// the kernel sends to a background group changing the foreground group, is
// ignored by entitle after the command started (see Cmd.Start).
func (j *jobControl) setForeground(pgrp int) {
	unix.IoctlSetPointerInt(j.tty, unix.TIOCSPGRP, pgrp)
}

// stopped mirrors a stop of the command: take the terminal back if the
// command had it, then stop entitle with the same signal, so that the shell
// sees the job stop.
func (j *jobControl) stopped(sig syscall.Signal) {
	if fg, err := unix.IoctlGetInt(j.tty, unix.TIOCGPGRP); err == nil && fg == j.currentCmd() {
		j.setForeground(j.pgrp)
	}
	if sig == unix.SIGTTOU || sig == unix.SIGSTOP {
		sig = unix.SIGTSTP // SIGTTOU is ignored here; SIGSTOP would read "stopped (signal)"
	}
	unix.Kill(os.Getpid(), sig)
}

// continued runs when entitle is continued (SIGCONT): hand the terminal to
// the command again if entitle is in the foreground, and continue it.
func (j *jobControl) continued() {
	c := j.currentCmd()
	if c == 0 {
		return
	}
	if j.foreground() {
		j.setForeground(c)
	}
	unix.Kill(-c, unix.SIGCONT)
}

func (j *jobControl) currentCmd() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cmd
}

// exited gives the terminal back to entitle's group when the command's
// group had it.
func (j *jobControl) exited() {
	j.mu.Lock()
	c := j.cmd
	j.cmd = 0
	j.mu.Unlock()
	if fg, err := unix.IoctlGetInt(j.tty, unix.TIOCGPGRP); err == nil && fg == c {
		j.setForeground(j.pgrp)
	}
}

// aloneInGroup reports whether no other process is in process group pgrp.
func aloneInGroup(pgrp int) bool {
	d, err := os.Open("/proc")
	if err != nil {
		return false
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return false
	}
	self := os.Getpid()
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == self {
			continue
		}
		if g, ok := statPgrp(pid); ok && g == pgrp {
			return false
		}
	}
	return true
}

// statPgrp reads a process's group from /proc/PID/stat.
func statPgrp(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp ...
	if len(f) < 3 {
		return 0, false
	}
	g, err := strconv.Atoi(f[2])
	return g, err == nil
}

// children returns this process's children (the command, and the orphans
// it adopted as subreaper).
func children() []int {
	self := strconv.Itoa(os.Getpid())
	tasks, _ := os.ReadDir("/proc/" + self + "/task")
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + self + "/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// notifyUnlessIgnored subscribes c to the signals that were not ignored
// when this process started: a signal ignored then (nohup's SIGHUP, the
// SIGINT and SIGQUIT a shell ignores for background jobs) stays ignored, by
// entitle and, through execve, by the command.
func notifyUnlessIgnored(c chan<- os.Signal, sigs ...os.Signal) {
	var on []os.Signal
	for _, s := range sigs {
		if !signal.Ignored(s) {
			on = append(on, s)
		}
	}
	if len(on) > 0 {
		signal.Notify(c, on...)
	}
}
