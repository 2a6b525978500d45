#!/bin/sh
# The demo: the example specs checked offline, then a local Mesos cluster
# with its Marathon, the hello-world package installed on it as DC/OS users
# install it, its deploy plan followed to COMPLETE through the cluster's
# front door, the package uninstalled, and everything stopped again.
set -eu
BIN=${BIN:-bin/kennel}
PORT=${DEMO_PORT:-0}
MARATHON_PORT=${DEMO_MARATHON_PORT:-0}
# The agents follow the master, as Mesos's 5051 follows 5050: each listens on
# DEMO_AGENT_PORT (default DEMO_PORT+1, or a free port) of its own address.
if [ "$PORT" -ne 0 ]; then
	AGENT_PORT=${DEMO_AGENT_PORT:-$((PORT + 1))}
else
	AGENT_PORT=${DEMO_AGENT_PORT:-0}
fi

echo "== the example services"
"$BIN" spec validate examples/hello-world/svc.yml
"$BIN" spec validate examples/kafka/svc.yml

data=$(mktemp -d)
up=
cleanup() {
	if [ -n "$up" ]; then
		kill -INT "$up" 2>/dev/null || true
		wait "$up" 2>/dev/null || true
	fi
	rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
	echo "demo: $1; the cluster's log:" >&2
	tail -n 40 "$data/kennel.log" >&2
	exit 1
}

echo
echo "== a local cluster of 3 agents, with Marathon"
# up.out exists before local up starts: the wait below counts its lines
: >"$data/up.out"
"$BIN" local up --data-dir "$data/cluster" --port "$PORT" --agent-port "$AGENT_PORT" --marathon-port "$MARATHON_PORT" \
	--time-scale 0.2 --destroy >"$data/up.out" 2>"$data/kennel.log" &
up=$!
# local up prints the master's line, then Marathon's: wait for both (30 s)
i=0
while [ "$(grep -c '^local cluster: ' "$data/up.out" 2>/dev/null)" -lt 2 ]; do
	kill -0 "$up" 2>/dev/null || fail "the cluster did not start"
	i=$((i + 1))
	[ "$i" -le 300 ] || fail "the cluster did not start in 30 s"
	sleep 0.1
done
cat "$data/up.out"
master=$(sed -n 's/^local cluster: master \([^,]*\),.*/\1/p' "$data/up.out")
marathon=$(sed -n 's/^local cluster: marathon //p' "$data/up.out")

echo
echo "== kennel package install hello-world (through Marathon, as dcos package install does)"
"$BIN" package install hello-world --repo examples --marathon "$marathon" \
	--master "$master" --data-dir "$data/cluster" --yes || fail "the install failed"

echo
echo "== its deploy plan, through the front door's /service/hello-world/"
# the scheduler starts as a Marathon task: wait until Admin Router reaches it
i=0
until "$BIN" plan status deploy --url "$marathon/service/hello-world" >/dev/null 2>&1; do
	kill -0 "$up" 2>/dev/null || fail "the cluster stopped"
	i=$((i + 1))
	[ "$i" -le 600 ] || fail "the scheduler did not serve in 60 s"
	sleep 0.1
done
"$BIN" plan status deploy --url "$marathon/service/hello-world" --watch --interval 500ms \
	|| fail "the deploy plan did not complete"

echo
echo "== kennel package uninstall hello-world (the DC/OS Commons uninstall: tasks killed, resources released, app deleted)"
"$BIN" package uninstall hello-world --marathon "$marathon" --master "$master" \
	--data-dir "$data/cluster" --yes || fail "the uninstall failed"
"$BIN" package list --marathon "$marathon"
