// Package topics is the Kafka scheduler's topic API: DC/OS Kafka's
// /v1/topics routes (list, describe, create, delete, partitions, config,
// offsets, under-replicated and unavailable partitions, producer test),
// answered through the Kafka Admin API (examples/kafka/kafkaclient) at the
// brokers' advertised addresses, never through a shell tool. A Kafka
// error is a 4xx (or 5xx for a cluster in trouble) whose JSON names it
// as the Kafka protocol does: {"message": "...", "error":
// "TOPIC_ALREADY_EXISTS"}.
package topics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// Bootstrap returns the addresses (host:port) of the brokers the
// scheduler reaches the cluster through, and how to talk to them (TLS or
// not); none is an error.
type Bootstrap func(ctx context.Context) ([]string, kafkaclient.Security, error)

// ErrNoBrokers is a cluster without a broker to ask (503).
var ErrNoBrokers = errors.New("no broker is running")

// MaxProduceTest bounds producer-test's messages: the test runs inside an
// API request.
const MaxProduceTest = 1_000_000

// requestTimeout bounds each Kafka exchange of a request.
const requestTimeout = 30 * time.Second

// handler answers the routes with an Admin for the present bootstrap
// addresses, kept while they stay the same.
type handler struct {
	bootstrap Bootstrap
	now       func() time.Time

	mu    sync.Mutex
	key   string
	admin *kafkaclient.Admin
}

// Routes are the topic routes under /v1/, as DC/OS Kafka's TopicResource
// serves them, plus short forms of its operations (topics/{name}/partitions
// and topics/{name}/config next to topics/{name}/operation/…):
//
//	GET    topics                                 names, sorted
//	GET    topics/under_replicated_partitions     {"message", "partitions"}
//	GET    topics/unavailable_partitions          {"message", "partitions"}
//	GET    topics/{name}                          {"partitions": [{"0": {leader, isr, replicas}}…]}
//	PUT    topics/{name}?partitions=&replication=&config=k=v,…   create (POST too)
//	DELETE topics/{name}                          delete
//	PUT    topics/{name}/operation/partitions?partitions=N      increase
//	GET    topics/{name}/config                   the topic's configs
//	PUT    topics/{name}/operation/config?key=&value=  (or config=k=v,…)
//	DELETE topics/{name}/operation/config?key=    back to the default
//	GET    topics/{name}/offsets?time=first|last|-2|-1|ms  [{"0": "42"}…]
//	PUT    topics/{name}/operation/producer-test?messages=N
//
// now is the clock producer-test times itself with.
func Routes(b Bootstrap, now func() time.Time) []api.Route {
	h := &handler{bootstrap: b, now: now}
	route := func(method, path string, f func(*http.Request, *kafkaclient.Admin) (int, any, error)) api.Route {
		return api.Route{Method: method, Path: path, Handler: h.serve(f)}
	}
	var out []api.Route
	out = append(out,
		route(http.MethodGet, "topics", h.list),
		route(http.MethodGet, "topics/under_replicated_partitions", h.underReplicated),
		route(http.MethodGet, "topics/unavailable_partitions", h.unavailable),
		route(http.MethodGet, "topics/{name}", h.describe),
		route(http.MethodPut, "topics/{name}", h.create),
		route(http.MethodPost, "topics/{name}", h.create),
		route(http.MethodDelete, "topics/{name}", h.delete),
		route(http.MethodGet, "topics/{name}/config", h.config),
		route(http.MethodGet, "topics/{name}/offsets", h.offsets))
	for _, prefix := range []string{"topics/{name}/operation/", "topics/{name}/"} {
		out = append(out,
			route(http.MethodPut, prefix+"partitions", h.partitions),
			route(http.MethodPut, prefix+"config", h.setConfig),
			route(http.MethodDelete, prefix+"config", h.deleteConfig))
	}
	out = append(out,
		route(http.MethodPut, "topics/{name}/operation/producer-test", h.produceTest),
		route(http.MethodPut, "topics/{name}/operation/producer-test-tls", func(*http.Request, *kafkaclient.Admin) (int, any, error) {
			return http.StatusBadRequest, message("producer-test-tls: this service has no TLS listener"), nil
		}))
	return out
}

