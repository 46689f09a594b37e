# vrrpsim — build, test, benchmark, fuzz.
GO        ?= go
FUZZTIME  ?= 5s
BENCHTIME ?= 1s

.PHONY: all build docker test vet fmt-check race builtins fuzz bench bench-lb bench-lan bench-sweep pgo run golden clean

all: build

# A static binary (no libc), so it runs in distroless/scratch images.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o vrrpsim ./cmd/vrrpsim

# The container image (Dockerfile: static binary on distroless, no shell).
docker:
	docker build -t vrrpsim .

run:
	$(GO) run ./cmd/vrrpsim run

# The whole test suite: formatting, vet, unit/golden/integration tests under
# the race detector, then every fuzz target for a short while.
test: fmt-check vet race builtins fuzz

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

# cmd/vrrpsim again without -race: its loops over every built-in (goldens,
# keepalived.conf twins, tshark on every pcap and pcapng) run whole here.
# Under -race they take a sample (cmd/vrrpsim/race_on_test.go): the
# simulation is single-threaded, and the whole set takes many minutes there.
builtins:
	$(GO) test -count=1 ./cmd/vrrpsim

# Runs each fuzz target (func FuzzXxx) for FUZZTIME.
fuzz:
	@scripts/fuzz-all.sh $(FUZZTIME)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

# Issue 9's budget: 1000 conn/s LVS-NAT, 60 s virtual per run (x_realtime >= 1000).
bench-lb:
	$(GO) test -run='^$$' -bench=BenchmarkLBScenario -benchmem -benchtime=3x ./scenarios

# Issue 14's large LAN (scenarios.BenchLAN: G groups of 2 routers and a host
# pinging each VIP every 20 ms), run as `vrrpsim run FILE --json` in a
# subprocess: x real time (per CPU second), ns per virtual second, peak RSS,
# growth ratios; then the in-process benchmark's allocations.
# BENCH_LAN_CASES=100:5m,100:1h,250:5m,1000:5m (GROUPS:DURATION) by default.
bench-lan:
	CGO_ENABLED=0 $(GO) build -trimpath -o vrrpsim ./cmd/vrrpsim
	VRRPSIM_BENCH_LAN=$(CURDIR)/vrrpsim $(GO) test -count=1 -timeout 3h -run '^TestBenchLAN$$' ./cmd/vrrpsim -v | grep -v '^[=-]\{3\}\|^PASS\|^ok'
	$(GO) test -run '^$$' -bench 'BenchmarkBenchLAN100$$' -benchmem -benchtime 3x ./cmd/vrrpsim
	$(GO) test -run '^$$' -bench 'BenchmarkBenchLANSteady' -benchmem -benchtime 300x ./cmd/vrrpsim
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms ./model/lan

# Issue 14's sweep: `vrrpsim sweep master-crash --runs N` (BENCH_SWEEP_RUNS,
# default 20000) at 1 and 2 workers in a subprocess: runs/s, CPU per run,
# peak RSS, speed-up 1 -> 2 workers; then allocations per run in process.
bench-sweep:
	CGO_ENABLED=0 $(GO) build -trimpath -o vrrpsim ./cmd/vrrpsim
	VRRPSIM_BENCH_SWEEP=$(CURDIR)/vrrpsim $(GO) test -count=1 -timeout 1h -run '^TestBenchSweep$$' ./cmd/vrrpsim -v | grep -v '^[=-]\{3\}\|^PASS\|^ok'
	$(GO) test -run '^$$' -bench 'BenchmarkSweepMasterCrash' -benchmem -benchtime 1x ./cmd/vrrpsim

# Refresh cmd/vrrpsim/default.pgo, the profile `go build` uses for
# profile-guided optimisation (docs/performance.md); commit the new file.
pgo:
	VRRPSIM_PGO=$(CURDIR)/cmd/vrrpsim/default.pgo $(GO) test -count=1 -run '^TestWritePGOProfile$$' ./cmd/vrrpsim

# Regenerate golden files; review the diff before committing.
golden:
	$(GO) test ./... -run 'Golden' -update

clean:
	rm -f vrrpsim
