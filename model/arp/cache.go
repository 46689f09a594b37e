// Package arp is the IPv4 neighbour cache of one interface: resolution by
// ARP (RFC 826), the handling of received ARP packets (including the
// gratuitous ARP that a new VRRP master sends, RFC 3768 section 6.4.2) and
// the entry state machine.
//
// The default profile follows Linux (net/core/neighbour.c and
// net/ipv4/arp.c): the NUD states INCOMPLETE, REACHABLE, STALE, DELAY,
// PROBE and FAILED with the kernel's timers and default sysctls. The
// comments name the kernel function each rule comes from. ProfileFixed is
// the simpler cache of routers and appliances (fixed.go).
//
// Answering ARP requests for our own addresses is the node's job, not the
// cache's. The cache is a plain state machine driven through Env: no
// goroutines, no wall clock.
package arp

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Timer is a resettable one-shot timer; *sim.Timer satisfies it.
type Timer = sim.Resettable

// Env is the world the cache talks to.
type Env interface {
	Now() sim.Time
	NewTimer(fn func()) Timer
	Rand() *rand.Rand
	// SendRequest sends an ARP request "who-has target" to dst: Broadcast
	// for a multicast solicitation, the cached MAC for a unicast probe.
	SendRequest(target netip.Addr, dst wire.MAC)
	// Transmit sends an IP packet to mac. The packet is valid only during
	// the call.
	Transmit(mac wire.MAC, packet []byte)
	// Unreachable reports a queued packet dropped because resolution
	// failed (Linux arp_error_report: ICMP host unreachable to its
	// source). The packet is valid only during the call.
	Unreachable(ip netip.Addr, packet []byte)
	// Trace emits a record; the caller fills Node and Comp.
	Trace(r sim.Record)
}

// State is a neighbour entry state (Linux NUD_*).
type State uint8

// States.
const (
	StateNone       State = iota // NUD_NONE: just created, never kept
	StateIncomplete              // NUD_INCOMPLETE: resolving, packets queued
	StateReachable               // NUD_REACHABLE: confirmed within reachable_time
	StateStale                   // NUD_STALE: usable, unconfirmed
	StateDelay                   // NUD_DELAY: used while stale, waiting for a confirmation
	StateProbe                   // NUD_PROBE: unicast probing
	StateFailed                  // NUD_FAILED: resolution failed
)

var stateNames = [...]string{"NONE", "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "?"
}

// valid is NUD_VALID: the entry has a usable MAC.
func (s State) valid() bool {
	return s == StateReachable || s == StateStale || s == StateDelay || s == StateProbe
}

// inTimer is NUD_IN_TIMER: the entry timer runs in this state.
func (s State) inTimer() bool {
	return s == StateIncomplete || s == StateReachable || s == StateDelay || s == StateProbe
}

// Trace reasons (sim.KindNeigh records).
const (
	ReasonOutput      = "output"       // a packet to send started resolution or moved STALE to DELAY
	ReasonGARP        = "garp"         // gratuitous ARP
	ReasonReply       = "reply"        // ARP reply
	ReasonRequest     = "request"      // ARP request from the neighbour
	ReasonTimeout     = "timeout"      // REACHABLE or DELAY timer ran out, or a Fixed entry expired
	ReasonConfirmed   = "confirmed"    // DELAY to REACHABLE on an upper-layer confirmation
	ReasonProbeFailed = "probe_failed" // no answer to the solicitations
	ReasonGC          = "gc"           // garbage collected
	ReasonFlush       = "flush"        // Flush (node crash)
)

// Entry is a snapshot of one cache entry.
type Entry struct {
	IP        netip.Addr
	MAC       wire.MAC
	State     State
	Updated   sim.Time // last state or MAC change (neigh->updated)
	Confirmed sim.Time // last reachability confirmation (neigh->confirmed)
}

