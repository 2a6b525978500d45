package state

import (
	"os"
	"strings"
	"time"
)

// SlowDiskEnv names a test-only fault of the file store: set to a path,
// every write of the store (a log append, a snapshot) first waits for the
// duration written in that file (a Go duration such as "800ms"), as long as
// the file exists. A test makes the disk slow by writing the file and fast
// again by removing it, while the scheduler runs. The chaos campaign
// (package chaos) sets it; nothing else should.
const SlowDiskEnv = "KENNEL_TEST_SLOW_DISK"

// slowDiskFile is SlowDiskEnv's path, read once; "" never delays.
var slowDiskFile = os.Getenv(SlowDiskEnv)

// maxDiskDelay bounds one write's delay, whatever the file says.
const maxDiskDelay = time.Minute

// diskDelay waits as long as the slow-disk file says, if there is one.
func diskDelay() {
	if slowDiskFile == "" {
		return
	}
	b, err := os.ReadFile(slowDiskFile)
	if err != nil {
		return
	}
	d, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil || d <= 0 {
		return
	}
	time.Sleep(min(d, maxDiskDelay))
}
