// Package deploy will hold where Kennel runs: deploy/local (a single-machine
// Mesos-compatible cluster), Marathon app definitions and the catalog
// package format with its renderer.
package deploy