// Counters count cache events.
type Counters struct {
	Requests    uint64 // broadcast requests sent (multicast solicitations)
	Probes      uint64 // unicast probes sent
	AppProbes   uint64 // app_solicit probes (handed to user space in Linux; nothing sent here)
	Transmitted uint64 // packets handed to Env.Transmit
	Queued      uint64 // packets queued while INCOMPLETE
	QueueDrops  uint64 // oldest queued packet dropped because the queue was full
	Unreachable uint64 // queued packets reported unreachable when resolution failed
	Discarded   uint64 // packets dropped without report (no solicitation allowed, flush)
	Resolved    uint64 // INCOMPLETE entries that got a MAC
	Failed      uint64 // entries that went FAILED
	Ignored     uint64 // ARP packets that changed nothing (unknown sender without arp_accept, bad addresses)
	LockedOut   uint64 // different MAC ignored within locktime
	GC          uint64 // entries removed by garbage collection or expiry
}

// entry is the cache's own record of a neighbour (struct neighbour).
type entry struct {
	ip        netip.Addr
	mac       wire.MAC
	state     State
	updated   sim.Time
	confirmed sim.Time
	used      sim.Time
	probes    int
	timer     Timer
	queue     [][]byte
}

// Cache is the neighbour cache of one interface.
type Cache struct {
	// last is the entry Output used last: a host sends to one gateway
	// and a router mostly answers one peer, so this saves hashing the
	// address for nearly every packet. Cleared whenever an entry goes.
	// It, env, cnt and cfg come first: every packet sent reads them.
	last    *entry
	fixed   bool // cfg.Profile == ProfileFixed
	env     Env
	cnt     Counters
	cfg     Config
	entries map[netip.Addr]*entry

	// reachableTime is neigh_parms->reachable_time, drawn uniformly in
	// [base/2, 3*base/2) and re-drawn by the periodic work.
	reachableTime time.Duration
	lastRand      sim.Time
	gcTimer       Timer // neigh_periodic_work, every base_reachable_time/2

	free [][]byte // recycled packet buffers
}

// New returns an empty cache. cfg is completed with WithDefaults; values
// Validate would reject are replaced by defaults.
func New(cfg Config, env Env) *Cache {
	c := new(Cache)
	Init(c, cfg, env)
	return c
}

// Init is New into a Cache the caller holds in its own struct (a node's
// interface: what every packet sent reads then shares its memory). c must
// be a zero Cache.
func Init(c *Cache, cfg Config, env Env) {
	*c = Cache{cfg: cfg.sanitize(), env: env, entries: make(map[netip.Addr]*entry)}
	c.fixed = c.cfg.Profile == ProfileFixed
	if c.cfg.Profile == ProfileLinux {
		c.reachableTime = c.randReachableTime()
		// neigh_table_init: last_rand = now + reachable_time*20.
		c.lastRand = env.Now().Add(lastRandFactor * c.reachableTime)
		c.gcTimer = env.NewTimer(c.periodicWork)
	}
}

// Config returns the effective configuration.
func (c *Cache) Config() Config { return c.cfg }

// ReachableTime returns the current randomised reachable_time.
func (c *Cache) ReachableTime() time.Duration { return c.reachableTime }

// Counters returns a snapshot of the counters.
func (c *Cache) Counters() Counters { return c.cnt }

// randReachableTime is neigh_rand_reach_time: uniform in [base/2, 3base/2).
func (c *Cache) randReachableTime() time.Duration {
	base := c.cfg.BaseReachableTime
	return base/2 + time.Duration(c.env.Rand().Int64N(int64(base)))
}

// Lookup returns the entry for ip.
func (c *Cache) Lookup(ip netip.Addr) (Entry, bool) {
	e := c.entries[ip]
	if e == nil {
		return Entry{}, false
	}
	return e.snapshot(), true
}

func (e *entry) snapshot() Entry {
	return Entry{IP: e.ip, MAC: e.mac, State: e.state, Updated: e.updated, Confirmed: e.confirmed}
}

// Entries returns every entry, sorted by IP.
func (c *Cache) Entries() []Entry {
	out := make([]Entry, 0, len(c.entries))
	for _, e := range c.sorted() {
		out = append(out, e.snapshot())
	}
	return out
}

