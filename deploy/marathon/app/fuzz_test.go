package app_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// FuzzDecode: any body decodes to an app, ErrBadJSON or a 422 with at
// least one detail; a decoded app decodes again to itself.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"id": "x", "cmd": "run"}`,
		`{"id": "/dev/x", "args": ["a"], "instances": 0, "portDefinitions": [{"port": 0, "name": "api"}]}`,
		`{"id": "x", "cmd": "x", "healthChecks": [{"protocol": "MESOS_HTTP", "portIndex": 0}], "constraints": [["hostname", "UNIQUE"]]}`,
		`{"id": "x", "cmd": "x", "env": {"A": {"secret": "s"}}, "container": {}}`,
		`{"id": 1}`, `[`, `{}`,
	} {
		f.Add([]byte(s))
	}
	v, err := app.NewValidator(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := v.Decode(body, "")
		var inv *app.InvalidError
		switch {
		case errors.Is(err, app.ErrBadJSON):
			return
		case errors.As(err, &inv):
			if len(inv.Details) == 0 {
				t.Fatalf("a 422 without details for %q", body)
			}
			return
		case err != nil:
			t.Fatalf("unexpected error %v", err)
		}
		again, err := json.Marshal(req.App)
		if err != nil {
			t.Fatal(err)
		}
		req2, err := v.Decode(again, "")
		if err != nil {
			t.Fatalf("a decoded app %s does not decode again: %v", again, err)
		}
		if !app.SameConfig(req.App, req2.App) || req.App.Instances != req2.App.Instances {
			t.Fatalf("round trip changed %+v into %+v", req.App, req2.App)
		}
	})
}

// FuzzRollbackVersion: a body names a version (and nothing but an id
// beside it), names none, or is refused as bad JSON or with a 422.
func FuzzRollbackVersion(f *testing.F) {
	for _, s := range []string{`{"version": "v"}`, `{"id": "x", "version": "v"}`, `{"version": "v", "cmd": "x"}`, `{}`, `{"version": 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, ok, err := app.RollbackVersion(body)
		var inv *app.InvalidError
		switch {
		case err == nil && ok && v == "":
			t.Fatalf("%q: an empty version", body)
		case err == nil && !ok && v != "":
			t.Fatalf("%q: a version %q without ok", body, v)
		case err != nil && !errors.Is(err, app.ErrBadJSON) && !errors.As(err, &inv):
			t.Fatalf("%q: unexpected error %v", body, err)
		}
	})
}
