package scenario_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// cli runs `kennel args...` and returns its stdout, stderr and exit code.
func (e *env) cli(args ...string) (string, string, int) {
	e.t.Helper()
	cmd := exec.Command(kennel, args...)
	cmd.Env = append(os.Environ(), "KENNEL_URL=", "KENNEL_TOKEN=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.ExitCode()
	case err != nil:
		e.t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

// ok runs a CLI command against the scheduler and fails unless it exits 0.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	out, errOut, code := e.cli(append(args, "--url", e.api)...)
	if code != 0 {
		e.t.Fatalf("kennel %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n%s", path, got)
	}
}

// podStatusPlaces replaces the hosts and port numbers of `pod status`,
// which depend on which agent took which pod, by HOST and P.
func podStatusPlaces(out string) string {
	out = regexp.MustCompile(`  127\.0\.1\.\d+`).ReplaceAllString(out, "  HOST")
	return regexp.MustCompile(`  ports [0-9,-]+`).ReplaceAllString(out, "  ports P")
}

// TestCLI drives a deploy with the CLI: a canary phase released with plan
// resume after one of its steps was forced complete, then the status trees,
// JSON output, endpoints, and pod and plan restarts and a replacement.
func TestCLI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "file")
	e.vars["HELLO_STRATEGY"] = "serial-canary"
	e.startScheduler()

	// The canary phase waits; its first step is forced complete, so
	// hello-0's init never runs.
	e.waitFor(30*time.Second, "the canary phase to wait", func() bool {
		info, _, err := e.plan(plans.DeployPlan)
		return err == nil && len(info.Phases) == 2 && info.Phases[0].Status == plans.Waiting
	})
	// Paused and resumed as a whole while it waits.
	if out := e.ok("plan", "pause", "deploy"); !strings.Contains(out, "paused") {
		t.Errorf("plan pause said %q", out)
	}
	if _, errOut, code := e.cli("plan", "pause", "deploy", "--url", e.api); code != 1 || !strings.Contains(errOut, "Cannot execute command") {
		t.Errorf("pausing a paused plan: exit %d, %q", code, errOut)
	}
	if out := e.ok("plan", "resume", "deploy"); !strings.Contains(out, "resumed") {
		t.Errorf("plan resume said %q", out)
	}
	if out := e.ok("plan", "force-complete", "deploy", "hello", "hello-0:[init]"); !strings.Contains(out, "forced to complete") {
		t.Errorf("force-complete said %q", out)
	}
	e.waitFor(deployTimeout, "the deploy to complete through plan resume", func() bool {
		if info, _, err := e.plan(plans.DeployPlan); err == nil && info.Status == plans.Complete {
			return true
		}
		_, _, _ = e.cli("plan", "resume", "deploy", "hello", "--url", e.api) // 208 while a step runs
		return false
	})
	if log, ok := e.volumeFile(0, "init.log"); ok {
		t.Errorf("hello-0's init ran although it was forced complete: %q", log)
	}
	if _, ok := e.volumeFile(1, "init.log"); !ok {
		t.Error("hello-1's init did not run")
	}

	// Status trees, and JSON that parses back.
	goldenFile(t, "cli-plan-status.golden", e.ok("plan", "status", "deploy"))
	goldenFile(t, "cli-pod-status.golden", podStatusPlaces(e.ok("pod", "status")))
	var info plans.PlanInfo
	if err := json.Unmarshal([]byte(e.ok("plan", "status", "deploy", "--json")), &info); err != nil || info.Status != plans.Complete {
		t.Errorf("plan status --json: %v, status %q", err, info.Status)
	}
	var podInfo []struct {
		Info struct {
			Name   string                 `json:"name"`
			TaskID struct{ Value string } `json:"taskId"`
		} `json:"info"`
		Status struct{ State string } `json:"status"`
	}
	// hello-0's init was forced complete and never launched: its server is
	// its only task.
	if err := json.Unmarshal([]byte(e.ok("pod", "info", "hello-0")), &podInfo); err != nil || len(podInfo) != 1 ||
		podInfo[0].Info.Name != "hello-0-server" || podInfo[0].Status.State != "TASK_RUNNING" {
		t.Errorf("pod info hello-0: %v %+v", err, podInfo)
	}

	// Errors in plain words, with exit status 1.
	if _, errOut, code := e.cli("plan", "pause", "deploy", "--url", e.api); code != 1 || !strings.Contains(errOut, "Cannot execute command") {
		t.Errorf("pausing a complete plan: exit %d, %q", code, errOut)
	}
	if _, errOut, code := e.cli("pod", "restart", "hello-9", "--url", e.api); code != 1 || !strings.Contains(errOut, "Pod hello-9 not found") {
		t.Errorf("restarting an unknown pod: exit %d, %q", code, errOut)
	}

	// Endpoints: world advertises http with a VIP.
	if out := e.ok("endpoints"); !strings.Contains(out, "http") {
		t.Errorf("endpoints: %q", out)
	}
	var ep struct {
		Address []string `json:"address"`
		DNS     []string `json:"dns"`
		VIP     string   `json:"vip"`
	}
	if err := json.Unmarshal([]byte(e.ok("endpoints", "http")), &ep); err != nil || len(ep.Address) != 1 ||
		!strings.HasPrefix(ep.DNS[0], "world-0-server.scenario.autoip.dcos.thisdcos.directory:") ||
		ep.VIP != "world.scenario.l4lb.thisdcos.directory:80" {
		t.Errorf("endpoints http: %v %+v", err, ep)
	}
	if _, port, _ := net.SplitHostPort(ep.Address[0]); port == "" || port == "0" {
		t.Errorf("endpoint address %q has no port", ep.Address[0])
	}

	// Pod restart relaunches in place; replace relaunches afresh; a plan
	// restart relaunches the step's tasks.
	for _, c := range []struct {
		args []string
		task string
	}{
		{[]string{"pod", "restart", "hello-0"}, "hello-0-server"},
		{[]string{"pod", "replace", "hello-1"}, "hello-1-server"},
		{[]string{"plan", "force-restart", "deploy", "world", "world-0:[server]"}, "world-0-server"},
	} {
		before := e.running()[c.task]
		if len(before) != 1 {
			t.Fatalf("%s runs %d times", c.task, len(before))
		}
		e.ok(c.args...)
		e.waitFor(deployTimeout, c.task+" to run again after "+strings.Join(c.args, " "), func() bool {
			now := e.running()[c.task]
			return len(now) == 1 && now[0].ID != before[0].ID && now[0].State == "TASK_RUNNING"
		})
	}
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
}

