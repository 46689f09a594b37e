package main

import (
	"time"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// healthBounds hands the detection calculator's predictions for the
// scenario's failures to the report (reports may not import scenarios).
func healthBounds(sc *scenarios.Scenario) []reports.HealthBound {
	var out []reports.HealthBound
	for _, b := range sc.HealthBounds() {
		x := reports.HealthBound{Director: b.Director, Service: b.Service, Real: b.Real, Action: b.Action,
			Checkers: b.Checkers, Detected: b.Detected}
		if b.Detected {
			x.RemoveBest, x.RemoveWorst = healthSecs(b.RemoveBest), healthSecs(b.RemoveWorst)
			x.ReAddBest, x.ReAddWorst = healthSecs(b.ReAddBest), healthSecs(b.ReAddWorst)
		}
		out = append(out, x)
	}
	return out
}

func healthSecs(d time.Duration) *reports.Seconds {
	s := reports.Seconds(sim.Time(d))
	return &s
}
