package main

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Issue 14's benchmark LAN (scenarios.BenchLAN), run as a user runs it:
// `vrrpsim run FILE --json`, as a subprocess so that its peak RSS is the
// process's own (getrusage ru_maxrss). `make bench-lan` builds the binary
// and runs TestBenchLAN with VRRPSIM_BENCH_LAN=BINARY; without it the test
// is skipped. BENCH_LAN_CASES overrides the cases, e.g. "100:5m,100:1h";
// BENCH_LAN_ROUNDS how many times each runs (default 3; the median is
// printed).

// benchLANCase is one run of the benchmark LAN.
type benchLANCase struct {
	groups int
	dur    time.Duration
}

// benchLANDefault: the 100-group LAN for 5 min and 1 h of virtual time
// (memory flat in simulated time), 250 groups on one LAN and 1000 on four
// for 5 min (growth with the LAN's size).
const benchLANDefault = "100:5m,100:1h,250:5m,1000:5m"

// benchLANResult is what one run cost.
type benchLANResult struct {
	benchLANCase
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	// warm is the CPU time of the same run stopped at benchLANWarm: the
	// start-up (reading, building, the first elections and their ARP
	// storms) and the first pings. (cpu - warm) / (dur - benchLANWarm) is
	// the steady cost per virtual second.
	warm time.Duration
}

// benchLANWarm is where the steady state is taken to begin.
const benchLANWarm = 60 * time.Second

// steadyNsPerVirtualSecond is the CPU cost of a virtual second after
// benchLANWarm, or 0 if the run is not longer than that.
func (r benchLANResult) steadyNsPerVirtualSecond() float64 {
	if r.dur <= benchLANWarm || r.warm == 0 {
		return 0
	}
	return float64((r.cpu - r.warm).Nanoseconds()) / (r.dur - benchLANWarm).Seconds()
}

// xRealTime is virtual seconds per second of CPU (user + system): one
// core's speed, which the machine's other load does not change.
func (r benchLANResult) xRealTime() float64 { return r.dur.Seconds() / r.cpu.Seconds() }

// nsPerVirtualSecond is CPU nanoseconds per second of virtual time.
func (r benchLANResult) nsPerVirtualSecond() float64 {
	return float64(r.cpu.Nanoseconds()) / r.dur.Seconds()
}

func parseBenchLANCases(s string) ([]benchLANCase, error) {
	var out []benchLANCase
	for _, c := range strings.Split(s, ",") {
		g, d, ok := strings.Cut(strings.TrimSpace(c), ":")
		n, err1 := strconv.Atoi(g)
		dur, err2 := time.ParseDuration(d)
		if !ok || err1 != nil || err2 != nil || n < 1 || dur <= 0 {
			return nil, fmt.Errorf("bench LAN case %q: want GROUPS:DURATION, e.g. 100:5m", c)
		}
		out = append(out, benchLANCase{n, dur})
	}
	return out, nil
}

// benchLANScenario is issue 14's LAN of groups for dur (scenarios.BenchLAN),
// loaded.
func benchLANScenario(tb testing.TB, groups int, dur time.Duration) *scenarios.Scenario {
	tb.Helper()
	data, err := scenarios.BenchLAN(groups, dur)
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := scenarios.Load(fmt.Sprintf("bench-lan-%d.yaml", groups), data)
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// runBenchLAN runs bin on the generated scenario of c and measures it,
// to its end if until is 0.
func runBenchLAN(bin, dir string, c benchLANCase, until time.Duration) (benchLANResult, error) {
	res := benchLANResult{benchLANCase: c}
	data, err := scenarios.BenchLAN(c.groups, c.dur)
	if err != nil {
		return res, err
	}
	file := filepath.Join(dir, fmt.Sprintf("lan%d-%s.yaml", c.groups, c.dur))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return res, err
	}
	out, err := os.Create(file + ".json")
	if err != nil {
		return res, err
	}
	defer out.Close()
	args := []string{"run", file, "--json", "--limit", "events=100000000000"}
	if until > 0 {
		args = append(args, "--until", until.String())
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res.wall, res.cpu, res.maxRSS, err = runMeasured(cmd)
	if err != nil {
		return res, fmt.Errorf("%s: %v: %s", file, err, stderr.String())
	}
	return res, nil
}

// runMeasured runs cmd and returns its wall time, the child's own CPU
// time (user + system) and peak RSS in bytes (getrusage ru_maxrss), so
// the figures do not depend on what else the machine runs.
func runMeasured(cmd *exec.Cmd) (wall, cpu time.Duration, maxRSS int64, err error) {
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return wall, 0, 0, err
	}
	st := cmd.ProcessState
	cpu = st.UserTime() + st.SystemTime()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss * 1024 // Linux: kilobytes
	}
	return wall, cpu, maxRSS, nil
}

