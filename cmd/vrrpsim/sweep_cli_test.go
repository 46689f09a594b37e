package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports/sweep"
)

// advertBoth sweeps both routers' advert_int together, as a sane
// master-crash sweep must.
const advertBoth = "nodes.r1.vrrp.VI_1.advert_int,nodes.r2.vrrp.VI_1.advert_int"

func sweepCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"sweep", "master-crash"}, args...)...)
	if code != exitOK {
		t.Fatalf("sweep %s: exit %d, want 0; stderr: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSweepCSVGolden(t *testing.T) {
	dir := t.TempDir()
	sweepCLI(t, "--set", advertBoth+"=1s,2s", "--runs", "2", "--workers", "2", "--out", dir, "--no-plots", "-q")
	for _, name := range []string{"runs.csv", "summary.csv"} {
		got := readFile(t, filepath.Join(dir, name))
		golden := filepath.Join("testdata", "sweep", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want := readFile(t, golden)
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (rerun with -update and review the diff):\ngot:\n%s\nwant:\n%s", name, golden, got, want)
		}
	}
}

func TestSweepRowsAreInGridOrderWithTheRightValues(t *testing.T) {
	dir := t.TempDir()
	sweepCLI(t, "--set", advertBoth+"=1s,2s", "--set", "segments.lan.loss=0,0.01", "--runs", "2", "--seed", "5", "--out", dir, "--no-plots", "-q")
	lines := strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(dir, "runs.csv")))), "\n")
	if len(lines) != 1+2*2*2 {
		t.Fatalf("runs.csv has %d lines, want a header and 8 rows", len(lines))
	}
	want := []string{
		"0,0,1s,0,5,", "1,0,1s,0,6,", "2,1,1s,0.01,5,", "3,1,1s,0.01,6,",
		"4,2,2s,0,5,", "5,2,2s,0,6,", "6,3,2s,0.01,5,", "7,3,2s,0.01,6,",
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i+1], w) {
			t.Errorf("row %d = %s, want it to start %s", i, lines[i+1], w)
		}
	}
	// RFC 3768 section 6.1: Master_Down_Interval = 3*advert_int +
	// (256-100)/256 s, which since_last_advert_s measures.
	if !strings.Contains(lines[1], ",3.609375,") || !strings.Contains(lines[5], ",6.609375,") {
		t.Errorf("since_last_advert_s is not 3.609375 at 1s and 6.609375 at 2s:\n%s\n%s", lines[1], lines[5])
	}
}

func TestSweepIsByteIdenticalAcrossWorkers(t *testing.T) {
	var outs [2][][]byte
	for i, workers := range []string{"1", "3"} {
		dir := t.TempDir()
		sweepCLI(t, "--set", advertBoth+"=1s,2s,3s", "--runs", "2", "--workers", workers, "--out", dir, "-q")
		for _, name := range []string{"runs.csv", "runs.json", "summary.csv", "detect_s.svg", "cdf_detect_s.svg"} {
			outs[i] = append(outs[i], readFile(t, filepath.Join(dir, name)))
		}
	}
	for j, name := range []string{"runs.csv", "runs.json", "summary.csv", "detect_s.svg", "cdf_detect_s.svg"} {
		if !bytes.Equal(outs[0][j], outs[1][j]) {
			t.Errorf("%s differs between --workers 1 and --workers 3", name)
		}
	}
}

func TestSweepWritesPlotsDeterministically(t *testing.T) {
	var first map[string][]byte
	for range 2 {
		dir := t.TempDir()
		sweepCLI(t, "--set", advertBoth+"=1s,2s", "--runs", "2", "--out", dir, "--figure", "detect_s,failover_outage_s", "-q")
		got := map[string][]byte{}
		for _, name := range []string{"detect_s.svg", "failover_outage_s.svg", "lost.svg", "cdf_detect_s.svg", "figure.svg"} {
			b := readFile(t, filepath.Join(dir, name))
			if !bytes.HasPrefix(b, []byte("<?xml")) || !bytes.Contains(b, []byte("<svg")) {
				t.Errorf("%s is not an SVG", name)
			}
			got[name] = b
		}
		if first == nil {
			first = got
			continue
		}
		for name, b := range got {
			if !bytes.Equal(b, first[name]) {
				t.Errorf("%s differs between two identical sweeps", name)
			}
		}
	}
}

func TestSweepRejectsBadPathsAndValuesBeforeRunning(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"--set", "nodes.r2.vrrp.VI_1.advert_intx=1s"}, "valid keys: state, interface, virtual_router_id, priority, advert_int"},
		{"unknown node", []string{"--set", "nodes.r9.vrrp.VI_1.advert_int=1s"}, `no key "r9" at nodes`},
		// Only the last value is bad: still caught before any run.
		{"bad value in a list", []string{"--set", advertBoth + "=1s,2s,abc"}, `grid point 2 (` + advertBoth + `=abc)`},
		// (a fractional VRRPv2 interval is rounded as keepalived does, issue 13)
		{"zero VRRPv2 interval", []string{"--set", advertBoth + "=1s,0s"}, "whole seconds 1..255 (RFC 3768)"},
		{"bad range", []string{"--set", "segments.lan.loss=0.1:0:0.01"}, "stop is below start"},
		{"no =", []string{"--set", "segments.lan.loss"}, "want PATH=V1,V2"},
		{"path twice", []string{"--set", "segments.lan.loss=0", "--set", "segments.lan.loss=1"}, "already swept"},
		{"bad shard", []string{"--set", "segments.lan.loss=0", "--shard", "4/4"}, "0 <= I < N"},
		{"no set", nil, "at least one --set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := append([]string{"sweep", "master-crash", "--out", dir}, tt.args...)
			code, _, stderr := runCLI(t, args...)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitBadInput, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("%s exists: a bad grid must fail before any run or output", dir)
			}
		})
	}
}

