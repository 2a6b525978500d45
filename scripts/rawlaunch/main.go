// Command rawlaunch is the baseline of scripts/bench.sh: a minimal Mesos
// framework (mesos-go's HTTP client) that sends a cluster the launches a
// Kennel deploy of the bench service sends — per pod a RESERVE of its
// resources, a CREATE of its ROOT volume and a LAUNCH_GROUP of one task
// under a default executor — with no scheduler logic in between.
//
//	rawlaunch -master URL -n 100              # parallel: as many pods per offer as fit, all offers at once
//	rawlaunch -master URL -n 20 -serial       # one pod per ACCEPT, the next once it runs
//
// Parallel prints the time from the first offer to the last TASK_RUNNING;
// serial prints the mean time from an ACCEPT to its TASK_RUNNING, and the
// mean step time including the wait for the next offer.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

const role = "rawlaunch-role"

// The bench service's pod (scripts/bench/svc.yml) and Kennel's executor
// share.
var (
	taskRes = map[string]float64{"cpus": 0.05, "mem": 32}
	execRes = map[string]float64{"cpus": 0.1, "mem": 32, "disk": 10}
	volMB   = 4.0
)

func main() {
	master := flag.String("master", "", "the master's URL")
	n := flag.Int("n", 100, "pods to launch")
	serial := flag.Bool("serial", false, "one pod at a time")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *master, *n, *serial); err != nil {
		fmt.Fprintln(os.Stderr, "rawlaunch:", err)
		os.Exit(1)
	}
}

type fw struct {
	caller calls.Caller
	events chan *scheduler.Event
	acks   chan mesos.TaskStatus
	id     string
}

// ackers is how many acknowledgements are sent side by side.
const ackers = 4

func subscribe(ctx context.Context, master string) (*fw, error) {
	// Calls reuse their connections: with the client's default of two idle
	// connections, acknowledgements sent side by side would each open and
	// close one, and 10,000 pods' worth exhaust the ephemeral ports
	// (TIME_WAIT) before the deploy ends.
	cli := httpcli.New(httpcli.Endpoint(master+"/api/v1/scheduler"), httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]),
		httpcli.Do(httpcli.With(httpcli.Timeout(30*time.Second),
			httpcli.Transport(func(t *http.Transport) { t.MaxIdleConnsPerHost = ackers + 2 }))))
	raw := httpsched.NewCaller(cli)
	fo := 60.0
	info := mesos.FrameworkInfo{User: "root", Name: "rawlaunch", Roles: []string{role}, FailoverTimeout: &fo,
		Capabilities: []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE},
			{Type: mesos.FrameworkInfo_Capability_RESERVATION_REFINEMENT}}}
	resp, err := raw.Call(ctx, calls.Subscribe(&info))
	if err != nil {
		return nil, fmt.Errorf("SUBSCRIBE: %w", err)
	}
	f := &fw{events: make(chan *scheduler.Event, 1<<16), acks: make(chan mesos.TaskStatus, 1<<16)}
	for range ackers {
		go func() {
			for st := range f.acks {
				_ = f.call(context.Background(), calls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.UUID))
			}
		}()
	}
	go func() {
		defer resp.Close()
		defer close(f.events)
		for {
			var ev scheduler.Event
			if err := resp.Decode(&ev); err != nil {
				return
			}
			f.events <- &ev
		}
	}()
	for ev := range f.events {
		if ev.Type == scheduler.Event_SUBSCRIBED {
			f.id = ev.Subscribed.FrameworkID.Value
			id := f.id
			f.caller = calls.CallerFunc(func(ctx context.Context, c *scheduler.Call) (mesos.Response, error) {
				return raw.Call(ctx, c.With(calls.Framework(id)))
			})
			return f, nil
		}
	}
	return nil, fmt.Errorf("the stream ended before SUBSCRIBED")
}

func (f *fw) call(ctx context.Context, c *scheduler.Call) error {
	return calls.CallNoData(ctx, f.caller, c)
}

// ack acknowledges a reliable update, in the background (by one of the
// ackers, in the order the updates came).
func (f *fw) ack(st mesos.TaskStatus) {
	if len(st.UUID) == 0 {
		return
	}
	f.acks <- st
}

func scalar(name string, v float64) mesos.Resource {
	return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v},
		AllocationInfo: &mesos.Resource_AllocationInfo{Role: strPtr(role)},
		Reservations:   []mesos.Resource_ReservationInfo{{Type: mesos.Resource_ReservationInfo_DYNAMIC.Enum(), Role: strPtr(role), Principal: strPtr("rawlaunch")}}}
}

func strPtr(s string) *string { return &s }

// free sums an offer's unreserved scalars.
func free(o *mesos.Offer) map[string]float64 {
	m := map[string]float64{}
	for _, r := range o.Resources {
		if r.Scalar != nil && len(r.Reservations) == 0 && r.Disk == nil {
			m[r.Name] += r.Scalar.Value
		}
	}
	return m
}

