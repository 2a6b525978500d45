package bootstrap_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/executor/bootstrap"
)

// TestFetchEnv: pending answers are waited out and reported once each;
// the values of the first complete answer are returned.
func TestFetchEnv(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
		case 2, 3:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"values":{"A":"1"},"pending":"waiting for kafka-2 to be placed"}`)
		default:
			fmt.Fprint(w, `{"values":{"A":"1","Q":"0@h:1"}}`)
		}
	}))
	defer srv.Close()
	var reasons []string
	got, err := bootstrap.FetchEnv(context.Background(), srv.Client(), srv.URL, time.Millisecond, func(r string) { reasons = append(reasons, r) })
	if err != nil {
		t.Fatal(err)
	}
	if got["Q"] != "0@h:1" || got["A"] != "1" || len(got) != 2 {
		t.Errorf("values %v", got)
	}
	if len(reasons) != 2 || reasons[1] != "waiting for kafka-2 to be placed" {
		t.Errorf("reasons %q, want the 500 then the pending reason, once each", reasons)
	}
}

// TestFetchEnvFails: an unknown instance fails at once; a context that
// ends while values are pending fails with ErrEnvPending.
func TestFetchEnvFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.Error(w, "Pod instance x-9 has no environment values", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"values":{},"pending":"never"}`)
	}))
	defer srv.Close()
	if _, err := bootstrap.FetchEnv(context.Background(), srv.Client(), srv.URL+"/missing", time.Millisecond, func(string) {}); err == nil || errors.Is(err, bootstrap.ErrEnvPending) {
		t.Errorf("404: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waited := 0
	_, err := bootstrap.FetchEnv(ctx, srv.Client(), srv.URL, time.Millisecond, func(string) { waited++; cancel() })
	if !errors.Is(err, bootstrap.ErrEnvPending) || waited != 1 {
		t.Errorf("pending until cancelled: %v (waited %d)", err, waited)
	}
}
