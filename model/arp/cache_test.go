package arp

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// __neigh_event_send: NONE -> INCOMPLETE, probes = ucast_solicit so the
// first solicitation is a broadcast, sent at once; the packet waits.
func TestCacheOutputToUnknownStartsIncompleteWithBroadcast(t *testing.T) {
	c, env := newCache(t, Config{})
	c.Output(gw, []byte("p1"))
	mustState(t, c, gw, StateIncomplete)
	if len(env.requests) != 1 || env.requests[0].dst != wire.Broadcast || env.requests[0].target != gw || env.requests[0].at != 0 {
		t.Errorf("requests: got %+v, want one broadcast who-has %v at 0", env.requests, gw)
	}
	if len(env.tx) != 0 {
		t.Errorf("transmitted before resolution: %+v", env.tx)
	}
	if got, want := env.transitions(), []string{"NONE>INCOMPLETE:output"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
}

// neigh_timer_handler + neigh_max_probes: INCOMPLETE sends mcast_solicit
// broadcasts retrans_time apart, then FAILED one retrans_time after the
// last; neigh_invalidate reports every queued packet (arp_error_report).
func TestCacheFailedAfterMcastSolicitRetries(t *testing.T) {
	tests := []struct {
		mcast     int
		wantTimes []time.Duration
		wantFail  time.Duration
	}{
		{0, []time.Duration{0, time.Second, 2 * time.Second}, 3 * time.Second}, // default 3
		{1, []time.Duration{0}, 1 * time.Second},
		{5, []time.Duration{0, 1e9, 2e9, 3e9, 4e9}, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.mcast), func(t *testing.T) {
			c, env := newCache(t, Config{McastSolicit: tt.mcast})
			c.Output(gw, []byte("p1"))
			env.run(500 * time.Millisecond)
			c.Output(gw, []byte("p2"))
			env.runUntil(tt.wantFail - 1)
			mustState(t, c, gw, StateIncomplete)
			env.runUntil(tt.wantFail)
			e := mustState(t, c, gw, StateFailed)
			if e.Updated != sim.D(tt.wantFail) {
				t.Errorf("Updated: got %v, want %v", e.Updated, sim.D(tt.wantFail))
			}
			if got := requestTimes(env.requests); !slices.Equal(got, tt.wantTimes) {
				t.Errorf("request times: got %v, want %v", got, tt.wantTimes)
			}
			for _, r := range env.requests {
				if r.dst != wire.Broadcast {
					t.Errorf("INCOMPLETE solicitation to %v, want broadcast", r.dst)
				}
			}
			if got, want := pkts(env.unreach), []string{"p1", "p2"}; !slices.Equal(got, want) {
				t.Errorf("unreachable: got %v, want %v", got, want)
			}
			if got, want := env.transitions(), []string{"NONE>INCOMPLETE:output", "INCOMPLETE>FAILED:probe_failed"}; !slices.Equal(got, want) {
				t.Errorf("trace: got %v, want %v", got, want)
			}
			env.run(time.Minute)
			if len(env.requests) != len(tt.wantTimes) {
				t.Errorf("FAILED entry kept soliciting")
			}
		})
	}
}

// A FAILED entry restarts resolution on the next packet (__neigh_event_send
// treats FAILED like NONE).
func TestCacheFailedRestartsResolutionOnOutput(t *testing.T) {
	c, env := newCache(t, Config{})
	c.Output(gw, []byte("p1"))
	env.run(10 * time.Second)
	mustState(t, c, gw, StateFailed)
	c.Output(gw, []byte("p2"))
	mustState(t, c, gw, StateIncomplete)
	if got := len(env.requests); got != 4 {
		t.Errorf("requests: got %d, want 4", got)
	}
}

// arp_process: a reply unicast to us asserts reachability; neigh_update
// moves INCOMPLETE to REACHABLE and sends the queue in order.
func TestCacheIncompleteToReachableOnUnicastReply(t *testing.T) {
	c, env := newCache(t, Config{})
	c.Output(gw, []byte("p1"))
	c.Output(gw, []byte("p2"))
	env.run(300 * time.Millisecond)
	c.HandleARP(reply(gw, macA), true, true)
	e := mustState(t, c, gw, StateReachable)
	now := sim.D(300 * time.Millisecond)
	if e.MAC != macA || e.Confirmed != now || e.Updated != now {
		t.Errorf("entry: got %+v, want MAC %v confirmed=updated=%v", e, macA, now)
	}
	if got, want := pkts(env.tx), []string{"p1", "p2"}; !slices.Equal(got, want) {
		t.Errorf("transmitted: got %v, want %v", got, want)
	}
	for _, p := range env.tx {
		if p.mac != macA {
			t.Errorf("sent to %v, want %v", p.mac, macA)
		}
	}
	if got := c.Counters().Resolved; got != 1 {
		t.Errorf("Resolved: got %d, want 1", got)
	}
	env.run(10 * time.Second)
	if len(env.requests) != 1 {
		t.Errorf("kept soliciting after resolution: %d requests", len(env.requests))
	}
}