// podOps are the operations of pod i on offer o.
func podOps(f *fw, o *mesos.Offer, i int) []mesos.Offer_Operation {
	id := fmt.Sprintf("raw-%d", i)
	var tr, er []mesos.Resource
	for name, v := range taskRes {
		tr = append(tr, scalar(name, v))
	}
	for name, v := range execRes {
		er = append(er, scalar(name, v))
	}
	vol := scalar("disk", volMB)
	vol.Disk = &mesos.Resource_DiskInfo{Persistence: &mesos.Resource_DiskInfo_Persistence{ID: id + "-vol", Principal: strPtr("rawlaunch")},
		Volume: &mesos.Volume{Mode: mesos.RW.Enum(), ContainerPath: "state"}}
	plain := scalar("disk", volMB)
	reserve := append(append(slices.Clone(tr), er...), plain)
	task := mesos.TaskInfo{Name: id, TaskID: mesos.TaskID{Value: id}, AgentID: o.AgentID, Resources: append(slices.Clone(tr), vol),
		Command: &mesos.CommandInfo{Value: strPtr("trap 'exit 0' TERM; while true; do sleep 1; done")}}
	ex := mesos.ExecutorInfo{Type: mesos.ExecutorInfo_DEFAULT, ExecutorID: mesos.ExecutorID{Value: "exec-" + id},
		FrameworkID: &mesos.FrameworkID{Value: f.id}, Resources: er}
	return []mesos.Offer_Operation{calls.OpReserve(reserve...), calls.OpCreate(vol), calls.OpLaunchGroup(ex, task)}
}

func fits(m map[string]float64) bool {
	need := map[string]float64{"disk": volMB}
	for k, v := range taskRes {
		need[k] += v
	}
	for k, v := range execRes {
		need[k] += v
	}
	for k, v := range need {
		if m[k] < v-1e-9 {
			return false
		}
	}
	for k, v := range need {
		m[k] -= v
	}
	return true
}

func run(ctx context.Context, master string, n int, serial bool) error {
	f, err := subscribe(ctx, master)
	if err != nil {
		return err
	}
	launched, running := 0, 0
	var start time.Time
	accepted := map[string]time.Time{}
	var toRunning, steps time.Duration
	stepStart := time.Now()
	for {
		var ev *scheduler.Event
		select {
		case ev = <-f.events:
		case <-ctx.Done():
			return fmt.Errorf("%d of %d pods running: %w", running, n, ctx.Err())
		}
		if ev == nil {
			return fmt.Errorf("the event stream ended")
		}
		switch ev.Type {
		case scheduler.Event_OFFERS:
			if start.IsZero() {
				start = time.Now()
			}
			for i := range ev.Offers.Offers {
				o := &ev.Offers.Offers[i]
				var ops []mesos.Offer_Operation
				m := free(o)
				for launched < n && (!serial || launched == running) && fits(m) {
					accepted[fmt.Sprintf("raw-%d", launched)] = time.Now()
					ops = append(ops, podOps(f, o, launched)...)
					launched++
				}
				refuse := calls.RefuseSeconds(time.Millisecond)
				if len(ops) == 0 {
					if err := f.call(ctx, calls.Decline(o.ID).With(refuse)); err != nil {
						return err
					}
					continue
				}
				if err := f.call(ctx, calls.Accept(calls.OfferOperations(ops).WithOffers(o.ID)).With(refuse)); err != nil {
					return err
				}
			}
		case scheduler.Event_UPDATE:
			st := ev.Update.Status
			f.ack(st)
			switch st.GetState() {
			case mesos.TASK_RUNNING:
				running++
				toRunning += time.Since(accepted[st.TaskID.Value])
				steps += time.Since(stepStart)
				stepStart = time.Now()
				if running == n {
					total := time.Since(start)
					if serial {
						fmt.Printf("raw serial: %d pods, ACCEPT to TASK_RUNNING %.1f ms, step %.1f ms (mean)\n", n,
							float64(toRunning.Microseconds())/float64(n)/1000, float64(steps.Microseconds())/float64(n)/1000)
					} else {
						fmt.Printf("raw parallel: %d pods in %.2f s (%.0f pods/s)\n", n, total.Seconds(), float64(n)/total.Seconds())
					}
					_ = f.call(context.Background(), &scheduler.Call{Type: scheduler.Call_TEARDOWN})
					return nil
				}
				if serial {
					if err := f.call(ctx, calls.Revive()); err != nil {
						return err
					}
				}
			case mesos.TASK_STARTING, mesos.TASK_STAGING:
			default:
				return fmt.Errorf("task %s: %s %s", st.TaskID.Value, st.GetState(), st.GetMessage())
			}
		}
	}
}
