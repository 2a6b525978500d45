package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
	"github.com/kennel-sdk/kennel/servicespec"
)

// The runtime's Backend is what package api serves.
var _ api.Scheduler = (*runtime.Backend)(nil)

// goService is what a service written in Go adds to the generic
// scheduler (the SDK seam): the runtime's extension, built from the
// scheduler's environment (an error refuses to start), and the API's
// routes, endpoint producers and dashboard sections. The zero goService is the plain
// `kennel scheduler`.
type goService struct {
	extension func(env map[string]string) (runtime.Extension, error)
	routes    func(*runtime.Backend) []api.Route
	endpoints []api.EndpointProducer
	sections  func(*runtime.Backend) []api.Section
	// inPlace is the extension's InPlace.Changes, for the update dry run
	// (which has no scheduler environment to build the extension from).
	inPlace servicespec.InPlaceFunc
}

// api wires a running scheduler to package api: its handler and the
// artifacts handler tasks fetch from.
func (g goService) api(c runtime.APIConfig) (handler, artifacts http.Handler) {
	opts := api.Options{Service: c.Service, Binary: c.Binary, Store: c.Store, Token: c.Token, Metrics: c.Metrics,
		Endpoints: g.endpoints, TLS: c.Backend}
	if g.routes != nil {
		opts.Routes = g.routes(c.Backend)
	}
	opts.Routes = append(opts.Routes, api.DecommissionCheckRoute(c.Backend.CheckDecommission))
	if g.sections != nil {
		opts.Sections = g.sections(c.Backend)
	}
	return api.Handler(c.Backend, opts), api.ArtifactsHandler(c.Backend, opts)
}

// schedulerStandby wires package api's standby handler: what a scheduler
// serves while it waits for its service's lock.
func schedulerStandby(service, token string, reason func() string) http.Handler {
	return api.StandbyHandler(api.Options{Service: service, Token: token}, reason)
}

// schedulerCommand is what Marathon runs: flags default to the variables
// a Marathon app (or `kennel local up --service`) sets.
func schedulerCommand() *cobra.Command {
	return newSchedulerCommand("Run a service's scheduler (what Marathon runs)", "", goService{})
}

