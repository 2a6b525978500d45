package topics

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// UserRoutes are the SCRAM-SHA-512 user routes under /v1/, answered with
// the Admin API (DescribeUserScramCredentials, AlterUserScramCredentials)
// like Routes:
//
//	GET    users           names of the users with SCRAM credentials, sorted
//	PUT    users/{name}    {"password": "…"}: create, or change the password (POST too)
//	DELETE users/{name}    remove; 404 RESOURCE_NOT_FOUND when there is none
//
// The password travels in the body only (never in a URL, which is
// logged), is salted and hashed in the scheduler, and no answer or log
// line contains it.
func UserRoutes(b Bootstrap) []api.Route {
	h := &handler{bootstrap: b}
	route := func(method, path string, f func(*http.Request, *kafkaclient.Admin) (int, any, error)) api.Route {
		return api.Route{Method: method, Path: path, Handler: h.serve(f)}
	}
	return []api.Route{
		route(http.MethodGet, "users", h.users),
		route(http.MethodPut, "users/{name}", h.setUser),
		route(http.MethodPost, "users/{name}", h.setUser),
		route(http.MethodDelete, "users/{name}", h.removeUser),
	}
}

// UserRequest is the body of PUT /v1/users/{name}.
type UserRequest struct {
	Password string `json:"password"`
}

// maxUserBody bounds PUT /v1/users/{name}'s body.
const maxUserBody = 4 << 10

// ErrBadUser is a user name Kafka would not take: empty, longer than 255
// bytes, or with control characters.
var ErrBadUser = errors.New("bad user name")

// CheckUserName reports whether name is a user name the routes accept.
func CheckUserName(name string) error {
	if name == "" || len(name) > 255 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w %q: want 1 to 255 bytes without control characters", ErrBadUser, name)
	}
	return nil
}

func (h *handler) users(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	users, err := a.Users(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, users, nil
}

func (h *handler) setUser(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	if err := CheckUserName(name); err != nil {
		return 0, nil, badRequest{err}
	}
	var req UserRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxUserBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		// The decoder's message may quote the body: it is not shown.
		return 0, nil, badRequest{errors.New(`the body must be a JSON object {"password": "…"} of at most 4 KiB`)}
	}
	if err := a.SetUser(r.Context(), name, req.Password); err != nil {
		if errors.Is(err, kafkaclient.ErrBadPassword) {
			return 0, nil, badRequest{err}
		}
		return 0, nil, err
	}
	return http.StatusOK, message("User %s has SCRAM-SHA-512 credentials", name), nil
}

func (h *handler) removeUser(r *http.Request, a *kafkaclient.Admin) (int, any, error) {
	name := chi.URLParam(r, "name")
	if err := CheckUserName(name); err != nil {
		return 0, nil, badRequest{err}
	}
	if err := a.RemoveUser(r.Context(), name); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, message("User %s removed", name), nil
}