// Message is the body of DC/OS Kafka's operations: {"message": "Output: …"}.
type Message struct {
	Message string `json:"message"`
	// Error names the Kafka error of a failed operation.
	Error string `json:"error,omitempty"`
}

func message(format string, args ...any) Message {
	return Message{Message: fmt.Sprintf(format, args...)}
}

// adminFor is the Admin for the present bootstrap addresses.
func (h *handler) adminFor(ctx context.Context) (*kafkaclient.Admin, error) {
	addrs, sec, err := h.bootstrap(ctx)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, ErrNoBrokers
	}
	key := strings.Join(addrs, ",")
	if sec.TLS != nil {
		key = "tls " + key
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.admin == nil || h.key != key {
		if h.admin != nil {
			h.admin.Close()
		}
		h.admin, h.key = kafkaclient.NewSecureAdmin(sec, addrs...), key
	}
	return h.admin, nil
}

// serve runs f with an Admin and writes its answer, or its error as
// errorStatus says.
func (h *handler) serve(f func(*http.Request, *kafkaclient.Admin) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		admin, err := h.adminFor(ctx)
		code, body := 0, any(nil)
		if err == nil {
			code, body, err = f(r, admin)
		}
		if err != nil {
			code, body = errorStatus(err)
		}
		writeJSON(w, code, body)
	})
}

// badRequest is an error in the request itself (400).
type badRequest struct{ err error }

func (b badRequest) Error() string { return b.err.Error() }
func (b badRequest) Unwrap() error { return b.err }

// statusOf are the HTTP statuses of Kafka's errors about the request; the
// others (a cluster without a controller, timeouts) are 503.
var statusOf = map[string]int{
	"TOPIC_ALREADY_EXISTS":         http.StatusConflict,
	"UNKNOWN_TOPIC_OR_PARTITION":   http.StatusNotFound,
	"UNKNOWN_TOPIC_ID":             http.StatusNotFound,
	"INVALID_TOPIC_EXCEPTION":      http.StatusBadRequest,
	"INVALID_PARTITIONS":           http.StatusBadRequest,
	"INVALID_REPLICATION_FACTOR":   http.StatusBadRequest,
	"INVALID_REPLICA_ASSIGNMENT":   http.StatusBadRequest,
	"INVALID_CONFIG":               http.StatusBadRequest,
	"INVALID_REQUEST":              http.StatusBadRequest,
	"POLICY_VIOLATION":             http.StatusBadRequest,
	"TOPIC_DELETION_DISABLED":      http.StatusBadRequest,
	"INVALID_TIMESTAMP":            http.StatusBadRequest,
	"TOPIC_AUTHORIZATION_FAILED":   http.StatusForbidden,
	"CLUSTER_AUTHORIZATION_FAILED": http.StatusForbidden,
	"RECORD_LIST_TOO_LARGE":        http.StatusBadRequest,
	"MESSAGE_TOO_LARGE":            http.StatusBadRequest,
	"RESOURCE_NOT_FOUND":           http.StatusNotFound,
	"UNACCEPTABLE_CREDENTIAL":      http.StatusBadRequest,
	"UNSUPPORTED_SASL_MECHANISM":   http.StatusBadRequest,
	"DUPLICATE_RESOURCE":           http.StatusBadRequest,
}

// errorStatus is the status and body of err: a bad request is 400, a
// Kafka error as statusOf says (named in the body), a cluster the
// scheduler cannot reach 503.
func errorStatus(err error) (int, Message) {
	var bad badRequest
	if errors.As(err, &bad) {
		return http.StatusBadRequest, Message{Message: err.Error()}
	}
	if name, ok := kafkaclient.ErrorName(err); ok {
		code, known := statusOf[name]
		if !known {
			code = http.StatusServiceUnavailable
		}
		return code, Message{Message: name + ": " + err.Error(), Error: name}
	}
	return http.StatusServiceUnavailable, Message{Message: "the Kafka cluster did not answer: " + err.Error()}
}

// list: GET topics.
func (h *handler) list(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	names, err := a.Topics(r.Context())
	if names == nil {
		names = []string{}
	}
	return http.StatusOK, names, err
}