// sorted returns the entries in IP order (never let map order decide).
func (c *Cache) sorted() []*entry {
	es := make([]*entry, 0, len(c.entries))
	for _, e := range c.entries {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b *entry) int { return a.ip.Compare(b.ip) })
	return es
}

// Flush forgets every entry and stops every timer (node crash). Queued
// packets are discarded without report. Each entry gets a "flush" trace.
func (c *Cache) Flush() {
	for _, e := range c.sorted() {
		e.timer.Stop()
		c.cnt.Discarded += uint64(len(e.queue))
		c.recycleQueue(e)
		delete(c.entries, e.ip)
		c.trace(e, e.state, StateNone, ReasonFlush)
	}
	c.last = nil
	if c.gcTimer != nil {
		c.gcTimer.Stop()
	}
}

// create adds a NUD_NONE entry for ip (neigh_alloc: updated = used = now).
func (c *Cache) create(ip netip.Addr) *entry {
	now := c.env.Now()
	e := &entry{ip: ip, state: StateNone, updated: now, used: now,
		confirmed: now.Add(-2 * c.cfg.BaseReachableTime)}
	e.timer = c.env.NewTimer(func() { c.timerFired(e) })
	if len(c.entries) == 0 && c.gcTimer != nil {
		c.arm(c.gcTimer, c.cfg.BaseReachableTime/2)
	}
	c.entries[ip] = e
	return e
}

// setState changes e's state and traces the change with the entry's MAC.
func (c *Cache) setState(e *entry, to State, reason string) {
	from := e.state
	e.state = to
	if from != to {
		c.trace(e, from, to, reason)
	}
}

func (c *Cache) trace(e *entry, from, to State, reason string) {
	c.env.Trace(sim.Record{Kind: sim.KindNeigh, Addr: e.ip, MAC: e.mac, From: from.String(), To: to.String(), Reason: reason})
}

// Output sends an IP packet to next hop next, resolving it first if need
// be: neigh_resolve_output -> neigh_event_send -> __neigh_event_send in
// Linux, the equivalent in ProfileFixed. A packet that has to wait is
// copied into the entry's queue.
func (c *Cache) Output(next netip.Addr, packet []byte) {
	e := c.last
	if e == nil || e.ip != next {
		e = c.entries[next]
		if e == nil {
			e = c.create(next)
		}
		c.last = e
	}
	if c.fixed {
		c.fixedOutput(e, packet)
		return
	}
	c.resolveOutput(e, packet)
}

// resolveOutput is the Linux output path for one packet.
func (c *Cache) resolveOutput(e *entry, packet []byte) {
	now := c.env.Now()
	if e.state == StateReachable {
		// neigh_output: a connected entry goes through the cached
		// hardware header (neigh_hh_output), which neither takes the
		// neigh lock nor touches neigh->used.
		c.transmit(e.mac, packet)
		return
	}
	// neigh_event_send: neigh->used = now, then __neigh_event_send
	// unless the state is CONNECTED, DELAY or PROBE.
	e.used = now
	immediateProbe := false
	switch e.state {
	case StateDelay, StateProbe:
		c.transmit(e.mac, packet)
		return
	case StateNone, StateFailed:
		if c.cfg.McastSolicit+c.cfg.AppSolicit == 0 {
			// No way to resolve: FAILED, packet dropped (kfree_skb,
			// no error report).
			e.updated = now
			c.setState(e, StateFailed, ReasonOutput)
			c.cnt.Discarded++
			return
		}
		e.probes = c.cfg.UcastSolicit
		e.timer.Stop()
		e.updated = now
		c.setState(e, StateIncomplete, ReasonOutput)
		c.arm(e.timer, c.cfg.RetransTime)
		immediateProbe = true
	case StateStale:
		e.timer.Stop()
		e.updated = now
		c.setState(e, StateDelay, ReasonOutput)
		c.arm(e.timer, c.cfg.DelayFirstProbeTime)
	}
	if e.state == StateIncomplete {
		c.enqueue(e, packet)
	} else {
		// STALE -> DELAY: the packet goes out to the cached MAC now.
		c.transmit(e.mac, packet)
	}
	if immediateProbe {
		c.probe(e)
	}
}

