package main

import (
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestBuiltinsConfirmTheCalculator: in every built-in with health
// checks, each failure keepalived acted on was removed, and each
// recovery re-added, within the detection calculator's best..worst
// (check.Predict through Scenario.HealthBounds; 50 ms for the probes'
// round trips, which the calculator takes as 0).
func TestBuiltinsConfirmTheCalculator(t *testing.T) {
	const slack = reports.Seconds(50 * sim.Millisecond)
	in := func(m, lo, hi *reports.Seconds) bool { return *m+slack >= *lo && *m <= *hi+slack }
	checked := 0
	for _, name := range testedBuiltins(scenarios.BuiltinNames()) {
		sc, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.HealthBounds()) == 0 {
			continue
		}
		res, err := simulate(sc, simOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.report.LB.Health {
			for _, f := range h.Failures {
				p := f.Predicted
				if p == nil || !p.Detected {
					continue
				}
				if f.Removed != nil {
					checked++
					if !in(f.Detection, p.RemoveBest, p.RemoveWorst) {
						t.Errorf("%s %s %s: removed after %v s, predicted %v..%v", name, h.Director, f.Action, *f.Detection, *p.RemoveBest, *p.RemoveWorst)
					}
				}
				if f.Restore != nil && !in(f.Restore, p.ReAddBest, p.ReAddWorst) {
					t.Errorf("%s %s %s: re-added after %v s, predicted %v..%v", name, h.Director, f.Recovery, *f.Restore, *p.ReAddBest, *p.ReAddWorst)
				}
			}
		}
	}
	if checked < 4 && !raceDetector { // under -race only a sample of the built-ins runs
		t.Errorf("only %d removals checked; the health built-ins (real-server-refuses, real-server-blackhole, http-check-flap, sorry-server) have at least 5", checked)
	}
}