// PartitionState is one partition of GET topics/{name}, in the names of
// the ZooKeeper partition state DC/OS Kafka showed, with its replicas.
type PartitionState struct {
	Leader   int32   `json:"leader"`
	ISR      []int32 `json:"isr"`
	Replicas []int32 `json:"replicas"`
	Offline  []int32 `json:"offline_replicas,omitempty"`
}

// Topic is GET topics/{name}: {"partitions": [{"0": {…}}, {"1": {…}}]}.
type Topic struct {
	Partitions []map[string]PartitionState `json:"partitions"`
}

func (h *handler) describe(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	parts, err := a.Topic(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return 0, nil, err
	}
	t := Topic{Partitions: []map[string]PartitionState{}}
	for _, p := range parts {
		t.Partitions = append(t.Partitions, map[string]PartitionState{strconv.Itoa(int(p.ID)): {
			Leader: p.Leader, ISR: nonNil(p.ISR), Replicas: nonNil(p.Replicas), Offline: p.Offline}})
	}
	return http.StatusOK, t, nil
}

func nonNil(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

// intParam is the query parameter name as a number of at least lo; absent
// is def.
func intParam(r *http.Request, name string, def, lo int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo {
		return 0, badRequest{fmt.Errorf("%s=%q: want a number, at least %d", name, s, lo)}
	}
	return n, nil
}

// configParam is the configs of the request: config=k=v,… (any number of
// times) and key=K&value=V.
func configParam(r *http.Request) (map[string]string, error) {
	q := r.URL.Query()
	out := map[string]string{}
	for _, s := range q["config"] {
		m, err := ParseConfig(s)
		if err != nil {
			return nil, badRequest{fmt.Errorf("config: %w", err)}
		}
		for k, v := range m {
			if _, dup := out[k]; dup {
				return nil, badRequest{fmt.Errorf("config: %w: %s given twice", ErrBadConfig, k)}
			}
			out[k] = v
		}
	}
	if k := q.Get("key"); k != "" {
		if err := checkKey(k); err != nil {
			return nil, badRequest{fmt.Errorf("key: %w", err)}
		}
		if _, dup := out[k]; dup {
			return nil, badRequest{fmt.Errorf("key: %w: %s given twice", ErrBadConfig, k)}
		}
		out[k] = q.Get("value")
	} else if q.Has("value") {
		return nil, badRequest{errors.New("value: given without key")}
	}
	return out, nil
}

// create: PUT topics/{name}?partitions=N&replication=R&config=…; absent
// partitions or replication take the brokers' defaults.
func (h *handler) create(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	parts, err := intParam(r, "partitions", -1, 1)
	if err != nil {
		return 0, nil, err
	}
	rf, err := intParam(r, "replication", -1, 1)
	if err != nil {
		return 0, nil, err
	}
	cfg, err := configParam(r)
	if err != nil {
		return 0, nil, err
	}
	if err := a.CreateTopic(r.Context(), kafkaclient.TopicSpec{Name: name, Partitions: parts, ReplicationFactor: rf, Configs: cfg}); err != nil {
		return 0, nil, err
	}
	msg := fmt.Sprintf("Output: Created topic %q.\n", name)
	if strings.ContainsAny(name, "._") {
		msg = "Output: WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. " +
			"To avoid issues it is best to use either, but not both.\n" + msg[len("Output: "):]
	}
	return http.StatusOK, Message{Message: msg}, nil
}

func (h *handler) delete(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	if err := a.DeleteTopic(r.Context(), name); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, message("Output: Topic %s is marked for deletion.\n", name), nil
}

func (h *handler) partitions(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	if r.URL.Query().Get("partitions") == "" {
		return 0, nil, badRequest{errors.New("partitions: the new partition count is required")}
	}
	n, err := intParam(r, "partitions", 0, 1)
	if err != nil {
		return 0, nil, err
	}
	if err := a.AddPartitions(r.Context(), name, n); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, message("Output: Adding partitions succeeded!\n"), nil
}

func (h *handler) config(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	entries, err := a.TopicConfig(r.Context(), chi.URLParam(r, "name"))
	if entries == nil {
		entries = []kafkaclient.ConfigEntry{}
	}
	return http.StatusOK, entries, err
}

func (h *handler) setConfig(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	cfg, err := configParam(r)
	if err != nil {
		return 0, nil, err
	}
	if len(cfg) == 0 {
		return 0, nil, badRequest{errors.New("key: a config to set is required (key=K&value=V or config=k=v,…)")}
	}
	if err := a.AlterTopicConfig(r.Context(), name, cfg, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, message("Output: Updated config for topic %q.\n", name), nil
}

func (h *handler) deleteConfig(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	keys := r.URL.Query()["key"]
	if len(keys) == 0 {
		return 0, nil, badRequest{errors.New("key: the config to delete is required")}
	}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return 0, nil, badRequest{fmt.Errorf("key: %w", err)}
		}
	}
	if err := a.AlterTopicConfig(r.Context(), name, nil, keys); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, message("Output: Updated config for topic %q.\n", name), nil
}