// TestCLIOverTLSWithToken: with --api-token-file and TLS, requests without
// the token are refused and the CLI with it works.
func TestCLIOverTLSWithToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "file")
	cert, key, pool := selfSigned(t, e.dir)
	tokenFile := filepath.Join(e.dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.startScheduler("--tls-cert", cert, "--tls-key", key, "--api-token-file", tokenFile)
	if !strings.HasPrefix(e.api, "https://") {
		t.Fatalf("the API is at %s", e.api)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for path, want := range map[string]int{"/v1/plans": 401, "/v1/health": 0} {
		resp, err := client.Get(e.api + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want != 0 && resp.StatusCode != want || want == 0 && resp.StatusCode == 401 {
			t.Errorf("GET %s without a token: %d", path, resp.StatusCode)
		}
	}
	if _, errOut, code := e.cli("plan", "list", "--url", e.api, "--ca-file", cert); code == 0 || !strings.Contains(errOut, "unauthorized") {
		t.Errorf("plan list without a token: exit %d, %q", code, errOut)
	}
	if _, _, code := e.cli("plan", "list", "--url", e.api, "--token-file", tokenFile); code == 0 {
		t.Error("plan list trusted a certificate it had no CA for")
	}
	// The deploy completes: world's task fetches its config template from
	// the artifacts, which tasks reach over plain HTTP.
	e.waitFor(deployTimeout, "the deploy to complete, seen through the CLI", func() bool {
		out, errOut, code := e.cli("plan", "status", "deploy", "--url", e.api, "--token-file", tokenFile, "--ca-file", cert)
		if code != 0 || !strings.HasPrefix(out, "deploy (serial strategy) (") {
			t.Fatalf("plan status with the token: exit %d, %q %q", code, out, errOut)
		}
		return strings.HasPrefix(out, "deploy (serial strategy) (COMPLETE)")
	})
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kennel scenario"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	parsed, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(parsed)
	return certFile, keyFile, pool
}
