package master

import (
	"net/http"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/deploy/local/wire"
)

// serveScheduler is POST /api/v1/scheduler: status codes and messages as
// Master::Http::scheduler answers them.
func (m *Master) serveScheduler(w http.ResponseWriter, r *http.Request) {
	var call scheduler.Call
	mt, err := wire.DecodeCall(r, &call)
	if err != nil {
		wire.WriteError(w, err)
		return
	}
	m.mu.Lock()
	recovering := m.recoveringLocked() || m.stopped
	m.mu.Unlock()
	if recovering {
		wire.WriteError(w, wire.Errorf(http.StatusServiceUnavailable, "Master has not finished recovery"))
		return
	}
	if call.Type == scheduler.Call_SUBSCRIBE {
		out, err := wire.Accept(r, mt)
		if err != nil {
			wire.WriteError(w, err)
			return
		}
		m.subscribe(w, r, &call, out)
		return
	}
	if err := m.dispatch(r, &call); err != nil {
		wire.WriteError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// dispatch validates a non-SUBSCRIBE call and applies it.
func (m *Master) dispatch(r *http.Request, call *scheduler.Call) error {
	fid := call.GetFrameworkID().GetValue()
	if fid == "" {
		return wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.frameworks[fid]
	switch {
	case f == nil:
		return wire.Errorf(http.StatusBadRequest, "Framework cannot be found")
	case f.sub == nil:
		return wire.Errorf(http.StatusForbidden, "Framework is not subscribed")
	case r.Header.Get("Mesos-Stream-Id") == "":
		return wire.Errorf(http.StatusBadRequest, "All non-subscribe calls should include the 'Mesos-Stream-Id' header")
	case r.Header.Get("Mesos-Stream-Id") != f.streamID:
		return wire.Errorf(http.StatusBadRequest, "The stream ID '%s' included in this request didn't match the stream ID currently associated with framework ID %s", r.Header.Get("Mesos-Stream-Id"), fid)
	}
	switch call.Type {
	case scheduler.Call_TEARDOWN:
		m.log.Info("framework teardown", "framework", fid)
		m.removeFramework(f)
	case scheduler.Call_ACCEPT:
		return m.accept(f, call.GetAccept())
	case scheduler.Call_DECLINE:
		d := call.GetDecline()
		if d == nil {
			return missing("decline")
		}
		m.decline(f, d.OfferIDs, d.Filters)
	case scheduler.Call_REVIVE:
		m.revive(f)
	case scheduler.Call_SUPPRESS:
		f.suppressed = true
	case scheduler.Call_KILL:
		k := call.GetKill()
		if k == nil {
			return missing("kill")
		}
		m.kill(f, k)
	case scheduler.Call_SHUTDOWN:
		if call.GetShutdown() == nil {
			return missing("shutdown")
		}
		m.shutdownExecutor(f, call.GetShutdown())
	case scheduler.Call_ACKNOWLEDGE:
		return m.acknowledge(f, call.GetAcknowledge())
	case scheduler.Call_RECONCILE:
		if call.GetReconcile() == nil {
			return missing("reconcile")
		}
		m.reconcile(f, call.GetReconcile().Tasks)
	case scheduler.Call_MESSAGE, scheduler.Call_REQUEST, scheduler.Call_RECONCILE_OPERATIONS,
		scheduler.Call_ACCEPT_INVERSE_OFFERS, scheduler.Call_DECLINE_INVERSE_OFFERS, scheduler.Call_ACKNOWLEDGE_OPERATION_STATUS:
		// Accepted and dropped: the local cluster has no operation feedback,
		// inverse offers or executor messages.
	default:
		return wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: Unsupported call type %s", call.Type)
	}
	return nil
}

func missing(field string) error {
	return wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: Expecting '%s' to be present", field)
}

// decline returns offers with a filter for their resources.
func (m *Master) decline(f *framework, ids []mesos.OfferID, filters *mesos.Filters) {
	refuse := m.refuseDuration(filters)
	for _, id := range ids {
		o := m.offers[id.Value]
		if o == nil || o.frameworkID != f.id {
			continue
		}
		m.dropOffer(id.Value, o)
		m.refuse(f, o.agentID, o.resources, refuse)
	}
}

// refuseDuration is filters.refuse_seconds, else the default (5 s),
// capped at a year as Mesos caps it.
func (m *Master) refuseDuration(filters *mesos.Filters) time.Duration {
	if filters == nil || filters.RefuseSeconds == nil {
		return m.cfg.Timing.DefaultRefuse
	}
	secs := filters.GetRefuseSeconds()
	if secs < 0 {
		return m.cfg.Timing.DefaultRefuse
	}
	if secs > 365*24*3600 {
		secs = 365 * 24 * 3600
	}
	return time.Duration(secs * float64(time.Second))
}
