package main

import (
	"errors"
	"io"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	return usagef("check: not implemented yet")
}

// runMany runs sc n times with seeds seed..seed+n-1 on up to workers
// goroutines and prints each metric as min / median / p95 / max.
func runMany(sc *scenarios.Scenario, o simOptions, n, workers int, asJSON, quiet bool, stdout io.Writer) error {
	return errors.New("--runs: not implemented yet")
}