// offsets: [{"0": "42"}, …] by partition, the offsets as strings, as
// DC/OS Kafka's GetOffsetShell answer.
func (h *handler) offsets(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	t, err := ParseTime(r.URL.Query().Get("time"))
	if err != nil {
		return 0, nil, badRequest{fmt.Errorf("time: %w", err)}
	}
	offs, err := a.Offsets(r.Context(), chi.URLParam(r, "name"), t)
	if err != nil {
		return 0, nil, err
	}
	out := []map[string]string{}
	for p := range int32(len(offs)) {
		if o, ok := offs[p]; ok {
			out = append(out, map[string]string{strconv.Itoa(int(p)): strconv.FormatInt(o, 10)})
		}
	}
	return http.StatusOK, out, nil
}

// Partitions is the answer of under_replicated_partitions and
// unavailable_partitions: kafka-topics --describe's lines in message, and
// the partitions.
type Partitions struct {
	Message    string          `json:"message"`
	Partitions []PartitionLine `json:"partitions"`
}

// PartitionLine is one partition of Partitions.
type PartitionLine struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Leader    int32   `json:"leader"`
	Replicas  []int32 `json:"replicas"`
	ISR       []int32 `json:"isr"`
}

func (h *handler) underReplicated(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	m, err := a.Describe(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, partitionLines(m.UnderReplicated()), nil
}

func (h *handler) unavailable(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	m, err := a.Describe(r.Context())
	if err != nil {
		return 0, nil, err
	}
	var out []kafkaclient.Partition
	for _, p := range m.Partitions {
		if p.Leader < 0 || !m.HasBroker(p.Leader) {
			out = append(out, p)
		}
	}
	return http.StatusOK, partitionLines(out), nil
}

func partitionLines(ps []kafkaclient.Partition) Partitions {
	out := Partitions{Partitions: []PartitionLine{}}
	var b strings.Builder
	for _, p := range ps {
		out.Partitions = append(out.Partitions, PartitionLine{Topic: p.Topic, Partition: p.ID, Leader: p.Leader,
			Replicas: nonNil(p.Replicas), ISR: nonNil(p.ISR)})
		fmt.Fprintf(&b, "\tTopic: %s\tPartition: %d\tLeader: %d\tReplicas: %s\tIsr: %s\n",
			p.Topic, p.ID, p.Leader, ids(p.Replicas), ids(p.ISR))
	}
	out.Message = b.String()
	return out
}

func ids(v []int32) string {
	s := make([]string, len(v))
	for i, id := range v {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

// produceTest: PUT topics/{name}/operation/producer-test?messages=N
// writes N records of 1024 bytes (default 10) with acks=all.
func (h *handler) produceTest(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	n, err := intParam(r, "messages", 10, 1)
	if err != nil {
		return 0, nil, err
	}
	if n > MaxProduceTest {
		return 0, nil, badRequest{fmt.Errorf("messages=%d: at most %d", n, MaxProduceTest)}
	}
	if _, err := a.Topic(r.Context(), name); err != nil {
		return 0, nil, err
	}
	res, err := a.ProduceTest(r.Context(), name, n, h.now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, message("Output: %s\n", res), nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
