package main

import "io"

func cmdSweep(args []string, stdout, stderr io.Writer) error {
	return usagef("sweep: not implemented yet")
}
