package runtime

import (
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
)

// CrashAfterWritesEnv names a test-only fault: set to N > 0, the scheduler
// kills itself with SIGKILL right after its Nth state write that Mesos calls
// follow, before it sends them. That is the moment at which a crash leaves
// the store ahead of Mesos (a task recorded but not launched, a reservation
// recorded but not made), which a SIGKILL from outside hits only by chance.
// The chaos campaign (package chaos) sets it; nothing else should.
const CrashAfterWritesEnv = "KENNEL_TEST_CRASH_AFTER_WRITES"

// writesBeforeCrash counts down the writes CrashAfterWritesEnv allows; 0
// (unset, or not a positive number) never crashes.
var writesBeforeCrash atomic.Int64

func init() {
	if n, err := strconv.ParseInt(os.Getenv(CrashAfterWritesEnv), 10, 64); err == nil && n > 0 {
		writesBeforeCrash.Store(n)
	}
}

// crashPoint is called after a state write that calls follow; it kills the
// process at the write CrashAfterWritesEnv names.
func crashPoint() {
	if writesBeforeCrash.Load() <= 0 {
		return
	}
	if writesBeforeCrash.Add(-1) == 0 {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way; send nothing meanwhile
	}
}
