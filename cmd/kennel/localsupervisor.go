package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kennel-sdk/kennel/scheduler/runtime"
	"github.com/kennel-sdk/kennel/servicespec"
)

// localScheduler is the scheduler "kennel local up --service" runs in its
// process: it starts it, and restarts it with new values when "kennel local
// service restart" asks, as Marathon restarts a scheduler whose app's
// environment changed. The scheduler then resolves the new target
// configuration and its deploy plan rolls the pods it changes.
type localScheduler struct {
	svc    serviceFlags
	base   runtime.Options // without Env, Extension and OnReady
	logger *slog.Logger
	// failed receives the error of a scheduler that stopped unasked.
	failed chan error

	mu        sync.Mutex // serialises start and restart
	overrides map[string]string
	name      string // the service's name, which a restart may not change
	gen       *schedulerRun
	url       atomic.Pointer[string] // the API's, once it served
	dataDir   string                 // where the API's URL is recorded ("": nowhere)
}

// schedulerRun is one run of the scheduler.
type schedulerRun struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when runtime.Run returned
	err    error         // runtime.Run's, once done is closed
}

// errBadValues: a restart's values do not make a valid spec; the running
// scheduler was left alone.
var errBadValues = errors.New("the new values make no valid service spec")

// environment is the spec's environment: svc.env, the --env-files and -e
// of local up, read again now, then every restart's values, the latest
// winning.
func (s *localScheduler) environment(overrides map[string]string) (map[string]string, error) {
	env, err := s.svc.env.environment(filepath.Join(s.svc.dir, defaultsFile))
	if err != nil {
		return nil, err
	}
	maps.Copy(env, overrides)
	return env, nil
}

// load renders and validates the spec against env.
func (s *localScheduler) load(env map[string]string) (*servicespec.ServiceSpec, error) {
	data, err := os.ReadFile(s.base.SpecPath)
	if err != nil {
		return nil, err
	}
	return servicespec.Load(s.base.SpecPath, data, servicespec.LoadOptions{Env: env, Templates: os.DirFS(filepath.Dir(s.base.SpecPath))})
}

// start runs the scheduler with env and returns its API's URL once it
// serves. Later runs listen on the first one's address, so the URL stays;
// while another socket holds that port (a connection the kernel gave it
// to) they wait for it up to portWait, then take another free port, unless
// --api-port fixed it, and record the new URL in the data dir.
func (s *localScheduler) start(ctx context.Context, env map[string]string) (string, error) {
	deadline := time.Now().Add(portWait)
	for {
		url, err := s.startOnce(ctx, env)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || s.apiURL() == "" { // a first start does not wait
			return url, err
		}
		if time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if s.svc.apiPort != 0 {
			return "", err
		}
		s.logger.Warn("the scheduler API's port stays taken; the API moves to another", "address", s.base.Listen, "err", err)
		s.base.Listen = "127.0.0.1:0"
		deadline = time.Now().Add(portWait)
	}
}

// portWait is how long a restarted scheduler waits for its API's port.
const portWait = 10 * time.Second

// startOnce is one attempt of start.
func (s *localScheduler) startOnce(ctx context.Context, env map[string]string) (string, error) {
	opts := s.base
	opts.Env = env
	if goSvc := goServices()[s.svc.scheduler]; goSvc.extension != nil {
		ext, err := goSvc.extension(env)
		if err != nil {
			return "", err
		}
		opts.Extension = ext
	}
	runCtx, cancel := context.WithCancel(ctx)
	gen := &schedulerRun{cancel: cancel, done: make(chan struct{})}
	ready := make(chan string, 1)
	var served atomic.Bool // a scheduler that failed to start is start's error
	opts.OnReady = func(url string) { served.Store(true); ready <- url }
	go func() {
		defer close(gen.done)
		gen.err = runtime.Run(runCtx, opts)
		if runCtx.Err() == nil && served.Load() { // not asked to stop
			s.fail(gen.err)
		}
	}()
	select {
	case url := <-ready:
		s.gen = gen
		if host, port, err := net.SplitHostPort(strings.TrimPrefix(url, "http://")); err == nil {
			s.base.Listen = net.JoinHostPort(host, port)
		}
		if prev := s.apiURL(); prev != "" && url != prev && s.dataDir != "" {
			if _, err := recordAPIURL(s.dataDir, s.name, url); err != nil {
				s.logger.Error("the scheduler's new URL is not recorded; --name will not find it", "err", err)
			}
		}
		s.url.Store(&url)
		return url, nil
	case <-gen.done:
		cancel()
		if gen.err == nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("scheduler: %w", gen.err)
	}
}

// apiURL is the scheduler API's URL ("" before it first served); safe for
// concurrent use.
func (s *localScheduler) apiURL() string {
	if u := s.url.Load(); u != nil {
		return *u
	}
	return ""
}

// fail reports that the scheduler stopped unasked, or could not be started
// again: local up ends with err.
func (s *localScheduler) fail(err error) {
	if err == nil {
		err = errors.New("the scheduler stopped")
	}
	select {
	case s.failed <- fmt.Errorf("scheduler: %w", err):
	default:
	}
}

