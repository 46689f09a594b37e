package arp

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

func TestFixedResolvesWithBroadcastAndRetries(t *testing.T) {
	c, env := newCache(t, Config{Profile: ProfileFixed})
	c.Output(gw, []byte("p1"))
	mustState(t, c, gw, StateIncomplete)
	env.run(1500 * time.Millisecond)
	c.Output(gw, []byte("p2"))
	c.HandleARP(reply(gw, macA), true, true)
	mustState(t, c, gw, StateReachable)
	if got := requestTimes(env.requests); !slices.Equal(got, []time.Duration{0, time.Second}) {
		t.Errorf("request times: got %v, want [0 1s]", got)
	}
	for _, r := range env.requests {
		if r.dst != wire.Broadcast {
			t.Errorf("request to %v, want broadcast", r.dst)
		}
	}
	if got, want := pkts(env.tx), []string{"p1", "p2"}; !slices.Equal(got, want) {
		t.Errorf("transmitted: got %v, want %v", got, want)
	}
}

func TestFixedFailsAfterMcastSolicitRequests(t *testing.T) {
	c, env := newCache(t, Config{Profile: ProfileFixed, McastSolicit: 2, RetransTime: 2 * time.Second})
	c.Output(gw, []byte("p1"))
	env.runUntil(4*time.Second - 1)
	mustState(t, c, gw, StateIncomplete)
	env.runUntil(4 * time.Second)
	mustState(t, c, gw, StateFailed)
	if got := requestTimes(env.requests); !slices.Equal(got, []time.Duration{0, 2 * time.Second}) {
		t.Errorf("request times: got %v, want [0 2s]", got)
	}
	if got := pkts(env.unreach); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("unreachable: got %v, want [p1]", got)
	}
	c.Output(gw, []byte("p2")) // FAILED restarts resolution
	mustState(t, c, gw, StateIncomplete)
}

// The entry lives FixedTimeout after the last refresh, whatever the
// traffic, with no probing; then it is deleted.
func TestFixedEntryExpiresAfterTimeoutSinceRefresh(t *testing.T) {
	c, env := newCache(t, Config{Profile: ProfileFixed, FixedTimeout: time.Minute})
	resolve(t, c, env, macA)
	env.runUntil(40 * time.Second)
	c.HandleARP(requestFor(gw, macA, ip(77)), false, false) // any ARP from gw refreshes
	for d := 40 * time.Second; d < 100*time.Second-time.Millisecond; d += time.Second {
		env.runUntil(d)
		c.Output(gw, []byte("x"))
	}
	env.runUntil(100*time.Second - 1)
	mustState(t, c, gw, StateReachable)
	env.runUntil(100 * time.Second)
	if _, ok := c.Lookup(gw); ok {
		t.Errorf("entry not deleted at refresh + FixedTimeout")
	}
	if len(env.requests) != 0 {
		t.Errorf("Fixed profile probed: %+v", env.requests)
	}
	if got, want := env.transitions(), []string{"REACHABLE>NONE:timeout"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
}

// Any ARP from a known sender overrides the MAC at once (no locktime),
// which is also how a router follows a VRRP failover GARP.
func TestFixedGARPUpdatesExistingEntryAndIgnoresUnknown(t *testing.T) {
	c, env := newCache(t, Config{Profile: ProfileFixed})
	resolve(t, c, env, macA)
	c.HandleARP(garp(gw, macB), false, false)
	e := mustState(t, c, gw, StateReachable)
	if e.MAC != macB || e.Updated != sim.Time(0) {
		t.Errorf("entry: got %+v, want MAC %v", e, macB)
	}
	if got, want := env.transitions(), []string{"REACHABLE>REACHABLE:garp"}; !slices.Equal(got, want) {
		t.Errorf("trace: got %v, want %v", got, want)
	}
	c.HandleARP(garp(ip(50), macA), false, false)
	if _, ok := c.Lookup(ip(50)); ok {
		t.Errorf("entry created from a GARP for an unknown sender")
	}
	c.HandleARP(requestFor(ip(51), macA, us), false, true)
	mustState(t, c, ip(51), StateReachable)
}

func TestFixedConfirmIsIgnored(t *testing.T) {
	c, env := newCache(t, Config{Profile: ProfileFixed, FixedTimeout: time.Minute})
	resolve(t, c, env, macA)
	env.run(30 * time.Second)
	c.Confirm(gw)
	env.run(30 * time.Second)
	if _, ok := c.Lookup(gw); ok {
		t.Errorf("Confirm extended a Fixed entry")
	}
}

// The same table for the fixed profile: any ARP from a known sender
// refreshes it (REACHABLE, new MAC, no locktime); unknown senders are
// created only from a request for us, or with arp_accept from a
// gratuitous ARP or a reply.
func TestFixedArpAcceptTable(t *testing.T) {
	for _, accept := range []int{0, 1} {
		for _, tt := range []struct {
			name   string
			arp    *wire.ARP
			local  bool
			create bool // with arp_accept 1 (a request for us creates whatever arp_accept is)
		}{
			{"garp request", garp(gw, macB), false, true},
			{"reply", reply(gw, macB), false, true},
			{"request for us", requestFor(gw, macB, us), true, true},
			{"request not for us", requestFor(gw, macB, ip(77)), false, false},
		} {
			t.Run(fmt.Sprintf("%s/arp_accept=%d", tt.name, accept), func(t *testing.T) {
				c, _ := newCache(t, Config{Profile: ProfileFixed, ArpAccept: accept})
				c.HandleARP(tt.arp, false, tt.local)
				_, ok := c.Lookup(gw)
				if want := tt.local || (tt.create && accept != 0); ok != want {
					t.Errorf("unknown sender: entry created %v, want %v", ok, want)
				}
				c2, env2 := newCache(t, Config{Profile: ProfileFixed, ArpAccept: accept})
				resolve(t, c2, env2, macA)
				env2.run(100 * time.Millisecond)
				c2.HandleARP(tt.arp, false, tt.local)
				if e := mustState(t, c2, gw, StateReachable); e.MAC != macB {
					t.Errorf("existing entry MAC: got %v, want %v (no locktime)", e.MAC, macB)
				}
			})
		}
	}
}
