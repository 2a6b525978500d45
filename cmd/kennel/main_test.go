package main

import (
	"os"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestMain turns on mesos-go's reservation refinement, as the kennel
// binary does in main: the commands' tests run schedulers and local
// clusters in this process.
func TestMain(m *testing.M) {
	mesos.CapabilityReservationRefinement = "1"
	code := m.Run()
	for _, dir := range binDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
