package arp

import (
	"github.com/vrrpsim/vrrpsim/model/wire"
)

// ProfileFixed: the cache of routers and appliances (Cisco IOS style),
// simpler than Linux and with no reachability confirmation:
//
//   - States used: INCOMPLETE while resolving, REACHABLE once resolved,
//     FAILED when resolution failed.
//   - Output to an unknown or FAILED neighbour creates an INCOMPLETE entry,
//     queues the packet (QueueLen packets, oldest dropped first) and
//     broadcasts a request at once, then every RetransTime, McastSolicit
//     requests in all. RetransTime after the last unanswered request the
//     entry goes FAILED and the queued packets are reported Unreachable. A
//     FAILED entry stays until the next Output restarts resolution.
//   - Output to a REACHABLE neighbour transmits; no probing ever happens.
//   - Any ARP (request, reply or gratuitous, broadcast or unicast) from a
//     sender that has an entry sets the entry's MAC, makes it REACHABLE
//     and restarts its FixedTimeout; no locktime. An INCOMPLETE entry
//     that resolves sends its queue.
//   - An entry is created from a request targeting one of our addresses;
//     with ArpAccept != 0 also from a gratuitous ARP or a reply.
//   - FixedTimeout after the last refresh the entry is deleted (trace
//     REACHABLE -> NONE, reason "timeout"); the next Output resolves
//     again. (Cisco IOS re-requests before deleting; modelled as a fresh
//     resolution on the next packet.)
//   - Confirm does nothing; UcastSolicit, AppSolicit, DelayFirstProbeTime,
//     BaseReachableTime, GCStaleTime and Locktime are not used.

func (c *Cache) fixedOutput(e *entry, packet []byte) {
	switch e.state {
	case StateReachable:
		c.transmit(e.mac, packet)
	case StateIncomplete:
		c.enqueue(e, packet)
	default: // NONE or FAILED
		if c.cfg.McastSolicit == 0 {
			e.updated = c.env.Now()
			c.setState(e, StateFailed, ReasonOutput)
			c.cnt.Discarded++
			return
		}
		e.updated = c.env.Now()
		e.probes = 0
		c.setState(e, StateIncomplete, ReasonOutput)
		c.enqueue(e, packet)
		c.fixedRequest(e)
	}
}

// fixedRequest broadcasts one request and arms the retransmit timer.
func (c *Cache) fixedRequest(e *entry) {
	e.probes++
	e.timer.Reset(c.cfg.RetransTime)
	c.cnt.Requests++
	c.env.SendRequest(e.ip, wire.Broadcast)
}

func (c *Cache) fixedTimer(e *entry) {
	switch e.state {
	case StateIncomplete:
		if e.probes >= c.cfg.McastSolicit {
			c.fail(e)
			return
		}
		c.fixedRequest(e)
	case StateReachable:
		c.remove(e, ReasonTimeout)
	}
}

func (c *Cache) fixedHandleARP(a *wire.ARP, _ bool, targetIsLocal bool) {
	sip := a.SenderIP
	e := c.entries[sip]
	if e == nil {
		create := a.Op == wire.ARPRequest && targetIsLocal && sip != a.TargetIP && unicastAddr(sip)
		if c.cfg.ArpAccept != 0 && (isGratuitous(a) || (a.Op == wire.ARPReply && unicastAddr(sip))) {
			create = true
		}
		if !create {
			c.cnt.Ignored++
			return
		}
		e = c.create(sip)
	}
	reason := ReasonRequest
	switch {
	case isGratuitous(a):
		reason = ReasonGARP
	case a.Op == wire.ARPReply:
		reason = ReasonReply
	}
	now := c.env.Now()
	old, oldMAC := e.state, e.mac
	e.mac = a.SenderMAC
	e.confirmed = now
	if old != StateReachable || oldMAC != e.mac {
		e.updated = now
	}
	e.state = StateReachable
	e.timer.Reset(c.cfg.FixedTimeout)
	if old != StateReachable || oldMAC != e.mac {
		c.trace(e, old, StateReachable, reason)
	}
	if old == StateIncomplete {
		c.cnt.Resolved++
		c.flushQueue(e)
	}
}