// TestBenchLAN prints the benchmark's figures and the growth ratios
// (the targets: >= 300x real time for 100 groups; RSS for 1 h
// within 1.2x of 5 min and under 300 MB; 250 groups <= 2.75x and 1000
// groups <= 11x the 100-group cost per virtual second). It reports; it
// never fails on speed.
func TestBenchLAN(t *testing.T) {
	bin := os.Getenv("VRRPSIM_BENCH_LAN")
	if bin == "" {
		t.Skip("VRRPSIM_BENCH_LAN (the vrrpsim binary to measure) not set; see make bench-lan")
	}
	spec := os.Getenv("BENCH_LAN_CASES")
	if spec == "" {
		spec = benchLANDefault
	}
	cases, err := parseBenchLANCases(spec)
	if err != nil {
		t.Fatal(err)
	}
	rounds := 3
	if s := os.Getenv("BENCH_LAN_ROUNDS"); s != "" {
		if rounds, err = strconv.Atoi(s); err != nil || rounds < 1 {
			t.Fatalf("BENCH_LAN_ROUNDS=%q: want a number of rounds, at least 1", s)
		}
	}
	dir := t.TempDir()
	// Every case runs once a round, the rounds one after another, so a
	// change in the machine's other load falls on all cases alike; each
	// case's figures are the median round's (by CPU): the 100-group run,
	// the denominator of the growth ratios, takes under a second and moves
	// by 5-10% from run to run.
	runs := make([][]benchLANResult, len(cases))
	warms := make([][]time.Duration, len(cases))
	for range rounds {
		for i, c := range cases {
			r, err := runBenchLAN(bin, dir, c, 0)
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = append(runs[i], r)
			if c.dur > 2*benchLANWarm {
				w, err := runBenchLAN(bin, dir, c, benchLANWarm)
				if err != nil {
					t.Fatal(err)
				}
				warms[i] = append(warms[i], w.cpu)
			}
		}
	}
	var results []benchLANResult
	fmt.Printf("median of %d rounds\n", rounds)
	fmt.Printf("%-7s %-8s %9s %9s %10s %12s %14s %9s %12s\n", "groups", "virtual", "wall_s", "cpu_s", "x_rt_cpu", "ns/virt_s", "steady_ns/vs", "rss_MB", "cpu_s_range")
	for i := range cases {
		rs := runs[i]
		slices.SortFunc(rs, func(a, b benchLANResult) int { return cmp.Compare(a.cpu, b.cpu) })
		r := rs[len(rs)/2]
		if len(warms[i]) > 0 {
			slices.Sort(warms[i])
			r.warm = warms[i][len(warms[i])/2]
		}
		results = append(results, r)
		fmt.Printf("%-7d %-8s %9.2f %9.2f %10.1f %12.0f %14.0f %9.1f %5.2f-%-5.2f\n", r.groups, r.dur, r.wall.Seconds(), r.cpu.Seconds(), r.xRealTime(), r.nsPerVirtualSecond(), r.steadyNsPerVirtualSecond(), float64(r.maxRSS)/1e6, rs[0].cpu.Seconds(), rs[len(rs)-1].cpu.Seconds())
	}
	find := func(g int, short bool) *benchLANResult {
		var best *benchLANResult
		for i := range results {
			r := &results[i]
			if r.groups == g && (best == nil || (short == (r.dur < best.dur))) {
				best = r
			}
		}
		return best
	}
	base := find(100, true)
	if base == nil {
		return
	}
	if long := find(100, false); long != nil && long.dur > base.dur {
		fmt.Printf("memory: RSS %s / %s = %.2fx (target <= 1.2x, < 300 MB)\n", long.dur, base.dur, float64(long.maxRSS)/float64(base.maxRSS))
	}
	for _, g := range []int{250, 1000} {
		if r := find(g, true); r != nil {
			fmt.Printf("growth: %d groups / 100 groups = %.2fx per virtual second, %.2fx in the steady state (target <= %s)\n", g,
				r.nsPerVirtualSecond()/base.nsPerVirtualSecond(), r.steadyNsPerVirtualSecond()/base.steadyNsPerVirtualSecond(), map[int]string{250: "2.75x", 1000: "11x"}[g])
		}
	}
}

