package node_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// clockEvent is something a lone router did on its own clock.
type clockEvent struct {
	at   sim.Time
	what string
}

// loneRouter runs one router with clock drift alone on a segment until
// virtual time until and returns everything it did, and how many events
// the kernel ran. Everything it does is driven by its own timers:
//
//   - VI_1 (multicast): Master_Down_Interval, then an advert every
//     second, GARP bursts at once and garp_master_delay (5 s) later, a
//     GARP refresh every 6.5 s (not a whole number of advert intervals, so no advert meets the refresh deadline to the nanosecond) with vrrp_garp_interval 300 ms between
//     GARPs (the GARP timer is re-armed towards a deadline);
//   - VI_2 (unicast_peer 10.0.0.77, nobody there): every advert goes
//     through the neighbour cache, whose INCOMPLETE retransmit timer
//     (retrans_time 1 s on the HZ=250 timer wheel, mcast_solicit 3)
//     fails the entry and starts again.
func loneRouter(t *testing.T, seed uint64, cfg node.Config, until sim.Time) ([]clockEvent, uint64) {
	t.Helper()
	k := sim.New(seed)
	var evs []clockEvent
	k.AddTracer(func(r *sim.Record) {
		var what string
		switch r.Kind {
		case sim.KindState:
			what = fmt.Sprintf("%s %s->%s", r.Comp, r.From, r.To)
		case sim.KindNeigh:
			what = fmt.Sprintf("neigh %v %s->%s", r.Addr, r.From, r.To)
		case sim.KindFrame:
			var f wire.Frame
			if err := wire.NewDecoder().Decode(r.Frame, &f); err != nil {
				t.Fatalf("undecodable frame: %v", err)
			}
			switch {
			case f.HasVRRP:
				what = fmt.Sprintf("advert vrid %d to %v", f.VRRP.VRID, f.IP.Dst)
			case f.HasARP && f.ARP.IsGratuitous():
				what = fmt.Sprintf("garp %v", f.ARP.SenderIP)
			case f.HasARP:
				what = fmt.Sprintf("arp who-has %v", f.ARP.TargetIP)
			default:
				what = "frame"
			}
		default:
			return
		}
		evs = append(evs, clockEvent{r.At, what})
	})
	seg := lan.New(k, "lan", lan.Config{})
	cfg.Name, cfg.Kind, cfg.Forwarding = "r1", node.KindRouter, true
	r1 := node.New(k, cfg)
	if _, err := r1.AddInterface("eth0", dpMAC(1, 1), dpPrefix("10.0.0.1/24"), seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []vrrp.Config{
		{Name: "VI_1", Interface: "eth0", VRID: 51, Priority: 150, VIPs: []netip.Addr{dpVIP1},
			GARPMasterRefresh: 6500 * time.Millisecond, GARPMasterRepeat: 2, GARPInterval: 300 * time.Millisecond},
		{Name: "VI_2", Interface: "eth0", VRID: 52, Priority: 200, VIPs: []netip.Addr{netip.MustParseAddr("10.0.0.253")},
			UnicastPeers: []netip.Addr{netip.MustParseAddr("10.0.0.77")}},
	} {
		if _, err := r1.AddVRRP(c); err != nil {
			t.Fatal(err)
		}
	}
	r1.Start()
	k.Run(until)
	return evs, k.Fired()
}

// TestClockDriftScalesEveryDaemonTimer: a router whose clock runs D ppm
// fast does everything its daemons time 1/(1+D/1e6) as far into the run:
// Master_Down_Interval, the advert interval, the garp_master_delay burst,
// GARP refresh and garp_interval gaps, and the neighbour cache's
// retransmit timer. Speakers compute some deadlines from Env.Now() and
// re-arm towards them; on the node's own clock those scale too (they did
// not when only Timer.Reset spans were skewed). The router does exactly
// what it does without drift, with the same number of kernel events: no
// timer fires early by the node's clock and is re-armed for the rest.
func TestClockDriftScalesEveryDaemonTimer(t *testing.T) {
	const horizon = 40*sim.Second + 700*sim.Millisecond // between two events
	want, wantFired := loneRouter(t, 1, node.Config{}, horizon)
	if len(want) < 100 {
		t.Fatalf("reference run has %d events, want a busy router", len(want))
	}
	for _, drift := range []float64{1000, -1000, 333.3, 10000, -10000, 100000} {
		t.Run(fmt.Sprintf("%gppm", drift), func(t *testing.T) {
			scale := func(v sim.Time) sim.Time { return sim.Time(float64(v) / (1 + drift/1e6)) }
			got, fired := loneRouter(t, 1, node.Config{ClockDrift: drift}, scale(horizon))
			if len(got) != len(want) {
				t.Fatalf("got %d events, want %d (the same as without drift)", len(got), len(want))
			}
			if fired != wantFired {
				t.Errorf("kernel ran %d events, want %d: timers fired early and were re-armed", fired, wantFired)
			}
			for i := range want {
				// Each timer is re-armed from the instant the last one
				// fired, so rounding adds up to a nanosecond per step.
				const tol = 200
				if got[i].what != want[i].what || got[i].at < scale(want[i].at)-tol || got[i].at > scale(want[i].at)+tol {
					t.Fatalf("event %d: got %q at %v, want %q at %v (%v scaled by 1/(1+%g ppm))",
						i, got[i].what, got[i].at, want[i].what, scale(want[i].at), want[i].at, drift)
				}
			}
		})
	}
}

// TestClockDriftSpecificTimers pins down the figures the scenario docs
// quote, on a router 10000 ppm (1%) fast.
func TestClockDriftSpecificTimers(t *testing.T) {
	const drift = 10000.0
	evs, _ := loneRouter(t, 1, node.Config{ClockDrift: drift}, 20*sim.Second)
	at := func(what string, n int) sim.Time {
		for _, e := range evs {
			if e.what == what {
				if n == 0 {
					return e.at
				}
				n--
			}
		}
		t.Fatalf("no %q #%d", what, n)
		return 0
	}
	near := func(name string, got sim.Time, want time.Duration) {
		t.Helper()
		w := sim.Time(float64(want) / (1 + drift/1e6))
		if d := got - w; d < -10 || d > 10 {
			t.Errorf("%s at %v, want %v (%v / 1.01)", name, got, w, want)
		}
	}
	mdi := vrrp.MasterDownInterval(2, 150, time.Second)
	became := at("VI_1 BACKUP->MASTER", 0)
	near("Master_Down_Interval", became, mdi)
	near("advert interval", at("advert vrid 51 to 224.0.0.18", 1)-at("advert vrid 51 to 224.0.0.18", 0), time.Second)
	// GARPs: 2 per burst, the second garp_interval (300 ms) after the first;
	// the delayed burst garp_master_delay (5 s) after becoming master.
	g := "garp " + dpVIP1.String()
	near("garp_interval gap", at(g, 1)-at(g, 0), 300*time.Millisecond)
	near("garp_master_delay", at(g, 2)-became, 5*time.Second)
	// The neighbour cache: VI_2's first advert asks for the peer, then
	// again every retrans_time (1 s), on the HZ=250 timer wheel of the
	// router's own (drifting) jiffies (kernel/time/timer.c calc_index):
	// VI_2 (priority 200) is master at local 3 + 56/256 = 3.21875 s,
	// jiffy 804; 804 + 250 = 1054 rounds up to the 8-jiffy bucket 1056
	// (4.224 s), then 1056 + 250 = 1306 to 1312 (5.248 s).
	if got := vrrp.MasterDownInterval(2, 200, time.Second); got != 3218750*time.Microsecond {
		t.Fatalf("VI_2 Master_Down_Interval %v: the derivation assumes 3.21875 s", got)
	}
	w := "arp who-has 10.0.0.77"
	near("retrans_time", at(w, 1)-at(w, 0), 4224*time.Millisecond-3218750*time.Microsecond)
	near("retrans_time", at(w, 2)-at(w, 1), 1024*time.Millisecond)
}

// TestClockDriftAndJitterAreDeterministic: the same seed gives the same
// run with drift and jitter; another seed other jitter.
func TestClockDriftAndJitterAreDeterministic(t *testing.T) {
	cfg := node.Config{ClockDrift: 250, TimerJitter: 20 * time.Millisecond}
	a, _ := loneRouter(t, 3, cfg, 30*sim.Second)
	b, _ := loneRouter(t, 3, cfg, 30*sim.Second)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, two runs differ")
	}
	c, _ := loneRouter(t, 4, cfg, 30*sim.Second)
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("seeds 3 and 4 gave the same jittered run")
	}
}