// "Broadcast replies and request packets do not assert neighbour
// reachability": INCOMPLETE becomes STALE, and the queued packet going
// through neigh_resolve_output again moves STALE to DELAY.
func TestCacheIncompleteToStaleOnBroadcastReplyThenDelay(t *testing.T) {
	c, env := newCache(t, Config{})
	c.Output(gw, []byte("p1"))
	c.HandleARP(reply(gw, macA), false, true)
	mustState(t, c, gw, StateDelay)
	if got, want := env.transitions(), []string{"NONE>INCOMPLETE:output", "INCOMPLETE>STALE:reply", "STALE>DELAY:output"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	if got := pkts(env.tx); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("transmitted: got %v, want [p1]", got)
	}
}

// neigh_timer_handler: REACHABLE stays while now <= confirmed +
// reachable_time (the expiry instant itself counts as alive, the timer
// re-arms HZ/100 later), then STALE when unused.
func TestCacheReachableToStaleAfterReachableTime(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	rt := c.ReachableTime()
	env.runUntil(rt)
	mustState(t, c, gw, StateReachable)
	env.runUntil(rt + minRetrans - 1)
	mustState(t, c, gw, StateReachable)
	env.runUntil(rt + minRetrans)
	mustState(t, c, gw, StateStale)
	if got, want := env.transitions(), []string{"REACHABLE>STALE:timeout"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	env.run(time.Hour)
	mustState(t, c, gw, StateStale) // fewer than gc_thresh1 entries: never collected
}

// Using a REACHABLE entry goes through the cached header and does not
// touch neigh->used, so traffic alone does not keep it REACHABLE.
func TestCacheReachableOutputTransmitsWithoutExtendingIt(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	rt := c.ReachableTime()
	for d := time.Duration(0); d < rt+time.Second; d += 100 * time.Millisecond {
		env.runUntil(d)
		c.Output(gw, []byte("x"))
	}
	// The first packet after the timeout met a STALE entry -> DELAY.
	mustState(t, c, gw, StateDelay)
	if len(env.requests) != 0 {
		t.Errorf("requests while REACHABLE: %+v", env.requests)
	}
}

// __neigh_event_send: STALE -> DELAY on output, packet sent to the cached
// MAC at once, timer delay_first_probe_time.
func TestCacheStaleToDelayOnOutput(t *testing.T) {
	c, env := newCache(t, Config{})
	makeStale(t, c, env, macA)
	env.run(7 * time.Second)
	c.Output(gw, []byte("p1"))
	e := mustState(t, c, gw, StateDelay)
	if e.Updated != sim.D(7*time.Second) {
		t.Errorf("Updated: got %v, want 7s", e.Updated)
	}
	if len(env.tx) != 1 || env.tx[0].mac != macA || env.tx[0].at != sim.D(7*time.Second) {
		t.Errorf("transmitted: got %+v, want p1 to %v at 7s", env.tx, macA)
	}
	if len(env.requests) != 0 {
		t.Errorf("DELAY must not probe yet: %+v", env.requests)
	}
}

// neigh_timer_handler: DELAY -> PROBE after delay_first_probe_time with a
// unicast probe at once (probes reset to 0 < ucast_solicit), ucast_solicit
// unicast probes retrans_time apart, then FAILED (neigh_max_probes for
// PROBE is ucast + app + mcast_reprobes = 3).
func TestCacheDelayToProbeToFailedWithUcastSolicit(t *testing.T) {
	for _, ucast := range []int{0, 1, 5} {
		t.Run(fmt.Sprint(ucast), func(t *testing.T) {
			c, env := newCache(t, Config{UcastSolicit: ucast})
			want := ucast
			if want == 0 {
				want = DefaultUcastSolicit
			}
			makeStale(t, c, env, macA)
			c.Output(gw, []byte("p1"))
			env.runUntil(5*time.Second - 1)
			mustState(t, c, gw, StateDelay)
			env.runUntil(5 * time.Second)
			mustState(t, c, gw, StateProbe)
			env.runUntil(5*time.Second + time.Duration(want)*time.Second - 1)
			mustState(t, c, gw, StateProbe)
			env.runUntil(5*time.Second + time.Duration(want)*time.Second)
			mustState(t, c, gw, StateFailed)
			var wantTimes []time.Duration
			for i := 0; i < want; i++ {
				wantTimes = append(wantTimes, 5*time.Second+time.Duration(i)*time.Second)
			}
			if got := requestTimes(env.requests); !slices.Equal(got, wantTimes) {
				t.Errorf("probe times: got %v, want %v", got, wantTimes)
			}
			for _, r := range env.requests {
				if r.dst != macA {
					t.Errorf("probe to %v, want unicast to %v", r.dst, macA)
				}
			}
			if got, want := env.transitions(), []string{"STALE>DELAY:output", "DELAY>PROBE:timeout", "PROBE>FAILED:probe_failed"}; !slices.Equal(got, want) {
				t.Errorf("trace: got %v, want %v", got, want)
			}
		})
	}
}

// While PROBE, packets are sent to the cached MAC (DELAY|PROBE pass
// __neigh_event_send), and a unicast reply makes the entry REACHABLE.
func TestCacheProbeToReachableOnUnicastReply(t *testing.T) {
	c, env := newCache(t, Config{})
	makeStale(t, c, env, macA)
	c.Output(gw, []byte("p1"))
	env.run(5500 * time.Millisecond)
	mustState(t, c, gw, StateProbe)
	c.Output(gw, []byte("p2"))
	if got := len(env.tx); got != 2 || env.tx[1].mac != macA {
		t.Errorf("PROBE output: got %+v, want p2 sent to %v", env.tx, macA)
	}
	c.HandleARP(reply(gw, macA), true, true)
	mustState(t, c, gw, StateReachable)
	env.run(3 * time.Second)
	if got := len(env.requests); got != 1 {
		t.Errorf("probes after the reply: got %d requests, want 1", got)
	}
}

// neigh_confirm (dst_confirm) only moves neigh->confirmed; at the DELAY
// timer the entry goes back to REACHABLE without probing.
func TestCacheDelayToReachableOnConfirm(t *testing.T) {
	c, env := newCache(t, Config{})
	makeStale(t, c, env, macA)
	c.Output(gw, []byte("p1"))
	env.run(2 * time.Second)
	c.Confirm(gw)
	mustState(t, c, gw, StateDelay)
	env.runUntil(5 * time.Second)
	e := mustState(t, c, gw, StateReachable)
	if e.Confirmed != sim.D(2*time.Second) {
		t.Errorf("Confirmed: got %v, want 2s", e.Confirmed)
	}
	if len(env.requests) != 0 {
		t.Errorf("probed despite confirmation: %+v", env.requests)
	}
	if got, want := env.transitions(), []string{"STALE>DELAY:output", "DELAY>REACHABLE:confirmed"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	// The REACHABLE timer runs from the confirmation time.
	env.runUntil(2*time.Second + c.ReachableTime() + minRetrans)
	mustState(t, c, gw, StateStale)
}

// arp_process with arp_accept 0: a gratuitous ARP updates an existing
// entry, overriding the MAC even within locktime (override || is_garp),
// and as a broadcast request it leaves the entry STALE. This is how hosts
// follow a VRRP failover without use_vmac.
func TestCacheGARPUpdatesExistingEntryWithArpAccept0(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	env.run(100 * time.Millisecond) // well within locktime
	c.HandleARP(garp(gw, macB), false, false)
	e := mustState(t, c, gw, StateStale)
	if e.MAC != macB {
		t.Errorf("MAC: got %v, want %v", e.MAC, macB)
	}
	if got, want := env.transitions(), []string{"REACHABLE>STALE:garp"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	if r := env.trace[0]; r.MAC != macB || r.Addr != gw || r.Kind != sim.KindNeigh {
		t.Errorf("trace record: got %+v, want KindNeigh %v %v", r, gw, macB)
	}
	// The next packet goes to the new MAC.
	c.Output(gw, []byte("p1"))
	if env.tx[0].mac != macB {
		t.Errorf("sent to %v, want %v", env.tx[0].mac, macB)
	}
}

// A GARP with the MAC we already have changes nothing (a valid entry is
// not degraded to STALE by a same-MAC update).
func TestCacheGARPSameMACKeepsReachable(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	c.HandleARP(garp(gw, macA), false, false)
	mustState(t, c, gw, StateReachable)
	if len(env.trace) != 0 {
		t.Errorf("trace: got %v, want none", env.transitions())
	}
}

func TestCacheGARPIgnoredForUnknownSender(t *testing.T) {
	c, env := newCache(t, Config{})
	c.HandleARP(garp(gw, macA), false, false)
	c.HandleARP(&wire.ARP{Op: wire.ARPReply, SenderIP: gw, SenderMAC: macA, TargetIP: gw, TargetMAC: macA}, false, false)
	if _, ok := c.Lookup(gw); ok {
		t.Errorf("entry created from unsolicited ARP with arp_accept 0")
	}
	if got := c.Counters().Ignored; got != 2 {
		t.Errorf("Ignored: got %d, want 2", got)
	}
	if len(env.trace) != 0 {
		t.Errorf("trace: got %v, want none", env.transitions())
	}
}

func TestCacheGARPCreatesEntryWithArpAccept1(t *testing.T) {
	c, _ := newCache(t, Config{ArpAccept: 1})
	c.HandleARP(garp(gw, macA), false, false)
	e := mustState(t, c, gw, StateStale)
	if e.MAC != macA {
		t.Errorf("MAC: got %v, want %v", e.MAC, macA)
	}
	// An unsolicited unicast reply also creates one, REACHABLE.
	c.HandleARP(reply(ip(9), macB), true, true)
	mustState(t, c, ip(9), StateReachable)
}

// arp_is_garp: a gratuitous reply must also have target MAC == sender
// MAC; otherwise it is an ordinary reply and locktime applies.
func TestCacheGARPReplyRequiresTargetMACEqualSender(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	notGARP := &wire.ARP{Op: wire.ARPReply, SenderIP: gw, SenderMAC: macB, TargetIP: gw, TargetMAC: wire.Broadcast}
	c.HandleARP(notGARP, false, false)
	if e, _ := c.Lookup(gw); e.MAC != macA {
		t.Errorf("within locktime a non-gratuitous reply overrode the MAC: got %v, want %v", e.MAC, macA)
	}
	isGARP := &wire.ARP{Op: wire.ARPReply, SenderIP: gw, SenderMAC: macB, TargetIP: gw, TargetMAC: macB}
	c.HandleARP(isGARP, false, false)
	if e, _ := c.Lookup(gw); e.MAC != macB || e.State != StateStale {
		t.Errorf("gratuitous reply: got %v %v, want %v STALE", e.MAC, e.State, macB)
	}
}

// arp_process RTN_LOCAL branch -> neigh_event_ns: a request for our
// address creates or updates the sender's entry as STALE, override.
func TestCacheRequestForUsCreatesStaleEntry(t *testing.T) {
	c, env := newCache(t, Config{})
	c.HandleARP(requestFor(gw, macA, us), false, true)
	e := mustState(t, c, gw, StateStale)
	if e.MAC != macA {
		t.Errorf("MAC: got %v, want %v", e.MAC, macA)
	}
	if got, want := env.transitions(), []string{"NONE>STALE:request"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	// Within locktime, with a different MAC: still overrides.
	c.HandleARP(requestFor(gw, macB, us), false, true)
	if e, _ := c.Lookup(gw); e.MAC != macB {
		t.Errorf("MAC after second request: got %v, want %v", e.MAC, macB)
	}
}

// A request not for us only updates an existing entry, STALE, and only
// after locktime if the MAC differs.
func TestCacheRequestNotForUsUpdatesExistingOnly(t *testing.T) {
	c, env := newCache(t, Config{})
	c.HandleARP(requestFor(ip(7), macA, ip(8)), false, false)
	if _, ok := c.Lookup(ip(7)); ok {
		t.Fatalf("entry created from a request not for us")
	}
	resolve(t, c, env, macA)
	c.HandleARP(requestFor(gw, macB, ip(8)), false, false)
	if e, _ := c.Lookup(gw); e.MAC != macA || e.State != StateReachable {
		t.Errorf("within locktime: got %v %v, want %v REACHABLE", e.MAC, e.State, macA)
	}
	if got := c.Counters().LockedOut; got != 1 {
		t.Errorf("LockedOut: got %d, want 1", got)
	}
	env.run(1500 * time.Millisecond)
	c.HandleARP(requestFor(gw, macB, ip(8)), false, false)
	if e, _ := c.Lookup(gw); e.MAC != macB || e.State != StateStale {
		t.Errorf("after locktime: got %v %v, want %v STALE", e.MAC, e.State, macB)
	}
}

// locktime: "If several different ARP replies follows back-to-back, use
// the FIRST one." Override only when now > updated + locktime.
func TestCacheLocktime(t *testing.T) {
	tests := []struct {
		name     string
		locktime time.Duration
		after    time.Duration
		want     wire.MAC
	}{
		{"second reply within locktime ignored", 0, 500 * time.Millisecond, macA},
		{"at exactly locktime still ignored", 0, time.Second, macA},
		{"after locktime accepted", 0, time.Second + 1, macB},
		{"locktime disabled", -1, time.Nanosecond, macB},
		{"longer locktime", 5 * time.Second, 3 * time.Second, macA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, env := newCache(t, Config{Locktime: tt.locktime})
			c.Output(gw, []byte("p"))
			c.HandleARP(reply(gw, macA), true, true)
			env.run(tt.after)
			c.HandleARP(reply(gw, macB), true, true)
			if e, _ := c.Lookup(gw); e.MAC != tt.want {
				t.Errorf("MAC: got %v, want %v", e.MAC, tt.want)
			}
		})
	}
}

// A locked-out update does not move the locktime window (neigh->updated
// changes only on a real change).
func TestCacheNoopUpdateDoesNotMoveLocktime(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	env.run(800 * time.Millisecond)
	c.HandleARP(reply(gw, macA), true, true) // same MAC: refreshes confirmed only
	env.run(300 * time.Millisecond)          // 1.1 s after the change
	c.HandleARP(reply(gw, macB), true, true)
	if e, _ := c.Lookup(gw); e.MAC != macB {
		t.Errorf("MAC: got %v, want %v", e.MAC, macB)
	}
}

func TestCacheIgnoresDuplicateAddressProbeAndBadTargets(t *testing.T) {
	c, _ := newCache(t, Config{ArpAccept: 1})
	for _, a := range []*wire.ARP{
		{Op: wire.ARPRequest, SenderIP: netip.IPv4Unspecified(), SenderMAC: macA, TargetIP: us}, // RFC 5227 probe
		{Op: wire.ARPRequest, SenderIP: gw, SenderMAC: macA, TargetIP: netip.MustParseAddr("224.0.0.18")},
		{Op: wire.ARPRequest, SenderIP: gw, SenderMAC: macA, TargetIP: netip.MustParseAddr("127.0.0.1")},
		{Op: 3, SenderIP: gw, SenderMAC: macA, TargetIP: us},
		{Op: wire.ARPReply, SenderMAC: macA, TargetIP: us}, // invalid sender address
		nil,
	} {
		c.HandleARP(a, false, true)
	}
	if n := len(c.Entries()); n != 0 {
		t.Errorf("entries: got %d, want 0", n)
	}
}

// neigh_rand_reach_time: uniform in [base/2, 3base/2).
func TestCacheReachableTimeRandomisedWithinBounds(t *testing.T) {
	base := 30 * time.Second
	seen := map[time.Duration]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		c := New(Config{}, newEnv(seed))
		rt := c.ReachableTime()
		if rt < base/2 || rt >= base*3/2 {
			t.Fatalf("seed %d: reachable_time %v outside [15s, 45s)", seed, rt)
		}
		seen[rt] = true
	}
	if len(seen) < 190 {
		t.Errorf("only %d distinct reachable times in 200 seeds", len(seen))
	}
	// Same seed, same draw.
	if a, b := New(Config{}, newEnv(7)).ReachableTime(), New(Config{}, newEnv(7)).ReachableTime(); a != b {
		t.Errorf("same seed: got %v and %v", a, b)
	}
}

// neigh_periodic_work re-draws reachable_time once last_rand + 300 s has
// passed, last_rand starting at reachable_time*20 (neigh_table_init).
func TestCacheReachableTimeRedrawnByPeriodicWork(t *testing.T) {
	c, env := newCache(t, Config{})
	makeStale(t, c, env, macA) // an entry keeps the periodic work running
	first := c.ReachableTime()
	firstRedraw := 20*first + 300*time.Second
	env.runUntil(firstRedraw)
	if got := c.ReachableTime(); got != first {
		t.Errorf("re-drawn before last_rand+300s: got %v, want %v", got, first)
	}
	env.runUntil(firstRedraw + 15*time.Second)
	if got := c.ReachableTime(); got == first {
		t.Errorf("not re-drawn after last_rand+300s (still %v)", got)
	}
}

// The queue holds QueueLen packets; the oldest is dropped first.
func TestCacheQueueDropsOldestWhenFull(t *testing.T) {
	c, env := newCache(t, Config{QueueLen: 2})
	for _, p := range []string{"p1", "p2", "p3"} {
		c.Output(gw, []byte(p))
	}
	c.HandleARP(reply(gw, macA), true, true)
	if got, want := pkts(env.tx), []string{"p2", "p3"}; !slices.Equal(got, want) {
		t.Errorf("transmitted: got %v, want %v", got, want)
	}
	if got := c.Counters().QueueDrops; got != 1 {
		t.Errorf("QueueDrops: got %d, want 1", got)
	}
}

func TestCacheOutputCopiesQueuedPacket(t *testing.T) {
	c, env := newCache(t, Config{})
	buf := []byte("p1")
	c.Output(gw, buf)
	buf[1] = '9'
	c.HandleARP(reply(gw, macA), true, true)
	if got := pkts(env.tx); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("transmitted: got %v, want [p1]", got)
	}
}

// gc_thresh1: with fewer than 128 entries nothing is collected; with 128
// or more, entries unused for gc_stale_time (or FAILED) go, never those
// whose timer runs.
func TestCacheGCOnlyAboveThresh1(t *testing.T) {
	for _, n := range []int{GCThresh1 - 2, GCThresh1} { // plus the FAILED entry: 127, 129
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c, env := newCache(t, Config{})
			for i := 0; i < n; i++ {
				a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
				c.HandleARP(requestFor(a, macA, us), false, true)
			}
			c.Output(ip(200), []byte("p")) // INCOMPLETE then FAILED after 3 s
			env.run(2 * time.Minute)
			left := len(c.Entries())
			if n+1 < GCThresh1 && left != n+1 {
				t.Errorf("entries: got %d, want %d (no gc below gc_thresh1)", left, n+1)
			}
			if n+1 >= GCThresh1 && left != 0 {
				t.Errorf("entries: got %d, want 0 (stale and failed collected)", left)
			}
		})
	}
}

