package runtime

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
)

// apiServer is the API's listener and server, up before the scheduler
// holds its lock: until then it serves Options.Standby (so that
// Marathon's health check keeps a standby alive), then the scheduler's
// API, on the same listener, so that no connection is refused between
// the two.
type apiServer struct {
	ln      net.Listener
	tls     *tls.Config
	handler atomic.Pointer[http.Handler]
	// waiting is what the standby says it waits for.
	waiting atomic.Pointer[string]
}

// listen opens the API's listener and serves the standby handler on it
// until ctx ends or activate is called.
func (r *runner) listen(ctx context.Context) (*apiServer, error) {
	tlsConfig, err := r.tlsConfig()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", r.opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("scheduler API: %w", err)
	}
	s := &apiServer{ln: ln, tls: tlsConfig}
	s.wait("connecting to the state store")
	standby := r.opts.Standby(r.service, r.opts.APIToken, s.reason)
	s.handler.Store(&standby)
	r.serve(ctx, ln, s, tlsConfig)
	r.log.Info("scheduler API serving /v1/health as a standby until the service's lock is taken", "address", ln.Addr().String())
	return s, nil
}

// wait records what the standby waits for.
func (s *apiServer) wait(what string) { s.waiting.Store(&what) }

func (s *apiServer) reason() string { return *s.waiting.Load() }

// lockHolder is the OnWait of the lock: the standby names the holder.
func (s *apiServer) lockHolder(holder string) {
	if holder == "" {
		s.wait("waiting for the service's lock")
		return
	}
	s.wait("waiting for the service's lock, held by " + holder)
}

// activate makes h the handler of every request from now on, including
// those of connections already open.
func (s *apiServer) activate(h http.Handler) { s.handler.Store(&h) }

// ServeHTTP serves with the current handler.
func (s *apiServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	(*s.handler.Load()).ServeHTTP(w, req)
}
