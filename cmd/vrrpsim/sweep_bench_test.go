package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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

// sweepBenchArgs is issue 14's sweep: master-crash, one grid point, runs
// seeds, as docs/performance.md (Sweeps) times it.
func sweepBenchArgs(runs, workers int, dir string) []string {
	return []string{"sweep", "master-crash", "--set", "nodes.r2.vrrp.VI_1.priority=100",
		"--runs", strconv.Itoa(runs), "--workers", strconv.Itoa(workers), "--out", dir, "--no-plots", "-q"}
}

// BenchmarkSweepMasterCrash runs issue 14's sweep in process, 2000 runs
// an op, and reports what one run costs: runs per wall second, CPU
// (user+system, this process's getrusage) and allocations per run. On a
// shared machine CPU per run is the figure to compare; runs/s depends on
// the other load.
func BenchmarkSweepMasterCrash(b *testing.B) {
	const runs = 2000
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			b.ReportAllocs()
			dir := b.TempDir()
			args := sweepBenchArgs(runs, workers, dir)
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			cpu0 := processCPU()
			n := 0
			for b.Loop() {
				if code := run(args, io.Discard, io.Discard); code != exitOK {
					b.Fatalf("sweep exit %d", code)
				}
				n += runs
			}
			cpu := processCPU() - cpu0
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "runs/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/run")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(n), "allocs/run")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(n), "B/run")
		})
	}
}

// processCPU is this process's user + system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sweepBenchResult is what one sweep process cost.
type sweepBenchResult struct {
	runs, workers int
	wall, cpu     time.Duration
	maxRSS        int64 // bytes
	load          string
}

func (r sweepBenchResult) cpuPerRun() time.Duration { return r.cpu / time.Duration(r.runs) }

// runSweepBench runs bin's sweep of runs seeds on workers as a subprocess
// and measures it (getrusage of the child: its own CPU and peak RSS).
func runSweepBench(bin, dir string, runs, workers int) (sweepBenchResult, error) {
	res := sweepBenchResult{runs: runs, workers: workers, load: loadAverage()}
	cmd := exec.Command(bin, sweepBenchArgs(runs, workers, dir)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	var err error
	res.wall, res.cpu, res.maxRSS, err = runMeasured(cmd)
	if err != nil {
		return res, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return res, nil
}

// loadAverage is the 1-minute load average (Linux), or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// TestBenchSweep prints issue 14's sweep figures (`make bench-sweep`): the
// sweep of BENCH_SWEEP_RUNS runs (default 20000) at 1 and 2 workers as
// subprocesses of VRRPSIM_BENCH_SWEEP (the binary), with wall time, CPU
// per run, runs per second and peak RSS, and the speed-up from 1 to 2
// workers both in wall time (meaningful only when the machine is
// otherwise idle: the load average is printed) and CPU-normalised (2 x
// CPU per run at 1 worker / CPU per run at 2: what two idle cores give).
// It reports; it never fails on speed.
func TestBenchSweep(t *testing.T) {
	bin := os.Getenv("VRRPSIM_BENCH_SWEEP")
	if bin == "" {
		t.Skip("VRRPSIM_BENCH_SWEEP (the vrrpsim binary to measure) not set; see make bench-sweep")
	}
	runs := 20000
	if s := os.Getenv("BENCH_SWEEP_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("BENCH_SWEEP_RUNS=%q: want a number of runs", s)
		}
		runs = n
	}
	// cores is CPU / wall: 2 when the sweep had both cores, less when the
	// machine's other load took some.
	fmt.Printf("%-8s %7s %8s %8s %6s %11s %8s %8s %6s\n", "workers", "runs", "wall_s", "cpu_s", "cores", "cpu_ms/run", "runs/s", "rss_MB", "load")
	var res [2]sweepBenchResult
	for i, workers := range []int{1, 2} {
		r, err := runSweepBench(bin, t.TempDir(), runs, workers)
		if err != nil {
			t.Fatal(err)
		}
		res[i] = r
		fmt.Printf("%-8d %7d %8.2f %8.2f %6.2f %11.3f %8.0f %8.1f %6s\n", r.workers, r.runs, r.wall.Seconds(), r.cpu.Seconds(),
			r.cpu.Seconds()/r.wall.Seconds(), float64(r.cpuPerRun().Microseconds())/1000, float64(r.runs)/r.wall.Seconds(), float64(r.maxRSS)/1e6, r.load)
	}
	fmt.Printf("speed-up 1 -> 2 workers: wall %.2fx, CPU-normalised %.2fx (target >= 1.8x)\n",
		res[0].wall.Seconds()/res[1].wall.Seconds(), 2*res[0].cpuPerRun().Seconds()/res[1].cpuPerRun().Seconds())
	fmt.Printf("100,000 runs on 2 idle cores: about %.0f s (target < 60 s)\n", 100000*res[1].cpuPerRun().Seconds()/2)
}
