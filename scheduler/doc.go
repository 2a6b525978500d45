// Package scheduler will hold Kennel's framework scheduler: the pure
// decision core (offer evaluation, reservations labelled with resource ids,
// the volume lifecycle, launches, status handling, recovery, reconciliation,
// suppress and revive) and the runtime around it (the Mesos client loop, the
// state store and the ZooKeeper lock).
//
// Contract for what lands here: decision code takes events and the current
// time and returns state writes and Mesos calls as data; only the runtime
// does IO, and it writes state before the Mesos call that depends on it.
package scheduler
