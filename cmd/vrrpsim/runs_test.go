package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// jitteryScenario is master-crash on a lossy, jittery LAN, so runs with
// different seeds differ.
func jitteryScenario(t *testing.T) string {
	t.Helper()
	src := edited(t, masterCrashSource(t), "  lan: {}", "  lan: {jitter: 2ms, loss: 0.05}")
	return writeFile(t, filepath.Join(t.TempDir(), "jittery.yaml"), src)
}

func TestRunStatsTableFromHandMadeValues(t *testing.T) {
	sec := func(f float64) reports.Seconds { return reports.Seconds(f * float64(sim.Second)) }
	st := &reports.RunStats{
		Scenario: "demo", File: "demo.yaml", Runs: 20, FirstSeed: 1, LastSeed: 20, FailedRuns: 2,
		Convergence: []reports.ConvergenceStats{{
			Action: "crash r1", Instance: "VI_1",
			Detect:          reports.Stats[reports.Seconds]{N: 20, Min: sec(3), Median: sec(3.5), P95: sec(3.9), Max: sec(4)},
			SinceLastAdvert: reports.Stats[reports.Seconds]{},
			Converged:       reports.Stats[reports.Seconds]{N: 20, Min: sec(3), Median: sec(3.5), P95: sec(3.9), Max: sec(12.25)},
			Transitions:     reports.Stats[int]{N: 20, Min: 2, Median: 2, P95: 4, Max: 6},
		}},
		SplitBrainTotal: reports.Stats[reports.Seconds]{N: 20, Max: sec(0.5), P95: sec(0.5)},
		Flows:           []reports.FlowStats{{Node: "h1", Name: "h1/ping-1", Lost: reports.Stats[int]{N: 20, Min: 150, Median: 152, P95: 160, Max: 301}}},
		Expectations: []reports.ExpectationTally{
			{Text: "at 9s: VI_1 master is r1", File: "demo.yaml", Line: 54, Col: 5, Passed: 20, Runs: 20},
			{Text: "lost at most 200", File: "demo.yaml", Line: 56, Col: 5, Passed: 18, Runs: 20, FailedSeeds: []uint64{7, 13}},
		},
	}
	var b strings.Builder
	if err := writeRunStats(&b, st); err != nil {
		t.Fatal(err)
	}
	want := `scenario demo (demo.yaml)
20 runs, seeds 1..20; n = runs with a value; percentiles are nearest-rank

  metric                              n       min    median       p95        max
  crash r1 VI_1 detect_s             20  3.000000  3.500000  3.900000   4.000000
  crash r1 VI_1 since_last_advert_s   0         -         -         -          -
  crash r1 VI_1 converged_s          20  3.000000  3.500000  3.900000  12.250000
  crash r1 VI_1 transitions          20         2         2         4          6
  split_brain_total_s                20  0.000000  0.000000  0.500000   0.500000
  flow h1/ping-1 lost                20       150       152       160        301
  flow h1/ping-1 outage_s             0         -         -         -          -

expectations (runs in which each held)
  20/20  demo.yaml:54:5: at 9s: VI_1 master is r1
  18/20  demo.yaml:56:5: lost at most 200  (failed with seeds 7, 13)

2 of 20 runs failed an expectation
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSeedListLimits(t *testing.T) {
	cases := []struct {
		seeds []uint64
		want  string
	}{
		{[]uint64{3}, "seed 3"},
		{[]uint64{3, 9}, "seeds 3, 9"},
		{[]uint64{1, 2, 3, 4}, "seeds 1, 2, and 2 more"},
	}
	for _, c := range cases {
		if got := seedList(c.seeds, 2); got != c.want {
			t.Errorf("seedList(%v, 2): got %q, want %q", c.seeds, got, c.want)
		}
	}
}

func TestRunManySameAtAnyWorkerCount(t *testing.T) {
	path := jitteryScenario(t)
	for _, format := range [][]string{nil, {"--json"}} {
		var first string
		for _, w := range []string{"1", "3"} {
			args := append([]string{"run", path, "--runs", "6", "--workers", w}, format...)
			code, out, stderr := runCLI(t, args...)
			if code == exitBadInput {
				t.Fatalf("%v: exit 2: %s", args, stderr)
			}
			if first == "" {
				first = out
				continue
			}
			if out != first {
				t.Errorf("%v: output differs from --workers 1:\n%s\nvs\n%s", args, out, first)
			}
		}
		if format == nil {
			continue
		}
		// Seconds marshal as plain numbers; read them back as floats.
		type stat struct {
			N        int
			Min, Max float64
		}
		var st struct {
			Runs        int
			FirstSeed   uint64 `json:"first_seed"`
			LastSeed    uint64 `json:"last_seed"`
			Convergence []struct {
				Detect stat `json:"detect_s"`
			}
			Flows []struct{ Lost stat }
		}
		if err := json.Unmarshal([]byte(first), &st); err != nil {
			t.Fatalf("--json does not parse: %v\n%s", err, first)
		}
		if st.Runs != 6 || st.FirstSeed != 1 || st.LastSeed != 6 || len(st.Convergence) == 0 || len(st.Flows) == 0 {
			t.Fatalf("got %+v, want 6 runs, seeds 1..6, convergence and flows", st)
		}
		// The seeds really differ: on a lossy, jittery LAN the
		// detection time is not the same in every run.
		if d := st.Convergence[0].Detect; d.N != 6 || d.Min == d.Max {
			t.Errorf("detect_s over 6 jittery runs: got %+v, want 6 values, not all equal", d)
		}
	}
}

func TestRunManySeedsStartAtSeedFlag(t *testing.T) {
	code, out, stderr := runCLI(t, "run", "--runs", "3", "--seed", "40", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, `"first_seed": 40`) || !strings.Contains(out, `"last_seed": 42`) {
		t.Errorf("want seeds 40..42:\n%s", out)
	}
}

func TestRunManyExitsOneWhenARunFails(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "broken.yaml"), edited(t, masterCrashSource(t), brokenFrom, brokenTo))
	code, out, stderr := runCLI(t, "run", path, "--runs", "3", "--workers", "2")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"0/3  " + path + ":", "(failed with seeds 1, 2, 3)", "3 of 3 runs failed an expectation"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "3 of 3 runs failed") {
		t.Errorf("stderr %q, want the failed run count", stderr)
	}
	code, out, _ = runCLI(t, "run", path, "--runs", "3", "-q")
	if code != exitFailed || out != "" {
		t.Errorf("-q: exit %d output %q, want 1 and nothing", code, out)
	}
}

func TestRunManyUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--runs", "0"},
		{"run", "--runs", "2", "--workers", "-3"},
		{"run", "--runs", "2", "--trace"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitBadInput || stderr == "" {
			t.Errorf("%v: exit %d stderr %q, want 2 and a message", args, code, stderr)
		}
	}
}

// TestRunManyLoadBalancingAtAnyWorkerCount: the DR ARP trap with a
// jittery switch is a race the director sometimes wins: over 8 seeds the
// bypass count differs between runs, and the summary (text and JSON) is
// the same at 1 and 3 workers.
func TestRunManyLoadBalancingAtAnyWorkerCount(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(builtinDir, "lvs-dr-arp-trap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := edited(t, string(b), "  lan: {}", "  lan: {jitter: 30us}")
	path := writeFile(t, filepath.Join(t.TempDir(), "trap.yaml"), src)
	for _, format := range [][]string{nil, {"--json"}} {
		var first string
		for _, w := range []string{"1", "3"} {
			args := append([]string{"run", path, "--until", "5s", "--runs", "8", "--workers", w}, format...)
			code, out, stderr := runCLI(t, args...)
			if code == exitBadInput {
				t.Fatalf("%v: exit 2: %s", args, stderr)
			}
			if first == "" {
				first = out
			} else if out != first {
				t.Errorf("%v: output differs from --workers 1", args)
			}
		}
		if format == nil {
			if !strings.Contains(first, "bypass_packets") || !strings.Contains(first, "client c1/http-1 failed") {
				t.Errorf("summary lacks the load-balancing rows:\n%s", first)
			}
			continue
		}
		var st struct {
			Bypass struct{ N, Min, Max int } `json:"bypass_packets"`
		}
		if err := json.Unmarshal([]byte(first), &st); err != nil {
			t.Fatal(err)
		}
		if st.Bypass.N != 8 || st.Bypass.Min == st.Bypass.Max {
			t.Errorf("bypass_packets over 8 jittery runs: %+v, want 8 values, not all equal", st.Bypass)
		}
	}
}
