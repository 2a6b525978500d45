package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A README guide is the fenced blocks marked, on the line before each,
// with "<!-- guide-test: NAME -->" (commands to run) or "<!-- guide-test:
// NAME file=PATH -->" (a file the guide has the reader write), in order.
var guideMarker = regexp.MustCompile(`^<!-- guide-test: ([a-z-]+)(?: file=(\S+))? -->$`)

type guideBlock struct {
	file string // "" for commands
	text string
	line int // the block's first line in README.md
}

// readmeGuides reads the guides of the README at path.
func readmeGuides(t *testing.T, path string) (map[string][]guideBlock, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	guides := map[string][]guideBlock{}
	var order []string
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		m := guideMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("%s:%d: a guide-test marker not followed by a fenced block", path, i+1)
		}
		b := guideBlock{file: m[2], line: i + 3}
		var body []string
		for i += 2; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: the block does not end", path, b.line)
		}
		b.text = strings.Join(body, "\n") + "\n"
		if _, ok := guides[m[1]]; !ok {
			order = append(order, m[1])
		}
		guides[m[1]] = append(guides[m[1]], b)
	}
	return guides, order
}

// TestREADMEGuides follows the README's guides (the blocks marked
// guide-test) as a reader would, in a directory of their own holding
// bin/kennel (this build) and examples/, with $KENNEL_DATA_DIR pointing
// there. Their commands run as written, but for what keeps them apart from
// the machine's other clusters and files: /tmp/ is the directory's tmp/,
// "--api-port 8000" a free port, and "kennel local up" gets ports of the
// discovery block, no Marathon and --time-scale 0.05. It runs in the
// foreground, so it runs in the background here, as in its own shell; the
// commands after it are retried until they exit 0 (the reader waits for
// the cluster), at most 90 s each; a --follow command must be following
// when the guide ends.
func TestREADMEGuides(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the web guide's task serves with python3, which is not installed")
		}
		t.Skip("the web guide's task serves with python3, which is not installed")
	}
	guides, order := readmeGuides(t, "../../README.md")
	for _, want := range []string{"logs", "write", "restart"} {
		if _, ok := guides[want]; !ok {
			t.Errorf("the README has no guide %q", want)
		}
	}
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range order {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := &guide{t: t, dir: t.TempDir(), bin: kennelBinary(t)}
			for _, d := range []string{"bin", "tmp"} {
				if err := os.Mkdir(filepath.Join(g.dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(g.bin, filepath.Join(g.dir, "bin", "kennel")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(examples, filepath.Join(g.dir, "examples")); err != nil {
				t.Fatal(err)
			}
			g.env = []string{"KENNEL_DATA_DIR=" + filepath.Join(g.dir, "data")}
			defer g.stop()
			for _, b := range guides[name] {
				if b.file != "" {
					writeFile(t, filepath.Join(g.dir, b.file), b.text)
					continue
				}
				g.run(b)
			}
		})
	}
}

// guide is a guide being followed.
type guide struct {
	t        *testing.T
	dir, bin string
	env      []string // what the guide exported, after the test's environment
	// background are the commands running in their own shell.
	background []*backgroundCmd
}

type backgroundCmd struct {
	line   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
	err    error
}

// lockedBuffer is a bytes.Buffer safe for a command's output and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// commands splits a block into its commands: lines ending in "\" go on.
func commands(text string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\"))
			continue
		}
		cur.WriteString(line)
		if s := strings.TrimSpace(cur.String()); s != "" && !strings.HasPrefix(s, "#") {
			out = append(out, s)
		}
		cur.Reset()
	}
	return out
}

// uncomment is line without its trailing "# comment" (a "#" after a space,
// outside quotes: the guides quote no "#").
func uncomment(line string) string {
	if i := strings.Index(line, " #"); i >= 0 {
		return strings.TrimSpace(line[:i])
	}
	return line
}

var localUpLine = regexp.MustCompile(`^bin/kennel local up( |$)`)

// run runs a block's commands in order.
func (g *guide) run(b guideBlock) {
	t := g.t
	for _, line := range commands(b.text) {
		cmd := strings.ReplaceAll(uncomment(line), "/tmp/", filepath.Join(g.dir, "tmp")+"/")
		switch {
		case strings.HasPrefix(cmd, "export "):
			g.env = append(g.env, strings.TrimPrefix(cmd, "export "))
		case localUpLine.MatchString(cmd):
			masterPort := blockPort(t, "127.0.0.1")
			agentPort := blockPort(t, "127.0.1.1", masterPort)
			taken := []int{masterPort, agentPort}
			if strings.Contains(cmd, "--api-port 8000") {
				apiPort := blockPort(t, "127.0.0.1", taken...)
				cmd = strings.Replace(cmd, "--api-port 8000", "--api-port "+strconv.Itoa(apiPort), 1)
			}
			cmd += fmt.Sprintf(" --port %d --agent-port %d --no-marathon --time-scale 0.05", masterPort, agentPort)
			g.start(line, cmd)
		case strings.Contains(cmd, " --follow"):
			// Once the task's log can be read, following it must go on.
			g.eventually(b, line, strings.Replace(cmd, " --follow", "", 1))
			g.start(line, cmd)
		default:
			g.eventually(b, line, cmd)
		}
	}
}

// shell is sh -c cmd in the guide's directory and environment.
func (g *guide) shell(ctx context.Context, cmd string) *exec.Cmd {
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Dir = g.dir
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KENNEL_") {
			env = append(env, kv)
		}
	}
	c.Env = append(env, g.env...)
	return c
}

// eventually runs cmd until it exits 0, failing the test after 90 s.
func (g *guide) eventually(b guideBlock, line, cmd string) {
	g.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		out, err := g.shell(ctx, cmd).CombinedOutput()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("README.md block at line %d: %s\n%v\n%s", b.line, line, err, out)
		}
		for _, bg := range g.background {
			select {
			case <-bg.exited:
				g.t.Fatalf("README.md block at line %d: %s: %q exited (%v):\n%s", b.line, line, bg.line, bg.err, bg.out)
			default:
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// start runs cmd in the background, as in its own shell.
func (g *guide) start(line, cmd string) {
	g.t.Helper()
	c := g.shell(context.Background(), "exec "+cmd)
	bg := &backgroundCmd{line: line, cmd: c, out: &lockedBuffer{}, exited: make(chan struct{})}
	c.Stdout, c.Stderr = bg.out, bg.out
	if err := c.Start(); err != nil {
		g.t.Fatal(err)
	}
	go func() { bg.err = c.Wait(); close(bg.exited) }()
	g.background = append(g.background, bg)
}

// stop checks that the background commands still run, then stops them,
// the last started first, with SIGTERM (SIGKILL after 30 s).
func (g *guide) stop() {
	for i := len(g.background) - 1; i >= 0; i-- {
		bg := g.background[i]
		select {
		case <-bg.exited:
			g.t.Errorf("%q exited before the guide's end (%v):\n%s", bg.line, bg.err, bg.out)
			continue
		default:
		}
		_ = bg.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-bg.exited:
		case <-time.After(30 * time.Second):
			_ = bg.cmd.Process.Kill()
			<-bg.exited
		}
		if g.t.Failed() {
			g.t.Logf("%q printed:\n%s", bg.line, bg.out)
		}
	}
}
