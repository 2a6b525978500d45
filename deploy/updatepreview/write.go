package updatepreview

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Write writes the report for people, in six sections (Options,
// Scheduler app, ServiceSpec, Pod instances, Plan, Refused), each a heading and
// indented lines. The format is stable: equal reports give equal text.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Options\n")
	if len(r.Options) == 0 {
		b.WriteString("  no change\n")
	}
	for _, c := range r.Options {
		b.WriteString("  " + c.String() + "\n")
	}

	b.WriteString("\nScheduler app\n")
	if r.App.Restarts {
		b.WriteString("  the app changes: Marathon restarts the scheduler, whatever the pods do\n")
	} else {
		b.WriteString("  no change: the scheduler keeps running\n")
	}
	for _, c := range r.App.Changes {
		b.WriteString("  " + c.String() + "\n")
	}

	b.WriteString("\nServiceSpec\n")
	r.writeSpec(&b)

	b.WriteString("\nPod instances\n")
	r.writeInstances(&b)

	b.WriteString("\nPlan\n")
	r.writePlan(&b)

	b.WriteString("\nRefused\n")
	if len(r.Refused) == 0 {
		b.WriteString("  nothing\n")
	} else {
		b.WriteString("  the scheduler would refuse this update: it would keep its current configuration and report:\n")
	}
	for _, v := range r.Refused {
		b.WriteString("  " + v.Path + ": " + v.Msg + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) writeSpec(b *strings.Builder) {
	if len(r.Spec.Errors) > 0 {
		fmt.Fprintf(b, "  the updated app's env makes %s invalid: the new scheduler would fail to start (and Marathon would restart it again and again):\n", r.Spec.File)
		for _, e := range r.Spec.Errors {
			loc := fmt.Sprintf("%s:%d:%d: ", e.File, e.Line, e.Column)
			if e.Path != "" {
				loc += e.Path + ": "
			}
			b.WriteString("  " + loc + e.Msg + "\n")
		}
		return
	}
	if r.Spec.Diff == "" {
		fmt.Fprintf(b, "  no change (configuration %s)\n", r.Spec.NewID)
	} else {
		fmt.Fprintf(b, "  configuration %s (%s) → %s\n", r.Spec.OldID, r.Spec.From, r.Spec.NewID)
		for _, line := range strings.SplitAfter(r.Spec.Diff, "\n") {
			if line != "" {
				b.WriteString("  " + line)
			}
		}
		if !strings.HasSuffix(r.Spec.Diff, "\n") {
			b.WriteString("\n")
		}
	}
	for _, n := range r.Notices {
		b.WriteString("  notice: " + n + "\n")
	}
}

func (r Report) writeInstances(b *strings.Builder) {
	switch {
	case len(r.Spec.Errors) > 0:
		b.WriteString("  none apply: the new spec is invalid\n")
		return
	case len(r.Refused) > 0:
		b.WriteString("  none apply: the scheduler would refuse this update (see Refused)\n")
		return
	case len(r.Instances) == 0:
		b.WriteString("  none\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, in := range r.Instances {
		action := string(in.Action)
		if in.Action == InPlace {
			action = "in place, no restart"
		}
		if len(in.Reasons) == 0 {
			fmt.Fprintf(tw, "  %s\t%s\n", in.Instance, action)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", in.Instance, action, strings.Join(in.Reasons, "; "))
	}
	_ = tw.Flush() // writes to a strings.Builder
}

// writePlan writes the phases of the plan that rolls the update out.
func (r Report) writePlan(b *strings.Builder) {
	if len(r.Plan.Phases) == 0 {
		b.WriteString("  none: the update does not apply\n")
		return
	}
	from := "the spec's " + r.Plan.From + " plan"
	if r.Plan.From == "" {
		from = "a phase per pod"
	}
	fmt.Fprintf(b, "  deploy (%s strategy), from %s:\n", r.Plan.Strategy, from)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, ph := range r.Plan.Phases {
		what := "rolls pod " + ph.Pod + "'s instances that restart or launch"
		if ph.Action != "" {
			what = "runs action " + ph.Action + " (the service's own code)"
		}
		fmt.Fprintf(tw, "  - %s\t(%s strategy)\t%s\n", ph.Name, ph.Strategy, what)
	}
	_ = tw.Flush() // writes to a strings.Builder
}

// String is the change on one line: path: old → new.
func (c Change) String() string {
	switch c.Kind {
	case Added:
		return fmt.Sprintf("%s: added %s", c.Path, c.New)
	case Removed:
		return fmt.Sprintf("%s: removed (was %s)", c.Path, c.Old)
	default:
		return fmt.Sprintf("%s: %s → %s", c.Path, c.Old, c.New)
	}
}
