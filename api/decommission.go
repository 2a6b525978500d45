package api

import (
	"context"
	"net/http"
)

// DecommissionCheckPath is where DecommissionCheckRoute serves, under
// /v1/.
const DecommissionCheckPath = "decommission-check"

// DecommissionCheck is the answer of GET /v1/decommission-check: why the
// scheduler would refuse a configuration that removes the instances asked
// about (empty: it would not).
type DecommissionCheck struct {
	Refusals []string `json:"refusals"`
}

// DecommissionCheckRoute serves GET /v1/decommission-check?instance=NAME…
// (`kennel update start --dry-run` asks it): check says what the
// scheduler's decommission guard (runtime.DecommissionGuard) would refuse
// if a configuration removed those pod instances. No instance is 400; a
// check that cannot tell is 503 with why.
func DecommissionCheckRoute(check func(ctx context.Context, instances []string) ([]string, error)) Route {
	return Route{Method: http.MethodGet, Path: DecommissionCheckPath, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		insts := r.URL.Query()["instance"]
		if len(insts) == 0 {
			text(w, http.StatusBadRequest, "name the pod instances to check: ?instance=NAME (repeatable)")
			return
		}
		refusals, err := check(r.Context(), insts)
		if err != nil {
			text(w, http.StatusServiceUnavailable, "cannot check: "+err.Error())
			return
		}
		if refusals == nil {
			refusals = []string{}
		}
		writeJSON(w, http.StatusOK, DecommissionCheck{Refusals: refusals})
	})}
}