func TestCacheFlushForgetsEverything(t *testing.T) {
	c, env := newCache(t, Config{})
	resolve(t, c, env, macA)
	c.Output(ip(9), []byte("q"))
	c.Flush()
	if n := len(c.Entries()); n != 0 {
		t.Errorf("entries after Flush: %d", n)
	}
	if got, want := env.transitions(), []string{"NONE>INCOMPLETE:output", "INCOMPLETE>NONE:flush", "REACHABLE>NONE:flush"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	env.run(time.Hour)
	if len(env.requests) != 1 || len(env.unreach) != 0 {
		t.Errorf("activity after Flush: %d requests, %d unreachable", len(env.requests), len(env.unreach))
	}
}

func TestCacheEntriesSortedByIP(t *testing.T) {
	c, _ := newCache(t, Config{})
	for _, n := range []byte{9, 3, 200, 2} {
		c.HandleARP(requestFor(ip(n), mac(n), us), false, true)
	}
	var got []netip.Addr
	for _, e := range c.Entries() {
		got = append(got, e.IP)
	}
	if want := []netip.Addr{ip(2), ip(3), ip(9), ip(200)}; !slices.Equal(got, want) {
		t.Errorf("order: got %v, want %v", got, want)
	}
}

// app_solicit probes go to user space in Linux: counted, nothing sent,
// and they count towards neigh_max_probes.
func TestCacheAppSolicit(t *testing.T) {
	c, env := newCache(t, Config{AppSolicit: 1})
	c.Output(gw, []byte("p"))
	env.run(10 * time.Second)
	if got := c.Counters(); got.AppProbes != 1 || got.Requests != 3 {
		t.Errorf("AppProbes, Requests: got %d %d, want 1 3", got.AppProbes, got.Requests)
	}
	if got := requestTimes(env.requests); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}) {
		t.Errorf("request times: got %v", got)
	}
}

