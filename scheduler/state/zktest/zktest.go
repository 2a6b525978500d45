// Package zktest starts throwaway ZooKeeper servers for tests, from
// Debian's zookeeper package (`make test` installs it when missing), and a
// TCP proxy that can cut a client off to simulate a network partition.
//
// Without ZooKeeper a test is skipped, unless the CI environment variable is
// set: then it fails, so that CI never passes by skipping.
package zktest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ServerScript is Debian's ZooKeeper launcher.
const ServerScript = "/usr/share/zookeeper/bin/zkServer.sh"

// startLimit bounds a server's start: a JVM starting on a loaded 2-core
// machine has been seen to take over a minute.
const startLimit = 3 * time.Minute

// Server is a running ZooKeeper server on a loopback port.
type Server struct {
	// Addr is host:port for clients.
	Addr string
	cmd  *exec.Cmd
	dir  string
}

// Start starts a server that the test's cleanup stops. tickTime is 500 ms,
// so session timeouts may be as short as 1 s.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := os.Stat(ServerScript); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ZooKeeper is required when CI is set: %s is missing (apt-get install zookeeper)", ServerScript)
		}
		t.Skipf("ZooKeeper not installed (%s); `make test` installs it", ServerScript)
	}
	dir := t.TempDir()
	port := freePort(t)
	cfg := filepath.Join(dir, "zoo.cfg")
	conf := fmt.Sprintf("tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\nmaxClientCnxns=0\n4lw.commands.whitelist=ruok\nminSessionTimeout=1000\nmaxSessionTimeout=30000\n",
		filepath.Join(dir, "data"), port)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir}
	if err := s.launch(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	if err := s.waitReady(startLimit); err != nil {
		out, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("ZooKeeper did not start: %v\n%s", err, out)
	}
	return s
}

// launch starts the server process on the config in s.dir, appending its
// output to server.log there.
func (s *Server) launch() error {
	logFile, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(ServerScript, "start-foreground", filepath.Join(s.dir, "zoo.cfg"))
	cmd.Env = append(os.Environ(), "SERVER_JVMFLAGS=-Xmx256m -XX:+UseSerialGC -Xshare:auto")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting ZooKeeper: %w", err)
	}
	s.cmd = cmd
	return nil
}

// Restart kills the server and starts it again on the same port and data
// directory, as a ZooKeeper host rebooting would: clients see their
// connections drop, and sessions that outlive the outage continue. It
// returns once the server answers again, or an error after limit.
func (s *Server) Restart(limit time.Duration) error {
	s.Stop()
	if err := s.launch(); err != nil {
		return err
	}
	return s.waitReady(limit)
}

// waitReady waits until the server answers "ruok" with "imok".
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok := ruok(s.Addr); ok {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no answer on %s after %s", s.Addr, limit)
}

func ruok(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ruok")); err != nil {
		return false
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.HasPrefix(line, "imok")
}

// Stop kills the server and waits for it.
func (s *Server) Stop() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Wait()
}

// freePort is a loopback port below Linux's ephemeral range (32768–60999)
// that nothing listens on: a port taken from the ephemeral range could be
// handed to a client's outgoing connection before the server binds it,
// which on a busy machine left ZooKeeper unable to start.
func freePort(t testing.TB) int {
	t.Helper()
	for range 200 {
		port := portsFrom + rand.IntN(portsTo-portsFrom)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatalf("no free port in %d-%d", portsFrom, portsTo-1)
	return 0
}

// The test ZooKeeper servers' client ports: a block no other test's
// harness uses.
const portsFrom, portsTo = 11000, 15000
