# Kennel's build. Every target works on a fresh Debian machine with Go.
GO       ?= go
BIN      := bin/kennel
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 1s
STATICCHECK := v0.8.2
ZKSERVER := /usr/share/zookeeper/bin/zkServer.sh
SUDO     := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all build deps test lint fuzz bench bench-go demo screenshots clean chaos

all: build

build:
	$(GO) build -o $(BIN) ./cmd/kennel

# lint: formatting, vet and staticcheck must be clean.
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...

# deps: what the tests need beyond Go: a ZooKeeper server, kcat (the
# Kafka client the test broker is checked with), python3 (the README
# guide's web task) and Chromium (the browser
# the dashboard's tests drive), Debian's packages.
deps:
	@if [ ! -x $(ZKSERVER) ]; then \
		echo "installing Debian's zookeeper package for the state store tests"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q zookeeper; \
	fi
	@if ! command -v kcat >/dev/null; then \
		echo "installing Debian's kcat package for the Kafka test broker's tests"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q kcat; \
	fi
	@if ! command -v python3 >/dev/null; then \
		echo "installing Debian's python3 package for the README guide's web task"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium package for the dashboard's browser tests"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

# test: lint, then every test (fuzz seed corpora included) with the race
# detector. With CI set, tests that need ZooKeeper, kcat or Chromium fail
# instead of skipping.
test: deps lint
	$(GO) test -race -count=1 ./...

# fuzz: run each fuzzer for FUZZTIME (go test allows one fuzz target per run).
# FUZZMINIMIZETIME bounds the minimization of each new interesting input:
# at go test's default (60s) a target with large seeds (the catalog's
# packages, adminrouter's apps.json) spent a whole short run minimizing,
# a few executions in 20 s.
fuzz:
	$(GO) test ./servicespec -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./servicespec -run '^$$' -fuzz '^FuzzParseEnvFile$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./servicespec/mustache -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./servicespec/placement -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/local -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/catalog -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/topics -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/topics -run '^$$' -fuzz '^FuzzParseTime$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/adminrouter -run '^$$' -fuzz '^FuzzParseApps$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/catalog -run '^$$' -fuzz '^FuzzDecodeLabels$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/sandbox -run '^$$' -fuzz '^FuzzLastLines$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/cosmos/httpapi -run '^$$' -fuzz '^FuzzParseMediaType$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/local/wire -run '^$$' -fuzz '^FuzzDecodeCall$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./executor -run '^$$' -fuzz '^FuzzConfigFromEnv$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/marathon/app -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/marathon/app -run '^$$' -fuzz '^FuzzRollbackVersion$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/props -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/brokerconfig -run '^$$' -fuzz '^FuzzFromProperties$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./executor/bootstrap -run '^$$' -fuzz '^FuzzFetchEnv$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./certs/taskenv -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./certs -run '^$$' -fuzz '^FuzzSign$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/brokers -run '^$$' -fuzz '^FuzzParseClusterID$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./executor/bootstrap -run '^$$' -fuzz '^FuzzFromEnv$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzEndpoints$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzAcceptsGzip$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./api/wire -run '^$$' -fuzz '^FuzzPlanViewJSON$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./api/wire -run '^$$' -fuzz '^FuzzCRC32Combine$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./executor -run '^$$' -fuzz '^FuzzEventStream$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/local/wire -run '^$$' -fuzz '^FuzzDecodeExecutorCall$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/marathon/client -run '^$$' -fuzz '^FuzzResponses$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./deploy/catalog -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/kafkaclient -run '^$$' -fuzz '^FuzzDescribeQuorumResponse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/finalize -run '^$$' -fuzz '^FuzzParseLevel$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./examples/kafka/testbroker -run '^$$' -fuzz '^FuzzParseLevels$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	$(GO) test ./cmd/kennel -run '^$$' -fuzz '^FuzzParsePodInfo$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)

# chaos: the long fault campaign (package chaos), one process per service
# (chaos: MOUNT volumes and a ONCE task on ZooKeeper; hello-world on the
# file store; kafka with the test broker), all three at once. CHAOS_SEED
# (default: the time) seeds them with SEED, SEED+1 and SEED+2;
# CHAOS_FAULTS faults per service, at most CHAOS_DURATION each; test
# output, reports and the clusters' and schedulers' logs go to
# CHAOS_DIR/<service>.log, <service>.txt and TestCampaign-<service>-cluster.log.
CHAOS_SEED     ?=
CHAOS_FAULTS   ?= 250
CHAOS_DURATION ?= 45m
CHAOS_DIR      ?= chaos-report
CHAOS_SERVICES ?= chaos hello-world kafka
chaos: deps
	mkdir -p $(CHAOS_DIR)
	@seed=$${CHAOS_SEED:-$$(date +%s)}; i=0; pids=; \
	for s in $(CHAOS_SERVICES); do \
		echo "chaos: $$s with seed $$((seed+i)), log in $(CHAOS_DIR)/$$s.log"; \
		KENNEL_CHAOS=1 KENNEL_CHAOS_SERVICE=$$s KENNEL_CHAOS_SEED=$$((seed+i)) KENNEL_CHAOS_FAULTS=$(CHAOS_FAULTS) \
			KENNEL_CHAOS_DURATION=$(CHAOS_DURATION) KENNEL_CHAOS_REPORT=$(abspath $(CHAOS_DIR))/$$s.txt \
			KENNEL_CHAOS_LOGS=$(abspath $(CHAOS_DIR)) \
			$(GO) test ./chaos -run '^TestCampaign$$' -count=1 -v -timeout 0 > $(CHAOS_DIR)/$$s.log 2>&1 & \
		pids="$$pids $$!"; i=$$((i+1)); \
	done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	cat $(CHAOS_DIR)/*.txt; exit $$rc

# bench: the table of scripts/bench.sh (BIG=1 adds 10,000 simulated pods);
# bench-go: the Go benchmarks alone.
bench:
	BIN=$(BIN) ./scripts/bench.sh

bench-go:
	$(GO) test ./servicespec ./plans ./scheduler/offer ./scheduler/state ./deploy/local ./examples/kafka/probe ./examples/kafka/brokers -run '^$$' -bench . -benchmem

# demo: builds Kennel, starts the local cluster with its Marathon, installs
# the hello-world package, follows its deploy plan to COMPLETE, uninstalls it.
demo: build
	BIN=$(BIN) ./scripts/demo.sh

# screenshots: the dashboard's pictures in the README (docs/dashboard-*.png),
# taken by its browser test on the local cluster.
screenshots: deps
	$(GO) test ./api/ui/browser -count=1 -run '^TestDashboard$$' -screenshots

clean:
	rm -rf bin
