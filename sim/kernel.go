package sim

import (
	"math/rand/v2"
	"time"
)

// Kernel owns the virtual clock, the event queue, the random streams and the
// tracers of one run. It is not safe for concurrent use: one run, one
// goroutine. Many kernels may run side by side (sweeps).
type Kernel struct {
	now     Time
	seq     uint64
	q       queue
	seed    uint64
	streams map[string]*rand.Rand
	tracers []Tracer
	stopped bool
	fired   uint64
}

// New returns a kernel at time zero whose random streams derive from seed.
func New(seed uint64) *Kernel {
	return &Kernel{seed: seed, streams: make(map[string]*rand.Rand)}
}

// Now returns the current virtual time.
func (k *Kernel) Now() Time { return k.now }

// Seed returns the run seed.
func (k *Kernel) Seed() uint64 { return k.seed }

// Fired returns how many events (including timer expiries) have run.
func (k *Kernel) Fired() uint64 { return k.fired }

// Pending returns the number of entries in the queue (stale timer entries
// included).
func (k *Kernel) Pending() int { return k.q.len() }

func (k *Kernel) nextSeq() uint64 { k.seq++; return k.seq }

// At schedules fn to run at virtual time at (clamped to now). Events at the
// same time run in the order they were scheduled.
func (k *Kernel) At(at Time, fn func()) {
	if at < k.now {
		at = k.now
	}
	k.q.push(entry{at: at, seq: k.nextSeq(), fn: fn})
}

// After schedules fn to run d from now.
func (k *Kernel) After(d time.Duration, fn func()) { k.At(k.now.Add(d), fn) }

// Stop makes Run return after the event that is running now.
func (k *Kernel) Stop() { k.stopped = true }

// Run executes events in (time, sequence) order until the queue is empty,
// Stop is called, or the next event lies after until. The clock is left at
// until if the run reached it (so a later Run continues from there).
func (k *Kernel) Run(until Time) {
	k.stopped = false
	for !k.stopped {
		e, ok := k.q.peek()
		if !ok || e.at > until {
			break
		}
		k.q.pop()
		k.now = e.at
		if e.tm != nil {
			k.fireTimer(e)
			continue
		}
		k.fired++
		e.fn()
	}
	if !k.stopped && until != Forever && k.now < until {
		k.now = until
	}
}

// Timer is a resettable one-shot timer, the shape of every protocol timer
// (Master_Down_Timer, Adver_Timer, ARP retransmit...). Reset and Stop are
// cheap and allocate nothing in steady state: a timer pushed later than its
// queued entry keeps that entry and is re-queued when it surfaces.
type Timer struct {
	k      *Kernel
	fn     func()
	at     Time   // deadline while armed
	seq    uint64 // sequence assigned by the Reset that set the deadline
	armed  bool
	queued bool   // an entry with gen == t.gen is in the queue
	qat    Time   // time of that entry
	gen    uint32 // generation of the live queue entry
}

// NewTimer returns a stopped timer that calls fn when it expires.
func (k *Kernel) NewTimer(fn func()) *Timer { return &Timer{k: k, fn: fn} }

// Reset arms the timer to expire d from now, replacing any earlier deadline.
func (t *Timer) Reset(d time.Duration) { t.ResetAt(t.k.now.Add(d)) }

// ResetAt arms the timer to expire at time at (clamped to now).
func (t *Timer) ResetAt(at Time) {
	k := t.k
	if at < k.now {
		at = k.now
	}
	t.at, t.seq, t.armed = at, k.nextSeq(), true
	if t.queued && t.qat <= at {
		return // the queued entry surfaces first and re-queues at t.at
	}
	t.gen++
	t.queued, t.qat = true, at
	k.q.push(entry{at: at, seq: t.seq, tm: t, gen: t.gen})
}

// Stop disarms the timer. It reports whether the timer was armed.
func (t *Timer) Stop() bool {
	was := t.armed
	t.armed = false
	return was
}

// Armed reports whether the timer will expire.
func (t *Timer) Armed() bool { return t.armed }

// Deadline returns when an armed timer expires.
func (t *Timer) Deadline() Time { return t.at }

// Remaining returns the span until an armed timer expires (0 if stopped).
func (t *Timer) Remaining() time.Duration {
	if !t.armed {
		return 0
	}
	return t.at.Sub(t.k.now)
}

func (k *Kernel) fireTimer(e entry) {
	t := e.tm
	if e.gen != t.gen {
		return // superseded by an earlier deadline
	}
	t.queued = false
	if !t.armed {
		return
	}
	if t.at > e.at || (t.at == e.at && t.seq != e.seq) {
		// Deadline moved later: queue again under the key it would have
		// had, so (time, seq) order is exactly as if it had been re-queued.
		t.queued, t.qat = true, t.at
		k.q.push(entry{at: t.at, seq: t.seq, tm: t, gen: t.gen})
		return
	}
	t.armed = false
	k.fired++
	t.fn()
}
