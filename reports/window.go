package reports

import (
	"cmp"
	"math"

	"github.com/vrrpsim/vrrpsim/sim"
)

// A run whose world is cut into parts (sim.Group) has its records in one
// order: by time, then part, then the order within the part. pos is a
// record's place in it. When the group runs in lockstep the records come in
// that order; when it runs each part through a window in turn, those of a
// later part come before an earlier part's of a later time, and the
// collector holds the records whose reading depends on what came before
// them across parts (state changes, actions, neighbour and FDB changes,
// notes...) until the window ends, then reads them in order (Flush). The
// records that come per packet (frames, flows, drops) touch only their
// own segment's, node's or flow's tally, in their part's order, and are
// read as they come: nothing is copied per packet.

// pos is a record's place in the run.
type pos struct {
	at   sim.Time
	part uint32
	n    uint64 // the record's number as it came (Collector.seq)
}

// endOfRun is after every record.
var endOfRun = pos{at: math.MaxInt64, part: math.MaxUint32, n: math.MaxUint64}

func (p pos) compare(q pos) int {
	if c := cmp.Compare(p.at, q.at); c != 0 {
		return c
	}
	if c := cmp.Compare(p.part, q.part); c != 0 {
		return c
	}
	return cmp.Compare(p.n, q.n)
}

func (p pos) before(q pos) bool { return p.compare(q) < 0 }

// heldRecord is a record kept until its window ends.
type heldRecord struct {
	r         sim.Record
	cur, mark pos
}

// Part returns the tracer of part p's kernel (Trace is part 0's).
func (c *Collector) Part(p int) sim.Tracer {
	return func(r *sim.Record) { c.take(p, r) }
}

// HoldWindows makes the collector hold the records that need the run's
// order until Flush: the parts run in windows (sim.Group.Windows). Call it
// before the first record.
func (c *Collector) HoldWindows() { c.hold = true }

// perPacket says whether records of kind k are read as they come, with
// no place: those that come per packet and only add to their segment's,
// node's or flow's tally (frames, flows, drops), unless the collector
// keeps frame copies in order (Options.Frames). Every other record gets
// its place and, in windows, waits for the window's end. An advert's
// first (its instance's) changes what a crash reads; holding them all
// costs a copy each, which is less than finding out which is the first
// (a map lookup on two names).
func (c *Collector) perPacket(k sim.Kind) bool {
	return k == sim.KindFlow || k == sim.KindDrop || (k == sim.KindFrame && !c.opts.Frames)
}

// keep holds r, read at c.cur, for Flush.
func (c *Collector) keep(p int, r *sim.Record) {
	for p >= len(c.held) {
		c.held = append(c.held, nil)
	}
	h := heldRecord{r: *r, cur: c.cur, mark: c.mark}
	if r.Frame != nil {
		h.r.Frame = append([]byte(nil), r.Frame...)
	}
	c.held[p] = append(c.held[p], h)
}

// Flush reads the held records in the run's order: every part has run up
// to the same time, so nothing held comes after anything still to come.
// Report flushes too.
func (c *Collector) Flush() {
	next := make([]int, len(c.held))
	for {
		best := -1
		for p := range c.held {
			if next[p] < len(c.held[p]) && (best < 0 || c.held[p][next[p]].cur.before(c.held[best][next[best]].cur)) {
				best = p
			}
		}
		if best < 0 {
			break
		}
		h := &c.held[best][next[best]]
		next[best]++
		c.cur, c.mark = h.cur, h.mark
		c.read(&h.r)
	}
	for p := range c.held {
		clear(c.held[p])
		c.held[p] = c.held[p][:0]
	}
}
