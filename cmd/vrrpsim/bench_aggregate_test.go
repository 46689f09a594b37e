package main

import (
	"bytes"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// TestAggregateReportUnchanged: a run that keeps flows as aggregates
// (run without plots, --runs, sweep; issue 14: memory flat in simulated
// time) reports byte for byte what the per-packet account reports, for
// every built-in scenario.
func TestAggregateReportUnchanged(t *testing.T) {
	for _, name := range testedBuiltins(scenarios.BuiltinNames()) {
		sc, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		var out [2]bytes.Buffer
		for i, agg := range []bool{false, true} {
			res, err := simulate(sc, simOptions{aggregate: agg})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := res.report.WriteJSON(&out[i]); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
			t.Errorf("%s: the aggregate report differs from the per-packet one", name)
		}
	}
}
