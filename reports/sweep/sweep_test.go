package sweep

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
)

func TestParseSetExpandsListsAndRanges(t *testing.T) {
	tests := []struct {
		arg   string
		paths []string
		vals  []string
	}{
		{"segments.lan.loss=0,0.01,0.05", []string{"segments.lan.loss"}, []string{"0", "0.01", "0.05"}},
		// Exact decimal steps: never 0.30000000000000004.
		{"segments.lan.loss=0:0.3:0.1", []string{"segments.lan.loss"}, []string{"0", "0.1", "0.2", "0.3"}},
		{"x=0.1s:0.5s:0.1s", []string{"x"}, []string{"100ms", "200ms", "300ms", "400ms", "500ms"}},
		{"x=1s:5s:2s,10s", []string{"x"}, []string{"1s", "3s", "5s", "10s"}},
		{"x=1:2:0.25", []string{"x"}, []string{"1", "1.25", "1.5", "1.75", "2"}},
		{"x=-1:1:1", []string{"x"}, []string{"-1", "0", "1"}},
		{"x=1s:1.5s:1s", []string{"x"}, []string{"1s"}}, // stop not on a step: stop is a bound
		{"a.b,c.d=1s,2s", []string{"a.b", "c.d"}, []string{"1s", "2s"}},
		// Commas inside YAML flow collections do not split.
		{"x=[10.0.0.254],[10.0.0.253, 10.0.0.252]", []string{"x"}, []string{"[10.0.0.254]", "[10.0.0.253, 10.0.0.252]"}},
		// Colons that are not a range stay literal.
		{"x=02:00:00:00:00:01", []string{"x"}, []string{"02:00:00:00:00:01"}},
		{"x=fe80::1", []string{"x"}, []string{"fe80::1"}},
	}
	for _, tt := range tests {
		p, err := ParseSet(tt.arg)
		if err != nil {
			t.Errorf("ParseSet(%q): %v", tt.arg, err)
			continue
		}
		if !slices.Equal(p.Paths, tt.paths) || !slices.Equal(p.Values, tt.vals) {
			t.Errorf("ParseSet(%q) = %q %q, want %q %q", tt.arg, p.Paths, p.Values, tt.paths, tt.vals)
		}
	}
}

func TestParseSetRejectsBadInput(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"segments.lan.loss", "want PATH=V1,V2"},
		{"x=", "empty value"},
		{"x=1,,2", "empty value"},
		{"=1", "bad path"},
		{"a,a=1", "given twice"},
		{"seed=1,2", "--runs"},
		{"x=1:0:1", "stop is below start"},
		{"x=0:1:0", "step must be positive"},
		{"x=0:1s:1", "start is a number"},
		{"x=1s:2s:0.1", "neither a plain number nor a duration"},
		{"x=0:1000000:1", "more than"},
		{"x=[1,2", "unbalanced"},
	}
	for _, tt := range tests {
		_, err := ParseSet(tt.arg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSet(%q) error = %v, want it to contain %q", tt.arg, err, tt.want)
		}
	}
}

func TestGridFirstParamVariesSlowest(t *testing.T) {
	g := Grid{Params: []Param{{Paths: []string{"a", "b"}, Values: []string{"1", "2"}}, {Paths: []string{"c"}, Values: []string{"x", "y", "z"}}}, Runs: 2, Seed: 7}
	if got := g.Size(); got != 12 {
		t.Fatalf("Size() = %d, want 12", got)
	}
	var got []string
	for pt := 0; pt < g.Points(); pt++ {
		got = append(got, strings.Join(g.Values(pt), "/"))
	}
	want := []string{"1/x", "1/y", "1/z", "2/x", "2/y", "2/z"}
	if !slices.Equal(got, want) {
		t.Errorf("points = %q, want %q", got, want)
	}
	ov := g.Overrides(4)
	if ov["a"] != "2" || ov["b"] != "2" || ov["c"] != "y" || len(ov) != 3 {
		t.Errorf("Overrides(4) = %v, want a=2 b=2 c=y", ov)
	}
	if pt, seed := g.Run(5); pt != 2 || seed != 8 {
		t.Errorf("Run(5) = point %d seed %d, want point 2 seed 8", pt, seed)
	}
}

