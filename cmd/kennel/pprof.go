package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/pflag"
)

// debugAddr is the --debug-addr of the scheduler and of "local up": where
// it serves Go's net/http/pprof profiles (/debug/pprof/…). Empty, the
// default, serves nothing: profiles show the process's internals and cost
// CPU, so they
// are for an operator who asks, on an address they choose (loopback
// unless they mean otherwise).
type debugAddr struct{ addr string }

func (d *debugAddr) register(f *pflag.FlagSet) {
	f.StringVar(&d.addr, "debug-addr", "", "serve net/http/pprof (/debug/pprof/) at host:port (port 0 picks one; off by default)")
}

// serve starts the profile server when an address was given, until ctx
// ends, and returns its base URL (empty when off). It logs it too
// ("debug server", addr=…).
func (d *debugAddr) serve(ctx context.Context, logger *slog.Logger) (string, error) {
	if d.addr == "" {
		return "", nil
	}
	ln, err := net.Listen("tcp", d.addr)
	if err != nil {
		return "", fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/debug/pprof/"
	logger.Info("debug server", "addr", url)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("debug server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return url, nil
}
