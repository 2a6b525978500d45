package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDecommissionCheckRoute: the route asks its check about the
// instances named and answers its refusals (an empty list when none); no
// instance is 400, a check that cannot tell 503.
func TestDecommissionCheckRoute(t *testing.T) {
	var got []string
	check := func(_ context.Context, insts []string) ([]string, error) {
		got = insts
		switch insts[0] {
		case "kafka-3":
			return []string{"broker 3 holds 2 replicas"}, nil
		case "down-0":
			return nil, errors.New("no broker answers")
		}
		return nil, nil
	}
	rt := DecommissionCheckRoute(check)
	if rt.Method != http.MethodGet || rt.Path != DecommissionCheckPath {
		t.Fatalf("route %s %s", rt.Method, rt.Path)
	}
	for _, c := range []struct {
		query string
		code  int
		body  string
		asked string
	}{
		{"?instance=kafka-3&instance=kafka-4", 200, `"refusals": [
    "broker 3 holds 2 replicas"
  ]`, "kafka-3,kafka-4"},
		{"?instance=kafka-1", 200, `"refusals": []`, "kafka-1"},
		{"?instance=down-0", 503, "cannot check: no broker answers", "down-0"},
		{"", 400, "name the pod instances to check", ""},
	} {
		got = nil
		w := httptest.NewRecorder()
		rt.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/decommission-check"+c.query, nil))
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.body) || strings.Join(got, ",") != c.asked {
			t.Errorf("%q: %d %s (asked %v), want %d with %q", c.query, w.Code, w.Body.String(), got, c.code, c.body)
		}
	}
}
