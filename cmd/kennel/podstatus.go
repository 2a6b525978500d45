package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gogo/protobuf/jsonpb"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/api/client"
)

// taskDetail is what `pod status` prints after a task's status, read
// from the task's TaskInfo and latest TaskStatus (GET /v1/pod/{pod}/info):
// GET /v1/pod/status keeps DC/OS Commons' shape, which has none of it.
type taskDetail struct {
	// Host is where the task is reached: the IP its latest status
	// reports, else the hostname of the agent it was launched on (as in
	// GET /v1/endpoints), else the agent's id.
	Host string
	// Ports are the task's port resources, as "1025" or "1025-1027" (a
	// range of three or more).
	Ports []string
	// Health is "healthy" or "unhealthy" when the running task has a
	// health check result, "health unknown" when it has a health check
	// and no result yet, else "".
	Health string
	// Ready is "ready" or "not ready" for a running task with a readiness
	// check (ready once the check's command exited 0, as the deploy step
	// requires), else "".
	Ready string
}

// podInfoEntry is one element of GET /v1/pod/{pod}/info.
type podInfoEntry struct {
	Info   json.RawMessage `json:"info"`
	Status json.RawMessage `json:"status"`
}

// parsePodInfo decodes GET /v1/pod/{pod}/info into each task's details,
// by task name. Fields it does not know are ignored, so a newer
// scheduler's TaskInfos still decode.
func parsePodInfo(raw []byte) (map[string]taskDetail, error) {
	var entries []podInfoEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("decoding the pod info: %w", err)
	}
	u := jsonpb.Unmarshaler{AllowUnknownFields: true}
	out := make(map[string]taskDetail, len(entries))
	for i, e := range entries {
		var info mesos.TaskInfo
		if err := u.Unmarshal(bytes.NewReader(nullAsEmpty(e.Info)), &info); err != nil {
			return nil, fmt.Errorf("decoding the pod info: [%d].info: %w", i, err)
		}
		var st *mesos.TaskStatus
		if s := bytes.TrimSpace(e.Status); len(s) > 0 && !bytes.Equal(s, []byte("null")) {
			st = new(mesos.TaskStatus)
			if err := u.Unmarshal(bytes.NewReader(s), st); err != nil {
				return nil, fmt.Errorf("decoding the pod info: [%d].status: %w", i, err)
			}
		}
		out[info.GetName()] = detailOf(&info, st)
	}
	return out, nil
}

// nullAsEmpty turns an absent or null message into an empty one.
func nullAsEmpty(b json.RawMessage) []byte {
	if s := bytes.TrimSpace(b); len(s) == 0 || bytes.Equal(s, []byte("null")) {
		return []byte("{}")
	}
	return b
}

// detailOf reads a task's details from its TaskInfo and latest status
// (nil before the first one).
func detailOf(info *mesos.TaskInfo, st *mesos.TaskStatus) taskDetail {
	var d taskDetail
	for _, n := range st.GetContainerStatus().GetNetworkInfos() {
		for _, ip := range n.IPAddresses {
			if d.Host == "" && ip.GetIPAddress() != "" {
				d.Host = ip.GetIPAddress()
			}
		}
	}
	for _, l := range info.GetLabels().GetLabels() {
		if d.Host == "" && l.Key == "offer_hostname" {
			d.Host = l.GetValue()
		}
	}
	if d.Host == "" {
		d.Host = info.AgentID.Value
	}
	for _, r := range info.Resources {
		if r.Name != "ports" {
			continue
		}
		for _, pr := range r.GetRanges().GetRange() {
			switch {
			case pr.End <= pr.Begin:
				d.Ports = append(d.Ports, strconv.FormatUint(pr.Begin, 10))
			case pr.End == pr.Begin+1: // two ports: "1025,1026"
				d.Ports = append(d.Ports, strconv.FormatUint(pr.Begin, 10), strconv.FormatUint(pr.End, 10))
			default:
				d.Ports = append(d.Ports, strconv.FormatUint(pr.Begin, 10)+"-"+strconv.FormatUint(pr.End, 10))
			}
		}
	}
	if st.GetState() != mesos.TASK_RUNNING {
		return d
	}
	switch {
	case st.Healthy != nil && *st.Healthy:
		d.Health = "healthy"
	case st.Healthy != nil:
		d.Health = "unhealthy"
	case info.HealthCheck != nil:
		d.Health = "health unknown"
	}
	if info.Check != nil {
		d.Ready = "not ready"
		if cmd := st.GetCheckStatus().GetCommand(); cmd != nil && cmd.ExitCode != nil && *cmd.ExitCode == 0 {
			d.Ready = "ready"
		}
	}
	return d
}

// columns are the fields printed after a task's name: its status, then
// the details known.
func (d taskDetail) columns(status string) []string {
	cols := []string{unknownIfEmpty(status)}
	if d.Host != "" {
		cols = append(cols, d.Host)
	}
	if len(d.Ports) > 0 {
		cols = append(cols, "ports "+strings.Join(d.Ports, ","))
	}
	for _, s := range []string{d.Health, d.Ready} {
		if s != "" {
			cols = append(cols, s)
		}
	}
	return cols
}

// infoFetches is how many GET /v1/pod/{pod}/info requests pod status
// has in flight at once.
const infoFetches = 8

// instanceDetails fetches the details of the tasks of the given pod
// instances, by task name, with up to infoFetches requests at once. An
// instance gone since its status was read (404) has none; any other error
// is returned, the first instance's first.
func instanceDetails(ctx context.Context, c *client.Client, instances []string) (map[string]taskDetail, error) {
	type result struct {
		details map[string]taskDetail
		err     error
	}
	results := make([]result, len(instances))
	sem := make(chan struct{}, infoFetches)
	var wg sync.WaitGroup
	for i, inst := range instances {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			raw, err := c.PodInfo(ctx, inst)
			switch {
			case errors.Is(err, client.ErrNotFound):
			case err != nil:
				results[i].err = err
			default:
				results[i].details, results[i].err = parsePodInfo(raw)
				if results[i].err != nil {
					results[i].err = fmt.Errorf("pod %s: %w", inst, results[i].err)
				}
			}
		}()
	}
	wg.Wait()
	out := map[string]taskDetail{}
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		for name, d := range r.details {
			out[name] = d
		}
	}
	return out, nil
}

// taskLine is one task's line of the tree before alignment: the tree's
// prefix and the task's name, then its columns.
type taskLine struct {
	head string
	cols []string
}

// alignLines renders lines as a table: every task's status starts at the
// same column, two spaces after the longest head, and its other columns
// two spaces after the longest status.
func alignLines(lines []taskLine) []string {
	head, first := 0, 0
	for _, l := range lines {
		if len(l.cols) > 0 {
			head = max(head, utf8.RuneCountInString(l.head))
			first = max(first, utf8.RuneCountInString(l.cols[0]))
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if len(l.cols) == 0 {
			out[i] = l.head
			continue
		}
		line := padRight(l.head, head) + "  " + l.cols[0]
		if len(l.cols) > 1 {
			line = padRight(line, head+2+first) + "  " + strings.Join(l.cols[1:], "  ")
		}
		out[i] = line
	}
	return out
}

// padRight pads s with spaces to width runes.
func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}
