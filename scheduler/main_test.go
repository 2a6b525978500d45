package scheduler

import (
	"os"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestMain turns on mesos-go's reservation refinement, as the kennel
// binary does in main: the core handles resources in the
// post-refinement format.
func TestMain(m *testing.M) {
	mesos.CapabilityReservationRefinement = "1"
	os.Exit(m.Run())
}
