package main

import (
	"errors"
	"io"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	return usagef("plot: not implemented yet")
}

// writePlots writes the plots of one run into dir (run --plots).
func writePlots(res *simResult, dir string) error { return errors.New("not implemented yet") }

// writeHTML writes the self-contained HTML report of one run (run --html).
func writeHTML(sc *scenarios.Scenario, res *simResult, path string) error {
	return errors.New("not implemented yet")
}