func (c *Cache) transmit(mac wire.MAC, packet []byte) {
	c.cnt.Transmitted++
	c.env.Transmit(mac, packet)
}

// enqueue copies packet to e's queue, dropping the oldest packets while
// the queue is full (__neigh_event_send, SKB_DROP_REASON_NEIGH_QUEUEFULL).
// As in Linux, the new packet is always queued.
func (c *Cache) enqueue(e *entry, packet []byte) {
	for len(e.queue) >= c.cfg.QueueLen && len(e.queue) > 0 {
		c.free = append(c.free, e.queue[0][:0])
		e.queue[0] = nil
		e.queue = e.queue[1:]
		c.cnt.QueueDrops++
	}
	var buf []byte
	if n := len(c.free); n > 0 {
		buf, c.free = c.free[n-1], c.free[:n-1]
	}
	e.queue = append(e.queue, append(buf, packet...))
	c.cnt.Queued++
}

// takeQueue detaches e's queue so callbacks may re-enter the cache.
func (c *Cache) takeQueue(e *entry) [][]byte {
	q := e.queue
	e.queue = nil
	return q
}

func (c *Cache) recycleQueue(e *entry) {
	for _, p := range e.queue {
		c.free = append(c.free, p[:0])
	}
	e.queue = nil
}

// probe sends one solicitation (neigh_probe -> arp_solicit). probes counts
// solicitations already sent; the first UcastSolicit values are unicast
// probes to the cached MAC, the next AppSolicit go to user space, the rest
// are broadcast. __neigh_event_send starts INCOMPLETE at probes =
// UcastSolicit, so resolution is broadcast; PROBE starts at 0, so
// re-confirmation is unicast.
func (c *Cache) probe(e *entry) {
	p := e.probes - c.cfg.UcastSolicit
	switch {
	case p < 0:
		c.cnt.Probes++
		c.env.SendRequest(e.ip, e.mac)
	case p-c.cfg.AppSolicit < 0:
		c.cnt.AppProbes++
	default:
		c.cnt.Requests++
		c.env.SendRequest(e.ip, wire.Broadcast)
	}
	e.probes++
}

// maxProbes is neigh_max_probes (mcast_reprobes is 0).
func (c *Cache) maxProbes(e *entry) int {
	n := c.cfg.UcastSolicit + c.cfg.AppSolicit
	if e.state != StateProbe {
		n += c.cfg.McastSolicit
	}
	return n
}

// timerFired dispatches an entry timer.
func (c *Cache) timerFired(e *entry) {
	if c.entries[e.ip] != e {
		return // flushed or collected
	}
	if c.cfg.Profile == ProfileFixed {
		c.fixedTimer(e)
		return
	}
	c.neighTimer(e)
}

// neighTimer is neigh_timer_handler.
func (c *Cache) neighTimer(e *entry) {
	now := c.env.Now()
	next := now.Add(time.Second) // HZ
	rt := c.reachableTime
	delay := c.cfg.DelayFirstProbeTime
	switch e.state {
	case StateReachable:
		switch {
		case now <= e.confirmed.Add(rt):
			// Confirmed since the timer was armed: still alive.
			next = e.confirmed.Add(rt)
		case now <= e.used.Add(delay):
			e.updated = now
			c.setState(e, StateDelay, ReasonTimeout)
			next = now.Add(delay)
		default:
			e.updated = now
			c.setState(e, StateStale, ReasonTimeout)
		}
	case StateDelay:
		if now <= e.confirmed.Add(delay) {
			// An upper-layer confirmation (Confirm) arrived while in
			// DELAY: reachable again without probing.
			e.updated = now
			c.setState(e, StateReachable, ReasonConfirmed)
			next = e.confirmed.Add(rt)
		} else {
			e.updated = now
			e.probes = 0
			c.setState(e, StateProbe, ReasonTimeout)
			next = now.Add(c.cfg.RetransTime)
		}
	case StateProbe, StateIncomplete:
		next = now.Add(c.cfg.RetransTime)
	default:
		return
	}
	if (e.state == StateIncomplete || e.state == StateProbe) && e.probes >= c.maxProbes(e) {
		c.fail(e)
		return
	}
	if e.state.inTimer() {
		next = max(next, now.Add(minRetrans)) // never closer than HZ/100
		c.arm(e.timer, next.Sub(now))
	}
	if e.state == StateIncomplete || e.state == StateProbe {
		c.probe(e)
	}
}

