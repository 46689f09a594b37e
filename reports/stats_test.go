package reports

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// Nearest-rank: the p-th percentile of n sorted values is the value at
// rank ceil(p/100*n), so it is always a value some run produced.
func TestSummarizeNearestRank(t *testing.T) {
	cases := []struct {
		name string
		xs   []int
		want Stats[int]
	}{
		{"empty", nil, Stats[int]{}},
		{"one value is every statistic", []int{7}, Stats[int]{1, 7, 7, 7, 7}},
		{"unsorted input", []int{3, 1, 2}, Stats[int]{3, 1, 2, 3, 3}},
		{"even count takes the lower middle", []int{4, 1, 3, 2}, Stats[int]{4, 1, 2, 4, 4}},
		{"p95 of 19 values is the maximum", seq(1, 19), Stats[int]{19, 1, 10, 19, 19}},
		{"p95 of 20 values is the 19th", seq(1, 20), Stats[int]{20, 1, 10, 19, 20}},
		{"p95 of 100 values is the 95th", seq(1, 100), Stats[int]{100, 1, 50, 95, 100}},
		{"p95 of 101 values is the 96th (ceil 95.95)", seq(1, 101), Stats[int]{101, 1, 51, 96, 101}},
		{"duplicates", []int{5, 5, 1, 5, 9}, Stats[int]{5, 1, 5, 9, 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.xs)
			if got := Summarize(c.xs); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			if !slices.Equal(in, c.xs) {
				t.Errorf("Summarize reordered its input: got %v, want %v", c.xs, in)
			}
		})
	}
}

func TestNearestRankClampsP(t *testing.T) {
	s := []int{10, 20, 30}
	for _, c := range []struct{ p, want int }{{0, 10}, {1, 10}, {33, 10}, {34, 20}, {67, 30}, {100, 30}, {150, 30}} {
		if got := NearestRank(s, c.p); got != c.want {
			t.Errorf("p%d of %v: got %d, want %d", c.p, s, got, c.want)
		}
	}
}

func tp(s float64) *sim.Time { t := sim.Time(s * float64(sim.Second)); return &t }

