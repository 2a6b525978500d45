package state

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestHolderData(t *testing.T) {
	self := &process{V: 1, Host: "h1", BootID: "b", PIDNS: "pid:[4026531836]", PID: 42, Start: 7}
	for _, tc := range []struct {
		name        string
		data        string
		description string
		process     *process
	}{
		{"description and identity", string(encodeHolder("kennel scheduler on h1, pid 42", self)), "kennel scheduler on h1, pid 42", self},
		{"an older Kennel's node: the description alone", "kennel scheduler on h1, pid 42, since 2026", "kennel scheduler on h1, pid 42, since 2026", nil},
		{"empty", "", "", nil},
		{"not JSON", "someone\n{garbage", "someone", nil},
		{"unknown field", `someone` + "\n" + `{"v":1,"host":"h1","boot_id":"b","pid_ns":"n","pid":42,"start":7,"uid":0}`, "someone", nil},
		{"another format", `someone` + "\n" + `{"v":2,"host":"h1","boot_id":"b","pid_ns":"n","pid":42,"start":7}`, "someone", nil},
		{"no PID", `someone` + "\n" + `{"v":1,"host":"h1","boot_id":"b","pid_ns":"n","start":7}`, "someone", nil},
		{"no start time", `someone` + "\n" + `{"v":1,"host":"h1","boot_id":"b","pid_ns":"n","pid":42}`, "someone", nil},
		{"trailing data", `someone` + "\n" + `{"v":1,"host":"h1","boot_id":"b","pid_ns":"n","pid":42,"start":7}{}`, "someone", nil},
		{"negative PID", `someone` + "\n" + `{"v":1,"host":"h1","boot_id":"b","pid_ns":"n","pid":-1,"start":7}`, "someone", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			description, p := decodeHolder([]byte(tc.data))
			if description != tc.description {
				t.Errorf("description %q, want %q", description, tc.description)
			}
			if (p == nil) != (tc.process == nil) || (p != nil && *p != *tc.process) {
				t.Errorf("process %+v, want %+v", p, tc.process)
			}
		})
	}
	if d, _ := decodeHolder(encodeHolder("two\nlines", self)); d != "two lines" {
		t.Errorf("a description is kept on one line: %q", d)
	}
}

func FuzzDecodeHolder(f *testing.F) {
	f.Add(encodeHolder("kennel scheduler", &process{V: 1, Host: "h", BootID: "b", PIDNS: "n", PID: 1, Start: 1}))
	f.Add([]byte("older\n"))
	f.Add([]byte("x\n{\"v\":1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		description, p := decodeHolder(data)
		if p == nil {
			return
		}
		if !p.complete() {
			t.Fatalf("an incomplete identity was accepted: %+v", p)
		}
		d2, p2 := decodeHolder(encodeHolder(description, p))
		if d2 != strings.ReplaceAll(description, "\n", " ") || p2 == nil || *p2 != *p {
			t.Fatalf("round trip: %q %+v, want %q %+v", d2, p2, description, p)
		}
	})
}

func TestParseStat(t *testing.T) {
	tail := " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21"
	for _, tc := range []struct {
		name  string
		data  string
		start uint64
		ok    bool
	}{
		{"plain", "42 (kennel) S" + tail, 987654, true},
		{"a command name with spaces and parentheses", "42 (a) b) S (c) S" + tail, 987654, true},
		{"no command name", "42 kennel S" + tail, 0, false},
		{"truncated", "42 (kennel) S 1 2 3", 0, false},
		{"start time not a number", "42 (kennel) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.data))
			if (err == nil) != tc.ok || got.start != tc.start {
				t.Errorf("got %+v, %v; want start %d, ok %v", got, err, tc.start, tc.ok)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (kennel) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20"))
	f.Fuzz(func(t *testing.T, data []byte) { _, _ = parseStat(data) })
}

// deadPID is the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestProvablyDead: only a process of this host, boot and PID namespace
// that is gone (or whose PID another process took) is dead; anything
// unknown is alive.
func TestProvablyDead(t *testing.T) {
	self := thisProcess()
	if self == nil {
		t.Skip("no /proc: this process's identity cannot be read")
	}
	parent, err := readStat(os.Getppid())
	if err != nil {
		t.Fatal(err)
	}
	dead := deadPID(t)
	with := func(change func(p *process)) *process {
		p := *self
		change(&p)
		return &p
	}
	for _, tc := range []struct {
		name   string
		holder *process
		dead   bool
	}{
		{"this process", self, false},
		{"a live process", with(func(p *process) { p.PID, p.Start = os.Getppid(), parent.start }), false},
		{"an exited process", with(func(p *process) { p.PID, p.Start = dead, 1 }), true},
		{"a PID reused by a process started later", with(func(p *process) { p.Start++ }), true},
		{"an exited process on another host", with(func(p *process) { p.PID, p.Start, p.Host = dead, 1, "elsewhere" }), false},
		{"an exited process of another boot", with(func(p *process) { p.PID, p.Start, p.BootID = dead, 1, "another-boot" }), false},
		{"an exited process in another PID namespace", with(func(p *process) { p.PID, p.Start, p.PIDNS = dead, 1, "pid:[1]" }), false},
		{"an incomplete identity", with(func(p *process) { p.PID, p.Start, p.BootID = dead, 1, "" }), false},
		{"unknown", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := provablyDead(tc.holder, self); got != tc.dead {
				t.Errorf("provablyDead = %v, want %v", got, tc.dead)
			}
		})
	}
	if provablyDead(with(func(p *process) { p.PID, p.Start = dead, 1 }), nil) {
		t.Error("a scheduler that does not know its own identity proved another dead")
	}
}

// TestThisProcessNeedsItsOwnProc: a /proc of another PID namespace (its
// "self" is another PID) gives no identity, so it proves nothing.
func TestThisProcessNeedsItsOwnProc(t *testing.T) {
	if thisProcess() == nil {
		t.Skip("no /proc: this process's identity cannot be read")
	}
	other := t.TempDir()
	if err := os.MkdirAll(other+"/1/ns", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pid:[4026531836]", other+"/1/ns/pid"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("1", other+"/self"); err != nil {
		t.Fatal(err)
	}
	// Another process that has this process's PID in that namespace.
	mine := fmt.Sprintf("%s/%d", other, os.Getpid())
	if err := os.MkdirAll(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	stat := "1 (init) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99 20 21"
	if err := os.WriteFile(mine+"/stat", []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := procRoot
	procRoot = other
	defer func() { procRoot = saved }()
	if p := thisProcess(); p != nil {
		t.Errorf("an identity from another namespace's /proc: %+v", p)
	}
}
