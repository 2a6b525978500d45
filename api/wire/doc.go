// Package wire holds the JSON bodies of the scheduler's HTTP API that its
// server (package api) writes and its client (package api/client) reads,
// so that both sides share one definition: pod status, offer outcomes,
// endpoints. Plan bodies are plans.PlanInfo, which both sides share from
// package plans; a Snapshot is the plans a scheduler publishes for the
// server to serve, made by a Publisher that encodes a step's JSON (and
// compresses its chunk of steps, for clients that accept gzip) when the
// step changes, not at each publication or request.
//
// It imports neither the server nor the client, and nothing that does IO.
// Field names and tags are the wire format: changing one changes the API
// (api/testdata and api/client/testdata hold the contract).
package wire
