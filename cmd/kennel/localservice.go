package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// serviceFlags are `kennel local up`'s flags for running a service.
type serviceFlags struct {
	dir           string
	untilComplete bool
	timeout       time.Duration
	logFile       string
	scheduler     string
	apiPort       int
	env           specFlags
}

func (f *serviceFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "service", "", "run the scheduler of the service in `DIR` (svc.yml, svc.env, templates) on the cluster")
	fl.BoolVar(&f.untilComplete, "until-complete", false, "with --service: exit 0 once the deploy plan is COMPLETE")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "with --until-complete: give up after this long")
	fl.StringVar(&f.logFile, "log-file", "", "with --service: write the cluster's and the scheduler's logs to `FILE` (default <data-dir>/local.log; - for stderr)")
	fl.IntVar(&f.apiPort, "api-port", 0, "with --service: the scheduler API's `PORT` on 127.0.0.1 (0: any free port)")
	fl.StringVar(&f.scheduler, "scheduler", "", "with --service: run the scheduler of a service written in Go (kafka) instead of the plain one")
	fl.StringArrayVarP(&f.env.env, "env", "e", nil, "with --service: set `KEY=VALUE` for the spec (repeatable)")
	fl.StringArrayVar(&f.env.envFiles, "env-file", nil, "with --service: read KEY=VALUE lines from `FILE`")
}

// errNotComplete is --until-complete's failure.
var errNotComplete = errors.New("the deploy plan did not complete in time")

// runLocalService runs a cluster and a service's scheduler on it, in this
// process, and follows the deploy plan.
func runLocalService(ctx context.Context, cfg local.Config, svc serviceFlags, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, ok := goServices()[svc.scheduler]; !ok {
		return fmt.Errorf("--scheduler %s: no such service written in Go; the services written in Go are: %s", svc.scheduler, strings.Join(goServiceNames(), ", "))
	}
	logOut := stderr
	if svc.logFile == "" {
		// The plan tree has the terminal; the logs go beside the cluster.
		svc.logFile = filepath.Join(cfg.DataDir, "local.log")
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "kennel: logs in %s\n", svc.logFile)
	}
	if svc.logFile != "-" {
		f, err := os.OpenFile(svc.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		logOut = f
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	self, err := os.Executable()
	if err != nil {
		return err
	}
	sched := &localScheduler{svc: svc, logger: logger, failed: make(chan error, 1)}
	sched.base = runtime.Options{
		SpecPath: filepath.Join(svc.dir, "svc.yml"),
		State:    "file://" + filepath.Join(cfg.DataDir, "state"), Listen: net.JoinHostPort("127.0.0.1", strconv.Itoa(svc.apiPort)),
		Tick: 250 * time.Millisecond, Logger: logger.With("component", "scheduler"),
		BootstrapURI: "file://" + self, // the agents share this host
		API:          goServices()[svc.scheduler].api,
		Standby:      schedulerStandby,
	}
	env, err := sched.environment(nil)
	if err != nil {
		return err
	}
	spec, err := sched.load(env)
	if err != nil {
		return err
	}
	sched.name = spec.Name
	c, err := local.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer c.Shutdown()
	fmt.Fprintf(stdout, "local cluster: master %s, %d agents, data in %s\n", c.URL(), len(cfg.Agents), cfg.DataDir)
	sched.base.Masters = []string{c.URL()}
	sched.mu.Lock()
	url, err := sched.start(ctx, env)
	sched.mu.Unlock()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() {
		sched.mu.Lock()
		sched.stop()
		sched.mu.Unlock()
	}()
	fmt.Fprintln(stdout, url)
	remove, err := recordAPIURL(cfg.DataDir, spec.Name, url)
	sched.mu.Lock()
	sched.dataDir = cfg.DataDir // a restart moved to another port records it
	sched.mu.Unlock()
	if err != nil {
		fmt.Fprintf(stderr, "kennel: %v; --name will not find the service\n", err)
	} else {
		defer remove()
		removeControl, err := sched.serveControl(ctx, cfg.DataDir)
		if err != nil {
			fmt.Fprintf(stderr, "kennel: %v; \"kennel local service restart\" will not find the service\n", err)
		} else {
			defer removeControl()
		}
	}
	var deadline <-chan time.Time
	if svc.untilComplete {
		deadline = time.After(svc.timeout)
	}
	return followDeploy(ctx, sched.apiURL, svc.untilComplete, deadline, sched.failed, stdout)
}

// followDeploy prints the deploy plan's tree, from the API at url(),
// whenever it changes; with
// untilComplete it returns once the plan is COMPLETE.
func followDeploy(ctx context.Context, url func() string, untilComplete bool, deadline <-chan time.Time, failed <-chan error, out io.Writer) error {
	last := ""
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		info, err := fetchPlan(ctx, url()+"/v1/plans/deploy")
		if err == nil {
			if tree := info.Tree(plans.DeployPlan); tree != last {
				last = tree
				fmt.Fprintf(out, "\n%s\n%s\n", time.Now().Format("15:04:05"), tree)
			}
			if untilComplete && info.Status == plans.Complete {
				fmt.Fprintln(out, "\ndeploy plan COMPLETE")
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-failed:
			return fmt.Errorf("scheduler: %w", err)
		case <-deadline:
			return errNotComplete
		case <-t.C:
		}
	}
}

func fetchPlan(ctx context.Context, url string) (plans.PlanInfo, error) {
	var info plans.PlanInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return info, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.StatusCode != http.StatusExpectationFailed {
		b, _ := io.ReadAll(resp.Body)
		return info, fmt.Errorf("%s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return info, json.NewDecoder(resp.Body).Decode(&info)
}
