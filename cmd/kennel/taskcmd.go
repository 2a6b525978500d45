package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/sandbox"
)

// followInterval is how often task log --follow reads the file again.
const followInterval = 500 * time.Millisecond

// taskCommand is "kennel task": a task's sandbox through the Mesos
// agent's files API, as "dcos task log" and "dcos task ls" read it.
func taskCommand() *cobra.Command {
	var (
		cf   clusterFlags
		dcos bool
	)
	cmd := &cobra.Command{
		Use:   "task",
		Short: "Read a task's logs and sandbox",
		Long: `Reads a task's sandbox on its Mesos agent, as "dcos task log" and "dcos task ls"
do: the master's state finds the task (by name, e.g. hello-0-server, or by id
or an id's beginning) and its agent; the agent's /state gives the sandbox and
its /files/read and /files/browse read it. The same commands work on the local
cluster, on a real Mesos cluster (--master), and on DC/OS through Admin Router
(--dcos: the master at <dcos_url>/mesos, each agent at <dcos_url>/agent/<id>,
with the URL, token and ssl_verify of the DC/OS CLI's attached cluster, or
$DCOS_URL and $DCOS_ACS_TOKEN).`,
	}
	cf.register(cmd)
	cmd.PersistentFlags().BoolVar(&dcos, "dcos", false, "go through the DC/OS CLI's cluster (core.dcos_url, or $DCOS_URL) instead of a Mesos master")
	find := func(ctx context.Context, name string) (*sandbox.Client, sandbox.Sandbox, error) {
		c, err := taskClient(cf, dcos)
		if err != nil {
			return nil, sandbox.Sandbox{}, err
		}
		t, err := c.FindTask(ctx, name)
		if err != nil {
			return nil, sandbox.Sandbox{}, err
		}
		sb, err := c.Sandbox(ctx, t)
		return c, sb, err
	}
	cmd.AddCommand(taskLogCommand(find), taskLsCommand(find))
	return cmd
}

// taskClient is the client the flags designate: through the DC/OS CLI's
// cluster with dcos, else to the master cf names.
func taskClient(cf clusterFlags, dcos bool) (*sandbox.Client, error) {
	if !dcos {
		m, err := cf.masterURL()
		if err != nil {
			return nil, err
		}
		return &sandbox.Client{Master: m}, nil
	}
	if cf.master != "" || cf.dataDir != "" {
		return nil, errors.New("give --dcos or --master/--data-dir, not both")
	}
	cfg, err := loadDCOSConfig("")
	if err != nil {
		return nil, err
	}
	hc, err := dcosHTTPClient(cfg.sslVerify)
	if err != nil {
		return nil, err
	}
	return sandbox.DCOS(cfg.url, cfg.token, hc)
}

// dcosHTTPClient is an HTTP client that checks TLS certificates as
// core.ssl_verify says: "" or "true" against the system's roots, "false"
// not at all, anything else against the PEM certificates in that file.
func dcosHTTPClient(sslVerify string) (*http.Client, error) {
	cfg := &tls.Config{}
	switch strings.ToLower(sslVerify) {
	case "", "true":
		return &http.Client{}, nil
	case "false":
		cfg.InsecureSkipVerify = true // #nosec G402 -- the DC/OS CLI's configuration asks for it
	default:
		pem, err := os.ReadFile(sslVerify)
		if err != nil {
			return nil, fmt.Errorf("core.ssl_verify: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("core.ssl_verify: %s has no PEM certificates", sslVerify)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

type findSandbox func(ctx context.Context, task string) (*sandbox.Client, sandbox.Sandbox, error)

func taskLogCommand(find findSandbox) *cobra.Command {
	var (
		follow, stderr bool
		lines          int
	)
	cmd := &cobra.Command{
		Use:   "log TASK [FILE]",
		Short: "Print a task's stdout (or --stderr, or FILE of its sandbox)",
		Long: `Prints the last --lines lines of the task's stdout, its stderr with --stderr,
or FILE, a path relative to the task's sandbox. --follow then prints what the
task appends until interrupted.`,
		Example: `  kennel task log hello-0-server
  kennel task log --follow --lines 50 hello-0-server
  kennel task log --stderr hello-0-server
  kennel task log hello-0-server data/greetings/server.log
  kennel task log --dcos --follow kafka-0-broker        # through the attached DC/OS cluster`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			file := "stdout"
			switch {
			case len(args) == 2 && stderr:
				return errors.New("give FILE or --stderr, not both")
			case len(args) == 2:
				file = args[1]
			case stderr:
				file = "stderr"
			}
			c, sb, err := find(ctx, args[0])
			if err != nil {
				return err
			}
			text, end, err := c.Tail(ctx, sb, file, lines)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if _, err := io.WriteString(out, text); err != nil || !follow {
				return err
			}
			return c.Follow(ctx, sb, file, end, out, followInterval)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&follow, "follow", "f", false, "print what the task appends, until interrupted")
	f.IntVarP(&lines, "lines", "n", 10, "print the last `N` lines (-1: all)")
	f.BoolVar(&stderr, "stderr", false, "print stderr instead of stdout")
	return cmd
}

func taskLsCommand(find findSandbox) *cobra.Command {
	var long bool
	cmd := &cobra.Command{
		Use:   "ls TASK [PATH]",
		Short: "List a task's sandbox, or PATH in it",
		Example: `  kennel task ls hello-0-server
  kennel task ls --long hello-0-server data
  DCOS_URL=https://dcos.example kennel task ls --dcos kafka-0-broker`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel := ""
			if len(args) == 2 {
				rel = args[1]
			}
			c, sb, err := find(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			list, err := c.Browse(cmd.Context(), sb, rel)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 1, ' ', 0)
			for _, fi := range list {
				name := path.Base(fi.Path)
				if long {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%d\t%s\t%s\n", fi.Mode, fi.Nlink, fi.UID, fi.GID, fi.Size,
						time.Unix(fi.Mtime, 0).Format("Jan _2 15:04"), name)
				} else {
					fmt.Fprintln(w, name)
				}
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&long, "long", false, "mode, links, owner, group, size, time and name, as ls -l")
	return cmd
}