func TestCacheNoSolicitFailsAtOnce(t *testing.T) {
	c, env := newCache(t, Config{McastSolicit: -1})
	c.Output(gw, []byte("p"))
	mustState(t, c, gw, StateFailed)
	if len(env.requests) != 0 || c.Counters().Discarded != 1 {
		t.Errorf("requests %d, discarded %d: want 0, 1", len(env.requests), c.Counters().Discarded)
	}
}

func TestConfigWithDefaultsAndValidate(t *testing.T) {
	d := Config{}.WithDefaults()
	want := Config{
		BaseReachableTime: 30 * time.Second, DelayFirstProbeTime: 5 * time.Second,
		RetransTime: time.Second, GCStaleTime: 60 * time.Second, Locktime: time.Second,
		UcastSolicit: 3, McastSolicit: 3, AppSolicit: 0, ArpAccept: 0, QueueLen: 101,
		FixedTimeout: 4 * time.Hour, // Cisco IOS arp timeout, as the loader
		HZ:           250,           // CONFIG_HZ default of kernel/Kconfig.hz
	}
	if d != want {
		t.Errorf("defaults: got %+v, want %+v", d, want)
	}
	z := Config{Locktime: -1, UcastSolicit: -1, McastSolicit: -1}.WithDefaults()
	if z.Locktime != 0 || z.UcastSolicit != 0 || z.McastSolicit != 0 {
		t.Errorf("explicit zeros: got %+v", z)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
	for _, bad := range []Config{
		{Profile: 9}, {BaseReachableTime: -1}, {RetransTime: -1}, {ArpAccept: 3},
		{AppSolicit: -1}, {QueueLen: -1}, {FixedTimeout: -time.Second},
		{HZ: 200}, {HZ: 1024}, // not a Kconfig.hz choice
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v): got nil, want an error", bad)
		}
		New(bad, newEnv(1)).Output(gw, []byte("p")) // never panics
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{StateNone: "NONE", StateIncomplete: "INCOMPLETE", StateReachable: "REACHABLE",
		StateStale: "STALE", StateDelay: "DELAY", StateProbe: "PROBE", StateFailed: "FAILED", 99: "?"} {
		if got := s.String(); got != want {
			t.Errorf("%d: got %q, want %q", s, got, want)
		}
	}
}

