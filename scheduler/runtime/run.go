// Package runtime runs a Kennel scheduler: it takes the service's lock in
// the state store, resolves the target configuration, subscribes to the
// Mesos master, feeds the decision core (package scheduler) from one
// goroutine and applies its decisions in order — state first, then the
// Mesos calls that depend on it — and serves the API.
package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state"
	"github.com/kennel-sdk/kennel/servicespec"
)

// Options configure a scheduler.
type Options struct {
	// SpecPath is the svc.yml; its directory holds the config templates.
	SpecPath string
	// Env renders the spec and feeds TASKCFG_* variables to tasks.
	Env map[string]string
	// Service overrides the spec's name as the service name.
	Service string
	// Role defaults to <service>-role; Principal and User to the spec's.
	Role, Principal, User string
	// Masters are the Mesos masters' base URLs, tried in turn.
	Masters []string
	// State is the store URL: zk://host:port/path or file:///path.
	State     string
	StateAuth string
	// ZKSessionTimeout is the ZooKeeper session timeout (default 10s): a
	// scheduler that dies holds the lock this long, unless the next one
	// starts on the same machine and proves it dead (package state).
	ZKSessionTimeout time.Duration
	// Listen is the API's address (host:port; port 0 picks one);
	// AdvertiseHost is the host tasks reach it at (default: Listen's host,
	// or this machine's hostname for an unspecified address).
	Listen        string
	AdvertiseHost string
	// FailoverTimeout is the framework's failover timeout (default two
	// weeks, as DC/OS Commons).
	FailoverTimeout time.Duration
	// PermanentFailureTimeout replaces pods whose tasks are unreachable
	// this long (0: never).
	PermanentFailureTimeout time.Duration
	Backoff                 plans.BackoffPolicy
	// SweepWindow: see scheduler.Config.
	SweepWindow time.Duration
	// Uninstall removes the service instead of running it.
	Uninstall bool
	// Binary is the kennel executable served to tasks (default: this one).
	Binary string
	// BootstrapURI is where tasks with config templates fetch the kennel
	// binary that renders them (default: the API's /v1/artifacts/kennel,
	// which serves Binary; a file:// URI suits agents on this host).
	BootstrapURI string
	// API builds the HTTP API the scheduler serves (required): cmd/kennel
	// wires package api here, which the runtime does not import.
	API func(APIConfig) (handler, artifacts http.Handler)
	// Standby builds what the API's port serves until the service's lock
	// is taken (required; cmd/kennel wires api.StandbyHandler): service
	// and token as for the API, reason what the scheduler waits for (safe
	// for concurrent use).
	Standby func(service, token string, reason func() string) http.Handler
	// APIToken, when set, is required of API requests (see api.Options).
	APIToken string
	// TLSCert and TLSKey make the API serve HTTPS. The artifacts tasks
	// fetch are then also served over plain HTTP on ArtifactsPort (0 picks
	// one), since the tasks' fetchers do not trust the API's certificate.
	TLSCert, TLSKey string
	ArtifactsPort   int
	// LockWait bounds the wait for another scheduler of the service to go
	// (0: wait until ctx ends).
	LockWait time.Duration
	// Tick is the core's clock period (default 1s).
	Tick   time.Duration
	Logger *slog.Logger
	// OnReady is called with the API's URL once it serves.
	OnReady func(url string)
	// Extension is what a service written in Go adds (zero: none).
	Extension Extension
}

// APIConfig is what Options.API builds the HTTP API from.
type APIConfig struct {
	// Backend is the running scheduler.
	Backend *Backend
	// Service is the service name; Binary the kennel executable served to
	// tasks; Token, when set, the token every request must carry.
	Service, Binary, Token string
	// Store is the state store, whose reads are safe on any goroutine.
	Store *state.Store
	// Metrics serves the scheduler's Prometheus metrics.
	Metrics http.Handler
}

// ErrLeaseLost: another scheduler may act for the service now; this one
// must stop at once.
var ErrLeaseLost = errors.New("the scheduler lost its lock")

