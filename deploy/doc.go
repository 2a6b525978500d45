// Package deploy holds where Kennel runs: deploy/local (a single-machine
// Mesos-compatible cluster), deploy/catalog (the catalog package format and
// Cosmos-exact rendering of its Marathon app), deploy/marathon/client (a
// client of Marathon's REST API) and deploy/cosmos (Cosmos's package
// operations over Marathon).
package deploy
