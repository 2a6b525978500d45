#!/bin/sh
# Loads GET /v1/plans/deploy with CONNS (default 50) connections for
# DURATION (default 10s) while the scheduler deploys PODS (default 100)
# pods one after another on a local cluster of ten agents, and reports the
# API's throughput and latency and how far the deploy got meanwhile: first
# as fast as the API answers (as wrk measures), then at RATE (default 10000)
# requests/s with latency counted from when each request was due.
# The cluster (master, agents, executors and tasks) runs at nice
# CLUSTER_NICE (default 19), as if on other hosts: on a real cluster the
# tasks a deploy launches do not take the scheduler's cores. CLUSTER_NICE=0
# shares them.
set -eu
BIN=${BIN:-bin/kennel}
PODS=${PODS:-100}
CONNS=${CONNS:-50}
DURATION=${DURATION:-10s}
RATE=${RATE:-10000}
CLUSTER_NICE=${CLUSTER_NICE:-19}
data=$(mktemp -d)
cleanup() {
	[ -n "${sched:-}" ] && kill "$sched" 2>/dev/null && wait "$sched" 2>/dev/null || true
	[ -n "${cluster:-}" ] && kill "$cluster" 2>/dev/null && wait "$cluster" 2>/dev/null || true
	rm -rf "$data"
}
trap cleanup EXIT INT TERM
go build -o "$data/apiload" ./scripts/apiload
nice -n "$CLUSTER_NICE" "$BIN" local up --config scripts/bench/cluster.yaml --data-dir "$data/cluster" --port 0 --agent-port 0 \
	--time-scale 0.2 --destroy >"$data/cluster.out" 2>"$data/cluster.log" &
cluster=$!
until master=$(sed -n 's/^local cluster: master \([^,]*\),.*/\1/p' "$data/cluster.out") && [ -n "$master" ]; do sleep 0.1; done
"$BIN" scheduler --spec scripts/bench/svc.yml -e PODS="$PODS" -e STRATEGY=serial --master "$master" \
	--state "file://$data/state" --api-host 127.0.0.1 --api-port 0 >"$data/sched.out" 2>"$data/sched.log" &
sched=$!
until api=$(head -n 1 "$data/sched.out") && [ -n "$api" ]; do sleep 0.1; done
complete() { curl -s "$api/v1/plans/deploy" | grep -c '"status": "COMPLETE"' || true; }
sleep 2
before=$(complete)
echo "== as fast as it answers"
"$data/apiload" -url "$api/v1/plans/deploy" -c "$CONNS" -d "$DURATION"
after=$(complete)
echo "deploy:     $before steps COMPLETE before the load, $after after (of $PODS)"
echo "== at $RATE requests/s"
"$data/apiload" -url "$api/v1/plans/deploy" -c "$CONNS" -d "$DURATION" -rate "$RATE"
echo "deploy:     $after steps COMPLETE before the load, $(complete) after (of $PODS)"
