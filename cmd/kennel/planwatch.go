package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/plans"
)

// watchOptions are plan status's --watch and --interval.
type watchOptions struct {
	watch    bool
	interval time.Duration
}

// clearScreen moves the cursor home and clears a terminal.
const clearScreen = "\x1b[H\x1b[2J"

// watchPlan draws the plan's tree and a progress line every interval until
// the plan is COMPLETE (nil), has errors (exit status 1, after drawing
// them) or the watch is interrupted (exit status 130). On a terminal each
// frame replaces the last; elsewhere frames are separated by a blank line.
func watchPlan(cmd *cobra.Command, c *client.Client, name string, w watchOptions) error {
	if w.interval <= 0 {
		return fmt.Errorf("--interval must be positive, got %s", w.interval)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := cmd.OutOrStdout()
	tty := isTerminal(out)
	begun := time.Now()
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for frame := 0; ; frame++ {
		info, code, err := c.Plan(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return exitError{code: 130}
			}
			return err
		}
		switch {
		case tty:
			io.WriteString(out, clearScreen)
		case frame > 0:
			io.WriteString(out, "\n")
		}
		now := time.Now()
		fmt.Fprintf(out, "%s\n%s\n", info.TreeAt(name, now), progress(info, begun, now))
		switch {
		case len(info.Errors) > 0 || code == http.StatusExpectationFailed:
			return exitError{code: 1}
		case info.Status == plans.Complete:
			return nil
		}
		select {
		case <-ctx.Done():
			return exitError{code: 130}
		case <-tick.C:
		}
	}
}

// progress is the line under a watched tree: "3/5 steps complete, elapsed
// 1m02s", elapsed since the earliest step started, or since begun when no
// step says when it started.
func progress(info plans.PlanInfo, begun, now time.Time) string {
	done, total := 0, 0
	start := begun
	for _, ph := range info.Phases {
		for _, st := range ph.Steps {
			total++
			if st.Status == string(plans.Complete) {
				done++
			}
			if t, err := time.Parse(time.RFC3339, st.Started); err == nil && t.Before(start) {
				start = t
			}
		}
	}
	return fmt.Sprintf("%d/%d steps complete, elapsed %s", done, total, elapsed(now.Sub(start)))
}

// elapsed formats d to the second: 5s, 1m02s, 2h03m04s.
func elapsed(d time.Duration) string {
	d = max(d.Round(time.Second), 0)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
