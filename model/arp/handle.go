package arp

import (
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// HandleARP updates the cache from a received ARP packet. toUs says the
// frame was unicast to our MAC (skb->pkt_type == PACKET_HOST);
// targetIsLocal says a.TargetIP is one of our addresses.
//
// Linux profile, as arp_process does it:
//   - requests for a multicast or loopback target and packets whose
//     sender IP is 0.0.0.0 (duplicate address probes, RFC 5227) change
//     nothing;
//   - a request whose target is ours creates or updates the sender's
//     entry as STALE, overriding any cached MAC (neigh_event_ns), and
//     nothing else happens;
//   - otherwise only an existing entry is updated, unless arp_accept is
//     set, in which case a gratuitous ARP or a reply creates one. The
//     update overrides a different cached MAC only if the entry has not
//     changed for locktime, or if the packet is a gratuitous ARP
//     (arp_is_garp: sender IP == target IP, and for a reply also target
//     MAC == sender MAC). The new state is REACHABLE for a reply unicast
//     to us and STALE otherwise ("broadcast replies and request packets
//     do not assert neighbour reachability").
func (c *Cache) HandleARP(a *wire.ARP, toUs bool, targetIsLocal bool) {
	if a == nil || (a.Op != wire.ARPRequest && a.Op != wire.ARPReply) {
		c.cnt.Ignored++
		return
	}
	sip, tip := a.SenderIP, a.TargetIP
	if !sip.Is4() || !tip.Is4() || tip.IsMulticast() || tip.IsLoopback() || sip.IsUnspecified() {
		c.cnt.Ignored++
		return
	}
	if c.cfg.Profile == ProfileFixed {
		c.fixedHandleARP(a, toUs, targetIsLocal)
		return
	}

	if a.Op == wire.ARPRequest && targetIsLocal && sip != tip && unicastAddr(sip) {
		// arp_process, RTN_LOCAL branch -> neigh_event_ns. (A request
		// whose sender claims our own address fails the route lookup
		// as a martian source and falls through.)
		e := c.entries[sip]
		if e == nil {
			e = c.create(sip)
		}
		c.update(e, a.SenderMAC, StateStale, true, ReasonRequest)
		return
	}

	e := c.entries[sip]
	accept := c.cfg.ArpAccept != 0
	isGARP := false
	if e != nil || accept {
		isGARP = isGratuitous(a)
	}
	if e == nil && accept && (isGARP || (a.Op == wire.ARPReply && unicastAddr(sip))) {
		e = c.create(sip)
	}
	if e == nil {
		// Unsolicited ARP is not accepted by default (arp_accept 0).
		c.cnt.Ignored++
		return
	}
	now := c.env.Now()
	override := now > e.updated.Add(c.cfg.Locktime) || isGARP
	state := StateReachable
	if a.Op != wire.ARPReply || !toUs {
		state = StateStale
	}
	reason := ReasonRequest
	switch {
	case isGARP:
		reason = ReasonGARP
	case a.Op == wire.ARPReply:
		reason = ReasonReply
	}
	c.update(e, a.SenderMAC, state, override, reason)
}

// isGratuitous is arp_is_garp: sender IP == target IP, a reply must also
// carry target MAC == sender MAC, and the address must be unicast.
func isGratuitous(a *wire.ARP) bool {
	if a.SenderIP != a.TargetIP {
		return false
	}
	if a.Op == wire.ARPReply && a.TargetMAC != a.SenderMAC {
		return false
	}
	return unicastAddr(a.SenderIP)
}

// unicastAddr approximates inet_addr_type() == RTN_UNICAST without a
// routing table: not unspecified, loopback, multicast or limited
// broadcast.
func unicastAddr(ip netip.Addr) bool {
	return ip.Is4() && !ip.IsUnspecified() && !ip.IsLoopback() && !ip.IsMulticast() &&
		ip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// update is __neigh_update for a new valid state (REACHABLE or STALE) and
// a supplied MAC, without the administrative flags.
func (c *Cache) update(e *entry, mac wire.MAC, state State, override bool, reason string) {
	now := c.env.Now()
	old := e.state
	// Compare the new MAC with the cached one; an entry without a valid
	// MAC takes the new one whatever it is.
	macChange := !old.valid() || mac != e.mac
	if state == StateReachable {
		// "Update confirmed timestamp ... even if it doesn't change IP to
		// MAC binding."
		e.confirmed = now
	}
	if old.valid() {
		if mac != e.mac && !override {
			// Within locktime: the first answer wins ("If several
			// different ARP replies follows back-to-back, use the FIRST
			// one").
			c.cnt.LockedOut++
			return
		}
		if mac == e.mac && state == StateStale {
			// Same MAC: do not degrade the state to STALE.
			state = old
		}
	}
	if state != old || macChange {
		// Only real changes move the locktime window.
		e.updated = now
	}
	oldMAC := e.mac
	if macChange {
		e.mac = mac
		if state != StateReachable {
			e.confirmed = now.Add(-2 * c.cfg.BaseReachableTime)
		}
	}
	if state != old {
		e.timer.Stop()
		if state == StateReachable {
			// neigh_add_timer (Linux 5.15+, "neigh: make sure used and
			// confirmed times are valid"): used is never older than
			// confirmed when a timer is armed, so an entry confirmed
			// now counts as used now. With reachable_time <=
			// delay_first_probe_time this sends REACHABLE to DELAY, not
			// STALE, at the timer.
			if e.used < e.confirmed {
				e.used = e.confirmed
			}
			c.arm(e.timer, c.reachableTime)
		}
		e.state = state
		c.trace(e, old, state, reason)
	} else if oldMAC != mac {
		c.trace(e, old, state, reason) // same state, new MAC
	}
	if state == old {
		return
	}
	if !old.valid() {
		if old == StateIncomplete {
			c.cnt.Resolved++
		}
		c.flushQueue(e)
	}
}