// shardSweep runs the 3-point x 2-seed sweep as n shards and returns their
// directories.
func shardSweep(t *testing.T, n int) []string {
	t.Helper()
	var dirs []string
	for i := 0; i < n; i++ {
		dir := t.TempDir()
		sweepCLI(t, "--set", advertBoth+"=1s,2s,3s", "--runs", "2", "--out", dir, "--shard", strings.Join([]string{itoa(i), itoa(n)}, "/"), "-q")
		dirs = append(dirs, dir)
	}
	return dirs
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestSweepShardsMergeToTheWholeSweep(t *testing.T) {
	whole := t.TempDir()
	sweepCLI(t, "--set", advertBoth+"=1s,2s,3s", "--runs", "2", "--out", whole, "-q")
	shards := shardSweep(t, 4) // 6 runs in 4 shards: sizes 1, 2, 1, 2

	// merge OUT.csv SHARD.csv...: shards given in any order.
	out := filepath.Join(t.TempDir(), "all.csv")
	args := []string{"merge", out}
	for i := len(shards) - 1; i >= 0; i-- {
		args = append(args, filepath.Join(shards[i], "runs.csv"))
	}
	if code, _, stderr := runCLI(t, args...); code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if got, want := readFile(t, out), readFile(t, filepath.Join(whole, "runs.csv")); !bytes.Equal(got, want) {
		t.Errorf("merged shards differ from the unsharded runs.csv:\ngot:\n%s\nwant:\n%s", got, want)
	}

	// merge --out DIR SHARD_DIR...: everything an unsharded sweep writes.
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, append([]string{"merge", "--out", dir}, shards...)...); code != exitOK {
		t.Fatalf("merge --out: exit %d: %s", code, stderr)
	}
	for _, name := range []string{"runs.csv", "runs.json", "summary.csv", "detect_s.svg", "cdf_detect_s.svg"} {
		if got, want := readFile(t, filepath.Join(dir, name)), readFile(t, filepath.Join(whole, name)); !bytes.Equal(got, want) {
			t.Errorf("merge --out %s differs from the unsharded sweep's", name)
		}
	}
}

func TestMergeRejectsBadShards(t *testing.T) {
	shards := shardSweep(t, 3) // runs 0-1, 2-3, 4-5
	csv := func(i int) string { return filepath.Join(shards[i], "runs.csv") }
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A shard with another header: a different sweep.
	other := t.TempDir()
	sweepCLI(t, "--set", "segments.lan.loss=0,0.01", "--out", other, "-q", "--no-plots")
	lines := strings.SplitAfter(string(readFile(t, csv(0))), "\n")
	unordered := write("unordered.csv", lines[0]+lines[1]+lines[2]+lines[1])
	otherCSV := write("other.csv", string(readFile(t, filepath.Join(other, "runs.csv")))) // no sweep.json beside it

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"duplicate", []string{csv(0), csv(1), csv(1)}, "run 2 is in both"},
		{"gap", []string{csv(0), csv(2)}, "runs 2..3 are missing"},
		{"missing first", []string{csv(1), csv(2)}, "runs 0..1 are missing"},
		{"missing last (per sweep.json)", []string{shards[0], shards[1]}, "runs 4..5 are missing"},
		{"other header", []string{csv(0), otherCSV}, "different header"},
		{"other sweep (per sweep.json)", []string{shards[0], other}, "describe different sweeps"},
		{"not a sweep csv", []string{write("x.csv", "a,b\n1,2\n")}, "not a vrrpsim sweep runs.csv"},
		{"empty", []string{write("empty.csv", "")}, "is empty"},
		{"unordered", []string{unordered}, "want rows in grid order"},
		{"no such file", []string{filepath.Join(tmp, "nope.csv")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "all.csv")
			code, _, stderr := runCLI(t, append([]string{"merge", out}, tt.args...)...)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitBadInput, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written despite the error", out)
			}
		})
	}
}

// TestSweepInterruptedLeavesNoPartialFiles: a sweep streams runs.csv and
// runs.json into temporary files; when the user interrupts it (the stop
// channel cmdSweep closes on SIGINT/SIGTERM), it must remove them and
// write nothing, not leave .runs.csv.tmp-* files or a half runs.csv.
func TestSweepInterruptedLeavesNoPartialFiles(t *testing.T) {
	dir := t.TempDir()
	file, data, err := scenarioSource("master-crash")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sweep.ParseSet("duration=20s,30s")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	close(stop)
	cfg := sweepConfig{
		scenario: "master-crash", file: file, data: data, sets: []string{"duration=20s,30s"},
		grid:    sweep.Grid{Params: []sweep.Param{p}, Runs: 20, Seed: 1},
		workers: 2, out: dir, quiet: true, stop: stop,
	}
	if _, err := runSweep(cfg, io.Discard); !errors.Is(err, errInterrupted) {
		t.Fatalf("got error %v, want %v", err, errInterrupted)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("interrupted sweep left %s in its output directory", e.Name())
	}
	var stderr bytes.Buffer
	if code := exitCode(errInterrupted, &stderr); code != exitInterrupted || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("interrupted: got exit %d and %q, want %d and one line", code, stderr.String(), exitInterrupted)
	}
}
