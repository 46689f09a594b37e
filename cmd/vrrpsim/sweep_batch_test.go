package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestBatchSize(t *testing.T) {
	tests := []struct{ runs, workers, want int }{
		{1, 1, 1},
		{31, 2, 1},     // a small sweep: one run a batch, every worker busy
		{79, 3, 3},     // about 8 batches a worker
		{20000, 2, 16}, // long sweeps: capped at maxBatch
		{100000, 64, 16},
	}
	for _, tt := range tests {
		if got := batchSize(tt.runs, tt.workers); got != tt.want {
			t.Errorf("batchSize(%d runs, %d workers) = %d, want %d", tt.runs, tt.workers, got, tt.want)
		}
	}
}

// TestSweepBatchesAreByteIdenticalAcrossWorkers: with enough runs that
// workers take batches of several runs (and batches end mid-point and
// finish out of order), runs.csv, runs.json and summary.csv are the same
// bytes at 1, 2 and 3 workers.
func TestSweepBatchesAreByteIdenticalAcrossWorkers(t *testing.T) {
	const runs = 75 // 2 points: 149 runs after run 0
	for _, w := range []int{1, 2, 3} {
		if batchSize(2*runs-1, w) < 4 {
			t.Fatalf("batchSize(%d, %d) = %d: the test wants batches of several runs", 2*runs-1, w, batchSize(2*runs-1, w))
		}
	}
	files := []string{"runs.csv", "runs.json", "summary.csv"}
	var first [][]byte
	for _, w := range []int{1, 2, 3} {
		dir := t.TempDir()
		sweepCLI(t, "--set", "segments.lan.loss=0,0.02", "--runs", strconv.Itoa(runs), "--workers", strconv.Itoa(w), "--out", dir, "--no-plots", "-q")
		var got [][]byte
		for _, name := range files {
			got = append(got, readFile(t, filepath.Join(dir, name)))
		}
		if w == 1 {
			first = got
			if n := bytes.Count(got[0], []byte("\n")); n != 1+2*runs {
				t.Fatalf("runs.csv has %d lines, want a header and %d rows", n, 2*runs)
			}
			continue
		}
		for i, name := range files {
			if !bytes.Equal(got[i], first[i]) {
				t.Errorf("%s differs between --workers 1 and --workers %d", name, w)
			}
		}
	}
}

// TestSweepReportsTheLowestFailingRun: runs 40..79 (the 300 s point) are
// over the events limit; whatever the workers and however the batches
// finish, the error names run 40 and no runs.csv is left behind.
func TestSweepReportsTheLowestFailingRun(t *testing.T) {
	for _, w := range []string{"1", "2", "3"} {
		dir := t.TempDir()
		code, _, stderr := runCLI(t, "sweep", "master-crash", "--set", "duration=30s,300s", "--runs", "40", "--workers", w,
			"--limit", "events=80000", "--out", dir, "--no-plots", "-q")
		if code == exitOK || !strings.Contains(stderr, "sweep: run 40 (duration=300s seed 1)") {
			t.Errorf("--workers %s: exit %d, stderr %q; want a failure naming run 40", w, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "runs.csv")); err == nil {
			t.Errorf("--workers %s: a failed sweep left runs.csv", w)
		}
	}
}

// A sweep gets the GC ballast only when it has enough runs for the GC's
// frequency to matter (a small sweep is spared it), 16 MB per worker up to
// maxBallastWorkers.
func TestBallastFor(t *testing.T) {
	for _, tc := range []struct{ runs, workers, want int }{
		{0, 1, 0}, {1, 2, 0}, {ballastRuns - 1, 2, 0},
		{ballastRuns, 1, sweepBallast}, {100000, 1, sweepBallast},
		{ballastRuns, 2, 2 * sweepBallast}, {100000, 0, sweepBallast},
		{100000, maxBallastWorkers + 5, maxBallastWorkers * sweepBallast},
	} {
		if got := ballastFor(tc.runs, tc.workers); got != tc.want {
			t.Errorf("ballastFor(%d, %d workers) = %d, want %d", tc.runs, tc.workers, got, tc.want)
		}
	}
}
