package executor

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// validateCheck refuses a check the executor cannot run.
func validateCheck(c *mesos.CheckInfo) error {
	if c == nil {
		return nil
	}
	switch c.Type {
	case mesos.CheckInfo_COMMAND:
		if c.Command == nil || c.Command.Command.GetValue() == "" {
			return errors.New("invalid check: COMMAND without a command")
		}
	case mesos.CheckInfo_HTTP:
		if c.HTTP == nil {
			return errors.New("invalid check: HTTP without http")
		}
	case mesos.CheckInfo_TCP:
		if c.TCP == nil {
			return errors.New("invalid check: TCP without tcp")
		}
	default:
		return errors.New("invalid check: unknown type")
	}
	return nil
}

// emptyCheckStatus is the result-less check status of c's type (nil without
// a valid check): what TASK_RUNNING carries before the first result, what a
// timed-out check reports, and what TASK_KILLING and terminal updates carry.
func emptyCheckStatus(c *mesos.CheckInfo) *mesos.CheckStatusInfo {
	if c == nil {
		return nil
	}
	st := &mesos.CheckStatusInfo{Type: c.Type.Enum()}
	switch c.Type {
	case mesos.CheckInfo_COMMAND:
		st.Command = &mesos.CheckStatusInfo_Command{}
	case mesos.CheckInfo_HTTP:
		st.HTTP = &mesos.CheckStatusInfo_Http{}
	case mesos.CheckInfo_TCP:
		st.TCP = &mesos.CheckStatusInfo_Tcp{}
	default:
		return nil
	}
	return st
}

// runCheck runs t's check until t is killed or ends and reports every
// change of its result with TASK_RUNNING and REASON_TASK_CHECK_STATUS_UPDATED.
// A check never kills its task.
//
// A Kennel extra, beyond Mesos's default executor (whose check results carry
// only the exit code, status code or connection result): while a check does
// not pass, the update's message says why — the last line a COMMAND check
// printed when it exited non-zero, or why a check produced no result. A
// change of that line is reported like a change of the result, so that a
// scheduler can show what readiness waits for.
func (e *executor) runCheck(t *task, c *mesos.CheckInfo) {
	timing := probeTiming{
		delay:    seconds(c.GetDelaySeconds()),
		interval: seconds(c.GetIntervalSeconds()),
		timeout:  seconds(c.GetTimeoutSeconds()),
	}
	e.probeLoop(t, timing, func(ctx context.Context) bool {
		st, note := checkProbe(ctx, t, c, timing.timeout)
		if ctx.Err() != nil {
			return true
		}
		e.reportCheck(t, st, note)
		return false
	})
}

// maxCheckNote bounds the note a failing check adds to its update.
const maxCheckNote = 200

// checkOutputTail is how much of a COMMAND check's output is kept.
const checkOutputTail = 4096

// checkProbe runs c once and returns its result and, when it did not pass,
// a one-line note saying why (empty when there is nothing to say). A check
// that could not produce a result (timeout, command that could not run,
// HTTP without a response) has an empty result.
func checkProbe(ctx context.Context, t *task, c *mesos.CheckInfo, timeout time.Duration) (*mesos.CheckStatusInfo, string) {
	st := emptyCheckStatus(c)
	var err error
	switch c.Type {
	case mesos.CheckInfo_COMMAND:
		out := &tailBuffer{max: checkOutputTail}
		var code int
		if code, err = commandProbe(ctx, t, &c.Command.Command, timeout, out); err == nil {
			exit := int32(code)
			st.Command.ExitCode = &exit
			if code != 0 {
				return st, lastLine(out.String())
			}
		}
	case mesos.CheckInfo_HTTP:
		var code int
		if code, err = httpProbe(ctx, "http", c.HTTP.Port, c.HTTP.GetPath(), timeout); err == nil {
			status := uint32(code)
			st.HTTP.StatusCode = &status
		}
	case mesos.CheckInfo_TCP:
		var ok bool
		if ok, err = tcpProbe(ctx, c.TCP.Port, timeout); err == nil {
			st.TCP.Succeeded = &ok
		}
	}
	if err != nil {
		return st, truncateNote("check gave no result: " + err.Error())
	}
	return st, ""
}

// reportCheck sends st when it or note differs from t's current ones,
// unless t is being killed or has ended.
func (e *executor) reportCheck(t *task, st *mesos.CheckStatusInfo, note string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.killing || t.terminal || (t.checkStatus.Equal(st) && t.checkNote == note) {
		return
	}
	t.checkStatus, t.checkNote = st, note
	status := e.newStatusLocked(t, mesos.TASK_RUNNING)
	status.Reason = mesos.REASON_TASK_CHECK_STATUS_UPDATED.Enum()
	e.enqueueLocked(t, status)
}

// lastLine is the last non-blank line of out, trimmed and bounded.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return truncateNote(strings.TrimSpace(lines[len(lines)-1]))
}

// truncateNote bounds a note to maxCheckNote bytes without splitting a
// UTF-8 sequence, and makes it valid UTF-8 (protobuf strings must be).
func truncateNote(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= maxCheckNote {
		return s
	}
	cut := maxCheckNote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// tailBuffer keeps the last max bytes written to it. It is safe for
// concurrent writes (stdout and stderr share it).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