// The per-packet path of a resolved neighbour must not allocate.
func BenchmarkCacheOutputReachable(b *testing.B) {
	env := newEnv(1)
	c := New(Config{}, env)
	c.Output(gw, []byte("p0"))
	c.HandleARP(reply(gw, macA), true, true)
	env.quiet = true
	pkt := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Output(gw, pkt)
	}
	if env.ntx != b.N {
		b.Fatalf("transmitted %d of %d", env.ntx, b.N)
	}
}

// Resolution from scratch: NONE -> INCOMPLETE -> REACHABLE -> flushed.
func BenchmarkCacheResolve(b *testing.B) {
	env := newEnv(1)
	c := New(Config{}, env)
	pkt := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Output(gw, pkt)
		c.HandleARP(reply(gw, macA), true, true)
		c.Flush()
		env.tx, env.requests, env.trace = env.tx[:0], env.requests[:0], env.trace[:0]
	}
}

// neigh_timer_handler, REACHABLE branch: once confirmed + reachable_time
// has passed, an entry used within delay_first_probe_time goes to DELAY
// (and later PROBE), not STALE. neigh_update arms the REACHABLE timer with
// neigh_add_timer, which sets used = confirmed, so an entry confirmed by a
// unicast reply counts as used at that instant. With the default timers
// (reachable_time >= 15 s > 5 s) this never shows; with a short
// base_reachable_time it does.
func TestCacheReachableToDelayWhenUsedWithinDelayFirstProbeTime(t *testing.T) {
	c, env := newCache(t, Config{BaseReachableTime: 2 * time.Second}) // reachable_time in [1 s, 3 s)
	makeStale(t, c, env, macA)                                        // created (used) at 0
	env.runUntil(10 * time.Second)
	c.HandleARP(reply(gw, macA), true, true) // e.g. an answer to someone else's probe, unicast to us
	mustState(t, c, gw, StateReachable)
	rt := c.ReachableTime()
	env.runUntil(10*time.Second + rt + minRetrans)
	mustState(t, c, gw, StateDelay)
	env.runUntil(10*time.Second + rt + minRetrans + 5*time.Second)
	mustState(t, c, gw, StateProbe)
	if len(env.requests) != 1 || env.requests[0].dst != macA {
		t.Errorf("requests: got %+v, want one unicast probe to %v", env.requests, macA)
	}
	if got, want := env.transitions(), []string{"STALE>REACHABLE:reply", "REACHABLE>DELAY:timeout", "DELAY>PROBE:timeout"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
}

// arp_process, "Update our ARP tables": what each kind of unsolicited ARP
// does to an existing entry and to an unknown sender, for arp_accept 0, 1
// and 2 (2 is treated as 1: the cache does not know the subnets). An
// existing entry is REACHABLE with macA, last changed 100 ms ago (within
// locktime); every packet carries macB.
func TestCacheArpAcceptTable(t *testing.T) {
	other := ip(77) // an address that is neither ours nor the sender's
	kinds := []struct {
		name string
		arp  *wire.ARP
		toUs bool
		// existing entry afterwards (whatever arp_accept is)
		existState State
		existMAC   wire.MAC
		// unknown sender: created with arp_accept != 0?, state
		create      bool
		createState State
	}{
		{"garp request broadcast", garp(gw, macB), false,
			StateStale, macB, true, StateStale},
		{"garp reply broadcast (tha == sha)", &wire.ARP{Op: wire.ARPReply, SenderIP: gw, SenderMAC: macB, TargetIP: gw, TargetMAC: macB}, false,
			StateStale, macB, true, StateStale},
		{"garp reply unicast to us", &wire.ARP{Op: wire.ARPReply, SenderIP: gw, SenderMAC: macB, TargetIP: gw, TargetMAC: macB}, true,
			StateReachable, macB, true, StateReachable},
		{"reply sip == tip, tha != sha: not gratuitous", &wire.ARP{Op: wire.ARPReply, SenderIP: gw, SenderMAC: macB, TargetIP: gw, TargetMAC: wire.Broadcast}, false,
			StateReachable, macA, true, StateStale}, // locked out; created as an ordinary reply
		{"reply unicast to us", reply(gw, macB), true,
			StateReachable, macA, true, StateReachable}, // locked out
		{"reply broadcast", reply(gw, macB), false,
			StateReachable, macA, true, StateStale}, // locked out
		{"request not for us", requestFor(gw, macB, other), false,
			StateReachable, macA, false, 0}, // locked out; requests never create
	}
	for _, k := range kinds {
		for _, accept := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("%s/arp_accept=%d/existing", k.name, accept), func(t *testing.T) {
				c, env := newCache(t, Config{ArpAccept: accept})
				resolve(t, c, env, macA)
				env.run(100 * time.Millisecond)
				c.HandleARP(k.arp, k.toUs, false)
				e := mustState(t, c, gw, k.existState)
				if e.MAC != k.existMAC {
					t.Errorf("MAC: got %v, want %v", e.MAC, k.existMAC)
				}
			})
			t.Run(fmt.Sprintf("%s/arp_accept=%d/unknown", k.name, accept), func(t *testing.T) {
				c, _ := newCache(t, Config{ArpAccept: accept})
				c.HandleARP(k.arp, k.toUs, false)
				e, ok := c.Lookup(gw)
				if want := k.create && accept != 0; ok != want {
					t.Fatalf("entry created: got %v, want %v", ok, want)
				}
				if ok && (e.State != k.createState || e.MAC != macB) {
					t.Errorf("created entry: got %v %v, want %v %v", e.State, e.MAC, k.createState, macB)
				}
			})
		}
	}
}

