package runtime

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/certs/taskenv"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/servicespec"
)

// caProperty holds the service's CA (certs.CA.Marshal), created once.
const caProperty = record.SecretPrefix + "tls-ca"

// needsTLS says whether any task of spec asks for transport encryption.
func needsTLS(spec *servicespec.ServiceSpec) bool {
	for _, p := range spec.Pods {
		for _, t := range p.Tasks {
			if len(t.TransportEncryption) > 0 {
				return true
			}
		}
	}
	return false
}

// loadCA reads the service's CA from the store, creating and storing it
// first when the spec needs one and the store has none. It is nil when
// neither holds. The CA never reaches a log.
func (r *runner) loadCA(ctx context.Context, spec *servicespec.ServiceSpec) (*certs.CA, error) {
	if data, ok := r.store.Property(caProperty); ok {
		ca, err := certs.ParseCA(data)
		if err != nil {
			return nil, fmt.Errorf("scheduler: %w", err)
		}
		return ca, nil
	}
	if r.opts.Uninstall || spec == nil || !needsTLS(spec) {
		return nil, nil
	}
	ca, err := certs.NewCA(r.service, time.Now())
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	data, err := ca.Marshal()
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	b := &record.Batch{}
	b.PutProperty(caProperty, data)
	if err := r.store.Apply(ctx, b); err != nil {
		return nil, err
	}
	r.log.Info("certificate authority created and stored for transport encryption")
	return ca, nil
}

// CACertificate is the service's CA certificate (PEM); taskenv.ErrNoCA without
// one.
func (b *Backend) CACertificate() ([]byte, error) {
	if b.r.ca == nil {
		return nil, taskenv.ErrNoCA
	}
	return b.r.ca.CertPEM(), nil
}

// IssueCertificate signs a task's certificate signing request (PEM) when
// token is the one the scheduler put in the environment of the task's
// current launch, for the names the scheduler knows the task by (see
// taskNames); never for those the request asks for. Errors: taskenv.ErrNoCA,
// taskenv.ErrCertDenied (also for an unknown task), or one wrapping
// certs.ErrRequest for a bad request. The answer carries the extension's
// TaskSecrets for the task (only to the holder of its launch token).
func (b *Backend) IssueCertificate(ctx context.Context, task, token string, csr []byte) (taskenv.Issued, error) {
	if b.r.ca == nil {
		return taskenv.Issued{}, taskenv.ErrNoCA
	}
	views, err := b.Tasks(ctx)
	if err != nil {
		return taskenv.Issued{}, err
	}
	var view *scheduler.TaskView
	for i := range views {
		if views[i].Name == task {
			view = &views[i]
		}
	}
	if view == nil || view.Info == nil || token == "" {
		return taskenv.Issued{}, taskenv.ErrCertDenied
	}
	env := scheduler.PlacedTaskOf(view.Info).Env
	if subtle.ConstantTimeCompare([]byte(env[taskenv.Token]), []byte(token)) != 1 {
		return taskenv.Issued{}, taskenv.ErrCertDenied
	}
	cert, err := b.r.ca.Sign(csr, taskNames(view, env), time.Now())
	if err != nil {
		return taskenv.Issued{}, err
	}
	issued := taskenv.Issued{Certificate: string(cert), CA: string(b.r.ca.CertPEM())}
	if secrets := b.r.opts.Extension.TaskSecrets; secrets != nil {
		ev, err := b.EnvView(ctx)
		if err != nil {
			return taskenv.Issued{}, err
		}
		issued.Secrets = secrets(ev, scheduler.PlacedTaskOf(view.Info))
	}
	b.r.log.Info("certificate issued", "task", task, "secrets", len(issued.Secrets))
	return issued, nil
}

// taskNames are what a task's certificate certifies, as DC/OS Commons
// names tasks: the common name <task>.<service>; DNS names
// <task>.<service>.autoip.dcos.thisdcos.directory (FRAMEWORK_HOST),
// <task>.<service>.mesos, the VIP names of the task's ports, and the
// agent's hostname (an IP address if it is one).
func taskNames(view *scheduler.TaskView, env map[string]string) certs.Names {
	svc := strings.ReplaceAll(strings.Trim(env["FRAMEWORK_NAME"], "/"), "/", "")
	n := certs.Names{CommonName: view.Name + "." + svc}
	seen := map[string]bool{}
	add := func(dns string) {
		if dns != "" && !seen[dns] {
			seen[dns] = true
			n.DNS = append(n.DNS, dns)
		}
	}
	if host := env["FRAMEWORK_HOST"]; host != "" {
		add(view.Name + "." + host)
	}
	add(view.Name + "." + svc + ".mesos")
	for _, p := range view.Info.GetDiscovery().GetPorts().GetPorts() {
		for _, l := range p.GetLabels().GetLabels() {
			if strings.HasPrefix(l.Key, "VIP_") {
				if host, _, ok := strings.Cut(l.GetValue(), ":"); ok {
					add(host + "." + svc + ".l4lb.thisdcos.directory")
				}
			}
		}
	}
	if host := labelOf(view, offer.LabelHostname); host != "" {
		if ip := net.ParseIP(host); ip != nil {
			n.IPs = append(n.IPs, ip)
		} else {
			add(host)
		}
	}
	return n
}

func labelOf(view *scheduler.TaskView, key string) string {
	for _, l := range view.Info.GetLabels().GetLabels() {
		if l.Key == key {
			return l.GetValue()
		}
	}
	return ""
}

// storedCACert is the stored CA's certificate (PEM), or nil when the
// service has none (or it does not parse: loadCA says so at start).
func (r *runner) storedCACert() []byte {
	data, ok := r.store.Property(caProperty)
	if !ok {
		return nil
	}
	ca, err := certs.ParseCA(data)
	if err != nil {
		return nil
	}
	return ca.CertPEM()
}
