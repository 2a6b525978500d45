// Package state is a Kennel scheduler's persistent state: everything it
// needs to carry on after a crash, a restart or a move to another host.
//
// A Store is opened from a URL:
//
//	zk://host1:2181,host2:2181/kennel    ZooKeeper (production)
//	file:///var/lib/kennel               an embedded file store (one machine)
//
// The URL's path is a base under which each service has its own root,
// <base>/<service> (a service name's "/" become "__"). Both kinds keep the
// same contents and pass the same conformance suite.
//
// # Contents
//
//	SchemaVersion           "1"; a store written by a newer schema is refused
//	FrameworkID             the Mesos FrameworkID value (UTF-8)
//	ConfigTarget            id of the target configuration
//	Configurations/<id>     a configuration: the canonical ServiceSpec JSON
//	Tasks/<task>            a task record: launched TaskInfo, latest TaskStatus
//	                        (protobuf bytes, as Mesos gives them) and goal
//	                        override (PAUSED, DECOMMISSIONED), framed by
//	                        record.EncodeTask
//	Properties/<key>        free-form properties
//	Intent/<key>            plan operator intent, as the plans package splits it
//
// On ZooKeeper each entry is one node of that name under the service root;
// names are path-escaped (so "/" in an intent key is "%2F"). The root also
// holds lock/, the lock nodes. A load reads every node, over the store's
// session and a few more opened for the load only, each of them synced
// with the leader before it reads (after the lock is taken), so that it
// sees every write committed before: a server answers one session's
// requests one at a time, and the load's cost is the number of nodes. Every value is at most MaxValueSize bytes
// and every batch at most MaxBatchSize, below ZooKeeper's 1 MB limit
// (jute.maxbuffer); larger ones are refused with ErrTooLarge before
// anything is written.
//
// In a file store the root directory holds a snapshot (snapshot), the
// batches applied since (log.<generation>) and the lock file (lock).
//
// # Writes
//
// Writes go through Apply, in batches (record.Batch, which the scheduler's
// core builds) that are all-or-nothing: on ZooKeeper one multi-op
// transaction, in a file store one log record (length, CRC-32C, payload)
// made durable with fsync. Reads are served from
// a write-through cache loaded when the store opens; the cache changes only
// after a write is durable. A write whose outcome is unknown (the
// connection broke mid-transaction) makes the store stale: it refuses
// writes until Reload reads the truth back.
//
// # The lock
//
// Lock takes the service's lock before anything else is read or written:
// on ZooKeeper an ephemeral sequential node (the lowest holds the lock,
// the others wait on their predecessor), in a file store an flock. While a
// ZooKeeper lease is held, every write is fenced by it: the transaction
// checks that the lock node still exists, so once the session expires no
// write can succeed, and Lost tells the holder to stop acting. The holder
// also watches its node: should it be deleted, Lost is closed at once.
//
// A lock node records its holder: a description for people (what a
// waiting scheduler reports) and the identity of the holder's process
// (host name, boot id, PID namespace, PID and the process's start time).
// A dead holder's node normally stays until ZooKeeper expires its session,
// --zk-session-timeout after the death. A scheduler that finds in front of
// it a node whose process ran on the same host, in the same boot and PID
// namespace, and is gone (its PID unused, or used by a process started at
// another time) deletes that node and goes on at once: this is a restart
// where the scheduler ran, as a supervisor does it. Anything it cannot
// prove (another host, boot or PID namespace, a node without identity, a
// PID it cannot look at) is waited for, as before. The proof is local and
// cannot be wrong for a live process of that namespace; were a live
// holder's node deleted anyway, the fence refuses its writes and its watch
// stops it, so two schedulers never both write.
//
// The file store's flock is released by the kernel when its holder dies;
// a waiting scheduler polls it every 100 ms.
package state
