package executor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// minProbeInterval keeps a zero interval from turning a check into a busy
// loop.
const minProbeInterval = 10 * time.Millisecond

// errProbeTimeout is the error of a probe that did not finish in time.
var errProbeTimeout = errors.New("timed out")

// probeTiming is the schedule of a check or health check.
type probeTiming struct {
	delay, interval, timeout time.Duration
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

// probeLoop waits timing.delay, then runs probe every timing.interval (the
// interval counted from the end of the previous run) until probe returns
// true or t's context ends.
func (e *executor) probeLoop(t *task, timing probeTiming, probe func(ctx context.Context) (stop bool)) {
	if !sleepCtx(t.ctx, timing.delay) {
		return
	}
	for {
		if probe(t.ctx) {
			return
		}
		if !sleepCtx(t.ctx, max(timing.interval, minProbeInterval)) {
			return
		}
	}
}

// sleepCtx sleeps for d and reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// withTimeout bounds ctx by timeout; a timeout of zero or less means none.
func withTimeout(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, timeout, errProbeTimeout)
}

// probeErr turns a failure after ctx ended into errProbeTimeout (or the
// cancellation).
func probeErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// commandProbe runs ci like a task command, in the task's sandbox with the
// task's environment plus ci's, as its own process group, and returns its
// exit status. Its stdout and stderr go to out (nil discards them). It
// fails when the command cannot start, is killed by a signal, or outlives
// timeout (its process group is then SIGKILLed).
func commandProbe(ctx context.Context, t *task, ci *mesos.CommandInfo, timeout time.Duration, out io.Writer) (int, error) {
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	env, err := withCommandEnv(t.env, ci.Environment)
	if err != nil {
		return 0, err
	}
	cmd, err := buildCommand(ci, t.sandbox, env)
	if err != nil {
		return 0, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	// The output is copied by goroutines: a process left behind holding
	// the pipe must not keep Wait from returning once the group is killed.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting the check command: %w", err)
	}
	pid := cmd.Process.Pid
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	_ = cmd.Wait()
	close(done)
	_ = syscall.Kill(-pid, syscall.SIGKILL) // whatever it left behind
	if ctx.Err() != nil {
		return 0, context.Cause(ctx)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 0, fmt.Errorf("check command terminated with signal %s", signalName(ws.Signal()))
	}
	return cmd.ProcessState.ExitCode(), nil
}

// probeHTTPClient does not follow redirects, keeps no connections and, like
// the curl Mesos uses, does not verify certificates of the task's own
// endpoint.
var probeHTTPClient = &http.Client{
	Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// httpProbe GETs <scheme>://127.0.0.1:<port><path> and returns the status
// code. It fails when no response arrives within timeout.
func httpProbe(ctx context.Context, scheme string, port uint32, path string, timeout time.Duration) (int, error) {
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	if scheme == "" {
		scheme = "http"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	url := scheme + "://" + net.JoinHostPort("127.0.0.1", strconv.FormatUint(uint64(port), 10)) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := probeHTTPClient.Do(req)
	if err != nil {
		return 0, probeErr(ctx, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// tcpProbe connects to 127.0.0.1:<port>. It returns whether the connection
// was established, and an error only when it neither succeeded nor was
// refused within timeout.
func tcpProbe(ctx context.Context, port uint32, timeout time.Duration) (bool, error) {
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.FormatUint(uint64(port), 10)))
	if err != nil {
		if ctx.Err() != nil {
			return false, context.Cause(ctx)
		}
		return false, nil
	}
	conn.Close()
	return true, nil
}
