#!/bin/sh
# The demo of what works today: the example specs checked offline, then a
# local Mesos cluster started, inspected and stopped. The scheduler comes
# next; then this demo deploys a service on the cluster.
set -eu
BIN=${BIN:-bin/kennel}
PORT=${DEMO_PORT:-5050}
MASTER="http://127.0.0.1:$PORT"

echo "== the example services"
"$BIN" spec validate examples/hello-world/svc.yml
"$BIN" spec validate examples/kafka/svc.yml
"$BIN" spec render examples/hello-world/svc.yml --plans

echo "== a local cluster: a master and 3 agents"
data=$(mktemp -d)
log="$data/cluster.log"
"$BIN" local up --data-dir "$data/cluster" --port "$PORT" --destroy >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT INT TERM
i=0
until "$BIN" local --master "$MASTER" agents >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "the local cluster did not start:"; cat "$log"; exit 1
	fi
	sleep 0.1
done
sleep 0.3
"$BIN" local --master "$MASTER" agents
echo "== a network partition of agent-2, then healed"
"$BIN" local --master "$MASTER" agent partition agent-2
"$BIN" local --master "$MASTER" agents | grep agent-2
"$BIN" local --master "$MASTER" agent heal agent-2
echo "== the master's view (GET $MASTER/master/state), first agent"
"$BIN" local --master "$MASTER" state | sed -n '/"slaves"/,/"used_resources"/p'
echo "== stopping the cluster"