// newSchedulerCommand is `scheduler` with the service's Go additions;
// more is added to its help.
func newSchedulerCommand(short, more string, svc goService) *cobra.Command {
	var (
		opts      runtime.Options
		flags     specFlags
		masters   string
		port      int
		host      string
		backoff   plans.BackoffPolicy
		uninstall bool
		verbose   bool
		tokenFile string
		debug     debugAddr
	)
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: short,
		Long: `Runs the scheduler of the service described by --spec: it takes the service's
lock in the state store, renders the spec against its environment (svc.env
beside the spec, then --env-file, then the process environment, then -e),
checks it against the stored target, subscribes to Mesos and deploys, keeps and
updates the service's pods. Its API serves at --api-host:--api-port. While
another scheduler holds the lock, that port serves only /v1/health (318,
naming the holder; other paths answer 503), so that Marathon keeps a standby.

SDK_UNINSTALL=true (or --uninstall) removes the service instead: every task is
killed, every volume destroyed and reservation released, the framework torn down
and its state erased. It then stays off Mesos and serves the COMPLETE deploy plan
until stopped, as DC/OS Commons' scheduler does until Cosmos deletes its app.` + more,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := flags.environment(filepath.Join(filepath.Dir(opts.SpecPath), defaultsFile))
			if err != nil {
				return err
			}
			for _, kv := range os.Environ() {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
			for _, kv := range flags.env { // -e wins over the process environment
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
			if tokenFile != "" {
				tok, err := os.ReadFile(tokenFile)
				if err != nil {
					return fmt.Errorf("--api-token-file: %w", err)
				}
				if opts.APIToken = strings.TrimSpace(string(tok)); opts.APIToken == "" {
					return fmt.Errorf("--api-token-file: %s is empty", tokenFile)
				}
			}
			if (opts.TLSCert == "") != (opts.TLSKey == "") {
				return fmt.Errorf("--tls-cert and --tls-key go together")
			}
			opts.Env = env
			if svc.extension != nil {
				if opts.Extension, err = svc.extension(env); err != nil {
					return err
				}
			}
			opts.Masters = splitList(masters)
			opts.Listen = fmt.Sprintf("%s:%d", host, port)
			opts.Backoff = backoff
			opts.Uninstall = uninstall || strings.EqualFold(os.Getenv("SDK_UNINSTALL"), "true")
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			opts.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			opts.OnReady = func(url string) { fmt.Fprintln(cmd.OutOrStdout(), url) }
			opts.API, opts.Standby = svc.api, schedulerStandby
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if _, err := debug.serve(ctx, opts.Logger); err != nil {
				return err
			}
			return runtime.Run(ctx, opts)
		},
	}
	f := cmd.Flags()
	flags.register(cmd)
	f.StringVar(&opts.SpecPath, "spec", envOr("KENNEL_SPEC", "svc.yml"), "the service's svc.yml ($KENNEL_SPEC); config templates are beside it")
	f.StringVar(&opts.Service, "service", os.Getenv("SERVICE_NAME"), "service name ($SERVICE_NAME; default: the spec's name)")
	f.StringVar(&opts.Role, "role", os.Getenv("SERVICE_ROLE"), "Mesos role ($SERVICE_ROLE; default <service>-role)")
	f.StringVar(&opts.Principal, "principal", os.Getenv("SERVICE_PRINCIPAL"), "Mesos principal ($SERVICE_PRINCIPAL; default: the spec's)")
	f.StringVar(&opts.User, "user", os.Getenv("SERVICE_USER"), "user tasks run as ($SERVICE_USER; default: the spec's)")
	f.StringVar(&masters, "master", envOr("MESOS_MASTER", "http://127.0.0.1:5050"), "Mesos master URLs, comma-separated, tried in turn ($MESOS_MASTER)")
	f.StringVar(&opts.State, "state", envOr("KENNEL_STATE", "zk://master.mesos:2181/kennel"), "state store: zk://host:port[,host:port]/path or file:///path ($KENNEL_STATE)")
	f.DurationVar(&opts.ZKSessionTimeout, "zk-session-timeout", 10*time.Second, "ZooKeeper session timeout: how long the lock of a scheduler that died stays held (a scheduler started on the same machine takes over a dead one's lock at once)")
	f.StringVar(&opts.StateAuth, "state-auth", os.Getenv("KENNEL_STATE_AUTH"), "ZooKeeper digest credentials user:password ($KENNEL_STATE_AUTH)")
	f.IntVar(&port, "api-port", envInt("PORT_API", envInt("PORT0", 0)), "API port ($PORT_API, else $PORT0; 0 picks one)")
	f.StringVar(&host, "api-host", envOr("KENNEL_API_HOST", "0.0.0.0"), "address the API listens on")
	f.StringVar(&opts.AdvertiseHost, "advertise-host", os.Getenv("LIBPROCESS_IP"), "host tasks reach the API at ($LIBPROCESS_IP; default: this host)")
	f.DurationVar(&opts.FailoverTimeout, "failover-timeout", 14*24*time.Hour, "framework failover timeout")
	f.DurationVar(&opts.PermanentFailureTimeout, "permanent-failure-timeout", envDuration("PERMANENT_FAILURE_TIMEOUT", 0), "replace pods unreachable this long; 0 never ($PERMANENT_FAILURE_TIMEOUT)")
	f.DurationVar(&backoff.Initial, "backoff-initial", plans.DefaultBackoff.Initial, "first delay after a failed launch")
	f.Float64Var(&backoff.Factor, "backoff-factor", plans.DefaultBackoff.Factor, "growth of the delay per failure")
	f.DurationVar(&backoff.Max, "backoff-max", plans.DefaultBackoff.Max, "longest delay")
	f.DurationVar(&opts.SweepWindow, "sweep-window", 30*time.Second, "keep offers coming this long after a subscription, launch or replacement, so that reservations no task claims are released")
	f.StringVar(&opts.BootstrapURI, "bootstrap-uri", os.Getenv("KENNEL_BOOTSTRAP_URI"), "where tasks with config templates fetch kennel ($KENNEL_BOOTSTRAP_URI; default: this scheduler's /v1/artifacts/kennel)")
	f.StringVar(&tokenFile, "api-token-file", os.Getenv("KENNEL_API_TOKEN_FILE"), "require the token in `FILE` of API requests (Authorization: Bearer <token> or token=<token>); /v1/health and /v1/artifacts stay open ($KENNEL_API_TOKEN_FILE)")
	f.StringVar(&opts.TLSCert, "tls-cert", os.Getenv("KENNEL_TLS_CERT"), "serve the API over HTTPS with this PEM certificate ($KENNEL_TLS_CERT)")
	f.StringVar(&opts.TLSKey, "tls-key", os.Getenv("KENNEL_TLS_KEY"), "the certificate's PEM private key ($KENNEL_TLS_KEY)")
	f.IntVar(&opts.ArtifactsPort, "artifacts-port", envInt("PORT_ARTIFACTS", envInt("PORT1", 0)), "with --tls-cert: the plain-HTTP port that serves tasks their artifacts ($PORT_ARTIFACTS, else $PORT1; 0 picks one)")
	f.BoolVar(&uninstall, "uninstall", false, "remove the service ($SDK_UNINSTALL=true)")
	f.DurationVar(&opts.LockWait, "lock-wait", 0, "how long to wait for another scheduler of the service to stop; 0 waits for good")
	f.BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	debug.register(f)
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if !strings.Contains(p, "://") {
				p = "http://" + p
			}
			out = append(out, p)
		}
	}
	return out
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
