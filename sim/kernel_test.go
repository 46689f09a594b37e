package sim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// scheduler is what the randomized kernel test drives: the real Kernel and
// a reference kernel built on a sorted slice, with eager timer removal.
type scheduler interface {
	now() Time
	at(t Time, id int)
	reset(timer int, t Time)
	stop(timer int) bool
	armed(timer int) bool
	deadline(timer int) Time
	run(until Time)
	pending() int
}

// refKernel is the trivially correct reference: pending events in a slice
// sorted by (at, seq); a timer reset removes its old event and inserts a
// new one under a fresh seq; Stop removes it.
type refKernel struct {
	t      Time
	seq    uint64
	evs    []refEvent
	timers []refTimer
	fire   func(id int)
}

type refEvent struct {
	at    Time
	seq   uint64
	id    int
	timer int // -1 for plain events
}

type refTimer struct {
	armed bool
	at    Time
	seq   uint64
}

// find returns where an event keyed (at, seq) is or would go.
func (r *refKernel) find(at Time, seq uint64) int {
	i, _ := slices.BinarySearchFunc(r.evs, refEvent{at: at, seq: seq}, func(a, b refEvent) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return i
}

func (r *refKernel) insert(e refEvent) { r.evs = slices.Insert(r.evs, r.find(e.at, e.seq), e) }

// remove takes timer's event, if armed, out of the queue.
func (r *refKernel) remove(timer int) {
	tm := r.timers[timer]
	if !tm.armed {
		return
	}
	i := r.find(tm.at, tm.seq)
	r.evs = slices.Delete(r.evs, i, i+1)
}

func (r *refKernel) now() Time { return r.t }

func (r *refKernel) at(t Time, id int) {
	r.seq++
	r.insert(refEvent{at: max(t, r.t), seq: r.seq, id: id, timer: -1})
}

func (r *refKernel) reset(timer int, t Time) {
	r.seq++
	r.remove(timer)
	t = max(t, r.t)
	r.timers[timer] = refTimer{armed: true, at: t, seq: r.seq}
	r.insert(refEvent{at: t, seq: r.seq, id: timerID(timer), timer: timer})
}

func (r *refKernel) stop(timer int) bool {
	was := r.timers[timer].armed
	r.remove(timer)
	r.timers[timer].armed = false
	return was
}

func (r *refKernel) armed(timer int) bool    { return r.timers[timer].armed }
func (r *refKernel) deadline(timer int) Time { return r.timers[timer].at }
func (r *refKernel) pending() int            { return len(r.evs) }

func (r *refKernel) run(until Time) {
	for len(r.evs) > 0 && r.evs[0].at <= until {
		e := r.evs[0]
		r.evs = r.evs[1:]
		r.t = e.at
		if e.timer >= 0 {
			r.timers[e.timer].armed = false
		}
		r.fire(e.id)
	}
	if until != Forever && r.t < until {
		r.t = until
	}
}

// realKernel adapts Kernel to scheduler.
type realKernel struct {
	k      *Kernel
	timers []*Timer
	fire   func(id int)
}

func newRealKernel(nTimers int, fire func(id int)) *realKernel {
	rk := &realKernel{k: New(1), fire: fire}
	for i := range nTimers {
		id := timerID(i)
		rk.timers = append(rk.timers, rk.k.NewTimer(func() { rk.fire(id) }))
	}
	return rk
}

func (rk *realKernel) now() Time               { return rk.k.Now() }
func (rk *realKernel) at(t Time, id int)       { rk.k.At(t, func() { rk.fire(id) }) }
func (rk *realKernel) reset(timer int, t Time) { rk.timers[timer].ResetAt(t) }
func (rk *realKernel) stop(timer int) bool     { return rk.timers[timer].Stop() }
func (rk *realKernel) armed(timer int) bool    { return rk.timers[timer].Armed() }
func (rk *realKernel) deadline(timer int) Time { return rk.timers[timer].Deadline() }
func (rk *realKernel) run(until Time)          { rk.k.Run(until) }
func (rk *realKernel) pending() int            { return -1 }

// timerID names timer i's expiries in the firing log (events are >= 0).
func timerID(i int) int { return -1 - i }

// logLine is one line of a firing log: ("fire", now, id), ("stop", timer,
// result), ("armed", timer, deadline), ("run", until, now), ("end", now, 0).
type logLine struct {
	what string
	a, b Time
}

func b2t(b bool) Time {
	if b {
		return 1
	}
	return 0
}

// script is one randomized workload: it runs s to the end and returns the
// firing log ("time id" per event, plus timer states it observed).
func script(s scheduler, setFire func(func(int)), seed uint64, nTimers int, delay delayProfile) []logLine {
	r := rand.New(rand.NewPCG(seed, 11))
	var log []logLine
	nextID := 0
	budget := 6000 // events still to be created, so the run ends
	op := func() {
		now := s.now()
		switch c := r.IntN(10); {
		case c < 4 && budget > 0:
			budget--
			s.at(later(now, delay(r)), nextID)
			nextID++
		case c == 4 && budget > 0: // in the past: clamped to now
			budget--
			s.at(now-Time(r.IntN(5)), nextID)
			nextID++
		case c < 8: // reset, earlier or later than the current deadline
			tm := r.IntN(nTimers)
			s.reset(tm, later(now, delay(r)))
		case c == 8:
			tm := r.IntN(nTimers)
			log = append(log, logLine{"stop", Time(tm), b2t(s.stop(tm))})
		default:
			tm := r.IntN(nTimers)
			if s.armed(tm) {
				log = append(log, logLine{"armed", Time(tm), s.deadline(tm)})
			}
		}
	}
	setFire(func(id int) {
		log = append(log, logLine{"fire", s.now(), Time(id)})
		// Events schedule more events, reset and stop timers.
		for n := r.IntN(4); n > 0; n-- {
			op()
		}
	})
	for range 1500 {
		op()
	}
	until := Time(0)
	for step := 0; step < 40; step++ {
		until = later(until, delay(r)+Time(r.IntN(3)))
		s.run(until)
		log = append(log, logLine{"run", until, s.now()})
		for range r.IntN(20) {
			op()
		}
	}
	s.run(Forever)
	log = append(log, logLine{"end", s.now(), 0})
	return log
}

// TestKernelMatchesReference runs the same random workload (At, At in the
// past, timer Reset earlier and later, Stop, events scheduled from inside
// events, many equal timestamps, Run(until) in steps) on the kernel and on
// the reference, and requires identical firing logs.
func TestKernelMatchesReference(t *testing.T) {
	const nTimers = 40
	for name, delay := range delayProfiles {
		for seed := uint64(1); seed <= 5; seed++ {
			ref := &refKernel{timers: make([]refTimer, nTimers)}
			want := script(ref, func(f func(int)) { ref.fire = f }, seed, nTimers, delay)
			rk := newRealKernel(nTimers, nil)
			got := script(rk, func(f func(int)) { rk.fire = f }, seed, nTimers, delay)
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("%s seed %d: log line %d: got %v, want %v", name, seed, i, got[i], want[i])
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s seed %d: got %d log lines, want %d", name, seed, len(got), len(want))
			}
			if n := rk.k.Pending(); n != 0 {
				t.Errorf("%s seed %d: got %d pending after Run(Forever), want 0", name, seed, n)
			}
		}
	}
}