// TestParseBenchLANCases keeps the case syntax of BENCH_LAN_CASES.
func TestParseBenchLANCases(t *testing.T) {
	got, err := parseBenchLANCases(benchLANDefault)
	if err != nil || len(got) != 4 || got[1] != (benchLANCase{100, time.Hour}) || got[3] != (benchLANCase{1000, 5 * time.Minute}) {
		t.Errorf("default cases: got %v %v", got, err)
	}
	for _, bad := range []string{"", "100", "x:5m", "100:5", "0:5m"} {
		if _, err := parseBenchLANCases(bad); err == nil {
			t.Errorf("%q: got no error", bad)
		}
	}
}

// BenchmarkBenchLAN100 runs the 100-group LAN for 30 s of virtual time
// in process, report included, for its allocations (-benchmem): the
// frame path allocates nothing in steady state, so allocs/op is the
// world's construction and the report.
func BenchmarkBenchLAN100(b *testing.B) {
	const dur = 30 * time.Second
	sc := benchLANScenario(b, 100, dur)
	b.ReportAllocs()
	var events uint64
	for b.Loop() {
		res, err := simulate(sc, simOptions{aggregate: true, budget: runBudget{events: 1 << 40}})
		if err != nil {
			b.Fatal(err)
		}
		events += res.fired
	}
	b.ReportMetric(float64(b.N)*dur.Seconds()/b.Elapsed().Seconds(), "x_realtime")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// BenchmarkBenchLANSteady is one virtual second of the 100-group LAN in
// its steady state (after 60 s: elections, ARP and the first pings are
// over), with the report's collector listening as in a run: allocs/op
// over frames/op is the frame path's allocations per frame (issue 14:
// zero in steady state), ns/op the cost of a virtual second.
func BenchmarkBenchLANSteady(b *testing.B) {
	sc := benchLANScenario(b, 100, 24*time.Hour)
	k := sim.New(sc.Seed)
	col := reports.NewCollectorWith(reports.Options{Aggregate: true})
	k.AddTracer(col.Trace)
	w, err := scenarios.Build(sc, k)
	if err != nil {
		b.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(60 * time.Second))
	seg, _ := w.Segment("lan1")
	sent := seg.Counters().Sent
	b.ReportAllocs()
	for b.Loop() {
		k.Run(k.Now().Add(time.Second))
	}
	frames := float64(seg.Counters().Sent-sent) / float64(b.N)
	b.ReportMetric(frames, "frames/op")
	b.ReportMetric(float64(time.Second)/(float64(b.Elapsed())/float64(b.N)), "x_realtime")
}
