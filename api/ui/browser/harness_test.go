package browser_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var screenshots = flag.Bool("screenshots", false, "write the README's screenshots under docs/")

// chromiumPath is Debian's chromium package's browser.
const chromiumPath = "/usr/bin/chromium"

// Ports of this harness: its own block (COMMON.md), each bind-tested.
const portLow, portHigh = 34000, 35999

var (
	kennel  string // the binary under test, built once
	workDir string
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "kennel-browser")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	kennel = filepath.Join(dir, "kennel")
	build := exec.Command("go", "build", "-o", kennel, "github.com/kennel-sdk/kennel/cmd/kennel")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building kennel: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needChromium skips the test without Chromium, or fails it under CI,
// where `make deps` installs it.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (make deps installs Debian's chromium)", chromiumPath, err)
		}
		t.Skipf("%s: %v (make deps installs Debian's chromium)", chromiumPath, err)
	}
}

// freePort is a port of the harness's block that every host can bind now.
func freePort(t *testing.T, hosts ...string) int {
	t.Helper()
	start := portLow + rand.IntN(portHigh-portLow+1)
	for i := range portHigh - portLow + 1 {
		port := portLow + (start-portLow+i)%(portHigh-portLow+1)
		if bindable(port, hosts) {
			return port
		}
	}
	t.Fatalf("no free port in %d-%d", portLow, portHigh)
	return 0
}

func bindable(port int, hosts []string) bool {
	for _, h := range hosts {
		ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}

// world is a local cluster with a log file for its processes.
type world struct {
	t       *testing.T
	dir     string
	logs    *lockedFile
	cluster string
}

type lockedFile struct {
	mu sync.Mutex
	f  *os.File
}

func (l *lockedFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// newWorld starts a local cluster (three agents) for the test.
func newWorld(t *testing.T) *world {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, dir: dir, logs: &lockedFile{f: f}}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(f.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
		f.Close()
	})
	agents := []string{}
	for i := 1; i <= 3; i++ {
		agents = append(agents, fmt.Sprintf("127.0.1.%d", i))
	}
	port := freePort(t, "127.0.0.1")
	agentPort := freePort(t, agents...)
	cmd, line := w.start("local", "up", "--data-dir", filepath.Join(dir, "cluster"), "--port", strconv.Itoa(port),
		"--agent-port", strconv.Itoa(agentPort), "--time-scale", "0.05", "--destroy", "--no-marathon")
	t.Cleanup(func() { stop(cmd) })
	// local cluster: master http://127.0.0.1:PORT, N agents, data in …
	fields := strings.Fields(line)
	if len(fields) < 4 {
		t.Fatalf("cluster said %q", line)
	}
	w.cluster = strings.TrimSuffix(fields[3], ",")
	return w
}

// start runs kennel with args and returns it with the first line it
// prints; the rest of its output goes to the log file.
func (w *world) start(args ...string) (*exec.Cmd, string) {
	w.t.Helper()
	cmd := exec.Command(kennel, args...)
	cmd.Stderr = w.logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(w.logs, r)
	}()
	select {
	case line := <-lines:
		if line == "" {
			w.t.Fatalf("kennel %s exited before it was ready", args[0])
		}
		return cmd, line
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		w.t.Fatalf("kennel %s did not start", args[0])
	}
	return nil, ""
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// scheduler starts a scheduler of the test service with the variables
// vars (over testdata/svc.env) and, if token is set, that API token; it
// returns the API's URL.
func (w *world) scheduler(name, token string, vars map[string]string) string {
	w.t.Helper()
	svc := filepath.Join(w.dir, name)
	if err := os.MkdirAll(svc, 0o755); err != nil {
		w.t.Fatal(err)
	}
	for _, f := range []string{"svc.yml", "svc.env"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(svc, f), b, 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	args := []string{"scheduler", "--spec", filepath.Join(svc, "svc.yml"), "--master", w.cluster,
		"--state", "file://" + filepath.Join(svc, "state"), "--api-host", "127.0.0.1",
		"--api-port", strconv.Itoa(freePort(w.t, "127.0.0.1")), "--backoff-initial", "100ms", "--backoff-max", "500ms",
		"--sweep-window", "6s", "--lock-wait", "1m", "--bootstrap-uri", "file://" + kennel, "-e", "FRAMEWORK_NAME=" + name}
	if token != "" {
		file := filepath.Join(svc, "token")
		if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
			w.t.Fatal(err)
		}
		args = append(args, "--api-token-file", file)
	}
	for k, v := range vars {
		args = append(args, "-e", k+"="+v)
	}
	cmd, url := w.start(args...)
	w.t.Cleanup(func() { stop(cmd) })
	return url
}

// cli runs `kennel args...` and returns its output; it fails the test
// unless it exits 0 or with one of the codes allowed.
func (w *world) cli(allowed []int, args ...string) string {
	w.t.Helper()
	cmd := exec.Command(kennel, args...)
	cmd.Env = append(os.Environ(), "KENNEL_URL=", "KENNEL_TOKEN=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		for _, c := range allowed {
			if exit.ExitCode() == c {
				return out.String()
			}
		}
		w.t.Fatalf("kennel %s: exit %d\n%s", strings.Join(args, " "), exit.ExitCode(), out.String())
	case err != nil:
		w.t.Fatal(err)
	}
	return out.String()
}

// browser is a headless Chromium tab, with the console's errors and the
// page's uncaught exceptions collected.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// newBrowser starts Chromium with a fresh profile; deadline bounds the
// browser's life and so every action of the test.
func newBrowser(t *testing.T, deadline time.Duration) *browser {
	t.Helper()
	needChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	timed, cancelTime := context.WithTimeout(context.Background(), deadline)
	actx, cancelAlloc := chromedp.NewExecAllocator(timed, opts...)
	b := &browser{}
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	t.Cleanup(func() { cancelTab(); cancelAlloc(); cancelTime() })
	b.ctx = ctx
	if _, err := chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return b
}

// listen records the console's errors, uncaught exceptions and the
// browser's error log entries (failed requests among them).
func (b *browser) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			b.record("console.error " + args(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		b.record("exception " + (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.record(fmt.Sprintf("%s %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

func args(as []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, string(a.Value)+a.Description)
	}
	return strings.Join(parts, " ")
}

func (b *browser) record(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// consoleErrors are the errors so far, and forgets them.
func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

// run runs actions, failing the test with what it was doing.
func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// within runs actions with a deadline of d, and reports whether they
// finished in it.
func (b *browser) within(d time.Duration, actions ...chromedp.Action[chromedp.Void]) bool {
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	return chromedp.Do(ctx, actions...) == nil
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// screenshot writes the page as docs/<name>.png with -screenshots.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	if !*screenshots {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking %s: %v", name, err)
	}
	path := filepath.Join("..", "..", "..", "docs", name+".png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}
