// Package deploy holds where Kennel runs: deploy/local (a single-machine
// Mesos-compatible cluster), deploy/catalog (the catalog package format and
// Cosmos-exact rendering of its Marathon app) and, to come, a Marathon client.
package deploy
