package main

import (
	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/local"
)

// clusterFlags say where a Mesos master is: --master, else
// $KENNEL_MESOS_MASTER, else the local cluster running on --data-dir
// ($KENNEL_DATA_DIR, else the default data dir), which records its
// master's URL there.
type clusterFlags struct{ master, dataDir string }

// register adds --master and --data-dir to cmd's persistent flags.
func (f *clusterFlags) register(cmd *cobra.Command) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.master, "master", "", "the Mesos master's `URL` ($KENNEL_MESOS_MASTER; default: the local cluster running on --data-dir)")
	fl.StringVar(&f.dataDir, "data-dir", "", "the local cluster's data `DIR` ($KENNEL_DATA_DIR; default ~/.local/share/kennel/local)")
}

// masterURL is the master the flags designate.
func (f *clusterFlags) masterURL() (string, error) {
	if f.master != "" {
		return f.master, nil
	}
	if m := envOr("KENNEL_MESOS_MASTER", ""); m != "" {
		return m, nil
	}
	dir := f.dataDir
	if dir == "" {
		d, err := local.DefaultDataDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return local.ReadMasterURL(dir)
}
