#!/bin/sh
# The demo: the example specs checked offline, then a local Mesos cluster
# started with the hello-world service on it, its deploy plan followed to
# COMPLETE, and everything stopped again.
set -eu
BIN=${BIN:-bin/kennel}
PORT=${DEMO_PORT:-5050}

echo "== the example services"
"$BIN" spec validate examples/hello-world/svc.yml
"$BIN" spec validate examples/kafka/svc.yml

echo
echo "== hello-world on a local cluster of 3 agents"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT INT TERM
if ! "$BIN" local up --service examples/hello-world --until-complete --timeout 5m \
	--data-dir "$data/cluster" --port "$PORT" --log-file "$data/kennel.log"; then
	echo "the deploy did not complete; the log:"
	tail -n 50 "$data/kennel.log"
	exit 1
fi