func TestShardsCoverTheGridOnceInOrder(t *testing.T) {
	for _, size := range []int{0, 1, 5, 10, 13} {
		for n := 1; n <= 6; n++ {
			next := 0
			for i := 0; i < n; i++ {
				lo, hi := Shard{I: i, N: n}.Range(size)
				if lo != next || hi < lo {
					t.Fatalf("size %d shard %d/%d = [%d,%d), want it to start at %d", size, i, n, lo, hi, next)
				}
				next = hi
			}
			if next != size {
				t.Errorf("size %d, %d shards end at %d, want %d", size, n, next, size)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard("3/4"); err != nil || s != (Shard{3, 4}) {
		t.Errorf("ParseShard(3/4) = %v, %v; want {3 4}", s, err)
	}
	for _, bad := range []string{"4/4", "-1/4", "1", "a/b", "0/0", "1/4/5"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q): no error, want one", bad)
		}
	}
}

func TestStatMedianAndNearestRankP95(t *testing.T) {
	tests := []struct {
		vals []int64
		want Stat
	}{
		{[]int64{5}, Stat{1, 5, 5, 5, 5}},
		{[]int64{1, 2}, Stat{2, 1, 1, 2, 2}},             // nearest-rank: the lower middle
		{[]int64{2e9, 3e9}, Stat{2, 2e9, 2e9, 3e9, 3e9}}, // as run --runs: a value a run produced
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, Stat{20, 1, 10, 19, 20}},
		// Repeated values, kept as counts: ranks fall inside a count.
		{[]int64{7, 7, 7, 9}, Stat{4, 7, 7, 9, 9}},
		{[]int64{1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5}, Stat{20, 1, 3, 3, 5}},
		{[]int64{4, 1, 4, 1}, Stat{4, 1, 1, 4, 4}},
	}
	for _, tt := range tests {
		if got := stat(countsOf(tt.vals)); got != tt.want {
			t.Errorf("stat(%v) = %+v, want %+v", tt.vals, got, tt.want)
		}
	}
}

// countsOf feeds vals (seconds as 1e-9 units) through an Aggregator, as a
// sweep does, and returns the one point's counted values.
func countsOf(vals []int64) []Count {
	h, _ := ParseHeader([]string{"run", "point", "p", "seed", "x_s"})
	a := NewAggregator(h, "x_s")
	for i, v := range vals {
		if err := a.Add([]string{strconv.Itoa(i), "0", "1", "1", formatNano(v)}); err != nil {
			panic(err)
		}
	}
	return a.Summary().Points[0].Sample[0]
}

// TestCountedStatIsTheNearestRankOfEveryValue: keeping distinct values
// with counts must give what reports.NearestRank gives over every run's
// value, for any mix of repeats.
func TestCountedStatIsTheNearestRankOfEveryValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(60)
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = int64(rng.IntN(1+trial%7)) * 1e8
		}
		sorted := slices.Sorted(slices.Values(vals))
		want := Stat{N: n, Min: sorted[0], Median: reports.NearestRank(sorted, 50), P95: reports.NearestRank(sorted, 95), Max: sorted[n-1]}
		counts := countsOf(vals)
		if got := stat(counts); got != want {
			t.Fatalf("stat of %v = %+v, want %+v", vals, got, want)
		}
		if got := expand(counts); !slices.Equal(got, sorted) {
			t.Fatalf("expand(%v) = %v, want every value sorted %v", counts, got, sorted)
		}
	}
}

func TestNanoTextRoundTrips(t *testing.T) {
	for _, s := range []string{"0", "3.023457", "10", "0.000000001", "-2.5"} {
		v, ok := parseNano(s)
		if !ok || formatNano(v) != s {
			t.Errorf("formatNano(parseNano(%q)) = %q (ok %v), want %q", s, formatNano(v), ok, s)
		}
	}
	if _, ok := parseNano("0.0000000001"); ok {
		t.Errorf("parseNano accepted 10 decimals, want false")
	}
}

func TestJSONCellTypes(t *testing.T) {
	for cell, want := range map[string]string{"": "null", "3.5": "3.5", "r2": `"r2"`, "1e3": `"1e3"`, ".5": `".5"`, "r1 r2": `"r1 r2"`} {
		if got := jsonNumber(cell); got != want {
			t.Errorf("jsonNumber(%q) = %s, want %s", cell, got, want)
		}
	}
}

func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"a=1,2", "a,b=1s:5s:1s", "x=0:0.3:0.1", "x=[1,2],{a: 1}", "x=fe80::1", "x=1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSet(s)
		if err != nil {
			return
		}
		if len(p.Paths) == 0 || len(p.Values) == 0 || len(p.Values) > MaxValues {
			t.Fatalf("ParseSet(%q) = %d paths %d values, want at least one of each and at most %d values", s, len(p.Paths), len(p.Values), MaxValues)
		}
		for _, v := range p.Values {
			if v == "" {
				t.Fatalf("ParseSet(%q) gave an empty value", s)
			}
		}
	})
}

