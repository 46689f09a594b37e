//go:build !race

package main

// raceDetector is true when the tests run under -race (make test's race step).
const raceDetector = false

// testedBuiltins is every name given; under -race, a sample (race_on_test.go).
func testedBuiltins(names []string) []string { return names }
