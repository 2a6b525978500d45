package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// A ZooKeeper lock node's data says who created it, in two lines: the
// holder's description for people (LockOptions.Holder, what a waiting
// scheduler reports), then the identity of its process as JSON:
//
//	kennel scheduler on host-1, pid 4242, since 2026-12-06T23:40:00Z
//	{"v":1,"host":"host-1","boot_id":"…","pid_ns":"pid:[4026531836]","pid":4242,"start":123456}
//
// The identity lets a scheduler that starts on the same machine prove the
// holder dead without waiting for its ZooKeeper session to expire (see
// provablyDead). A node of an older Kennel has the description alone, and
// is waited for as before.

// holderFormat is the version of the identity line.
const holderFormat = 1

// process identifies a process on one machine, for as long as that
// machine runs: the same boot of the same host, the same PID namespace,
// the same PID and the same start time are the same process.
type process struct {
	V      int    `json:"v"`
	Host   string `json:"host"`
	BootID string `json:"boot_id"`
	PIDNS  string `json:"pid_ns"`
	PID    int    `json:"pid"`
	// Start is the process's start time in clock ticks after boot
	// (field 22 of /proc/<pid>/stat), which tells a PID reused by another
	// process from the original.
	Start uint64 `json:"start"`
}

// complete reports whether every field that identifies the process is set.
func (p *process) complete() bool {
	return p.V == holderFormat && p.Host != "" && p.BootID != "" && p.PIDNS != "" && p.PID > 0 && p.Start > 0
}

// encodeHolder is a lock node's data: the description (on one line) and,
// when known, the process's identity.
func encodeHolder(description string, p *process) []byte {
	description = strings.ReplaceAll(description, "\n", " ")
	if p == nil {
		return []byte(description)
	}
	id, err := json.Marshal(p)
	if err != nil { // a struct of strings and numbers always encodes
		panic(err)
	}
	return append([]byte(description+"\n"), id...)
}

// decodeHolder reads a lock node's data: the description, and the
// process's identity when the data holds a complete one in this format
// (otherwise nil: an older Kennel's node, or data someone else wrote).
func decodeHolder(data []byte) (description string, p *process) {
	first, rest, found := bytes.Cut(data, []byte("\n"))
	if !found {
		return string(data), nil
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	var id process
	if err := dec.Decode(&id); err != nil || dec.More() || !id.complete() {
		return string(first), nil
	}
	return string(first), &id
}

// Where a process's identity is read (variables for the tests).
var (
	procRoot   = "/proc"
	bootIDPath = "/proc/sys/kernel/random/boot_id"
)

// thisProcess is this process's identity, or nil where it cannot be read
// completely (not Linux, /proc not mounted or mounted from another PID
// namespace): its lock nodes are then waited for until the session
// expires, and it proves no other holder dead.
func thisProcess() *process {
	host, err := os.Hostname()
	if err != nil {
		return nil
	}
	boot, err := os.ReadFile(bootIDPath)
	if err != nil {
		return nil
	}
	ns, err := os.Readlink(procRoot + "/self/ns/pid")
	if err != nil {
		return nil
	}
	pid := os.Getpid()
	// /proc must be this PID namespace's: one mounted from another
	// namespace names other processes by these PIDs.
	if link, err := os.Readlink(procRoot + "/self"); err != nil || link != strconv.Itoa(pid) {
		return nil
	}
	stat, err := readStat(pid)
	if err != nil {
		return nil
	}
	p := &process{V: holderFormat, Host: host, BootID: strings.TrimSpace(string(boot)), PIDNS: ns, PID: pid, Start: stat.start}
	if !p.complete() {
		return nil
	}
	return p
}

// procStat is what provablyDead needs of /proc/<pid>/stat.
type procStat struct {
	start uint64 // clock ticks after boot
}

// readStat reads /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses, so the fields
// are counted after its last ")".
func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile(procRoot + "/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(data)
}

func parseStat(data []byte) (procStat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, errors.New("no command name")
	}
	fields := strings.Fields(string(data[i+1:]))
	// fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
	if len(fields) < 20 || len(fields[0]) != 1 {
		return procStat{}, fmt.Errorf("%d fields after the command name", len(fields))
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("start time: %w", err)
	}
	return procStat{start: start}, nil
}

// provablyDead reports whether holder, the identity a lock node records,
// is a process that self (this process) can see has ended: holder ran on
// this host, in this boot, in this PID namespace, and its PID is gone or
// taken by a process that started at another time. (A holder that exited
// but is not yet reaped, a zombie, still counts as alive: a zombie thread
// group leader may have threads left. A waiting scheduler looks again
// until its parent reaps it.)
//
// It answers false whenever it cannot be sure: another host, boot or PID
// namespace (where a PID says nothing about the holder), an unknown
// identity, or /proc unreadable. A false answer only costs the wait for the
// holder's session to expire; a wrong true answer would let two schedulers
// act together until the fence on the holder's lock node stops the old one
// (every write checks that node, and the holder watches it).
//
// Only ESRCH from kill(pid, 0) counts as gone: with hidepid, /proc/<pid>
// of another user's process is hidden though the process runs, while kill
// still tells that it exists (EPERM).
func provablyDead(holder, self *process) bool {
	if holder == nil || self == nil || !holder.complete() || !self.complete() {
		return false
	}
	if holder.Host != self.Host || holder.BootID != self.BootID || holder.PIDNS != self.PIDNS {
		return false
	}
	if err := syscall.Kill(holder.PID, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := readStat(holder.PID)
	if err != nil {
		return false // gone between the two looks, or hidden: not proven
	}
	return stat.start != holder.Start
}