// neigh_periodic_work with at least gc_thresh1 entries: an entry not in a
// timer state goes once jiffies is outside [used, used + gc_stale_time),
// so one created at 0 survives the runs at 15, 30 and 45 s and is
// collected by the run at 60 s; one that was used more recently survives.
func TestCacheGCStaleTime(t *testing.T) {
	c, env := newCache(t, Config{})
	for i := 0; i < GCThresh1; i++ {
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		c.HandleARP(requestFor(a, macA, us), false, true)
	}
	env.runUntil(20 * time.Second)
	c.HandleARP(requestFor(gw, macA, us), false, true) // created (used) at 20 s
	env.runUntil(60*time.Second - 1)
	if n := len(c.Entries()); n != GCThresh1+1 {
		t.Fatalf("entries before gc_stale_time: got %d, want %d", n, GCThresh1+1)
	}
	env.runUntil(60 * time.Second)
	if n := len(c.Entries()); n != 1 {
		t.Fatalf("entries at 60 s: got %d, want 1 (the one used at 20 s)", n)
	}
	mustState(t, c, gw, StateStale)
	if got := c.Counters().GC; got != GCThresh1 {
		t.Errorf("GC: got %d, want %d", got, GCThresh1)
	}
	// Below gc_thresh1 now: the last one stays whatever its age.
	env.run(time.Hour)
	mustState(t, c, gw, StateStale)
	if r := env.trace[len(env.trace)-1]; r.Reason != ReasonGC || r.To != "NONE" {
		t.Errorf("last trace: got %+v, want a gc removal", r)
	}
}

