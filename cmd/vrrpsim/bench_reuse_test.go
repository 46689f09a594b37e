package main

import (
	"bytes"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// TestScenarioReusedAcrossRuns: a sweep worker parses a grid point's
// scenario once and runs every seed of the point on it (pointScenario),
// which is only sound if a run never changes its scenario. Every built-in
// is run three times on one parsed scenario (two seeds, then the first
// again) and must give what a fresh parse gives.
func TestScenarioReusedAcrossRuns(t *testing.T) {
	for _, name := range testedBuiltins(scenarios.BuiltinNames()) {
		shared, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		report := func(sc *scenarios.Scenario, seed uint64) []byte {
			res, err := simulate(sc, simOptions{seed: seed, seedSet: true, aggregate: true})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var b bytes.Buffer
			if err := res.report.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		report(shared, 1)
		report(shared, 2)
		again := report(shared, 1)
		fresh, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if want := report(fresh, 1); !bytes.Equal(again, want) {
			t.Errorf("%s: a reused scenario reports differently from a fresh one", name)
		}
	}
}
