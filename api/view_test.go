package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/ui"
	"github.com/kennel-sdk/kennel/api/wire"
)

// TestDashboardAccess: with a token, the page and its assets are open,
// its data needs the session cookie that the right token buys, and a
// wrong token is refused with a message; the prefixed paths behave alike.
func TestDashboardAccess(t *testing.T) {
	srv := httptest.NewServer(api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1"), Token: "s3cret"}))
	defer srv.Close()
	tests := []struct {
		method, path, body, cookie string
		want                       int
		contains                   string
	}{
		{"GET", "/ui", "", "", 200, "<title>Kennel dashboard</title>"},
		{"GET", "/service/hello-world/ui", "", "", 200, `src="ui/app.js"`},
		{"GET", "/ui/app.js", "", "", 200, "EventSource"},
		{"GET", "/ui/app.css", "", "", 200, "--focus"},
		{"GET", "/ui/nothing", "", "", 404, "No endpoint /ui/nothing"},
		{"GET", "/service/hello-world/ui/", "", "", 301, ""},
		{"GET", "/ui/events", "", "", 401, "needs the API token"},
		{"GET", "/ui/session", "", "", 200, `{"authorized": false}`},
		{"GET", "/ui/events", "", "wrong", 401, "needs the API token"},
		{"POST", "/ui/session", "token=wrong", "", 401, "Wrong token: the scheduler refused it"},
		{"POST", "/ui/session", "", "", 400, "Missing token"},
		{"POST", "/service/hello-world/ui/session", "token=s3cret", "", 204, ""},
		{"POST", "/v1/plans/deploy/interrupt", "", "session", 401, "Unauthorized"},
		{"DELETE", "/ui/session", "", "session", 204, ""},
	}
	var session string
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		switch tt.cookie {
		case "":
		case "session":
			req.AddCookie(&http.Cookie{Name: ui.SessionCookie("hello-world"), Value: session})
		default:
			req.AddCookie(&http.Cookie{Name: ui.SessionCookie("hello-world"), Value: tt.cookie})
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); tt.want == 301 && loc != "../ui" {
			t.Errorf("%s %s: Location %q, want ../ui (relative, so that it holds under /service/<name>)", tt.method, tt.path, loc)
		}
		if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, resp.StatusCode, body, tt.want, tt.contains)
		}
		for _, c := range resp.Cookies() {
			if c.Name == ui.SessionCookie("hello-world") && tt.method == "DELETE" {
				if c.MaxAge >= 0 || c.Value != "" {
					t.Errorf("DELETE /ui/session: cookie %+v, want it removed", c)
				}
				continue
			}
			if c.Name == ui.SessionCookie("hello-world") {
				session = c.Value
				if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge != 0 || strings.Contains(c.Value, "s3cret") {
					t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, for the session only, without the token", c)
				}
			}
		}
	}
	if session == "" {
		t.Fatal("POST /ui/session set no cookie")
	}
	// The session reads the events; it does not act: actions need the token.
	req, _ := http.NewRequest("GET", srv.URL+"/ui/session", nil)
	req.AddCookie(&http.Cookie{Name: ui.SessionCookie("hello-world"), Value: session})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `{"authorized": true}`) {
		t.Errorf("GET /ui/session with the cookie: %d %s, want 200 authorized", resp.StatusCode, body)
	}
}

// TestDashboardEvents: the event stream's first event is the view, built
// from the snapshot, tasks, store and offer outcomes (a golden file), and
// a plan command shows in the next event.
func TestDashboardEvents(t *testing.T) {
	f := newFake(t)
	srv := httptest.NewServer(api.Handler(f, api.Options{Service: "hello-world", Store: newStore("fw-1"), UIInterval: 10 * time.Millisecond}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/service/hello-world/ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET /ui/events: %d %s", resp.StatusCode, ct)
	}
	events := bufio.NewReader(resp.Body)
	first := nextView(t, events)
	var pretty map[string]any
	if err := json.Unmarshal([]byte(first), &pretty); err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(pretty, "", "  ")
	golden(t, "testdata/ui-view.json", string(out)+"\n")

	post, err := http.Post(srv.URL+"/v1/plans/deploy/interrupt", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	for {
		var v struct {
			Plans []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"plans"`
		}
		if err := json.Unmarshal([]byte(nextView(t, events)), &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Plans) > 0 && v.Plans[0].Name == "deploy" && v.Plans[0].Status == "WAITING" {
			return
		}
	}
}

// nextView reads the event stream up to its next "view" event and returns
// its data.
func nextView(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	event := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the events: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "view":
			return strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "data: "):
			t.Fatalf("event %s: %s", event, line)
		}
	}
}

// TestDashboardSections: a service's sections arrive in the event stream
// after their first build, a failing one with its error as its status;
// the plain service's view has none (TestDashboardEvents' golden file).
func TestDashboardSections(t *testing.T) {
	brokers := wire.ViewTable{Caption: "Brokers", Columns: []string{"ID", "Address"}, Rows: [][]string{{"0", "a:9092"}}}
	sections := []api.Section{
		{Name: "kafka", Title: "Kafka", Build: func(context.Context) (wire.ViewSection, error) {
			return wire.ViewSection{Status: "1 broker", Tables: []wire.ViewTable{brokers}}, nil
		}},
		{Name: "down", Title: "Down", Build: func(context.Context) (wire.ViewSection, error) {
			return wire.ViewSection{}, errors.New("no broker is running")
		}},
	}
	srv := httptest.NewServer(api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1"),
		Sections: sections, UIInterval: 10 * time.Millisecond}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	want := []wire.ViewSection{
		{Name: "kafka", Title: "Kafka", Status: "1 broker", Tables: []wire.ViewTable{brokers}},
		{Name: "down", Title: "Down", Status: "Unavailable: no broker is running", Error: true, Tables: []wire.ViewTable{}},
	}
	for {
		var v wire.View
		if err := json.Unmarshal([]byte(nextView(t, events)), &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Sections) != 2 {
			t.Fatalf("sections %+v, want 2", v.Sections)
		}
		if v.Sections[0].Status == "Loading…" || v.Sections[1].Status == "Loading…" {
			continue // not built yet: the next event has them
		}
		if !reflect.DeepEqual(v.Sections, want) {
			t.Fatalf("sections\n%+v\nwant\n%+v", v.Sections, want)
		}
		return
	}
}