// neigh_periodic_work never collects an entry whose timer runs
// (NUD_IN_TIMER), however long unused. Here gw is REACHABLE from 0 s for
// reachable_time (100..300 s) and unused since; at the first run (100 s,
// base_reachable_time/2) the STALE entries older than gc_stale_time go,
// gw stays.
func TestCacheGCSkipsEntriesInTimer(t *testing.T) {
	c, env := newCache(t, Config{BaseReachableTime: 200 * time.Second, GCStaleTime: 10 * time.Second})
	resolve(t, c, env, macA)
	for i := 0; i < GCThresh1; i++ {
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		c.HandleARP(requestFor(a, macA, us), false, true)
	}
	if rt := c.ReachableTime(); rt <= 100*time.Second {
		t.Skipf("reachable_time %v does not outlast the first run", rt)
	}
	env.runUntil(100 * time.Second)
	if n := len(c.Entries()); n != 1 {
		t.Fatalf("entries after the run at 100 s: got %d, want 1", n)
	}
	mustState(t, c, gw, StateReachable)
}

// TestCacheOutputAfterEntryRemoved: Output's memo of the last entry never
// outlives the entry. After Flush (neigh_ifdown) and after garbage
// collection (neigh_periodic_work) removed the entry Output used last,
// the next Output to the same address starts a new resolution
// (neigh_event_send on a new NUD_NONE entry) and the entry is in the table.
func TestCacheOutputAfterEntryRemoved(t *testing.T) {
	for _, name := range []string{"flush", "gc"} {
		t.Run(name, func(t *testing.T) {
			c, env := newCache(t, Config{})
			target := ip(200)
			if name == "gc" {
				for i := 0; i < GCThresh1; i++ {
					a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
					c.HandleARP(requestFor(a, macA, us), false, true)
				}
			}
			c.Output(target, []byte("p"))
			if name == "flush" {
				c.Flush()
			} else {
				env.run(2 * time.Minute) // FAILED, then collected
			}
			if _, ok := c.Lookup(target); ok {
				t.Fatalf("%v still in the table after %s", target, name)
			}
			c.Output(target, []byte("q"))
			if _, ok := c.Lookup(target); !ok {
				t.Fatalf("Output after %s: %v not in the table", name, target)
			}
			mustState(t, c, target, StateIncomplete)
		})
	}
}
