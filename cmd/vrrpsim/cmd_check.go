package main

import "io"

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	return usagef("check: not implemented yet")
}
