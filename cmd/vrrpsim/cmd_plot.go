package main

import "io"

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	return usagef("plot: not implemented yet")
}