// TestFailoverOutageIsTheFirstOutageAfterTheAction: the startup ARP wait
// before the action and random single losses after the failover are not
// what the failover cost.
func TestFailoverOutageIsTheFirstOutageAfterTheAction(t *testing.T) {
	s := func(x float64) reports.Seconds { return reports.Seconds(x * 1e9) }
	mk := func(outages ...reports.Outage) *reports.Report {
		return &reports.Report{
			Actions: []reports.Action{{At: s(10), Text: "crash r1", Disruptive: true}},
			Flows:   []reports.Flow{{Name: "h1/ping-1", Outages: outages}},
		}
	}
	get := func(r *reports.Report) string {
		for _, m := range Metrics(r, 0) {
			if m.Name == "failover_outage_s[h1/ping-1]" {
				return m.Value
			}
		}
		t.Fatal("no failover_outage_s metric")
		return ""
	}
	tests := []struct {
		name string
		r    *reports.Report
		want string
	}{
		{"startup wait, failover, then a random loss", mk(
			reports.Outage{Start: s(0), End: s(3)},
			reports.Outage{Start: s(10), End: s(13.04)},
			reports.Outage{Start: s(20), End: s(20.02)}), "3.04"},
		{"outage that began just before the action counts whole", mk(
			reports.Outage{Start: s(9.98), End: s(13.04)}), "3.06"},
		{"no loss after the action", mk(reports.Outage{Start: s(0), End: s(3)}), "0"},
	}
	for _, tt := range tests {
		if got := get(tt.r); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestTakeoverColumns: a run with director takeovers gets the open and
// broken connections summed over them; a run without has no such column.
func TestTakeoverColumns(t *testing.T) {
	get := func(r *reports.Report) map[string]string {
		m := map[string]string{}
		for _, x := range Metrics(r, 0) {
			m[x.Name] = x.Value
		}
		return m
	}
	r := &reports.Report{LB: &reports.LBReport{Takeovers: []reports.Takeover{{Open: 200, Broken: 6}, {Open: 251, Broken: 172}}}}
	if m := get(r); m["takeover_open"] != "451" || m["takeover_broken"] != "178" {
		t.Errorf("got open %q broken %q, want 451 178", m["takeover_open"], m["takeover_broken"])
	}
	if _, ok := get(&reports.Report{LB: &reports.LBReport{}})["takeover_broken"]; ok {
		t.Error("a run without takeovers has a takeover_broken column")
	}
}

// TestAggregatorKeepsDistinctValuesNotRuns: issue 14 wants a sweep's
// memory flat in the number of runs. 10,000 runs of a point that give
// two values leave two counted values, with the summary of all 10,000.
func TestAggregatorKeepsDistinctValuesNotRuns(t *testing.T) {
	h, _ := ParseHeader([]string{"run", "point", "p", "seed", "detect_s"})
	a := NewAggregator(h, "detect_s")
	for i := range 10000 {
		v := "3.023457"
		if i%100 == 0 {
			v = "4.5"
		}
		if err := a.Add([]string{strconv.Itoa(i), "0", "1s", strconv.Itoa(i), v}); err != nil {
			t.Fatal(err)
		}
	}
	pt := a.Summary().Points[0]
	if want := []Count{{3023457000, 9900}, {4500000000, 100}}; !slices.Equal(pt.Sample[0], want) {
		t.Errorf("kept %v, want %v", pt.Sample[0], want)
	}
	if want := (Stat{10000, 3023457000, 3023457000, 3023457000, 4500000000}); pt.Stats[0] != want {
		t.Errorf("stat %+v, want %+v", pt.Stats[0], want)
	}
}

// formatDecimalByHand is the text formatDecimal must give, built step by
// step: the digits, zeros in front up to scale+1 digits, the point, and
// trailing zeros (and a bare point) trimmed; "-" unless the text is "0".
func formatDecimalByHand(mant int64, scale int) string {
	u := uint64(mant)
	if mant < 0 {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = strings.TrimSuffix(strings.TrimRight(s[:len(s)-scale]+"."+s[len(s)-scale:], "0"), ".")
	}
	if mant < 0 && s != "0" {
		s = "-" + s
	}
	return s
}

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		mant  int64
		scale int
		want  string
	}{
		{0, 0, "0"}, {0, 9, "0"}, {5, 3, "0.005"}, {50, 3, "0.05"}, {3023457000, 9, "3.023457"},
		{2e9, 9, "2"}, {-25, 1, "-2.5"}, {-1, 0, "-1"}, {100, 1, "10"}, {-9223372036854775808, 0, "-9223372036854775808"},
	}
	for _, tt := range tests {
		if got := formatDecimal(tt.mant, tt.scale); got != tt.want {
			t.Errorf("formatDecimal(%d, %d) = %q, want %q", tt.mant, tt.scale, got, tt.want)
		}
	}
}

// FuzzFormatDecimal: the one-buffer formatDecimal gives the same text as
// the step-by-step one for any value and scale.
func FuzzFormatDecimal(f *testing.F) {
	f.Add(int64(3023457000), uint8(9))
	f.Add(int64(-5), uint8(3))
	f.Fuzz(func(t *testing.T, mant int64, scale uint8) {
		sc := int(scale % 40)
		if got, want := formatDecimal(mant, sc), formatDecimalByHand(mant, sc); got != want {
			t.Fatalf("formatDecimal(%d, %d) = %q, want %q", mant, sc, got, want)
		}
	})
}