// Run runs the scheduler until ctx ends or it must stop (lost lock, store
// failure, framework removed). An uninstall that finished keeps serving
// its COMPLETE deploy plan until ctx ends. The API listens on opts.Listen
// from the start: until the service's lock is taken it serves only
// /v1/health, as a standby (Options.Standby); OnReady is called
// once it serves the whole API. The API stops when Run returns.
func Run(ctx context.Context, opts Options) error {
	if opts.API == nil || opts.Standby == nil {
		return errors.New("scheduler: Options.API and Options.Standby are required: they build the HTTP API")
	}
	opts.defaults()
	log := opts.Logger
	spec, err := loadSpec(opts)
	if err != nil {
		return err
	}
	service := opts.Service
	if service == "" {
		service = spec.Name
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &runner{opts: opts, log: log, service: service, requests: make(chan request),
		gateAnswers: make(chan gateAnswer), gatesAsked: map[string]bool{},
		actionAnswers: make(chan scheduler.ActionResult), actionsAsked: map[string]bool{}}
	// The API stops with Run: its listeners are closed when Run returns, so
	// the next scheduler of this process can listen on the same port.
	defer r.servers.Wait()
	defer cancel()
	srv, err := r.listen(ctx)
	if err != nil {
		return err
	}
	store, err := state.Open(ctx, opts.State, service, state.Options{Logger: log, Auth: opts.StateAuth, SessionTimeout: opts.ZKSessionTimeout})
	if err != nil {
		return err
	}
	defer store.Close()
	srv.wait("waiting for the service's lock")
	host, _ := os.Hostname()
	lease, err := store.Lock(ctx, state.LockOptions{Wait: opts.LockWait,
		Holder: fmt.Sprintf("kennel scheduler on %s, pid %d, since %s", host, os.Getpid(), time.Now().UTC().Format(time.RFC3339)),
		OnWait: func(h string) {
			srv.lockHolder(h)
			log.Warn("another scheduler holds the service's lock; waiting", "holder", h)
		}})
	if err != nil {
		return err
	}
	log.Info("the service's lock is taken")
	srv.wait("loading the service's state")
	loading := time.Now()
	if err := store.Load(ctx); err != nil {
		return err
	}
	log.Info("the service's state is loaded", "tasks", len(store.TaskNames()), "took", time.Since(loading).Round(time.Millisecond))
	r.store, r.lease = store, lease
	r.metrics = newMetrics(service, r.snapshot.Load, r.taskCounts)
	starting := time.Now()
	if err := r.start(ctx, spec, srv); err != nil {
		return err
	}
	log.Info("the scheduler is rebuilt from its state", "took", time.Since(starting).Round(time.Millisecond))
	return r.loop(ctx)
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FailoverTimeout == 0 {
		o.FailoverTimeout = 14 * 24 * time.Hour
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Binary == "" {
		o.Binary, _ = os.Executable()
	}
}

// loadSpec renders and validates the spec against the environment.
func loadSpec(opts Options) (*servicespec.ServiceSpec, error) {
	data, err := os.ReadFile(opts.SpecPath)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	spec, err := servicespec.Load(opts.SpecPath, data, servicespec.LoadOptions{Env: opts.Env, Templates: os.DirFS(filepath.Dir(opts.SpecPath))})
	if err != nil {
		return nil, fmt.Errorf("scheduler: invalid service spec:\n%w", err)
	}
	return spec, nil
}

// runner is a running scheduler: the core and what feeds it.
type runner struct {
	opts     Options
	log      *slog.Logger
	store    *state.Store
	lease    *state.Lease
	service  string
	core     *scheduler.Core
	conn     *connector
	requests chan request
	snapshot atomic.Pointer[wire.Snapshot]
	// publisher makes the snapshots; only the loop's goroutine uses it.
	publisher wire.Publisher
	metrics   *metrics
	apiURL    string
	ca        *certs.CA // nil: no transport encryption
	done      bool      // an uninstall finished
	// more is set when an applied decision's launches were capped and
	// the core keeps offers for them: Core.Continue runs next.
	more bool
	// cancelSession ends the current Mesos session (core goroutine only).
	cancelSession context.CancelFunc
	// gateAnswers brings gates' verdicts to the core goroutine;
	// gatesAsked are the gates being asked (core goroutine only).
	gateAnswers chan gateAnswer
	gatesAsked  map[string]bool
	// actionAnswers brings action steps' results to the core goroutine;
	// actionsAsked are the runs and cleanups under way (core goroutine
	// only).
	actionAnswers chan scheduler.ActionResult
	actionsAsked  map[string]bool
	// servers are the HTTP servers serve started, until they are shut down.
	servers sync.WaitGroup
}

// request is work the API asks of the core goroutine.
type request struct {
	do    func(*scheduler.Core) scheduler.Decisions
	write bool
	reply chan struct{}
}

// start resolves the target, builds the core and makes srv serve the API.
func (r *runner) start(ctx context.Context, spec *servicespec.ServiceSpec, srv *apiServer) error {
	stored := scheduler.Stored{Target: r.store.Target(), Configs: map[string][]byte{}, Tasks: map[string]record.Task{}}
	for _, id := range r.store.ConfigIDs() {
		stored.Configs[id], _ = r.store.Config(id)
	}
	for _, name := range r.store.TaskNames() {
		rec, _, err := r.store.Task(name)
		if err != nil {
			return err
		}
		stored.Tasks[name] = rec
	}
	target, err := scheduler.ResolveTarget(stored, spec, r.opts.Extension.inPlaceFunc())
	if err != nil {
		return err
	}
	if len(target.Errors) == 0 {
		if refusals := r.guardDecommission(ctx, stored, target.Decommissioned); len(refusals) > 0 {
			if target, err = scheduler.RefuseTarget(stored, refusals); err != nil {
				return err
			}
		}
	}
	for _, e := range target.Errors {
		r.log.Error("configuration refused; the previous one stays", "error", e)
	}
	for _, n := range target.Notices {
		r.log.Info("configuration notice", "notice", n)
	}
	if len(target.InPlace) > 0 {
		r.log.Info("configuration changed in place: these instances keep running", "instances", target.InPlace)
	}
	finished := r.opts.Uninstall && r.store.FrameworkID() == "" && len(stored.Tasks) == 0
	if !finished { // an uninstalled service's state stays empty
		if err := r.store.Apply(ctx, target.Batch); err != nil {
			return err
		}
	}
	ln, tlsConfig := srv.ln, srv.tls
	port := ln.Addr().(*net.TCPAddr).Port
	host := r.advertiseHost(ln)
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	r.apiURL = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
	artifacts := r.apiURL + "/v1/artifacts"
	var artifactsLn net.Listener
	if tlsConfig != nil { // tasks' fetchers do not trust our certificate
		listenHost, _, _ := net.SplitHostPort(r.opts.Listen)
		if artifactsLn, err = net.Listen("tcp", net.JoinHostPort(listenHost, strconv.Itoa(r.opts.ArtifactsPort))); err != nil {
			return fmt.Errorf("scheduler artifacts: %w", err)
		}
		artifacts = "http://" + net.JoinHostPort(host, strconv.Itoa(artifactsLn.Addr().(*net.TCPAddr).Port)) + "/v1/artifacts"
	}
	cfg := scheduler.Config{
		Identity: offer.Identity{Service: r.service, Role: r.opts.Role, Principal: r.opts.Principal, User: r.opts.User},
		Endpoints: offer.Endpoints{APIHost: host, APIPort: port, Artifacts: artifacts,
			Bootstrap: r.opts.BootstrapURI},
		SchedulerEnv: r.opts.Env, PermanentFailureTimeout: r.opts.PermanentFailureTimeout,
		Backoff: r.opts.Backoff, Uninstall: r.opts.Uninstall, SweepWindow: r.opts.SweepWindow,
	}
	if cfg.Bootstrap == "" {
		cfg.Bootstrap = artifacts + "/kennel"
	}
	cfg.Env = r.opts.Extension.Env
	cfg.Gates, cfg.GateInterval = r.opts.Extension.Gates != nil, r.opts.Extension.GateInterval
	cfg.ActionInterval = r.opts.Extension.ActionInterval
	if cfg.Seeds, cfg.SecretSeeds, err = r.seeds(ctx); err != nil {
		return err
	}
	if r.ca, err = r.loadCA(ctx, target.Spec); err != nil {
		return err
	}
	if r.ca != nil {
		cfg.CACert = r.ca.CertPEM()
	}
	if cfg.Role == "" {
		cfg.Role = r.service + "-role"
	}
	if cfg.Principal == "" {
		cfg.Principal = target.Spec.Scheduler.Principal
	}
	if cfg.User == "" {
		cfg.User = target.Spec.Scheduler.User
	}
	loaded := scheduler.Loaded{FrameworkID: r.store.FrameworkID(), Spec: target.Spec, ConfigID: target.ConfigID,
		Errors: target.Errors, Tasks: target.Tasks, Intent: r.store.Intent(), Properties: map[string][]byte{}}
	for _, k := range r.store.PropertyKeys() {
		if strings.HasPrefix(k, record.SecretPrefix) {
			continue
		}
		loaded.Properties[k], _ = r.store.Property(k)
	}
	r.core, err = scheduler.New(cfg, loaded, uuid.NewString, time.Now())
	if err != nil {
		return err
	}
	r.publish()
	if r.opts.Extension.InPlace != nil && !r.opts.Uninstall {
		go r.applyInPlace(ctx, target.Spec, target.InPlace)
	}
	handler, artifactsHandler := r.opts.API(APIConfig{Backend: &Backend{r: r}, Service: r.service, Binary: r.opts.Binary,
		Store: r.store, Token: r.opts.APIToken, Metrics: r.metrics.handler()})
	srv.activate(handler)
	if artifactsLn != nil {
		r.serve(ctx, artifactsLn, artifactsHandler, nil)
		r.log.Info("artifacts served over plain HTTP for tasks", "url", artifacts)
	}
	r.log.Info("scheduler API serving", "url", r.apiURL, "service", r.service, "config", target.ConfigID)
	if r.opts.OnReady != nil {
		r.opts.OnReady(r.apiURL)
	}
	return nil
}

// tlsConfig is the API's TLS configuration, or nil without TLS.
func (r *runner) tlsConfig() (*tls.Config, error) {
	if r.opts.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(r.opts.TLSCert, r.opts.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("scheduler API: TLS: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// serve serves h on ln (over TLS with tlsConfig) until ctx ends.
func (r *runner) serve(ctx context.Context, ln net.Listener, h http.Handler, tlsConfig *tls.Config) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, TLSConfig: tlsConfig}
	go func() {
		var err error
		if tlsConfig != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("scheduler API", "err", err)
		}
	}()
	r.servers.Add(1)
	go func() {
		defer r.servers.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
}

func (r *runner) advertiseHost(ln net.Listener) string {
	if r.opts.AdvertiseHost != "" {
		return r.opts.AdvertiseHost
	}
	ip := ln.Addr().(*net.TCPAddr).IP
	if ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			return h
		}
		return "127.0.0.1"
	}
	return ip.String()
}
