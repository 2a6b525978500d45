package httpapi

import "testing"

// FuzzParseMediaType: the media type parser must not panic, and a Cosmos
// media type it reads prints back to one it reads the same.
func FuzzParseMediaType(f *testing.F) {
	for _, s := range []string{"application/vnd.dcos.package.install-request+json;charset=utf-8;version=v1",
		"application/vnd.dcos.service.update-response+json;version=v1", "*/*", "application/json", "text/html;q=0.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, wild, ok := parse(s)
		if !ok || wild {
			return
		}
		again, wild2, ok2 := parse(m.String())
		if !ok2 || wild2 || again != m {
			t.Fatalf("%q parses to %+v, which prints as %q and parses to %+v (%v)", s, m, m.String(), again, ok2)
		}
	})
}
