package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// addLimitFlag declares --limit NAME=N,... (scenarios.Limits, issue 13):
// the bounds on untrusted scenario input, each raisable by name.
func addLimitFlag(fs *pflag.FlagSet) *map[string]int {
	return fs.StringToInt("limit", nil, "raise or lower an input limit, e.g. --limit nodes=20000,depth=64 (names: "+strings.Join(scenarios.LimitNames(), ", ")+")")
}

// limitsFrom applies the --limit values to the defaults.
func limitsFrom(m map[string]int) (scenarios.Limits, error) {
	lim := scenarios.DefaultLimits()
	for _, n := range slices.Sorted(maps.Keys(m)) {
		if err := lim.Set(n, m[n]); err != nil {
			return lim, usagef("--limit: %v", err)
		}
	}
	return lim, nil
}

// maxWorkers bounds --workers: each worker is a goroutine with its own
// simulation, and the sweep's reorder window is twice the workers.
const maxWorkers = 4096

// maxRuns bounds 'run --runs': each run keeps its metrics for the table.
const maxRuns = 1_000_000

// checkWorkers checks --workers (0: number of CPUs).
func checkWorkers(n int) error {
	if n < 0 || n > maxWorkers {
		return usagef("--workers %d: want 1..%d (0: number of CPUs)", n, maxWorkers)
	}
	return nil
}
