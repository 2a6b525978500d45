package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestTaskClient: --dcos goes through the attached DC/OS cluster's Admin
// Router with its token and ssl_verify; it excludes --master and
// --data-dir.
func TestTaskClient(t *testing.T) {
	isolate(t)
	dcosCluster(t, "https://attached.example", "false")
	c, err := taskClient(clusterFlags{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Master != "https://attached.example/mesos" || c.AgentsVia != "https://attached.example/agent" ||
		c.Header.Get("Authorization") != "token=eyJhbGci.tok" {
		t.Errorf("--dcos: master %s, agents %s, header %v", c.Master, c.AgentsVia, c.Header)
	}
	if tr, ok := c.HTTP.Transport.(*http.Transport); !ok || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("ssl_verify = false: the client checks certificates")
	}
	t.Setenv("DCOS_URL", "http://door.example:8080")
	t.Setenv("DCOS_ACS_TOKEN", "from-env")
	if c, err := taskClient(clusterFlags{}, true); err != nil || c.Master != "http://door.example:8080/mesos" || c.Header.Get("Authorization") != "token=from-env" {
		t.Errorf("$DCOS_URL: %+v, %v", c, err)
	}
	for _, cf := range []clusterFlags{{master: "http://m:5050"}, {dataDir: "/tmp/d"}} {
		if _, err := taskClient(cf, true); err == nil || err.Error() != "give --dcos or --master/--data-dir, not both" {
			t.Errorf("--dcos with %+v: %v", cf, err)
		}
	}
	if c, err := taskClient(clusterFlags{master: "http://m:5050"}, false); err != nil || c.Master != "http://m:5050" || c.AgentsVia != "" || c.Header != nil {
		t.Errorf("--master: %+v, %v", c, err)
	}
	t.Setenv("DCOS_SSL_VERIFY", "/nonexistent/ca.pem")
	if _, err := taskClient(clusterFlags{}, true); err == nil || !strings.Contains(err.Error(), "core.ssl_verify") {
		t.Errorf("ssl_verify naming a missing file: %v", err)
	}
}
