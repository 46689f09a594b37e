//go:build race

package main

import (
	"slices"
)

// raceDetector is true when the tests run under -race (make test's race step).
const raceDetector = true

// raceSample is the built-ins the loops over every built-in run under -race:
// the simulation is single-threaded, so the detector has nothing to find in
// the other forty; make test runs every one without -race (make builtins).
var raceSample = []string{"master-crash", "split-brain-partition", "lvs-nat-ha-sync", "http-check-flap", "nginx-weighted", "keepalived-nginx-ha"}

// testedBuiltins is scenarios.BuiltinNames, or its race sample under -race.
func testedBuiltins(names []string) []string {
	var out []string
	for _, n := range names {
		if slices.Contains(raceSample, n) {
			out = append(out, n)
		}
	}
	return out
}
