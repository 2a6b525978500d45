// Package api will hold the scheduler's HTTP API, wire-compatible with the
// DC/OS Commons scheduler API v1, its Prometheus metrics and the typed
// client the CLI uses. It holds no scheduler state of its own.
package api
