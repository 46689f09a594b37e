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
	ls      laneSet // lanes.go: FIFOs of constant-delay events
	seed    uint64
	streams map[string]*rand.Rand
	tracers []Tracer
	rec     Record // scratch record handed to tracers (see Trace)
	stopped bool
	fired   uint64
	running uint64 // seq of the event being run, for Timer.onExpire
	prev    Time   // clock before that event, for Timer.onExpire

	cont        *batch // a batch (AtN) with events left to run: they run next
	freeBatches []*batch

	serial  *int64 // Serial: the kernel's own, or its group's (group.go)
	counter int64
}

// Serial returns 1, 2, 3... on successive calls: numbers for what models
// create (a traffic flow's key in its trace records), the same in every
// run of one scenario.
func (k *Kernel) Serial() int64 {
	*k.serial++
	return *k.serial
}

// New returns a kernel at time zero whose random streams derive from seed.
func New(seed uint64) *Kernel {
	k := &Kernel{seed: seed, streams: make(map[string]*rand.Rand)}
	k.serial = &k.counter
	return k
}

// Now returns the current virtual time.
func (k *Kernel) Now() Time { return k.now }

// Seed returns the run seed.
func (k *Kernel) Seed() uint64 { return k.seed }

// Fired returns how many events (including timer expiries) have run.
func (k *Kernel) Fired() uint64 { return k.fired }

// Pending returns the number of entries in the queue (stale timer entries
// included).
func (k *Kernel) Pending() int {
	n := k.queued()
	if k.cont != nil {
		n += k.cont.n - k.cont.next
	}
	return n
}

// At schedules fn to run at virtual time at (clamped to now). Events at the
// same time run in the order they were scheduled.
func (k *Kernel) At(at Time, fn func()) {
	if at < k.now {
		at = k.now
	}
	k.seq++
	k.push(entry{at: at, seq: k.seq, fn: fn})
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
		if k.cont != nil {
			k.runCont() // the rest of a batch: before anything queued
			continue
		}
		e := k.first()
		if e == nil || e.at > until {
			break
		}
		at, seq, fn := e.at, e.seq, e.fn
		k.pop()
		k.prev, k.now, k.running = k.now, at, seq
		k.fired++
		fn()
	}
	if !k.stopped && until != Forever && k.now < until {
		k.now = until
	}
}

// Resettable is what a protocol speaker needs of a timer: *Timer satisfies
// it, and so does a node's timer on a drifting clock. The speakers' Env
// interfaces (vrrp.Timer, arp.Timer) are this type.
type Resettable interface {
	Reset(d time.Duration)
	Stop() bool
}

// Timer is a resettable one-shot timer, the shape of every protocol timer
// (Master_Down_Timer, Adver_Timer, ARP retransmit...). Reset and Stop are
// cheap and allocate nothing in steady state: a timer pushed later than its
// queued entry keeps that entry and is re-queued when it surfaces, so a
// backup's Master_Down_Timer, reset on every advertisement (RFC 3768
// section 6.4.2), costs one queue operation per expiry period, not per
// advertisement. Stop leaves the entry queued; it is dropped when it
// surfaces.
type Timer struct {
	k      *Kernel
	fn     func()
	expire func() // t.onExpire, bound once so queuing allocates nothing
	at     Time   // deadline while armed
	seq    uint64 // sequence assigned by the Reset that set the deadline
	armed  bool
	queued bool   // the entry keyed (qat, qseq) is in the queue
	qat    Time   // time of that entry
	qseq   uint64 // seq of that entry; other entries of this timer are stale
}

// NewTimer returns a stopped timer that calls fn when it expires.
func (k *Kernel) NewTimer(fn func()) *Timer {
	t := &Timer{k: k, fn: fn}
	t.expire = t.onExpire
	return t
}

// Reset arms the timer to expire d from now, replacing any earlier deadline.
func (t *Timer) Reset(d time.Duration) { t.ResetAt(t.k.now.Add(d)) }

// ResetAt arms the timer to expire at time at (clamped to now).
func (t *Timer) ResetAt(at Time) {
	k := t.k
	if at < k.now {
		at = k.now
	}
	k.seq++
	t.at, t.seq, t.armed = at, k.seq, true
	if t.queued && t.qat <= at {
		return // the queued entry surfaces first and re-queues at t.at
	}
	t.queued, t.qat, t.qseq = true, at, t.seq
	k.push(entry{at: at, seq: t.seq, fn: t.expire})
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

// notRun undoes what Run did for a timer entry that turns out not to be an
// expiry: it is not counted, and the clock does not move to it (so
// Run(Forever) ends at the last real event, not at a stopped timer's old
// deadline).
func (k *Kernel) notRun() {
	k.fired--
	k.now = k.prev
}

// onExpire runs when one of the timer's queue entries surfaces. Run has
// counted it as fired and moved the clock to it; entries that turn out not
// to be an expiry call notRun.
func (t *Timer) onExpire() {
	k := t.k
	if !t.queued || k.running != t.qseq {
		k.notRun() // superseded by an earlier deadline
		return
	}
	t.queued = false
	if !t.armed {
		k.notRun() // stopped
		return
	}
	if t.at != k.now || t.seq != t.qseq {
		// Deadline moved later: queue again under the key it would have
		// had, so (time, seq) order is exactly as if it had been re-queued
		// at the last Reset.
		k.notRun()
		t.queued, t.qat, t.qseq = true, t.at, t.seq
		k.push(entry{at: t.at, seq: t.seq, fn: t.expire})
		return
	}
	t.armed = false
	t.fn()
}
