package sim

import (
	"math"
	"slices"
)

// entry is one queued event. Timer expiries are plain entries too: their fn
// is the timer's bound expire method, which recognises stale entries by seq
// (see Timer), so the queue carries no cancel bookkeeping at all.
type entry struct {
	at  Time
	seq uint64
	fn  func()
}

// before reports whether a runs before b: (time, seq) order.
func (a *entry) before(b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// Ladder queue tuning. See the package comment for the design.
const (
	// maxRungs bounds how many times a crowded bucket is split into a finer
	// rung; past it (or when a bucket holds one timestamp only) the bucket
	// is simply sorted.
	maxRungs = 8
	// spawnAt is the bucket population above which a bucket is split into
	// a new rung instead of being sorted into the bottom.
	spawnAt = 48
	// bottomMax is the bottom population above which the bottom is turned
	// back into a rung, so that insertion into it stays cheap.
	bottomMax = 96
	// perBucket is the mean bucket population a new rung aims for.
	perBucket = 2
)

// rung is one level of the ladder: buckets of equal width 1<<shift starting
// at start. Buckets before cur have been handed down (to the bottom or to a
// finer rung); next is the lower edge of bucket cur, so every event in this
// rung lies in [next, end of rung).
type rung struct {
	start uint64
	shift uint
	next  uint64 // start + cur<<shift, saturated at math.MaxUint64
	cur   int
	n     int // events in the buckets
	b     [][]entry
}

// queue is a ladder queue (Tang, Goh and Thng, ACM TOMACS 2005) ordered by
// (at, seq): an unsorted top for the far future, up to maxRungs rungs of
// buckets, and a small sorted bottom from which events are popped.
//
// Invariants (times as uint64; at >= 0 always since at >= now >= 0):
//   - every top event is >= topStart, every rung and bottom event < topStart
//     (once a rung exists);
//   - every event of rung i+1 is < rungs[i].next; every bottom event is <
//     rungs[nr-1].next;
//   - bot[bh:] is sorted by (at, seq).
//
// So the events run: bottom, then finest rung bucket by bucket, then
// coarser rungs, then top (re-laddered when everything else is empty).
type queue struct {
	n int // events in the queue

	top               []entry
	topStart          uint64
	topMin, topMax    Time
	rungs             [maxRungs]rung
	nr                int // rungs in use: rungs[0:nr]
	bot               []entry
	bh                int // bot[bh:] are the queued bottom events
	scratch, scratch2 []entry
}

func (q *queue) len() int { return q.n }

// push queues e. It allocates only when a bucket outgrows every size it had
// before, so in steady state it allocates nothing.
func (q *queue) push(e entry) {
	q.n++
	u := uint64(e.at)
	if u >= q.topStart {
		if len(q.top) == 0 || e.at < q.topMin {
			q.topMin = e.at
		}
		if len(q.top) == 0 || e.at > q.topMax {
			q.topMax = e.at
		}
		q.top = append(q.top, e)
		return
	}
	for i := 0; i < q.nr; i++ {
		r := &q.rungs[i]
		if u >= r.next {
			j := (u - r.start) >> r.shift
			r.b[j] = append(r.b[j], e)
			r.n++
			return
		}
	}
	q.pushBottom(e)
}

// first returns the next event to run, or nil if the queue is empty. The
// pointer is valid until the next push or pop.
func (q *queue) first() *entry {
	if q.bh == len(q.bot) && !q.refill() {
		return nil
	}
	return &q.bot[q.bh]
}

// pop removes the event first returned.
func (q *queue) pop() {
	q.bh++
	q.n--
}

// pushBottom inserts e into the sorted bottom. Equal-time events scheduled
// later have larger seqs, so the common cases (an event at now, a burst at
// one instant) append at the end or prepend at the head without moving
// anything.
func (q *queue) pushBottom(e entry) {
	live := q.bot[q.bh:]
	// First position whose event runs after e.
	lo, hi := 0, len(live)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if e.before(&live[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	switch {
	case lo == len(live):
		q.bot = append(q.bot, e)
	case lo == 0 && q.bh > 0:
		q.bh--
		q.bot[q.bh] = e
	default:
		p := q.bh + lo
		q.bot = append(q.bot, entry{})
		copy(q.bot[p+1:], q.bot[p:])
		q.bot[p] = e
	}
	if len(q.bot)-q.bh > bottomMax {
		q.spillBottom()
	}
}

// spillBottom turns a crowded bottom into a new finest rung, as the ladder
// queue does, so that insertion stays O(1) instead of O(bottom). A bottom
// exists only below a rung (pushes into an empty ladder go to the top), so
// rungs[nr-1] is there.
func (q *queue) spillBottom() {
	live := q.bot[q.bh:]
	lo, hi := live[0].at, live[len(live)-1].at
	if q.nr == maxRungs || lo == hi {
		return // one instant only, or no rung left: sorted insertion it is
	}
	q.scratch = append(q.scratch[:0], live...)
	q.bot, q.bh = q.bot[:0], 0
	q.spawn(q.scratch, lo, hi, q.rungs[q.nr-1].next)
}

// spawn makes rungs[nr] from events es spanning [lo, hi] that must cover
// times up to limit (exclusive). It returns the upper edge of the new rung.
func (q *queue) spawn(es []entry, lo, hi Time, limit uint64) uint64 {
	span := uint64(hi - lo)
	cover := limit - 1 - uint64(lo) // >= span
	if limit == math.MaxUint64 {
		cover = uint64(Forever - lo)
	}
	want := uint64(len(es)/perBucket) + 1
	// Smallest power-of-two width giving about want buckets over the
	// events, without making the whole rung more than 4*want buckets.
	var shift uint
	for shift < 63 && (span>>shift >= want || cover>>shift >= 4*want) {
		shift++
	}
	nb := int(cover>>shift) + 1
	r := &q.rungs[q.nr]
	q.nr++
	r.start, r.shift, r.cur, r.n = uint64(lo), shift, 0, len(es)
	r.next = r.start
	if cap(r.b) < nb {
		r.b = append(r.b[:cap(r.b)], make([][]entry, nb-cap(r.b))...)
	}
	r.b = r.b[:nb]
	for i := range es {
		j := (uint64(es[i].at) - r.start) >> shift
		r.b[j] = append(r.b[j], es[i])
	}
	return edge(r.start, nb, shift)
}

// edge returns start + k<<shift, saturated at math.MaxUint64 (beyond any
// Time) so that it never wraps.
func edge(start uint64, k int, shift uint) uint64 {
	if uint64(k) > (math.MaxUint64-start)>>shift {
		return math.MaxUint64
	}
	return start + uint64(k)<<shift
}

// refill moves the next events into the (empty) bottom. It reports false if
// the queue is empty.
func (q *queue) refill() bool {
	q.bot, q.bh = q.bot[:0], 0
	for {
		if q.nr == 0 {
			if len(q.top) == 0 {
				q.topStart = 0 // empty: start afresh at the next push
				return false
			}
			// Re-ladder the top: swap it out so pushes during spawn (none)
			// and later ones land in a fresh top.
			es := q.top
			q.top = q.scratch2[:0]
			q.scratch2 = es
			q.topStart = q.spawn(es, q.topMin, q.topMax, uint64(q.topMax)+1)
			continue
		}
		r := &q.rungs[q.nr-1]
		if r.n == 0 {
			q.nr--
			continue
		}
		for len(r.b[r.cur]) == 0 {
			r.cur++
		}
		b := r.b[r.cur]
		r.b[r.cur] = b[:0]
		r.cur++
		r.next = edge(r.start, r.cur, r.shift)
		r.n -= len(b)
		if len(b) > spawnAt && q.nr < maxRungs && r.shift > 0 {
			lo, hi := b[0].at, b[0].at
			for i := range b[1:] {
				lo, hi = min(lo, b[i+1].at), max(hi, b[i+1].at)
			}
			if lo != hi {
				// Copy out: b's array stays with its bucket for reuse.
				q.scratch = append(q.scratch[:0], b...)
				q.spawn(q.scratch, lo, hi, r.next)
				continue
			}
		}
		q.bot = append(q.bot, b...)
		sortEntries(q.bot)
		return true
	}
}

// sortEntries sorts es by (at, seq): insertion sort for the handful of
// events a bucket usually holds, the library sort otherwise.
func sortEntries(es []entry) {
	if len(es) > 16 {
		slices.SortFunc(es, func(a, b entry) int {
			switch {
			case a.before(&b):
				return -1
			case b.before(&a):
				return 1
			}
			return 0
		})
		return
	}
	for i := 1; i < len(es); i++ {
		e := es[i]
		j := i
		for j > 0 && e.before(&es[j-1]) {
			es[j] = es[j-1]
			j--
		}
		es[j] = e
	}
}
