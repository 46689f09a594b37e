package main

import (
	"io"
	"testing"
)

// BenchmarkSweep measures whole sweeps of the master-crash scenario (4
// grid points x 8 seeds, CSV/JSON and summary written, no plots) at 1 and
// 2 workers, reported as simulation runs per wall-clock second.
func BenchmarkSweep(b *testing.B) {
	for _, workers := range []string{"1", "2"} {
		b.Run("workers="+workers, func(b *testing.B) {
			b.ReportAllocs()
			dir := b.TempDir()
			args := []string{"sweep", "master-crash", "--set", advertBoth + "=1s:4s:1s", "--runs", "8", "--workers", workers, "--out", dir, "--no-plots", "-q"}
			runs := 0
			for b.Loop() {
				if code := run(args, io.Discard, io.Discard); code != exitOK {
					b.Fatalf("sweep exit %d", code)
				}
				runs += 32
			}
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}
