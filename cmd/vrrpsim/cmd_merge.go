package main

import "io"

func cmdMerge(args []string, stdout, stderr io.Writer) error {
	return usagef("merge: not implemented yet")
}