// TestKernelFiredCountsOnlyRealExpiries checks that stale timer entries
// (superseded, stopped, re-queued) are not counted by Fired.
func TestKernelFiredCountsOnlyRealExpiries(t *testing.T) {
	k := New(1)
	tm := k.NewTimer(func() {})
	tm.Reset(3 * time.Second)
	tm.Reset(5 * time.Second) // later: the 3 s entry re-queues
	tm.Reset(time.Second)     // earlier: the 3 s entry goes stale
	k.At(2*Second, func() {})
	k.Run(Forever)
	if got := k.Fired(); got != 2 {
		t.Errorf("got Fired %d, want 2 (one timer expiry, one event)", got)
	}
	tm.Reset(time.Second)
	tm.Stop()
	k.Run(Forever)
	if got := k.Fired(); got != 2 {
		t.Errorf("after a stopped timer: got Fired %d, want 2", got)
	}
}

func TestRunUntilBoundary(t *testing.T) {
	k := New(1)
	var ran []Time
	rec := func() { ran = append(ran, k.Now()) }
	k.At(10*Second, rec)
	k.At(10*Second+1, rec)
	k.Run(10 * Second)
	if want := []Time{10 * Second}; !slices.Equal(ran, want) {
		t.Fatalf("Run(10s): got ran %v, want %v (event at until runs, after it does not)", ran, want)
	}
	if got := k.Now(); got != 10*Second {
		t.Fatalf("Run(10s): got now %v, want 10s", got)
	}
	k.Run(20 * Second)
	if got := k.Now(); got != 20*Second {
		t.Fatalf("Run(20s) past the last event: got now %v, want the clock left at until 20s", got)
	}
	if len(ran) != 2 || ran[1] != 10*Second+1 {
		t.Fatalf("Run(20s): got ran %v, want the 10s+1ns event too", ran)
	}
	// Run with until before now runs nothing and keeps the clock.
	k.After(0, rec)
	k.Run(5 * Second)
	if got := k.Now(); got != 20*Second || len(ran) != 2 {
		t.Fatalf("Run(5s) at 20s: got now %v and %d events, want 20s and 2", got, len(ran))
	}
	// Run(Forever) leaves the clock at the last event, not at Forever.
	k.At(30*Second, rec)
	k.Run(Forever)
	if got := k.Now(); got != 30*Second {
		t.Fatalf("Run(Forever): got now %v, want 30s", got)
	}
}

func TestRunStopLeavesClockAtStoppingEvent(t *testing.T) {
	k := New(1)
	n := 0
	k.At(Second, func() { n++; k.Stop() })
	k.At(Second, func() { n++ })
	k.Run(10 * Second)
	if n != 1 || k.Now() != Second {
		t.Fatalf("got %d events and now %v, want 1 and 1s", n, k.Now())
	}
	k.Run(10 * Second)
	if n != 2 || k.Now() != 10*Second {
		t.Fatalf("after a second Run: got %d events and now %v, want 2 and 10s", n, k.Now())
	}
}

func TestEqualTimesRunInSchedulingOrder(t *testing.T) {
	k := New(1)
	var got []int
	for i := range 1000 {
		k.At(Second, func() {
			got = append(got, i)
			if i%2 == 0 {
				// Scheduled from inside an event at the same instant: after
				// everything already queued for that instant.
				k.After(0, func() { got = append(got, 1000+i) })
			}
		})
	}
	k.Run(Forever)
	var want []int
	for i := range 1000 {
		want = append(want, i)
	}
	for i := 0; i < 1000; i += 2 {
		want = append(want, 1000+i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got order %v..., want %v...", got[:10], want[:10])
	}
}
