#!/bin/sh
# Deploys PODS (default 100) pods with a parallel strategy on a local
# cluster of ten agents and reports: the time from the scheduler's start to
# the deploy plan COMPLETE, the state writes per launched task, and the
# scheduler's resident memory once deployed. STATE=zk://host:port/path
# measures on ZooKeeper (default: a file store).
set -eu
BIN=${BIN:-bin/kennel}
PODS=${PODS:-100}
data=$(mktemp -d)
cleanup() {
	[ -n "${sched:-}" ] && kill "$sched" 2>/dev/null && wait "$sched" 2>/dev/null || true
	[ -n "${cluster:-}" ] && kill "$cluster" 2>/dev/null && wait "$cluster" 2>/dev/null || true
	rm -rf "$data"
}
trap cleanup EXIT INT TERM
STATE=${STATE:-file://$data/state}
"$BIN" local up --config scripts/bench/cluster.yaml --data-dir "$data/cluster" --port 0 --agent-port 0 \
	--time-scale 0.2 --destroy >"$data/cluster.out" 2>"$data/cluster.log" &
cluster=$!
until master=$(sed -n 's/^local cluster: master \([^,]*\),.*/\1/p' "$data/cluster.out") && [ -n "$master" ]; do sleep 0.1; done
start=$(date +%s.%N)
"$BIN" scheduler --spec scripts/bench/svc.yml -e PODS="$PODS" -e STRATEGY=parallel --master "$master" --state "$STATE" \
	--api-host 127.0.0.1 --api-port 0 -v >"$data/sched.out" 2>"$data/sched.log" &
sched=$!
until api=$(head -n 1 "$data/sched.out") && [ -n "$api" ]; do sleep 0.1; done
until "$BIN" local --master "$master" state >/dev/null 2>&1 &&
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/v1/plans/deploy" 2>/dev/null || true)" = 200 ]; do
	sleep 0.2
done
end=$(date +%s.%N)
writes=$(grep -c 'msg="state written"' "$data/sched.log")
entries=$(sed -n 's/.*msg="state written" entries=\([0-9]*\).*/\1/p' "$data/sched.log" | paste -sd+ | bc)
rss=$(awk '/VmRSS/ {print $2}' /proc/"$sched"/status)
echo "pods:                     $PODS"
echo "start to deploy COMPLETE: $(echo "$end - $start" | bc) s"
echo "state writes:             $writes transactions, $entries entries ($(echo "scale=2; $writes / $PODS" | bc) and $(echo "scale=2; $entries / $PODS" | bc) per launched task)"
echo "scheduler RSS:            $((rss / 1024)) MiB"
