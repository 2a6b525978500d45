#!/bin/sh
# The benchmark table of issue 15 (`make bench-table`): each figure of
# Kennel's scheduler beside its baseline measured in the same run.
#
#   deploy N pods in parallel (100 real; SIM pods on simulated agents,
#   default 1000; BIG=1 adds 10,000)   vs  rawlaunch sending the same
#                                          launches straight to the cluster
#   serial deploy: time per step       vs  rawlaunch, one pod per ACCEPT
#   scheduler RSS and heap after each deploy
#   state writes and bytes per launched task, file store and ZooKeeper
#   offer evaluation rate (BenchmarkEvaluate)
#   GET /v1/plans/deploy p99 while SIM pods deploy (apiload at RATE/s)
#   BIG=1: 10,000 simulated pods on the ZooKeeper store (time, RSS/heap,
#   writes, plan API p99 throughout), then a cold restart: the scheduler
#   SIGKILLed and started again, the time until its API serves and until
#   reconciliation is done (every task's state came back from the master
#   and the implicit RECONCILE is sent)  vs  zkread reading the same
#   ZooKeeper tree over as many sessions as the store's load
#
# BIG_PODS sets the BIG deploy's size (default 10000); BIG_ONLY=1 runs
# only the BIG rows; SERIAL_ONLY=1 only the serial rows; RESTARTS=n
# restarts n times (medians in the table); RESTART_PROFILE=file.pprof
# keeps a CPU profile of the first cold restart's first
# RESTART_PROFILE_SECS (default 4) seconds; ZKREAD_BEFORE=path/to/an/older/zkread
# reads the tree with it too.
#
# BEFORE=path/to/an/older/kennel adds its deploy times (100 real, SERIAL
# serial, SIM simulated) and its plan API row beside them, for a fix's
# before/after from the same run, and with BIG its cold restart after
# ours, on the same tree.
#
# API_ONLY=1 runs only the plan API rows: SIM pods deployed without load
# (NOLOAD=0 leaves these out), then under the apiload (and the same with
# BEFORE). The apiload asks for no encoding and gets the JSON itself, as
# in the rows measured before gzip; APILOAD_GZIP=1 makes it ask for gzip
# and decompress, as Go's default client does (a scheduler without gzip
# answers with the JSON itself; the decompression takes CPU from the
# scheduler on this machine), and APILOAD_DECOMPRESS=0 then read the gzip
# bodies without decompressing them. The rows say which.
#
# Clusters run at --time-scale 0.2 (real), --time-scale 1 (the serial
# rows: the goal's time per step is at the cluster's own speed, Mesos's
# 1 s allocation interval included) or with the default simulation
# delays; every deploy gets a fresh cluster. Raw outputs go to stderr.
set -eu
BIN=${BIN:-bin/kennel}
SIM=${SIM:-1000}
SERIAL=${SERIAL:-20}
RATE=${RATE:-200}
data=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
	rm -rf "$data"
}
trap cleanup EXIT INT TERM
go build -o "$BIN" ./cmd/kennel
go build -o "$data/rawlaunch" ./scripts/rawlaunch
go build -o "$data/apiload" ./scripts/apiload
go build -o "$data/zkread" ./scripts/zkread
# log prints a raw output line to stderr with the load average beside it
# (other work on the machine slows every figure).
log() { echo "$* (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2; }
now() { date +%s.%N; }
calc() { echo "$@" | bc -l; }
fmt() { printf '%.2f' "$1"; }

# cluster NAME ARGS...: a fresh cluster; sets master and cluster.
cluster() {
	name=$1
	shift
	"$BIN" local up --data-dir "$data/$name" --port 0 --agent-port 0 --no-marathon --destroy "$@" \
		>"$data/$name.out" 2>"$data/$name.log" &
	cluster=$!
	pids="$pids $cluster"
	until master=$(sed -n 's/^local cluster: master \([^,]*\),.*/\1/p' "$data/$name.out") && [ -n "$master" ]; do sleep 0.1; done
}
stop() { kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }

realc() { cluster "$1" --config scripts/bench/cluster.yaml --time-scale "${2:-0.2}"; }
simc() { # NAME AGENTS
	printf 'agents: []\nsimulated-agents: %s\n' "$2" >"$data/$1.yaml"
	cluster "$1" --config "$data/$1.yaml"
}

# deploy NAME PODS STRATEGY STATE [keep]: a Kennel deploy on $master; sets
# secs, writes_pt, bytes_pt, rss_mb, heap_mb, api, and sched (left running
# with keep).
deploy() {
	name=$1 pods=$2 strategy=$3 state=$4
	start=$(now)
	"${SCHED_BIN:-$BIN}" scheduler --spec scripts/bench/svc.yml -e PODS="$pods" -e STRATEGY="$strategy" --master "$master" --state "$state" \
		--api-host 127.0.0.1 --api-port 0 --debug-addr 127.0.0.1:0 -v >"$data/$name.sched.out" 2>"$data/$name.sched.log" &
	sched=$!
	pids="$pids $sched"
	until api=$(head -n 1 "$data/$name.sched.out") && [ -n "$api" ]; do sleep 0.05; done
	if [ -n "${LOAD:-}" ]; then
		"$data/apiload" -url "$api/v1/plans/deploy" -c 4 -d "$LOAD" -rate "$RATE" -gzip="$([ "${APILOAD_GZIP:-0}" = 1 ] && echo true || echo false)" \
			-decompress="$([ "${APILOAD_DECOMPRESS:-1}" = 0 ] && echo false || echo true)" >"$data/$name.load" 2>&1 &
		load=$!
	fi
	until [ "$(curl -s "$api/v1/plans/deploy" | sed -n 's/^  "status": "\([A-Z_]*\)".*/\1/p' | head -n 1)" = COMPLETE ]; do sleep 0.05; done
	end=$(now)
	secs=$(calc "$end - $start")
	# The load runs while the deploy does: at most LOAD, stopped at COMPLETE.
	[ -n "${LOAD:-}" ] && { kill -INT "$load" 2>/dev/null || true; wait "$load" || true; }
	dbg=$(sed -n 's/.*msg="debug server" addr=\([^ ]*\).*/\1/p' "$data/$name.sched.log")
	heap=$(curl -s "${dbg}heap?debug=1" | sed -n 's/^# HeapInuse = //p')
	rss=$(awk '/VmRSS/ {print $2}' /proc/"$sched"/status)
	# The scheduler's CPU time (user + system), which other work on the
	# machine moves less than the deploy's time.
	cpu_s=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' /proc/"$sched"/stat)
	writes=$(grep -c 'msg="state written"' "$data/$name.sched.log" || true)
	bytes=$(sed -n 's/.*msg="state written".* bytes=\([0-9]*\).*/\1/p' "$data/$name.sched.log" | paste -sd+ | bc)
	writes_pt=$(fmt "$(calc "$writes / $pods")")
	bytes_pt=$(calc "$bytes / $pods" | cut -d. -f1)
	rss_mb=$((rss / 1024))
	heap_mb=$((heap / 1048576))
	log "kennel $name: $pods pods $strategy in $secs s; $writes writes, $bytes bytes; RSS $rss_mb MiB, heap $heap_mb MiB; CPU $cpu_s s"
	[ "${5:-}" = keep ] || stop "$sched"
}

raw() { # NAME PODS [-serial]
	out=$("$data/rawlaunch" -master "$master" -n "$2" ${3:-})
	log "$1: $out"
	echo "$out"
}

rows=""
# enc: whether the apiload asked for gzip and how many answers were.
enc() { sed -n 's/.*gzip asked: \([a-z]*\), \([0-9]*\) responses gzip-compressed, decompressed: \([a-z]*\).*/gzip asked: \1, \2 gzipped, decompressed: \3/p' "$1" | head -n 1; }
row() { rows="$rows$(printf '%-44s %-22s %s' "$1" "$2" "$3")
"; }

# start_zk: a ZooKeeper of its own (sets zk and zkport), if installed.
start_zk() {
	zkport=""
	for p in $(seq 38000 38100); do
	if ! (ss -ltn 2>/dev/null | grep -q ":$p "); then zkport=$p; break; fi
	done
	[ -x /usr/share/zookeeper/bin/zkServer.sh ] && [ -n "$zkport" ] || return 0
	mkdir -p "$data/zk"
	printf 'tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=ruok\n' \
		"$data/zk" "$zkport" >"$data/zoo.cfg"
	SERVER_JVMFLAGS="-Xmx1g -XX:+UseSerialGC" /usr/share/zookeeper/bin/zkServer.sh start-foreground "$data/zoo.cfg" >"$data/zk.log" 2>&1 &
	zk=$!
	pids="$pids $zk"
	# Wait until ZooKeeper listens (ss, from iproute2; no netcat needed), at
	# most 2 minutes: a JVM start is slow on a loaded machine.
	tries=0
	until ss -ltn 2>/dev/null | grep -q ":$zkport "; do
		tries=$((tries + 1))
		if [ "$tries" -gt 600 ]; then log "ZooKeeper did not listen on $zkport in 2 minutes; see $data/zk.log"; exit 1; fi
		sleep 0.2
	done
}

if [ -z "${BIG_ONLY:-}" ]; then
if [ -z "${API_ONLY:-}" ]; then
if [ -z "${SERIAL_ONLY:-}" ]; then
# 1. 100 real pods, parallel, file store; the raw launch rate beside it.
realc real-raw
r=$(raw raw-100 100)
stop "$cluster"
realc real-kennel
deploy real-100 100 parallel "file://$data/state-real-100"
stop "$cluster"
row "deploy 100 real pods, parallel" "$(fmt "$secs") s" "raw: $(echo "$r" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p') s"
row "  scheduler RSS / heap after" "$rss_mb / $heap_mb MiB" ""
row "  state writes per launched task (file)" "$writes_pt" "bytes: $bytes_pt"
if [ -n "${BEFORE:-}" ]; then
	realc real-before
	SCHED_BIN=$BEFORE deploy real-100-before 100 parallel "file://$data/state-real-100-before"
	stop "$cluster"
	row "  the same, BEFORE" "$(fmt "$secs") s" "$(basename "$BEFORE")"
fi

fi # SERIAL_ONLY

# 2. Serial steps, at --time-scale 1.
realc serial-raw 1
r=$(raw raw-serial "$SERIAL" -serial)
stop "$cluster"
realc serial-kennel 1
deploy serial "$SERIAL" serial "file://$data/state-serial"
stop "$cluster"
row "serial deploy, time per step ($SERIAL real)" "$(fmt "$(calc "$secs * 1000 / $SERIAL")") ms" "raw step: $(echo "$r" | sed -n 's/.*step \([0-9.]*\) ms.*/\1/p') ms (ACCEPT to RUNNING $(echo "$r" | sed -n 's/.*RUNNING \([0-9.]*\) ms.*/\1/p') ms)"
if [ -n "${BEFORE:-}" ]; then
	realc serial-before 1
	SCHED_BIN=$BEFORE deploy serial-before "$SERIAL" serial "file://$data/state-serial-before"
	stop "$cluster"
	row "  the same, BEFORE" "$(fmt "$(calc "$secs * 1000 / $SERIAL")") ms" "$(basename "$BEFORE")"
fi
[ -n "${SERIAL_ONLY:-}" ] && { echo; printf '%-44s %-22s %s\n' "measure" "kennel" "baseline (same run)"; printf '%s' "$rows"; exit 0; }

# 3. ZooKeeper writes (100 real pods).
start_zk
if [ -n "${zk:-}" ]; then
	realc zk-kennel
	deploy zk-100 100 parallel "zk://127.0.0.1:$zkport/bench"
	stop "$cluster"
	row "  state writes per launched task (ZooKeeper)" "$writes_pt" "bytes: $bytes_pt; deploy $(fmt "$secs") s"
fi

# 4. Simulated pods.
for n in $SIM; do
	agents=$((n / 10))
	simc "sim-raw-$n" "$agents"
	r=$(raw "raw-$n" "$n")
	stop "$cluster"
	simc "sim-kennel-$n" "$agents"
	deploy "sim-$n" "$n" parallel "file://$data/state-sim-$n"
	stop "$cluster"
	row "deploy $n simulated pods, parallel" "$(fmt "$secs") s" "raw: $(echo "$r" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p') s"
	row "  scheduler RSS / heap after" "$rss_mb / $heap_mb MiB" ""
	row "  state writes per launched task (file)" "$writes_pt" "bytes: $bytes_pt"
	if [ -n "${BEFORE:-}" ]; then
		simc "sim-before-$n" "$agents"
		SCHED_BIN=$BEFORE deploy "sim-$n-before" "$n" parallel "file://$data/state-sim-$n-before"
		stop "$cluster"
		row "  the same, BEFORE" "$(fmt "$secs") s" "$(basename "$BEFORE")"
	fi
done

else
	# API_ONLY: the deploy without load, the baseline of the rows below.
	[ "${NOLOAD:-1}" = 0 ] || for who in kennel ${BEFORE:+before}; do
		simc "noload-$who" "$((SIM / 10))"
		if [ "$who" = before ]; then sb=$BEFORE; else sb=${SCHED_BIN:-$BIN}; fi
		SCHED_BIN=$sb deploy "noload-$who" "$SIM" parallel "file://$data/state-noload-$who"
		stop "$cluster"
		row "deploy $SIM simulated pods, no API load ($who)" "$(fmt "$secs") s" "RSS / heap $rss_mb / $heap_mb MiB, CPU $cpu_s s"
	done
fi # API_ONLY

# 5. The plan API while SIM pods deploy (and with BEFORE's scheduler).
p99() { sed -n 's/.*p99[ =:]*\([0-9.]*[mµn]*s\).*/\1/p' "$1" | head -n 1; }
simc api "$((SIM / 10))"
LOAD=${LOAD_FOR:-20s} deploy api "$SIM" parallel "file://$data/state-api"
stop "$cluster"
cat "$data/api.load" >&2
row "GET /v1/plans/deploy p99 ($SIM pods deploying, $RATE/s)" "$(p99 "$data/api.load")" "deploy $(fmt "$secs") s under load, CPU $cpu_s s; $(enc "$data/api.load")"
if [ -n "${BEFORE:-}" ]; then
	simc api-before "$((SIM / 10))"
	LOAD=${LOAD_FOR:-20s} SCHED_BIN=$BEFORE deploy api-before "$SIM" parallel "file://$data/state-api-before"
	stop "$cluster"
	cat "$data/api-before.load" >&2
	row "  the same, BEFORE" "$(p99 "$data/api-before.load")" "deploy $(fmt "$secs") s under load, CPU $cpu_s s; $(enc "$data/api-before.load"); $(basename "$BEFORE")"
fi

fi # BIG_ONLY

# 6. BIG=1: BIG_PODS (10,000) simulated pods on ZooKeeper, the plan API loaded
# throughout; then a cold restart against a raw read of the same tree.
[ -n "${BIG:-}" ] && [ -z "${zk:-}" ] && start_zk
if [ -n "${BIG:-}" ] && [ -n "${zk:-}" ]; then
	big=${BIG_PODS:-10000}
	simc big-raw "$((big / 10))"
	r=$(raw "raw-$big" "$big")
	stop "$cluster"
	simc big "$((big / 10))"
	LOAD=${BIG_LOAD_FOR:-600s} deploy big "$big" parallel "zk://127.0.0.1:$zkport/big" keep
	cat "$data/big.load" >&2
	row "deploy $big simulated pods, parallel (ZooKeeper)" "$(fmt "$secs") s" "raw: $(echo "$r" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p') s"
	row "  scheduler RSS / heap after" "$rss_mb / $heap_mb MiB" ""
	row "  state writes per launched task (ZooKeeper)" "$writes_pt" "bytes: $bytes_pt"
	row "  GET /v1/plans/deploy p99 while deploying ($RATE/s)" "$(sed -n 's/.*p99[ =:]*\([0-9.]*[mµn]*s\).*/\1/p' "$data/big.load" | head -n 1)" "$(enc "$data/big.load")"
	# Cold restart: SIGKILL, start again on the same store and cluster,
	# RESTARTS times (default 1); the rows give the medians.
	# The scheduler is restarted on the same machine, as a supervisor
	# (Marathon) restarts it: it proves the dead scheduler's lock node
	# dead and takes the lock at once. Elsewhere it would wait for the dead
	# session to expire (--zk-session-timeout, 10 s).
	# restart BIN N: SIGKILL the scheduler, start BIN's on the same store
	# and cluster; sets serving, reconciled and lockwait (seconds).
	restart() {
		kill -KILL "$sched"; wait "$sched" 2>/dev/null || true
		start=$(now)
		"$1" scheduler --spec scripts/bench/svc.yml -e PODS="$big" -e STRATEGY=parallel --master "$master" --state "zk://127.0.0.1:$zkport/big" \
			--api-host 127.0.0.1 --api-port 0 --debug-addr 127.0.0.1:0 -v >"$data/restart.sched.out" 2>"$data/restart.sched.log" &
		sched=$!
		pids="$pids $sched"
		prof=""
		if [ -n "${RESTART_PROFILE:-}" ] && [ "$2" = 1 ]; then # a CPU profile of the first restart's first seconds
			until dbg=$(sed -n 's/.*msg="debug server" addr=\([^ ]*\).*/\1/p' "$data/restart.sched.log" 2>/dev/null | head -n 1) && [ -n "$dbg" ]; do sleep 0.01; done
			curl -sf -o "$RESTART_PROFILE" "${dbg}profile?seconds=${RESTART_PROFILE_SECS:-4}" &
			prof=$!
		fi
		until api=$(head -n 1 "$data/restart.sched.out") && [ -n "$api" ] && curl -sf "$api/v1/plans/deploy" >/dev/null; do sleep 0.02; done
		serving=$(calc "$(now) - $start")
		# Explicit reconciliation (RECONCILE of every task, detail "N
		# tasks") ends when every task's state came back: the scheduler
		# then sends an implicit RECONCILE (detail "implicit"). A scheduler
		# older than these details logs detail="" for both: its
		# reconciliation's end is not told (reconciled is then empty).
		until grep -q 'msg=call type=RECONCILE detail=\("[0-9]* tasks"\|implicit\|""\)' "$data/restart.sched.log"; do sleep 0.02; done
		explicit=$(calc "$(now) - $start")
		reconciled=""
		if ! grep -q 'msg=call type=RECONCILE detail=""' "$data/restart.sched.log"; then
			until grep -q 'msg=call type=RECONCILE detail=implicit' "$data/restart.sched.log"; do sleep 0.05; done
			reconciled=$(calc "$(now) - $start")
		fi
		locked=$(sed -n "s/^time=\([^ ]*\) .*msg=\"the service's lock is taken\".*/\1/p" "$data/restart.sched.log" | head -n 1)
		lockwait=$(calc "$(date -d "$locked" +%s.%N) - $start")
		# took=1.2s or took=420ms, in seconds
		took() { sed -n "s/.*msg=\"$1\".* took=\([0-9.]*\)\(m*\)s.*/\1 \2/p" "$data/restart.sched.log" | head -n 1 | awk '{print ($2 == "m") ? $1 / 1000 : $1}'; }
		loaded=$(took "the service's state is loaded")
		rebuilt=$(took "the scheduler is rebuilt from its state")
		log "$1: cold restart $2, $big tasks: serving in $serving s, explicit reconciliation sent after $explicit s, reconciled in ${reconciled:-(not told)} s, lock taken after $lockwait s; state loaded in $loaded s, rebuilt in $rebuilt s"
		grep -E "lock's holder is dead|msg=\"(the service's state is loaded|the scheduler is rebuilt from its state)\"|msg=call type=RECONCILE" "$data/restart.sched.log" >&2 || true
		if [ -n "$prof" ]; then wait "$prof" || true; fi
	}
	: >"$data/restarts"
	i=0
	while [ "$i" -lt "${RESTARTS:-1}" ]; do
		i=$((i + 1))
		restart "$BIN" "$i"
		echo "$serving $reconciled $(calc "$serving - $lockwait") $(calc "$reconciled - $lockwait") $explicit $loaded $rebuilt" >>"$data/restarts"
	done
	if [ -n "${BEFORE:-}" ]; then # the older scheduler, restarted after ours on the same tree
		restart "$BEFORE" before
		before_restart="$(fmt "$serving") s / $([ -n "$reconciled" ] && echo "$(fmt "$reconciled") s" || echo "(not told)") (lock after $(fmt "$lockwait") s; loaded in $loaded s, rebuilt in $rebuilt s)"
	fi
	stop "$sched"
	stop "$cluster"
	: >"$data/zkreads"
	i=0
	while [ "$i" -lt "${RESTARTS:-1}" ]; do
		i=$((i + 1))
		z=$("$data/zkread" -hosts "127.0.0.1:$zkport" -root /big)
		log "zkread: $z"
		echo "$z" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p' >>"$data/zkreads"
		if [ -n "${ZKREAD_BEFORE:-}" ]; then log "zkread before ($ZKREAD_BEFORE): $("$ZKREAD_BEFORE" -hosts "127.0.0.1:$zkport" -root /big)"; fi
	done
	# median COLUMN FILE
	median() { awk -v c="$1" '{print $c}' "$2" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
	row "cold restart, $big tasks (ZooKeeper): serving" "$(fmt "$(median 1 "$data/restarts")") s" "raw read: $(fmt "$(median 1 "$data/zkreads")") s ($(echo "$z" | sed -n 's/raw read: \([0-9]*\) nodes.*/\1/p') nodes)"
	row "  explicit reconciliation sent" "$(fmt "$(median 5 "$data/restarts")") s" ""
	row "  reconciliation done (every task's state)" "$(fmt "$(median 2 "$data/restarts")") s" ""
	row "  after the lock" "$(fmt "$(median 3 "$data/restarts")") s serving" "$(fmt "$(median 4 "$data/restarts")") s reconciled"
	row "  state loaded / scheduler rebuilt" "$(fmt "$(median 6 "$data/restarts")") s / $(fmt "$(median 7 "$data/restarts")") s" ""
	if [ -n "${before_restart:-}" ]; then row "  the same, previous scheduler: serving / reconciled" "$before_restart" ""; fi
fi

# 7. Offer evaluation rate.
[ -n "${API_ONLY:-}" ] && { echo; printf '%-44s %-22s %s\n' "measure" "kennel" "baseline (same run)"; printf '%s' "$rows"; exit 0; }
ev=$(go test ./scheduler/offer -run '^$' -bench 'Evaluate/100pods_x_200offers' -benchtime 2s | tee -a /dev/stderr | awk '/ns\/op/ {print $3}')
row "offer evaluation (100 pods x 200 offers)" "$(calc "100 * 200 / $ev * 1000000000" | cut -d. -f1) pod-offers/s" "one core"

echo
printf '%-44s %-22s %s\n' "measure" "kennel" "baseline (same run)"
printf '%s' "$rows"
