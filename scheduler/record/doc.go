// Package record holds the values the scheduler's decision core and its
// state store exchange: a Batch of writes the core decides and the store
// applies all or nothing, and the Task record the store keeps of each task,
// with the key layout and the task record's stored form.
//
// It is a leaf: it imports only the standard library's pure packages, so
// the core (package scheduler) depends on it without depending on a store,
// ZooKeeper or the network; package state implements the store over it.
package record
