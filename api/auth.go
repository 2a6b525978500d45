package api

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/kennel-sdk/kennel/api/ui"
)

// requireToken refuses requests without the token, except the paths that
// callers without credentials must reach (see Options.Token).
func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if open(r.URL.Path) || subtle.ConstantTimeCompare([]byte(presented(r)), []byte(token)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="kennel"`)
		text(w, http.StatusUnauthorized, "Unauthorized: send Authorization: Bearer <token> or token=<token>")
	})
}

func open(path string) bool {
	// The dashboard checks its own session (package ui).
	return path == "/v1/health" || strings.HasPrefix(path, "/v1/artifacts/") || ui.Open(path)
}

// presented is the token of an Authorization header in either form.
func presented(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if t, ok := strings.CutPrefix(h, "token="); ok {
		return t
	}
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
