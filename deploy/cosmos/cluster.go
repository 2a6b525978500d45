package cosmos

import (
	"path/filepath"
	"strings"
)

// LocalClusterOptions are the options a Kennel package needs on the local
// cluster (deploy/local) whose master is at masterURL and whose data
// directory is dataDir: service.mesos_master is the master's URL and
// service.state a file store under the data dir,
// file://<dataDir>/services/<service> (a foldered name's "/" as "__").
//
// This is a difference from DC/OS, where Cosmos has no such layer: the
// packages' defaults (http://leader.mesos:5050, zk://master.mesos:2181/kennel)
// are DC/OS DNS names that the cluster resolves, and the local cluster
// cannot serve them.
func LocalClusterOptions(masterURL, dataDir string) func(service string) map[string]any {
	return func(service string) map[string]any {
		dir := strings.ReplaceAll(strings.Trim(service, "/"), "/", "__")
		state := "file://" + filepath.ToSlash(filepath.Join(dataDir, "services", dir))
		return map[string]any{"service": map[string]any{"mesos_master": masterURL, "state": state}}
	}
}