// fail moves e to FAILED and reports its queued packets unreachable
// (neigh_invalidate -> arp_error_report), in queue order, for as long as
// the entry stays FAILED (a report may re-enter the cache).
func (c *Cache) fail(e *entry) {
	e.timer.Stop()
	e.updated = c.env.Now()
	c.setState(e, StateFailed, ReasonProbeFailed)
	c.cnt.Failed++
	q := c.takeQueue(e)
	for _, p := range q {
		if e.state == StateFailed && c.entries[e.ip] == e {
			c.cnt.Unreachable++
			c.env.Unreachable(e.ip, p)
		} else {
			c.cnt.Discarded++
		}
		c.free = append(c.free, p[:0])
	}
}

// flushQueue sends the packets queued while INCOMPLETE now that e has a
// MAC (neigh_update_process_arp_queue): each goes through the output path
// again, for as long as the entry stays valid.
func (c *Cache) flushQueue(e *entry) {
	q := c.takeQueue(e)
	for _, p := range q {
		if e.state.valid() && c.entries[e.ip] == e {
			if c.cfg.Profile == ProfileFixed {
				c.transmit(e.mac, p)
			} else {
				c.resolveOutput(e, p)
			}
		} else {
			c.cnt.Discarded++
		}
		c.free = append(c.free, p[:0])
	}
}

// Confirm records an upper-layer confirmation that ip is reachable
// (dst_confirm -> neigh_confirm: only neigh->confirmed moves; the timer
// handler acts on it). ProfileFixed ignores it.
func (c *Cache) Confirm(ip netip.Addr) {
	if c.cfg.Profile != ProfileLinux {
		return
	}
	if e := c.entries[ip]; e != nil {
		e.confirmed = c.env.Now()
	}
}

// periodicWork is neigh_periodic_work, run every base_reachable_time/2
// while the cache has entries: re-draw reachable_time every 300 s, and,
// only when the cache holds at least gc_thresh1 (128) entries, remove
// entries that are FAILED or unused for gc_stale_time (never those whose
// timer runs). Below gc_thresh1 Linux keeps STALE entries indefinitely,
// and so does this cache.
func (c *Cache) periodicWork() {
	now := c.env.Now()
	if now > c.lastRand.Add(reRandomizeEvery) {
		c.lastRand = now
		c.reachableTime = c.randReachableTime()
	}
	if len(c.entries) >= GCThresh1 {
		for _, e := range c.sorted() {
			if e.state.inTimer() {
				continue
			}
			if e.used < e.confirmed && e.confirmed <= now {
				e.used = e.confirmed
			}
			fresh := e.used <= now && now < e.used.Add(c.cfg.GCStaleTime)
			if e.state == StateFailed || !fresh {
				c.remove(e, ReasonGC)
			}
		}
	}
	if len(c.entries) > 0 {
		c.arm(c.gcTimer, c.cfg.BaseReachableTime/2)
	}
}

// remove deletes e (its queue is discarded) and traces it.
func (c *Cache) remove(e *entry, reason string) {
	e.timer.Stop()
	c.cnt.Discarded += uint64(len(e.queue))
	c.recycleQueue(e)
	delete(c.entries, e.ip)
	if c.last == e {
		c.last = nil
	}
	c.cnt.GC++
	c.trace(e, e.state, StateNone, reason)
}
