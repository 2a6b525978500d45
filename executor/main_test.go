package executor

import (
	"os"
	"testing"
)

// The test binary runs the executor in process, so it is also the binary
// the executor starts as the rlimit helper.
func TestMain(m *testing.M) {
	ExecLimitHelper()
	os.Exit(m.Run())
}
