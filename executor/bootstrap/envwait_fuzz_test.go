package bootstrap_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/executor/bootstrap"
)

// FuzzFetchEnv: whatever a scheduler answers, FetchEnv returns values
// only for a 200 whose body is an object of strings, and never hangs on a
// 200 (the context bounds the waits on 503 and 5xx).
func FuzzFetchEnv(f *testing.F) {
	f.Add(200, `{"values":{"A":"1"}}`)
	f.Add(503, `{"values":{},"pending":"p"}`)
	f.Add(200, `{"values":{"A":1}}`)
	f.Add(404, `nope`)
	f.Add(200, `[]`)
	f.Fuzz(func(t *testing.T, code int, body string) {
		if code < 200 || code > 599 {
			return
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		values, err := bootstrap.FetchEnv(ctx, srv.Client(), srv.URL, time.Millisecond, func(string) {})
		if err == nil && code != 200 && code != 503 {
			t.Errorf("status %d gave values %v", code, values)
		}
	})
}
