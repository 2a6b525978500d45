package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/plans"
)

func (h *handler) plansRoutes(r chi.Router) {
	r.Get("/v1/plans", h.planNames)
	r.Get("/v1/plans/{plan}", h.plan)
	for _, verb := range []string{"start", "stop", "interrupt", "continue", "forceComplete", "restart"} {
		r.Post("/v1/plans/{plan}/"+verb, h.planCommand(verb, ""))
	}
	// DC/OS Commons' deprecated /v1/plan aliases act on the deploy plan.
	r.Get("/v1/plan", func(w http.ResponseWriter, r *http.Request) { h.servePlan(w, r, plans.DeployPlan) })
	for _, verb := range []string{"interrupt", "continue", "forceComplete", "restart"} {
		r.Post("/v1/plan/"+verb, h.planCommand(verb, plans.DeployPlan))
	}
}

func (h *handler) planNames(w http.ResponseWriter, _ *http.Request) {
	names := h.s.Snapshot().PlanNames
	if names == nil {
		names = []string{}
	}
	writeJSON(w, http.StatusOK, names)
}

func (h *handler) plan(w http.ResponseWriter, r *http.Request) {
	h.servePlan(w, r, chi.URLParam(r, "plan"))
}

// servePlan is GET /v1/plans/{plan}: 200 when COMPLETE, 202 while not, 417
// with errors, 404 for an unknown plan. The plan's body is gzip-compressed
// for a request that accepts it (writePlan); the 404's text is not.
func (h *handler) servePlan(w http.ResponseWriter, r *http.Request, name string) {
	view := h.s.Snapshot().Plans[name]
	switch {
	case view == nil:
		text(w, http.StatusNotFound, "Plan "+name+" not found")
	case len(view.Errors) > 0:
		writePlan(w, r, http.StatusExpectationFailed, view)
	case view.Status == plans.Complete:
		writePlan(w, r, http.StatusOK, view)
	default:
		writePlan(w, r, http.StatusAccepted, view)
	}
}

// planCommand handles POST /v1/plans/{plan}/<verb> (plan is fixed for the
// deprecated aliases): 200 with DC/OS's "Received cmd" message, 208 when
// there is nothing to do, 400 and 404 with a message.
func (h *handler) planCommand(verb, plan string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cmd := plans.Command{Verb: verb, Plan: plan, Phase: r.URL.Query().Get("phase"), Step: r.URL.Query().Get("step")}
		if cmd.Plan == "" {
			cmd.Plan = chi.URLParam(r, "plan")
		}
		if verb == "start" {
			params, err := parameters(r.Body)
			if err != nil {
				text(w, http.StatusBadRequest, "Couldn't parse parameters: "+err.Error())
				return
			}
			cmd.Parameters = params
		}
		res, err := h.s.PlanCommand(r.Context(), cmd)
		if err != nil {
			internal(w, err)
			return
		}
		switch res.Outcome {
		case plans.Accepted:
			message(w, res.Message)
		case plans.AlreadyReported:
			text(w, http.StatusAlreadyReported, res.Message)
		case plans.NotFound:
			text(w, http.StatusNotFound, res.Message)
		default:
			text(w, http.StatusBadRequest, res.Message)
		}
	}
}

// parameters reads a start body: a JSON object of names to values. Strings,
// numbers and booleans are taken as their text; an empty body is {}.
func parameters(body io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return map[string]string{}, nil
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("the body is not JSON: %w", err)
		}
		return nil, errors.New("the body must be a JSON object of parameter names to values")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(v)
		default:
			return nil, fmt.Errorf("the value of %s must be a string, a number or a boolean", k)
		}
	}
	return out, nil
}