func TestAggregateHandMadeRuns(t *testing.T) {
	exp := func(ok bool) []ExpectResult {
		return []ExpectResult{
			{Text: "at 9s: VI_1 master is r1", File: "x.yaml", Line: 5, Col: 5, OK: true},
			{Text: "lost at most 10", File: "x.yaml", Line: 6, Col: 5, OK: ok},
		}
	}
	runs := []RunMetrics{
		{Seed: 1, Convergence: []ConvergenceMetrics{{Action: "crash r1", Instance: "VI_1", Detect: tp(3), SinceLastAdvert: tp(3.5), Converged: tp(3), Transitions: 2}},
			SplitBrainTotal: 0, Flows: []FlowMetrics{{Node: "h1", Name: "h1/ping-1", Lost: 10, Outage: sim.Second}}, Expectations: exp(true)},
		{Seed: 2, Convergence: []ConvergenceMetrics{{Action: "crash r1", Instance: "VI_1", Detect: nil, Converged: tp(1), Transitions: 1}},
			SplitBrainTotal: sim.Second / 2, Flows: []FlowMetrics{{Node: "h1", Name: "h1/ping-1", Lost: 30, Outage: 3 * sim.Second}}, Expectations: exp(false)},
		{Seed: 3, Convergence: []ConvergenceMetrics{{Action: "crash r1", Instance: "VI_1", Detect: tp(4), SinceLastAdvert: tp(4.5), Converged: tp(5), Transitions: 4}},
			SplitBrainTotal: 0, Flows: []FlowMetrics{{Node: "h1", Name: "h1/ping-1", Lost: 20, Outage: 2 * sim.Second}}, Expectations: exp(false)},
	}
	s := Aggregate("demo", "x.yaml", runs)
	if s.Runs != 3 || s.FirstSeed != 1 || s.LastSeed != 3 || s.FailedRuns != 2 {
		t.Errorf("got runs=%d seeds %d..%d failed=%d, want 3, 1..3, 2", s.Runs, s.FirstSeed, s.LastSeed, s.FailedRuns)
	}
	if len(s.Convergence) != 1 {
		t.Fatalf("got %d convergence entries, want 1", len(s.Convergence))
	}
	c := s.Convergence[0]
	// Run 2 had no new master: detection over the 2 runs that had one.
	if want := (Stats[Seconds]{2, Seconds(3 * sim.Second), Seconds(3 * sim.Second), Seconds(4 * sim.Second), Seconds(4 * sim.Second)}); c.Detect != want {
		t.Errorf("detect: got %+v, want %+v", c.Detect, want)
	}
	if want := (Stats[Seconds]{3, Seconds(sim.Second), Seconds(3 * sim.Second), Seconds(5 * sim.Second), Seconds(5 * sim.Second)}); c.Converged != want {
		t.Errorf("converged: got %+v, want %+v", c.Converged, want)
	}
	if want := (Stats[int]{3, 1, 2, 4, 4}); c.Transitions != want {
		t.Errorf("transitions: got %+v, want %+v", c.Transitions, want)
	}
	if want := (Stats[Seconds]{3, 0, 0, Seconds(sim.Second / 2), Seconds(sim.Second / 2)}); s.SplitBrainTotal != want {
		t.Errorf("split brain: got %+v, want %+v", s.SplitBrainTotal, want)
	}
	if len(s.Flows) != 1 || s.Flows[0].Lost != (Stats[int]{3, 10, 20, 30, 30}) {
		t.Errorf("flows: got %+v, want lost 10/20/30/30", s.Flows)
	}
	if len(s.Expectations) != 2 {
		t.Fatalf("got %d expectations, want 2", len(s.Expectations))
	}
	if e := s.Expectations[0]; e.Passed != 3 || e.Runs != 3 || len(e.FailedSeeds) != 0 {
		t.Errorf("first expectation: got %+v, want 3/3", e)
	}
	if e := s.Expectations[1]; e.Passed != 1 || e.Runs != 3 || !slices.Equal(e.FailedSeeds, []uint64{2, 3}) {
		t.Errorf("second expectation: got %+v, want 1/3 failing with seeds 2, 3", e)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"detect_s":{"n":2,"min":3,"median":3,"p95":4,"max":4}`, `"split_brain_total_s":{"n":3,"min":0,"median":0,"p95":0.5,"max":0.5}`, `"failed_seeds":[2,3]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

// Entries appear in first-seen order over runs in seed order, never in map
// order: the same runs always give the same output.
func TestAggregateOrderIsFirstSeen(t *testing.T) {
	mk := func(seed uint64, actions ...string) RunMetrics {
		m := RunMetrics{Seed: seed}
		for _, a := range actions {
			m.Convergence = append(m.Convergence, ConvergenceMetrics{Action: a, Instance: "VI_1"})
		}
		return m
	}
	s := Aggregate("x", "", []RunMetrics{mk(1, "crash r1", "restart r1"), mk(2, "crash r1", "heal lan", "restart r1")})
	var got []string
	for _, c := range s.Convergence {
		got = append(got, c.Action)
	}
	if want := []string{"crash r1", "restart r1", "heal lan"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if s.Convergence[2].Transitions.N != 1 {
		t.Errorf("heal lan seen in 1 run: got n=%d, want 1", s.Convergence[2].Transitions.N)
	}
}

func TestAggregateNoRuns(t *testing.T) {
	s := Aggregate("x", "", nil)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"convergence":[]`) || !strings.Contains(string(b), `"expectations":[]`) {
		t.Errorf("empty aggregate should have empty lists, not null: %s", b)
	}
}

// BenchmarkAggregate1000Runs: the cost of `--runs 1000` beyond the runs
// themselves (one convergence entry, one flow, two expectations per run).
func BenchmarkAggregate1000Runs(b *testing.B) {
	runs := make([]RunMetrics, 1000)
	for i := range runs {
		d := sim.Time(3*sim.Second) + sim.Time(i*7919%1000)*sim.Millisecond
		runs[i] = RunMetrics{Seed: uint64(i + 1),
			Convergence:  []ConvergenceMetrics{{Action: "crash r1", Instance: "VI_1", Detect: &d, SinceLastAdvert: &d, Converged: &d, Transitions: 2}},
			Flows:        []FlowMetrics{{Node: "h1", Name: "h1/ping-1", Lost: i % 300, Outage: d}},
			Expectations: []ExpectResult{{Text: "a", Line: 1, OK: true}, {Text: "b", Line: 2, OK: i%10 != 0}},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Aggregate("x", "x.yaml", runs)
	}
}
