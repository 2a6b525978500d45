package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/certs/taskenv"
)

// CertificateIssuer is the service's certificate authority, behind the
// ServiceSpec's transport-encryption (the runtime's Backend).
type CertificateIssuer interface {
	// CACertificate is the CA's certificate (PEM); taskenv.ErrNoCA
	// without a CA.
	CACertificate() ([]byte, error)
	// IssueCertificate signs a task's certificate signing request when
	// token is its current launch's: errors taskenv.ErrNoCA,
	// taskenv.ErrCertDenied, or one wrapping certs.ErrRequest.
	IssueCertificate(ctx context.Context, task, token string, csr []byte) (taskenv.Issued, error)
}

// maxCSR bounds a certificate signing request's body.
const maxCSR = 64 << 10

func (h *handler) tlsRoutes(r chi.Router) {
	r.Get("/v1/artifacts/tls/ca.crt", h.caCert)
	r.Post("/v1/artifacts/tls/certs/{task}", h.issueCert)
}

// caCert is GET /v1/artifacts/tls/ca.crt: the service's CA certificate,
// PEM; 404 when the service has none.
func (h *handler) caCert(w http.ResponseWriter, _ *http.Request) {
	if h.opts.TLS == nil {
		text(w, http.StatusNotFound, taskenv.ErrNoCA.Error())
		return
	}
	pem, err := h.opts.TLS.CACertificate()
	if err != nil {
		text(w, http.StatusNotFound, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pem)
}

// issueCert is POST /v1/artifacts/tls/certs/{task}: the body is a PEM
// certificate signing request of the task's bootstrap, the header
// taskenv.TokenHeader its launch's token. 200 with taskenv.Issued (JSON);
// 400 for a bad request, 403 for a wrong token or an unknown task, 404
// without a CA, 413 for a body over 64 KiB.
func (h *handler) issueCert(w http.ResponseWriter, r *http.Request) {
	if h.opts.TLS == nil {
		text(w, http.StatusNotFound, taskenv.ErrNoCA.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCSR))
	if err != nil {
		text(w, http.StatusRequestEntityTooLarge, "The certificate signing request is over 64 KiB")
		return
	}
	task := chi.URLParam(r, "task")
	issued, err := h.opts.TLS.IssueCertificate(r.Context(), task, r.Header.Get(taskenv.TokenHeader), body)
	switch {
	case errors.Is(err, taskenv.ErrNoCA):
		text(w, http.StatusNotFound, err.Error())
	case errors.Is(err, taskenv.ErrCertDenied):
		text(w, http.StatusForbidden, "Task "+task+": "+err.Error())
	case errors.Is(err, certs.ErrRequest):
		text(w, http.StatusBadRequest, err.Error())
	case err != nil:
		internal(w, err)
	default:
		writeJSON(w, http.StatusOK, issued)
	}
}

// redacted replaces a secret's value in what the API shows.
const redacted = "<redacted>"

// redactSecrets is info with the value of every environment variable
// taskenv.Token replaced by redacted (a copy when it has one): the token
// of a launch signs its certificate and is shown by no API answer.
func redactSecrets(info *mesos.TaskInfo) *mesos.TaskInfo {
	if info == nil {
		return nil
	}
	out := proto.Clone(info).(*mesos.TaskInfo)
	redact := func(e *mesos.Environment) {
		for i := range e.GetVariables() {
			if e.Variables[i].Name == taskenv.Token {
				e.Variables[i].Value = proto.String(redacted)
			}
		}
	}
	redact(out.GetCommand().GetEnvironment())
	redact(out.GetHealthCheck().GetCommand().GetEnvironment())
	if c := out.GetCheck().GetCommand(); c != nil {
		redact(c.Command.Environment)
	}
	return out
}
