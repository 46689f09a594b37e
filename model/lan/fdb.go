package lan

import (
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// FDB trace reasons (sim.KindFDB records).
const (
	ReasonLearn = "learn" // a new MAC was learned on a port
	ReasonMove  = "move"  // a known MAC was seen on another port (e.g. after a VRRP failover GARP)
	ReasonAged  = "aged"  // the entry was not refreshed for FDBAging
	ReasonFlush = "flush" // the entry's port went link down
	// ReasonMerge: a partition ended or changed and the entries two groups
	// held for one MAC became one; From is the dropped entry's port, To
	// the surviving (most recently refreshed) one. Emitted only when the
	// ports differ, so the last record of a MAC always names the port the
	// segment forwards it to.
	ReasonMerge = "merge"
)

// fdbKey is one MAC in one partition island. While the segment is
// partitioned each group behaves as its own switch with its own FDB, so the
// virtual MAC of two masters in a split brain is learned once per group
// instead of flapping between them.
type fdbKey struct {
	mac    wire.MAC
	island int
}

// id packs the key into one integer for the map: the 48-bit MAC in the
// low bits and the island above it. Hashing a uint64 is several times
// cheaper than hashing the struct, and the FDB is looked up twice per
// frame. Islands are partition groups of ports, far fewer than 1<<16.
func (k fdbKey) id() uint64 {
	m := k.mac
	return uint64(k.island)<<48 | uint64(m[0])<<40 | uint64(m[1])<<32 |
		uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
}

// fdbEntry is one learned MAC. Entries sit in a list ordered by the time
// they were last refreshed (oldest first): the head is always the next to
// expire, so aging needs neither a map walk nor one timer per entry.
type fdbEntry struct {
	key        fdbKey
	port       *Port
	updated    sim.Time
	prev, next *fdbEntry
}

// fdb is the forwarding database.
//
// Aging is exact and deterministic: one kernel timer is armed at the
// expiry of the oldest entry (updated + FDBAging). When it fires, every
// entry whose expiry is at or before now is removed, oldest first (and in
// refresh order at equal times), each with a KindFDB "aged" record, and the
// timer is re-armed for the new oldest entry. An entry refreshed exactly at
// its expiry instant survives if the refresh runs first. This is what the
// Linux bridge's br_fdb_cleanup does too: an entry goes once now >=
// updated + ageing_time, and the work reschedules itself for the earliest
// expiry rather than sweeping at a fixed period (Linux keeps runs at least
// 10 ms apart, so entries expiring within 10 ms of each other go together;
// not modelled). Linux's ageing_time 0 turns learning off; here a
// negative FDBAging means entries never age.
type fdb struct {
	s          *Segment
	m          map[uint64]*fdbEntry // by fdbKey.id
	head, tail *fdbEntry
	timer      *sim.Timer
	free       []*fdbEntry
	// gen changes whenever an entry leaves the table or the keys change
	// (remove, rekey), so a Port's memo of its last entry (Port.learned)
	// is trusted only while nothing was removed since.
	gen uint64
}

func (f *fdb) init(s *Segment) {
	f.s = s
	f.m = make(map[uint64]*fdbEntry)
	f.timer = s.k.NewTimer(f.expire)
}

func (f *fdb) lookup(mac wire.MAC, island int) *fdbEntry {
	return f.m[fdbKey{mac, island}.id()]
}

// lookupAny returns the most recently refreshed entry for mac in any
// island (islands visited in order, so ties go to the lowest island).
func (f *fdb) lookupAny(mac wire.MAC) *fdbEntry {
	var best *fdbEntry
	for i := 0; i < f.s.islands; i++ {
		if e := f.m[fdbKey{mac, i}.id()]; e != nil && (best == nil || e.updated > best.updated) {
			best = e
		}
	}
	return best
}

// learn records that mac was the source of a frame received on port p.
func (f *fdb) learn(mac wire.MAC, p *Port) {
	s := f.s
	now := s.k.Now()
	key := fdbKey{mac, p.island}
	// A port's frames nearly always come from the MAC of its last one (a
	// host's own, a master's virtual MAC): the memo saves the hash lookup.
	e := p.learned
	if e == nil || p.learnedGen != f.gen || e.key != key {
		e = f.m[key.id()]
	}
	switch {
	case e == nil:
		e = f.newEntry()
		e.key, e.port, e.updated = key, p, now
		f.m[key.id()] = e
		f.pushBack(e)
		s.cnt.Learned++
		f.trace(mac, "", p.name, ReasonLearn)
	case e.port != p:
		old := e.port
		e.port, e.updated = p, now
		f.moveBack(e)
		s.cnt.Moved++
		f.trace(mac, old.name, p.name, ReasonMove)
	default:
		e.updated = now
		f.moveBack(e)
	}
	p.learned, p.learnedGen = e, f.gen
	if s.cfg.FDBAging > 0 && !f.timer.Armed() {
		f.timer.ResetAt(f.head.updated.Add(s.cfg.FDBAging))
	}
}

// expire removes the entries whose age reached FDBAging.
func (f *fdb) expire() {
	s := f.s
	now := s.k.Now()
	for f.head != nil && f.head.updated.Add(s.cfg.FDBAging) <= now {
		e := f.head
		f.remove(e)
		s.cnt.Aged++
		f.trace(e.key.mac, e.port.name, "", ReasonAged)
		f.recycle(e)
	}
	if f.head != nil {
		f.timer.ResetAt(f.head.updated.Add(s.cfg.FDBAging))
	}
}

// flushPort removes every entry learned on p, oldest first.
func (f *fdb) flushPort(p *Port) {
	for e := f.head; e != nil; {
		next := e.next
		if e.port == p {
			f.remove(e)
			f.s.cnt.Flushed++
			f.trace(e.key.mac, p.name, "", ReasonFlush)
			f.recycle(e)
		}
		e = next
	}
}

// rekey moves every entry to the island of its port, after the islands
// changed (Partition or Heal). Walking the list oldest first, a later
// entry for the same MAC in the same island replaces an older one, so the
// most recently refreshed entry wins. The port of a surviving entry does
// not change; a dropped entry on another port gets a "merge" record.
func (f *fdb) rekey() {
	f.gen++
	clear(f.m)
	for e := f.head; e != nil; {
		next := e.next
		e.key.island = e.port.island
		if old := f.m[e.key.id()]; old != nil {
			if old.port != e.port {
				f.trace(e.key.mac, old.port.name, e.port.name, ReasonMerge)
			}
			f.remove(old)
			f.recycle(old)
		}
		f.m[e.key.id()] = e
		e = next
	}
}

func (f *fdb) trace(mac wire.MAC, from, to, reason string) {
	if f.s.k.Tracing() {
		f.s.k.Trace(sim.Record{Kind: sim.KindFDB, Node: f.s.name, MAC: mac, From: from, To: to, Reason: reason})
	}
}

func (f *fdb) newEntry() *fdbEntry {
	if n := len(f.free); n > 0 {
		e := f.free[n-1]
		f.free = f.free[:n-1]
		return e
	}
	return &fdbEntry{}
}

// remove unlinks e from the list and the map.
func (f *fdb) remove(e *fdbEntry) {
	f.gen++
	if f.m[e.key.id()] == e {
		delete(f.m, e.key.id())
	}
	f.unlink(e)
}

func (f *fdb) recycle(e *fdbEntry) {
	*e = fdbEntry{}
	f.free = append(f.free, e)
}

func (f *fdb) unlink(e *fdbEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		f.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		f.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (f *fdb) pushBack(e *fdbEntry) {
	e.prev, e.next = f.tail, nil
	if f.tail != nil {
		f.tail.next = e
	} else {
		f.head = e
	}
	f.tail = e
}

func (f *fdb) moveBack(e *fdbEntry) {
	if f.tail == e {
		return
	}
	f.unlink(e)
	f.pushBack(e)
}
