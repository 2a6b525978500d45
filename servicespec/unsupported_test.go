package servicespec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryUnsupportedFieldHasACase checks that each field of notSupported
// is refused by at least one golden case under testdata/invalid, so that
// the list and its tests stay together.
func TestEveryUnsupportedFieldHasACase(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "invalid", "unsupported-*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
	}
	for _, r := range notSupported {
		if !strings.Contains(all.String(), r.key+": is not supported by Kennel yet: "+r.why) {
			t.Errorf("no testdata/invalid/unsupported-*.golden refuses %s", r.key)
		}
	}
}

// TestSupportedFieldsLoad checks that fields the runtime acts on, rlimits
// among them, and the default values of refused fields, load.
func TestSupportedFieldsLoad(t *testing.T) {
	spec := `name: svc
scheduler:
  principal: p
  user: nobody
  zookeeper: master.mesos:2181
pods:
  app:
    count: 1
    placement: '[["hostname", "UNIQUE"]]'
    share-pid-namespace: false
    seccomp-unconfined: false
    rlimits:
      RLIMIT_NOFILE:
        soft: 1024
        hard: 2048
    uris: [https://example.com/app.tgz]
    tasks:
      server:
        goal: RUNNING
        cmd: ./run
        cpus: 0.5
        gpus: 0
        memory: 256
        discovery:
          prefix: srv
          visibility: CLUSTER
        ports:
          http:
            port: 0
            advertise: true
            vip:
              port: 80
        volume:
          path: data
          type: MOUNT
          size: 100
`
	s, err := Load("svc.yml", []byte(spec), LoadOptions{})
	if err != nil {
		t.Fatalf("a spec of supported fields is refused:\n%v", err)
	}
	if got := s.Pods[0].RLimits["RLIMIT_NOFILE"]; got.Soft == nil || *got.Soft != 1024 {
		t.Errorf("rlimits not decoded: %+v", got)
	}
}

// TestDecodeAcceptsUnsupportedFields checks that a stored configuration
// that sets a field refused by Load stays readable.
func TestDecodeAcceptsUnsupportedFields(t *testing.T) {
	s, err := Load("svc.yml", []byte("name: svc\npods:\n  app:\n    count: 1\n    image: nginx\n    tasks:\n      t:\n        goal: RUNNING\n        cmd: ./t\n        cpus: 0.1\n        memory: 16\n"), LoadOptions{AcceptUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("stored", s.CanonicalJSON()); err != nil {
		t.Errorf("Decode refuses a stored configuration with an image: %v", err)
	}
	if _, err := Load("stored", s.CanonicalJSON(), LoadOptions{}); err == nil || !strings.Contains(err.Error(), "pods.app.image: is not supported by Kennel yet") {
		t.Errorf("Load of the same configuration: %v; want the image refused", err)
	}
}
