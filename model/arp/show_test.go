package arp

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// TestShowEntryTimers: Show reports what `ip -s neigh` shows plus the
// entry timer of neigh_timer_handler: INCOMPLETE with its packet queued and
// the next solicitation one retrans_time away (__neigh_event_send), then
// REACHABLE after the reply with the timer at confirmed + reachable_time
// (neigh_update -> neigh_add_timer).
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
	if e.IP != gw || e.State != StateIncomplete || e.Queued != 1 || !e.TimerOn || e.TimerAt != now.Add(c.Config().RetransTime) {
		t.Errorf("after Output: got %+v, want INCOMPLETE, 1 queued, timer at %v", e, now.Add(c.Config().RetransTime))
	}
	env.run(10 * time.Millisecond)
	c.HandleARP(&wire.ARP{Op: wire.ARPReply, SenderMAC: macA, SenderIP: gw, TargetMAC: usMAC, TargetIP: us}, true, true)
	e = c.Show()[0]
	now = env.k.Now()
	if e.State != StateReachable || e.MAC != macA || e.Queued != 0 || e.Confirmed != now || e.Reachable != c.ReachableTime() {
		t.Errorf("after the reply: got %+v, want REACHABLE %v confirmed now", e, macA)
	}
	if !e.TimerOn || e.TimerAt != now.Add(c.ReachableTime()) {
		t.Errorf("REACHABLE timer on %v at %v, want %v", e.TimerOn, e.TimerAt, now.Add(c.ReachableTime()))
	}
}
