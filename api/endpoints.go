package api

import (
	"maps"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// endpoints collects the advertised ports of the tasks (sorted by task
// name) by port name.
func endpoints(service string, tasks []scheduler.TaskView) map[string]*wire.Endpoint {
	out := map[string]*wire.Endpoint{}
	domain := autoIPDomain(service)
	for _, t := range tasks {
		d := t.Info.GetDiscovery()
		if d == nil || !t.Live {
			continue
		}
		host := hostOf(t)
		for _, p := range d.GetPorts().GetPorts() {
			if p.GetVisibility() != mesos.EXTERNAL || p.GetName() == "" {
				continue
			}
			e := out[p.GetName()]
			if e == nil {
				e = &wire.Endpoint{Address: []string{}, DNS: []string{}}
				out[p.GetName()] = e
			}
			port := strconv.Itoa(int(p.Number))
			e.Address = append(e.Address, net.JoinHostPort(host, port))
			e.DNS = append(e.DNS, net.JoinHostPort(dnsLabel(t.Name)+"."+domain, port))
			for _, l := range p.GetLabels().GetLabels() {
				if strings.HasPrefix(l.Key, offer.LabelVIPPrefix) {
					name, vport, _ := strings.Cut(l.GetValue(), ":")
					e.VIP = name + "." + strings.ReplaceAll(service, "/", "") + ".l4lb.thisdcos.directory:" + vport
				}
			}
		}
	}
	return out
}

// hostOf is where a task is reached: the IP its latest status reports,
// else the hostname of the agent it was launched on.
func hostOf(t scheduler.TaskView) string {
	if t.Status != nil {
		for _, n := range t.Status.GetContainerStatus().GetNetworkInfos() {
			for _, ip := range n.IPAddresses {
				if ip.GetIPAddress() != "" {
					return ip.GetIPAddress()
				}
			}
		}
	}
	for _, l := range t.Info.GetLabels().GetLabels() {
		if l.Key == offer.LabelHostname {
			return l.GetValue()
		}
	}
	return t.Info.AgentID.Value
}

// autoIPDomain is DC/OS's per-service DNS domain: the service name with
// '.' as '-' and '/' removed, under autoip.dcos.thisdcos.directory.
func autoIPDomain(service string) string {
	return strings.ReplaceAll(strings.ReplaceAll(service, ".", "-"), "/", "") + ".autoip.dcos.thisdcos.directory"
}

func dnsLabel(s string) string { return strings.ReplaceAll(s, ".", "-") }

func (h *handler) endpointNames(w http.ResponseWriter, r *http.Request) {
	tasks, ok := h.tasks(w, r)
	if !ok {
		return
	}
	// Not nil: no endpoints is [] in JSON.
	names := slices.AppendSeq([]string{}, maps.Keys(endpoints(h.opts.Service, tasks)))
	for _, p := range h.opts.Endpoints {
		if !slices.Contains(names, p.Name()) {
			names = append(names, p.Name())
		}
	}
	sort.Strings(names)
	writeJSON(w, http.StatusOK, names)
}

func (h *handler) endpoint(w http.ResponseWriter, r *http.Request) {
	tasks, ok := h.tasks(w, r)
	if !ok {
		return
	}
	name := chi.URLParam(r, "name")
	if p := h.producer(name); p != nil {
		body, ok := p.Endpoint(tasks)
		if !ok {
			text(w, http.StatusNotFound, "Endpoint "+name+" not found")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(body))
		return
	}
	e := endpoints(h.opts.Service, tasks)[name]
	if e == nil {
		text(w, http.StatusNotFound, "Endpoint "+name+" not found")
		return
	}
	writeJSON(w, http.StatusOK, e)
}
