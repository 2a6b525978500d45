package executor

import (
	"syscall"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// rlimitResources maps Mesos's rlimit types to Linux's resources
// (<sys/resource.h>); Linux has them all.
var rlimitResources = map[mesos.RLimitInfo_RLimit_Type]int{
	mesos.RLimitInfo_RLimit_RLMT_AS:         syscall.RLIMIT_AS,
	mesos.RLimitInfo_RLimit_RLMT_CORE:       syscall.RLIMIT_CORE,
	mesos.RLimitInfo_RLimit_RLMT_CPU:        syscall.RLIMIT_CPU,
	mesos.RLimitInfo_RLimit_RLMT_DATA:       syscall.RLIMIT_DATA,
	mesos.RLimitInfo_RLimit_RLMT_FSIZE:      syscall.RLIMIT_FSIZE,
	mesos.RLimitInfo_RLimit_RLMT_NOFILE:     syscall.RLIMIT_NOFILE,
	mesos.RLimitInfo_RLimit_RLMT_STACK:      syscall.RLIMIT_STACK,
	mesos.RLimitInfo_RLimit_RLMT_RSS:        5,
	mesos.RLimitInfo_RLimit_RLMT_NPROC:      6,
	mesos.RLimitInfo_RLimit_RLMT_MEMLOCK:    8,
	mesos.RLimitInfo_RLimit_RLMT_LOCKS:      10,
	mesos.RLimitInfo_RLimit_RLMT_SIGPENDING: 11,
	mesos.RLimitInfo_RLimit_RLMT_MSGQUEUE:   12,
	mesos.RLimitInfo_RLimit_RLMT_NICE:       13,
	mesos.RLimitInfo_RLimit_RLMT_RTPRIO:     14,
	mesos.RLimitInfo_RLimit_RLMT_RTTIME:     15,
}
