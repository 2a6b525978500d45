package app_test

import (
	"testing"

	"github.com/kennel-sdk/kennel/deploy/catalog"
)

// TestExamplePackages: the apps Kennel's own packages install, rendered
// as Cosmos renders them, are accepted, with their Mesos health check and
// single-instance strategy.
func TestExamplePackages(t *testing.T) {
	for _, dir := range []string{"../../../examples/hello-world/package", "../../../examples/kafka/package/1"} {
		pkg, err := catalog.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		rendered, err := pkg.Render(catalog.Request{Source: "file:///pkg"})
		if err != nil {
			t.Fatal(err)
		}
		body, err := rendered.JSON()
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range validators(t) {
			req, err := v.Decode(body, "")
			if err != nil {
				t.Errorf("%s (%s): %v", dir, name, err)
				continue
			}
			a := req.App
			if !a.SingleInstance() || !a.KillFirst() || len(a.HealthChecks) != 1 || a.HealthChecks[0].Protocol != "MESOS_HTTP" {
				t.Errorf("%s (%s): decoded %+v", dir, name, a)
			}
		}
	}
}
