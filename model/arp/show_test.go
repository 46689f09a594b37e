package arp

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestShowEntryTimers: Show reports what `ip -s neigh` shows plus the
// entry timer of neigh_timer_handler: INCOMPLETE with its packet queued and
// the next solicitation one retrans_time away (__neigh_event_send), then
// REACHABLE after the reply with the timer at confirmed + reachable_time
// (neigh_update -> neigh_add_timer). The timers are on the HZ=250 wheel
// (calc_index): armed at jiffy 250 for 250 jiffies, level 1 rounds 500 up
// to 504 = 2.016 s; the reply at 1.01 s (jiffy 252) arms reachable_time
// 20.148 s = 5038 jiffies, level 3 (512-jiffy buckets) rounds 5290 up to
// 5632 = 22.528 s.
func TestShowEntryTimers(t *testing.T) {
	env := newEnv(1)
	c := New(Config{}, env)
	env.run(time.Second)
	c.Output(gw, []byte("p1"))
	es := c.Show()
	if len(es) != 1 {
		t.Fatalf("%d entries, want 1", len(es))
	}
	e := es[0]
	now := env.k.Now()
	wantAt := sim.Time(2016 * time.Millisecond)
	if e.IP != gw || e.State != StateIncomplete || e.Queued != 1 || !e.TimerOn || e.TimerAt != wantAt {
		t.Errorf("after Output: got %+v, want INCOMPLETE, 1 queued, timer at %v", e, wantAt)
	}
	env.run(10 * time.Millisecond)
	c.HandleARP(&wire.ARP{Op: wire.ARPReply, SenderMAC: macA, SenderIP: gw, TargetMAC: usMAC, TargetIP: us}, true, true)
	e = c.Show()[0]
	now = env.k.Now()
	if e.State != StateReachable || e.MAC != macA || e.Queued != 0 || e.Confirmed != now || e.Reachable != c.ReachableTime() {
		t.Errorf("after the reply: got %+v, want REACHABLE %v confirmed now", e, macA)
	}
	if c.ReachableTime().Round(time.Millisecond) != 20148*time.Millisecond {
		t.Fatalf("reachable_time %v: the derivation above assumes 20.148 s (seed 1)", c.ReachableTime())
	}
	wantAt = sim.Time(22528 * time.Millisecond)
	if !e.TimerOn || e.TimerAt != wantAt {
		t.Errorf("REACHABLE timer on %v at %v, want %v", e.TimerOn, e.TimerAt, wantAt)
	}
}
