package scenario_test

import (
	"bufio"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStandbySchedulerServesHealth runs a second scheduler of the service
// while the first holds the lock: the standby answers /v1/health (healthy
// to Marathon, naming the holder) and 503 elsewhere on its API port, then,
// once the first scheduler stops, takes the lock and serves the API on the
// same port without a refused connection in between.
func TestStandbySchedulerServesHealth(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler()
		first := e.sched.Process.Pid
		port := freePort(t, "127.0.0.1")
		url := "http://127.0.0.1:" + strconv.Itoa(port)
		ready := e.startStandby(port)

		var health standbyHealth
		e.waitFor(time.Minute, "the standby's /v1/health to name the lock's holder", func() bool {
			health = getHealth(url)
			return health.code == 318 && len(health.Reasons) == 1 &&
				strings.Contains(health.Reasons[0], "waiting for the service's lock, held by kennel scheduler on ")
		})
		if !strings.Contains(health.Reasons[0], "pid "+strconv.Itoa(first)) {
			t.Errorf("the standby does not name the holder's pid %d: %q", first, health.Reasons[0])
		}
		code, body := get(t, url+"/v1/plans/deploy")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "standby") || !strings.Contains(body, "waiting for the service's lock") {
			t.Errorf("GET /v1/plans/deploy on the standby: %d %q; want 503 saying it is a standby waiting for the lock", code, body)
		}
		if out, errOut, code := e.cli("plan", "status", "deploy", "--url", url); code != 1 || out != "" ||
			!strings.Contains(errOut, "503") || !strings.Contains(errOut, "standby") {
			t.Errorf("kennel plan status against the standby: exit %d, stdout %q, stderr %q; want exit 1 naming the standby", code, out, errOut)
		}
		select {
		case line := <-ready:
			t.Fatalf("the standby became active while the lock was held: %q", line)
		default:
		}

		probe := startHealthProbe(url)
		e.stopScheduler(false)
		select {
		case line := <-ready:
			if line != url {
				t.Errorf("the standby serves its API at %q, want %q", line, url)
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("the standby did not take the lock after the first scheduler stopped")
		}
		e.waitFor(time.Minute, "the new active scheduler's deploy plan", func() bool {
			code, _ := get(t, url+"/v1/plans/deploy")
			return code == http.StatusOK || code == http.StatusAccepted
		})
		failures, codes := probe.stop()
		if len(failures) > 0 {
			t.Errorf("/v1/health failed %d times during the takeover, first: %v", len(failures), failures[0])
		}
		for c := range codes {
			if c < 200 || c > 399 {
				t.Errorf("/v1/health answered %d during the takeover: Marathon would count it unhealthy (codes seen %v)", c, codes)
			}
		}
		if codes[318] == 0 {
			t.Errorf("the probe saw no standby answer (codes %v): it did not cover the takeover", codes)
		}
	})
}

// startStandby starts a scheduler of the env's service on port while
// another holds the lock. The returned channel receives the line it prints
// once it holds the lock and serves its API (its URL).
func (e *env) startStandby(port int) <-chan string {
	e.t.Helper()
	args := []string{"scheduler", "--spec", filepath.Join(e.svc, "svc.yml"), "--master", e.cluster, "--state", e.state,
		"--api-host", "127.0.0.1", "--api-port", strconv.Itoa(port), "--backoff-initial", "100ms", "--backoff-max", "500ms",
		"--lock-wait", "5m", "-v", "--bootstrap-uri", "file://" + kennel}
	args = append(args, e.args...)
	for _, k := range slices.Sorted(maps.Keys(e.vars)) {
		args = append(args, "-e", k+"="+e.vars[k])
	}
	cmd := exec.Command(kennel, args...)
	cmd.Stderr = e.logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { stop(cmd) })
	ready := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		if line, err := r.ReadString('\n'); err == nil {
			ready <- strings.TrimSpace(line)
		}
		_, _ = io.Copy(e.logs, r)
	}()
	return ready
}

// standbyHealth is a /v1/health answer.
type standbyHealth struct {
	code    int
	Value   int      `json:"value"`
	Reasons []string `json:"reasons"`
}

// getHealth reads url's /v1/health; code is 0 if it did not answer.
func getHealth(url string) standbyHealth {
	var h standbyHealth
	resp, err := http.Get(url + "/v1/health")
	if err != nil {
		return h
	}
	defer resp.Body.Close()
	if json.NewDecoder(resp.Body).Decode(&h) == nil {
		h.code = resp.StatusCode
	}
	return h
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// healthProbe calls /v1/health over a new connection every few
// milliseconds, as a stream of Marathon health checks, recording every
// failure and every status code.
type healthProbe struct {
	done     chan struct{}
	finished sync.WaitGroup
	failures []error
	codes    map[int]int
}

func startHealthProbe(url string) *healthProbe {
	p := &healthProbe{done: make(chan struct{}), codes: map[int]int{}}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	p.finished.Add(1)
	go func() {
		defer p.finished.Done()
		pace := time.NewTicker(10 * time.Millisecond)
		defer pace.Stop()
		for {
			resp, err := client.Get(url + "/v1/health")
			if err != nil {
				p.failures = append(p.failures, err)
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				p.codes[resp.StatusCode]++
			}
			select {
			case <-p.done:
				return
			case <-pace.C:
			}
		}
	}()
	return p
}

// stop ends the probe and returns what it saw.
func (p *healthProbe) stop() ([]error, map[int]int) {
	close(p.done)
	p.finished.Wait()
	return p.failures, p.codes
}