// stop stops the running scheduler and waits until it has.
func (s *localScheduler) stop() {
	if s.gen != nil {
		s.gen.cancel()
		<-s.gen.done
		s.gen = nil
	}
}

// restart restarts the scheduler with values added to those it has. Values
// that make no valid spec, or one of another name, are refused
// (errBadValues) and the running scheduler stays; a scheduler that does not
// start with them is started again with the previous values.
func (s *localScheduler) restart(ctx context.Context, values map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	overrides := maps.Clone(s.overrides)
	if overrides == nil {
		overrides = map[string]string{}
	}
	maps.Copy(overrides, values)
	env, err := s.environment(overrides)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errBadValues, err)
	}
	spec, err := s.load(env)
	if err != nil {
		return "", fmt.Errorf("%w:\n%s", errBadValues, s.explain(err, env, overrides))
	}
	if spec.Name != s.name {
		return "", fmt.Errorf("%w: they rename the service %s to %s; a local service keeps its name", errBadValues, s.name, spec.Name)
	}
	s.logger.Info("restarting the scheduler with new values", "values", strings.Join(assignments(values), " "))
	s.stop()
	url, err := s.start(ctx, env)
	if err == nil {
		info, perr := fetchPlan(ctx, url+"/v1/plans/deploy")
		if perr != nil || len(info.Errors) == 0 {
			s.overrides = overrides
			return url, nil
		}
		// The scheduler refused the configuration and keeps the previous
		// one: so does this restart, lest the next carry these values.
		err = fmt.Errorf("%w: the scheduler refused the configuration:\n  %s", errBadValues, strings.Join(info.Errors, "\n  "))
		s.logger.Info("the scheduler refused the new values; restarting it with the previous ones")
		s.stop()
	} else {
		s.logger.Error("the scheduler did not start with the new values; starting it with the previous ones", "err", err)
	}
	previous, perr := s.environment(s.overrides)
	if perr == nil {
		_, perr = s.start(ctx, previous)
	}
	if perr != nil {
		err = fmt.Errorf("the scheduler did not start with the new values (%w), nor with the previous ones: %w", err, perr)
		s.fail(err)
		return "", err
	}
	if errors.Is(err, errBadValues) {
		return "", fmt.Errorf("%w; it runs with the previous ones", err)
	}
	return "", fmt.Errorf("the scheduler did not start with the new values, and runs with the previous ones: %w", err)
}

// explain is the spec's errors, each naming where the value of the
// variable it is about came from: a restart, or local up's svc.env,
// --env-file or -e.
func (s *localScheduler) explain(err error, env, overrides map[string]string) string {
	var list servicespec.ErrorList
	if !errors.As(err, &list) {
		return err.Error()
	}
	lines := make([]string, len(list))
	for i, e := range list {
		origin := s.svc.env.origin(e.Var, env, filepath.Join(s.svc.dir, defaultsFile))
		if v, ok := overrides[e.Var]; ok && e.Var != "" {
			origin = fmt.Sprintf("; %s=%s is set by kennel local service restart", e.Var, v)
		}
		lines[i] = e.Error() + origin
	}
	return strings.Join(lines, "\n")
}

// assignments are values as sorted KEY=VALUE strings.
func assignments(values map[string]string) []string {
	out := make([]string, 0, len(values))
	for _, k := range slices.Sorted(maps.Keys(values)) {
		out = append(out, k+"="+values[k])
	}
	return out
}

// restartRequest is the body of "kennel local service restart"'s POST to
// the control URL; restartReply its answer (200), or a text/plain error.
type restartRequest struct {
	Env map[string]string `json:"env"`
}

type restartReply struct {
	URL string `json:"url"`
}

// controlPath is the control API's one endpoint.
const controlPath = "/v1/scheduler/restart"

// serveControl serves the control API on a free port of 127.0.0.1 until
// ctx ends, and records its URL in the service's folder of the data dir
// (controlURLFile); the returned func removes the record.
func (s *localScheduler) serveControl(ctx context.Context, dataDir string) (remove func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+controlPath, func(w http.ResponseWriter, req *http.Request) {
		var body restartRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, "the body is not a JSON restart request: "+err.Error(), http.StatusBadRequest)
			return
		}
		url, err := s.restart(ctx, body.Env)
		switch {
		case errors.Is(err, errBadValues):
			http.Error(w, err.Error(), http.StatusBadRequest)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(restartReply{URL: url})
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("control API: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	file := controlURLFile(dataDir, s.name)
	if err := os.WriteFile(file, []byte("http://"+ln.Addr().String()+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("record the control URL: %w", err)
	}
	return func() { _ = os.Remove(file) }, nil
}

// controlURLFile is where "kennel local up --service" records the URL of
// its control API while it runs, beside the scheduler's api-url.
func controlURLFile(dataDir, service string) string {
	return filepath.Join(filepath.Dir(apiURLFile(dataDir, service)), "control-url")
}
