package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

const randomDriftYAML = `name: rd
duration: 20s
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp: {VI_1: {interface: eth0, virtual_router_id: 51, priority: 150, virtual_ipaddress: [10.0.0.254]}}
  r2:
    kind: router
    clock_drift: {random: 5000}
    interfaces: {eth0: {segment: lan, address: 10.0.0.2/24}}
    vrrp: {VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.254]}}
timeline:
  - {at: 10s, crash: r1}
`

// takeover runs the scenario with seed and returns when r2 became master.
func takeover(t *testing.T, sc *Scenario, seed uint64) sim.Time {
	t.Helper()
	k := sim.New(seed)
	var at sim.Time
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindState && r.Node == "r2" && r.To == "MASTER" {
			at = r.At
		}
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	return at
}

// TestRandomClockDriftIsDrawnPerSeedWithinBounds: clock_drift {random: N}
// gives each run a drift in [-N, +N] ppm from the node's stream, so the
// takeover (last advert heard + Master_Down_Interval 3.609375 s on r2's
// clock) moves by at most N ppm, differs between seeds and repeats for a
// seed.
func TestRandomClockDriftIsDrawnPerSeedWithinBounds(t *testing.T) {
	sc, err := Load("rd.yaml", []byte(randomDriftYAML))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Nodes[1].ClockDriftRandom != 5000 || sc.Nodes[1].ClockDrift != 0 {
		t.Fatalf("got drift %v random %v, want 0 and 5000", sc.Nodes[1].ClockDrift, sc.Nodes[1].ClockDriftRandom)
	}
	// r1 (no drift) is master at 3.414062 s and last advertises at
	// 9.414062 s; r2 hears it 20 us later.
	heard := sim.Time(9414082 * time.Microsecond)
	mdi := 3609375 * time.Microsecond
	lo := heard.Add(time.Duration(float64(mdi)/1.005) - time.Microsecond)
	hi := heard.Add(time.Duration(float64(mdi)/0.995) + time.Microsecond)
	seen := map[sim.Time]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		at := takeover(t, sc, seed)
		if at < lo || at > hi {
			t.Errorf("seed %d: takeover at %v, want within [%v, %v]", seed, at, lo, hi)
		}
		if again := takeover(t, sc, seed); again != at {
			t.Errorf("seed %d: takeover at %v then %v: not deterministic", seed, at, again)
		}
		seen[at] = true
	}
	if len(seen) < 6 {
		t.Errorf("8 seeds gave only %d distinct takeover times: drift not drawn per seed", len(seen))
	}
}

func TestRandomClockDriftErrors(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"clock_drift: {random: 5000}", "clock_drift: {random: 20000}", "rd.yaml:11:27: random in clock_drift of r2: 20000 out of range; valid: 0..10000"},
		{"clock_drift: {random: 5000}", "clock_drift: {ranodm: 50}", `rd.yaml:11:19: unknown key "ranodm" in clock_drift of r2`},
		{"clock_drift: {random: 5000}", "clock_drift: 20000", "rd.yaml:11:18: clock_drift in node r2: 20000 out of range; valid: -10000..10000"},
	} {
		_, err := Load("rd.yaml", []byte(strings.Replace(randomDriftYAML, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.to, err, c.want)
		}
	}
}
