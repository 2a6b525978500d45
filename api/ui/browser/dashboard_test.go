package browser_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	token = "browser-test-token"
	// deadline bounds a test's browser and waits: generous, for a loaded
	// two-core machine.
	deadline = 3 * time.Minute
)

// TestDashboard follows a deploy in the page: a wrong token is refused
// with a message, the right one shows the canary deploy waiting, and the
// deploy, resumed in the page and released by the CLI, reaches COMPLETE in the
// same page, never reloaded, with no console error. A second service whose
// step cannot be placed shows the offers refused to it, and a pause
// clicked in its page shows in `kennel plan status`.
func TestDashboard(t *testing.T) {
	needChromium(t)
	w := newWorld(t)
	api := w.scheduler("dashboard", token, nil)
	stuck := w.scheduler("stuck", "", map[string]string{"WEB_COUNT": "1", "WEB_CPUS": "64", "WEB_STRATEGY": "serial"})
	measure(t, api)
	b := newBrowser(t, deadline)

	b.run(t, "loading the page", chromedp.Navigate(api+"/ui"), chromedp.WaitVisible("#token"))
	logFCP(t, b, "the first page")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors on load: %q", errs)
	}

	// A wrong token is refused with a message; the browser logs the 401.
	b.run(t, "signing in with a wrong token",
		chromedp.SetValue("#token", "wrong"), chromedp.Click("#login button[type=submit]"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#login-error").textContent.includes("Wrong token")`))
	for _, e := range b.consoleErrors() {
		if !strings.Contains(e, "401") {
			t.Errorf("console error after a wrong token: %s", e)
		}
	}

	b.run(t, "signing in", chromedp.SetValue("#token", token), chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible(`#plan-deploy[data-status="WAITING"]`))
	// Set once: a reload would lose it.
	eval[int](t, b, `window.kennelTestMarker = 42`)

	// Resumed in the page, with confirmation: the continue releases the
	// canary's trial step.
	clickAction(t, b, "#a-plan-deploy-continue", "Resume plan deploy: Received cmd: continue")
	b.run(t, "waiting for the canary step",
		chromedp.WaitVisible(`#plan-deploy .step[data-status="COMPLETE"]`), chromedp.WaitVisible(`#pod-web-0`))
	b.screenshot(t, "dashboard-rollout")
	if *screenshots {
		b.run(t, "a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		b.screenshot(t, "dashboard-phone")
		b.run(t, "a laptop's screen", chromedp.EmulateViewport(1280, 900))
	}

	// Released by the CLI (208 while a step runs) until the page, never
	// reloaded, shows COMPLETE.
	for !b.within(2*time.Second, chromedp.WaitVisible(`#plan-deploy[data-status="COMPLETE"]`)) {
		if b.ctx.Err() != nil {
			t.Fatalf("the page did not show the deploy COMPLETE in %s", deadline)
		}
		w.cli([]int{1}, "plan", "continue", "deploy", "--url", api, "--token", token)
	}
	if marker := eval[int](t, b, `window.kennelTestMarker ?? 0`); marker != 42 {
		t.Error("the page was reloaded on the way to COMPLETE")
	}
	if n := eval[int](t, b, `document.querySelector("#sections").children.length`); n != 0 {
		t.Errorf("the plain scheduler's page shows %d service sections, want none (Kafka's is the Kafka scheduler's)", n)
	}
	b.run(t, "the pods, endpoints and health", chromedp.WaitVisible(`#pod-web-1`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#endpoints").textContent.includes("http")`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#health").textContent.startsWith("Health 200")`))
	clickAction(t, b, "#a-pod-web-1-restart", "Restart pod web-1: tasks web-1-server")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}

	// Signing out forgets the token and the session.
	if !b.within(60*time.Second, chromedp.Click("#signout"), chromedp.WaitVisible("#token"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#login-error").textContent === "Signed out." && !sessionStorage.length`)) {
		t.Fatalf("signing out: the page shows %s", eval[string](t, b, `JSON.stringify({signout: document.querySelector("#signout").hidden,
			login: document.querySelector("#login").hidden, error: document.querySelector("#login-error").textContent,
			stored: sessionStorage.length, dialog: document.querySelector("#confirm").open, live: document.querySelector("#live").textContent})`))
	}
	b.run(t, "reloading without a session", chromedp.Reload(), chromedp.WaitVisible("#token"))

	// The stuck service: its step waits, with the offers it was refused;
	// a pause clicked in the page shows in `kennel plan status`.
	b.run(t, "loading the stuck service's page", chromedp.Navigate(stuck+"/ui"),
		chromedp.WaitVisible(`.waiting .reasons li`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#waiting").textContent.includes("cpus")`))
	logFCP(t, b, "the second page")
	b.screenshot(t, "dashboard-stuck")
	if out := w.cli(nil, "plan", "status", "deploy", "--url", stuck); strings.Contains(out, "WAITING") {
		t.Fatalf("the stuck deploy waits before the pause:\n%s", out)
	}
	// By keyboard: Enter on the button, then Tab from Cancel (the dialog's
	// first focus) to Confirm, and Enter.
	b.run(t, "pausing by keyboard", chromedp.Focus("#a-plan-deploy-interrupt"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible("#confirm-ok"), chromedp.Poll[chromedp.Void](`document.activeElement.id === "confirm-cancel"`),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#result").textContent === "Pause plan deploy: Received cmd: interrupt"`))
	if out := w.cli(nil, "plan", "status", "deploy", "--url", stuck); !strings.HasPrefix(out, "deploy (serial strategy) (WAITING)") {
		t.Errorf("after the pause in the page, kennel plan status says:\n%s", out)
	}
	b.run(t, "the page showing the pause", chromedp.WaitVisible(`#plan-deploy[data-status="WAITING"]`))
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors on the stuck service's page: %q", errs)
	}
}

// logFCP logs the page's first contentful paint, from the Performance API.
func logFCP(t *testing.T, b *browser, what string) {
	t.Helper()
	fcp, err := chromedp.Run(b.ctx, chromedp.Poll[float64](`performance.getEntriesByName("first-contentful-paint")[0]?.startTime`))
	if err != nil {
		t.Fatalf("first contentful paint: %v", err)
	}
	t.Logf("first contentful paint of %s: %.0f ms", what, fcp)
}

// clickAction clicks an action's button, confirms it in the dialog, and
// waits for the page to report the scheduler's answer.
func clickAction(t *testing.T, b *browser, button, want string) {
	t.Helper()
	b.run(t, "clicking "+button, chromedp.Click(button), chromedp.WaitVisible("#confirm-ok"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#result").textContent = ""`),
		chromedp.Click("#confirm-ok"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#result").textContent.length > 0`))
	if got := eval[string](t, b, `document.querySelector("#result").textContent`); got != want {
		t.Fatalf("after %s the page says %q, want %q", button, got, want)
	}
}

// measure logs the page's size: raw and as served gzipped.
func measure(t *testing.T, api string) {
	t.Helper()
	raw, gz := 0, 0
	for _, path := range []string{"/ui", "/ui/app.js", "/ui/app.css"} {
		for _, zip := range []bool{false, true} {
			req, _ := http.NewRequest("GET", api+path, nil)
			if zip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %s", path, resp.Status)
			}
			if zip {
				if _, err := gzip.NewReader(strings.NewReader(string(body))); err != nil {
					t.Errorf("GET %s gzipped: %v", path, err)
				}
				gz += len(body)
			} else {
				raw += len(body)
			}
		}
	}
	t.Logf("page size: %d bytes, %d gzipped", raw, gz)
}
