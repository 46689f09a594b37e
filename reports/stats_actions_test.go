package reports

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Issue 13 item 19: two timeline actions with the same text ("impair lan"
// at 10 s and at 70 s) are two convergence rows over repeated runs, not
// one row mixing both.
func TestAggregateKeepsSameNamedActionsApart(t *testing.T) {
	at := func(s int) sim.Time { return sim.Time(time.Duration(s) * time.Second) }
	d := func(ms int) *sim.Time { v := sim.Time(time.Duration(ms) * time.Millisecond); return &v }
	run := func(seed uint64, first, second int) RunMetrics {
		return RunMetrics{Seed: seed, Convergence: []ConvergenceMetrics{
			{Action: "impair lan", Instance: "VI_1", At: at(10), Detect: d(first)},
			{Action: "impair lan", Instance: "VI_1", At: at(70), Detect: d(second)},
		}}
	}
	st := Aggregate("s", "s.yaml", []RunMetrics{run(1, 100, 3000), run(2, 200, 4000)})
	if len(st.Convergence) != 2 {
		t.Fatalf("got %d convergence rows, want 2 (one per action)", len(st.Convergence))
	}
	for i, want := range []struct {
		at       sim.Time
		min, max *sim.Time
	}{{at(10), d(100), d(200)}, {at(70), d(3000), d(4000)}} {
		c := st.Convergence[i]
		if sim.Time(c.At) != want.at || c.Detect.N != 2 || sim.Time(c.Detect.Min) != *want.min || sim.Time(c.Detect.Max) != *want.max {
			t.Errorf("row %d: at %v detect %+v; want at %v min %v max %v", i, sim.Time(c.At), c.Detect, want.at, *want.min, *want.max)
		}
	}
}

// Issue 13 item 21: the convergence line of a forged advert names the
// sender it heard (by node, from the interface table) instead of "?".
func TestSenderNameOfForgedAdvert(t *testing.T) {
	r := &Report{Interfaces: []Interface{{Node: "evil", Iface: "eth0", Addr: "10.0.0.66/24"}}}
	for _, c := range []struct{ addr, want string }{
		{"10.0.0.66", "evil (10.0.0.66)"},
		{"10.0.0.99", "10.0.0.99"},
		{"", "?"},
	} {
		if got := r.senderName(c.addr); got != c.want {
			t.Errorf("senderName(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}
