package sim

import (
	"math"
	"math/bits"
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
	perBucket = 4
	// maxFan bounds the buckets of a rung, so that the tails of all
	// buckets being appended to stay in cache (as in a radix sort pass);
	// crowded buckets are split by the next rung instead.
	maxFan = 4096
	// minBucketCap is the smallest bucket array; bucket arrays have
	// power-of-two capacities from it up, and are recycled by class.
	minBucketCap = 4
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
//   - if no rung is in use, topStart is 0 and the bottom is empty;
//   - every top event is >= topStart, every rung and bottom event is
//     below it;
//   - every event of rung i+1 is < rungs[i].next; every bottom event is <
//     rungs[nr-1].next;
//   - bot[bh:] is sorted by (at, seq).
//
// So the events run: bottom, then finest rung bucket by bucket, then
// coarser rungs, then top (re-laddered when everything else is empty).
// Buckets are unordered: every entry carries its seq, and a bucket is
// sorted when it reaches the bottom.
type queue struct {
	n int // events in the queue

	top            []entry
	topStart       uint64
	topMin, topMax Time
	rungs          [maxRungs]rung
	nr             int // rungs in use: rungs[0:nr]
	bot            []entry
	bh             int     // bot[bh:] are the queued bottom events
	spare          []entry // the previous top's array, reused
	count          []int   // per-bucket counts while spawning a rung (all 0)
	// free holds empty bucket arrays by capacity class (minBucketCap<<c),
	// so buckets come and go without allocating in steady state.
	free [40][][]entry
}

func (q *queue) len() int { return q.n }

// push queues e. It allocates only when the queue grows past any size it
// had before, so in steady state it allocates nothing.
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
			b := r.b[j]
			if len(b) == cap(b) {
				b = q.grow(b)
			}
			r.b[j] = append(b, e)
			r.n++
			return
		}
	}
	q.pushBottom(e)
}

// class returns the free-list class of a bucket array of capacity c (a
// power of two >= minBucketCap).
func class(c int) int { return bits.Len(uint(c)) - bits.Len(minBucketCap) }

// take returns an empty bucket array with room for at least n events, from
// the free arrays when there is one.
func (q *queue) take(n int) []entry {
	c := minBucketCap
	if n > c {
		c = 1 << bits.Len(uint(n-1))
	}
	k := class(c)
	if f := q.free[k]; len(f) > 0 {
		q.free[k] = f[:len(f)-1]
		return f[len(f)-1]
	}
	return make([]entry, 0, c)
}

// grow returns b's events in an array of twice the capacity and frees b's
// array.
func (q *queue) grow(b []entry) []entry {
	nb := append(q.take(2*cap(b)), b...)
	q.release(b)
	return nb
}

// release returns b's array to the free arrays.
func (q *queue) release(b []entry) {
	if cap(b) == 0 {
		return
	}
	k := class(cap(b))
	q.free[k] = append(q.free[k], b[:0])
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
	if len(live) == 0 || !e.before(&live[len(live)-1]) {
		q.appendBottom(e) // runs after everything queued: no search
		q.checkBottom()
		return
	}
	// First position whose event runs after e (one exists: the last).
	lo, hi := 0, len(live)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if e.before(&live[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	switch {
	case lo == 0 && q.bh > 0:
		q.bh--
		q.bot[q.bh] = e
	default:
		q.appendBottom(entry{})
		p := q.bh + lo
		copy(q.bot[p+1:], q.bot[p:])
		q.bot[p] = e
	}
	q.checkBottom()
}

// appendBottom appends e to the bottom. A bottom that never runs empty (a
// chain of events at "now") would otherwise grow forever at its end while
// being consumed at its head, so a full array whose head half is consumed
// is compacted instead of grown.
func (q *queue) appendBottom(e entry) {
	if len(q.bot) == cap(q.bot) && q.bh >= len(q.bot)/2 {
		n := copy(q.bot, q.bot[q.bh:])
		clear(q.bot[n:]) // let the closures go
		q.bot, q.bh = q.bot[:n], 0
	}
	q.bot = append(q.bot, e)
}

// checkBottom spills a crowded bottom into a rung.
func (q *queue) checkBottom() {
	if live := q.bot[q.bh:]; len(live) > bottomMax && live[0].at != live[len(live)-1].at {
		q.spillBottom(live[0].at, live[len(live)-1].at)
	}
}

// spillBottom turns a crowded bottom, its events spanning [lo, hi], into a
// new finest rung, as the ladder queue does, so that insertion stays cheap.
// It reports whether it did. A bottom exists only below a rung (pushes into
// an empty ladder go to the top), so rungs[nr-1] is there.
func (q *queue) spillBottom(lo, hi Time) bool {
	live := q.bot[q.bh:]
	if q.nr == maxRungs || lo == hi {
		return false // one instant only, or no rung left: sorted it stays
	}
	q.spawn(live, lo, hi, q.rungs[q.nr-1].next)
	q.bot, q.bh = q.bot[:0], 0
	return true
}

// spawn makes rungs[nr] from events es spanning [lo, hi] that must cover
// times up to limit (exclusive). It returns the upper edge of the new rung.
func (q *queue) spawn(es []entry, lo, hi Time, limit uint64) uint64 {
	span := uint64(hi - lo)
	cover := limit - 1 - uint64(lo) // >= span
	if limit == math.MaxUint64 {
		cover = uint64(Forever - lo)
	}
	want := uint64(min(len(es)/perBucket+1, maxFan))
	// Smallest power-of-two width giving about want buckets over the
	// events, without making the whole rung more than 2*want buckets.
	var shift uint
	for shift < 63 && (span>>shift >= want || cover>>shift >= 2*want) {
		shift++
	}
	nb := int(cover>>shift) + 1
	r := &q.rungs[q.nr]
	q.nr++
	r.start, r.shift, r.cur, r.n = uint64(lo), shift, 0, len(es)
	r.next = r.start
	// Every bucket of a dropped rung was released (nil), so the header
	// array is reused as is.
	if cap(r.b) < nb {
		r.b = make([][]entry, nb)
	}
	r.b = r.b[:nb]
	// Count first, so that each bucket array is taken once at its final
	// size (a counting-sort pass) instead of growing by doubling.
	if cap(q.count) < nb {
		q.count = make([]int, nb)
	}
	count := q.count[:nb]
	for i := range es {
		count[(uint64(es[i].at)-r.start)>>shift]++
	}
	for j, c := range count {
		if c > 0 {
			r.b[j] = q.take(c)
			count[j] = 0
		}
	}
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
			// Re-ladder the top into rung 0; later pushes beyond it start a
			// new top in the spare array.
			es := q.top
			q.top, q.spare = q.spare[:0], es
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
		q.bot = append(q.bot, b...)
		clear(b) // let the closures go
		q.release(b)
		r.b[r.cur] = nil
		r.cur++
		r.next = edge(r.start, r.cur, r.shift)
		r.n -= len(q.bot)
		// A crowded bucket becomes a finer rung (if its events are not all
		// at one instant); otherwise it is sorted and popped from.
		if len(q.bot) > spawnAt && q.nr < maxRungs {
			lo, hi := q.bot[0].at, q.bot[0].at
			for _, e := range q.bot[1:] {
				lo, hi = min(lo, e.at), max(hi, e.at)
			}
			if q.spillBottom(lo, hi) {
				continue
			}
		}
		sortEntries(q.bot)
		return true
	}
}

// sortEntries sorts es by (at, seq): insertion sort for the handful of
// events a bucket usually holds, the library sort otherwise.
func sortEntries(es []entry) {
	if len(es) > spawnAt {
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
