//go:build !linux

package executor

import mesos "github.com/mesos/mesos-go/api/v1/lib"

// rlimitResources is empty where the executor does not know the OS's
// resource numbers: a task with rlimits fails to launch there.
var rlimitResources = map[mesos.RLimitInfo_RLimit_Type]int{}
