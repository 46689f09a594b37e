package main

import (
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// TestWritePGOProfile writes cmd/vrrpsim/default.pgo, the CPU profile
// `go build` uses for profile-guided optimisation (-pgo=auto: about 5%
// on the benchmark LAN; the output is the same, only inlining and
// layout change). `make pgo` runs it with VRRPSIM_PGO=PATH; without it
// the test is skipped. The workload is what users run most: the
// 100-group benchmark LAN for 5 min, 250 groups for 2 min, and the
// default scenario.
func TestWritePGOProfile(t *testing.T) {
	out := os.Getenv("VRRPSIM_PGO")
	if out == "" {
		t.Skip("VRRPSIM_PGO (where to write the profile) not set; see make pgo")
	}
	var cases []*scenarios.Scenario
	for _, c := range []struct {
		groups int
		dur    time.Duration
	}{{100, 5 * time.Minute}, {250, 2 * time.Minute}} {
		cases = append(cases, benchLANScenario(t, c.groups, c.dur))
	}
	mc, err := scenarios.Builtin("master-crash")
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, mc)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	for _, sc := range cases {
		for range map[bool]int{true: 1, false: 20}[sc == mc] {
			if _, err := simulate(sc, simOptions{aggregate: true, budget: runBudget{events: 1 << 40}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
