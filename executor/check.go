package executor

import (
	"context"
	"errors"
	"time"

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
func (e *executor) runCheck(t *task, c *mesos.CheckInfo) {
	timing := probeTiming{
		delay:    seconds(c.GetDelaySeconds()),
		interval: seconds(c.GetIntervalSeconds()),
		timeout:  seconds(c.GetTimeoutSeconds()),
	}
	e.probeLoop(t, timing, func(ctx context.Context) bool {
		st := checkProbe(ctx, t, c, timing.timeout)
		if ctx.Err() != nil {
			return true
		}
		e.reportCheck(t, st)
		return false
	})
}

// checkProbe runs c once. A check that could not produce a result (timeout,
// command that could not run, HTTP without a response) has an empty result.
func checkProbe(ctx context.Context, t *task, c *mesos.CheckInfo, timeout time.Duration) *mesos.CheckStatusInfo {
	st := emptyCheckStatus(c)
	switch c.Type {
	case mesos.CheckInfo_COMMAND:
		if code, err := commandProbe(ctx, t, &c.Command.Command, timeout); err == nil {
			exit := int32(code)
			st.Command.ExitCode = &exit
		}
	case mesos.CheckInfo_HTTP:
		if code, err := httpProbe(ctx, "http", c.HTTP.Port, c.HTTP.GetPath(), timeout); err == nil {
			status := uint32(code)
			st.HTTP.StatusCode = &status
		}
	case mesos.CheckInfo_TCP:
		if ok, err := tcpProbe(ctx, c.TCP.Port, timeout); err == nil {
			st.TCP.Succeeded = &ok
		}
	}
	return st
}

// reportCheck sends st when it differs from t's current result, unless t is
// being killed or has ended.
func (e *executor) reportCheck(t *task, st *mesos.CheckStatusInfo) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.killing || t.terminal || t.checkStatus.Equal(st) {
		return
	}
	t.checkStatus = st
	status := e.newStatusLocked(t, mesos.TASK_RUNNING)
	status.Reason = mesos.REASON_TASK_CHECK_STATUS_UPDATED.Enum()
	e.enqueueLocked(t, status)
}
