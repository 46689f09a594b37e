package sim

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// groupEvent is one event a part ran.
type groupEvent struct {
	at   Time
	part int
	what string
}

// partWorkload schedules on k a mix of plain events at equal and distinct
// times, batches (AtN) and timers reset later, earlier and stopped (stale
// queue entries), each logged with its part.
func partWorkload(k *Kernel, part int, seed uint64, log *[]groupEvent) {
	r := rand.New(rand.NewPCG(seed, 11))
	note := func(what string) { *log = append(*log, groupEvent{k.Now(), part, what}) }
	timers := make([]*Timer, 3)
	for i := range timers {
		i := i
		timers[i] = k.NewTimer(func() { note(fmt.Sprintf("timer%d", i)) })
	}
	var ev func(id int)
	ev = func(id int) {
		note(fmt.Sprintf("ev%d", id))
		if id > 200 {
			return
		}
		t := timers[r.IntN(len(timers))]
		switch r.IntN(3) {
		case 0:
			t.Reset(time.Duration(r.IntN(5)) * time.Millisecond)
		case 1:
			t.Reset(time.Duration(5+r.IntN(5)) * time.Millisecond)
		default:
			t.Stop()
		}
		if r.IntN(4) == 0 {
			k.AtN(k.Now().Add(time.Duration(r.IntN(3))*time.Millisecond), 3, func(i int) { note(fmt.Sprintf("batch%d.%d", id, i)) })
		}
		// Whole milliseconds: the parts' events often share an instant.
		k.After(time.Duration(r.IntN(4))*time.Millisecond, func() { ev(id + 1) })
	}
	k.At(0, func() { ev(0) })
}

// alone is what part p runs on a kernel of its own.
func alone(p int, until Time) []groupEvent {
	var log []groupEvent
	k := New(1)
	partWorkload(k, p, uint64(p+1), &log)
	k.Run(until)
	return log
}

func onlyPart(log []groupEvent, p int) []groupEvent {
	var out []groupEvent
	for _, e := range log {
		if e.part == p {
			out = append(out, e)
		}
	}
	return out
}

// TestGroupLockstepOrder: in lockstep a group runs every part's events as
// the part alone would, and interleaves them by time, then part.
func TestGroupLockstepOrder(t *testing.T) {
	const parts = 3
	until := Time(300 * time.Millisecond)
	g := NewGroup(1, parts)
	var log []groupEvent
	for p, k := range g.Kernels() {
		partWorkload(k, p, uint64(p+1), &log)
	}
	steps := 0
	for g.Step(until) {
		steps++
		if len(log) != steps || uint64(steps) != g.Fired() {
			t.Fatalf("step %d: %d events logged, Fired %d; want one event per step", steps, len(log), g.Fired())
		}
	}
	if !slices.IsSortedFunc(log, func(a, b groupEvent) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.part, b.part))
	}) {
		t.Errorf("lockstep events not in (time, part) order")
	}
	for p := range parts {
		if got, want := onlyPart(log, p), alone(p, until); !slices.Equal(got, want) {
			t.Errorf("part %d: %d events, want the %d it runs alone, in that order", p, len(got), len(want))
		}
	}
	if !g.AdvanceTo(until) || g.Now() != until {
		t.Errorf("AdvanceTo(%v): now %v", until, g.Now())
	}
}

// TestGroupWindows: in windows each part runs its events as it would
// alone, and at each flush every part has run exactly what lies at or
// before the window's end.
func TestGroupWindows(t *testing.T) {
	const parts = 3
	until := Time(300 * time.Millisecond)
	for _, w := range []time.Duration{time.Millisecond, 7 * time.Millisecond, time.Second} {
		g := NewGroup(1, parts)
		var log []groupEvent
		for p, k := range g.Kernels() {
			partWorkload(k, p, uint64(p+1), &log)
		}
		var full []groupEvent // every part alone, in (time, part) order
		for p := range parts {
			full = append(full, alone(p, until)...)
		}
		slices.SortStableFunc(full, func(a, b groupEvent) int { return cmp.Compare(a.at, b.at) })
		flushes := 0
		g.Windows(Time(w), func() {
			flushes++
			// What ran so far is the start of every part's run.
			seen := len(log)
			var end Time
			for _, e := range log {
				end = max(end, e.at)
			}
			var want int
			for _, e := range full {
				if e.at <= end {
					want++
				}
			}
			if seen != want {
				t.Errorf("window %v: flush %d after %d events, want every part through %v (%d)", w, flushes, seen, end, want)
			}
		})
		for g.Step(until) {
		}
		for p := range parts {
			if got, want := onlyPart(log, p), alone(p, until); !slices.Equal(got, want) {
				t.Errorf("window %v: part %d: %d events, want the %d it runs alone, in that order", w, p, len(got), len(want))
			}
		}
		if g.Fired() != uint64(len(full)) || flushes == 0 {
			t.Errorf("window %v: Fired %d, want %d; %d flushes", w, g.Fired(), len(full), flushes)
		}
		if w == time.Millisecond && flushes < 100 {
			t.Errorf("1 ms windows over 300 ms: %d flushes", flushes)
		}
	}
}

// TestGroupStepNAsStep: StepN over a group (lockstep and windows) runs
// what Step runs, n events a call.
func TestGroupStepNAsStep(t *testing.T) {
	until := Time(300 * time.Millisecond)
	run := func(window Time, n int) []groupEvent {
		g := NewGroup(1, 3)
		g.Windows(window, nil)
		var log []groupEvent
		for p, k := range g.Kernels() {
			partWorkload(k, p, uint64(p+1), &log)
		}
		for g.StepN(until, n) == n {
		}
		return log
	}
	for _, w := range []Time{0, Time(7 * time.Millisecond)} {
		want := run(w, 1)
		for _, n := range []int{5, 4096} {
			if got := run(w, n); !slices.Equal(got, want) {
				t.Errorf("window %v: StepN(%d) ran %d events, Step %d", w, n, len(got), len(want))
			}
		}
	}
}

// TestGroupWindowsSkipEmptySpans: a group with nothing to run for an hour
// does not call flush once per empty window, and stops when nothing is
// left even with no end (Forever).
func TestGroupWindowsSkipEmptySpans(t *testing.T) {
	g := NewGroup(1, 2)
	ran := 0
	g.Kernels()[1].At(Time(time.Hour), func() { ran++ })
	flushes := 0
	g.Windows(Time(time.Second), func() { flushes++ })
	for g.Step(Forever) {
	}
	if ran != 1 || flushes > 3 {
		t.Errorf("ran %d, %d flushes; want 1 and a few", ran, flushes)
	}
}

// TestGroupSharesSerial: the parts number what they create from one
// counter, so numbers stay unique in the run (Kernel.Serial).
func TestGroupSharesSerial(t *testing.T) {
	g := NewGroup(1, 3)
	var got []int64
	for _, k := range g.Kernels() {
		got = append(got, k.Serial(), k.Serial())
	}
	if want := []int64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("serials %v, want %v", got, want)
	}
	if g := NewGroup(1, 0); len(g.Kernels()) != 1 {
		t.Errorf("NewGroup(1, 0): %d kernels, want 1", len(g.Kernels()))
	}
}

// TestGroupLockstepSeesEventsQueuedBetweenSteps: lockstep remembers when
// each part's next event is, but an event queued from outside between two
// Steps (a caller driving the run, like the stepper) is taken in its place.
func TestGroupLockstepSeesEventsQueuedBetweenSteps(t *testing.T) {
	g := NewGroup(1, 2)
	var log []string
	k0, k1 := g.Kernels()[0], g.Kernels()[1]
	k0.At(10, func() { log = append(log, "p0@10") })
	k0.At(30, func() { log = append(log, "p0@30") })
	k1.At(40, func() { log = append(log, "p1@40") })
	if !g.Step(Forever) {
		t.Fatal("no first step")
	}
	k1.At(20, func() { log = append(log, "p1@20") })
	for g.Step(Forever) {
	}
	if got, want := fmt.Sprint(log), "[p0@10 p1@20 p0@30 p1@40]"; got != want {
		t.Errorf("lockstep ran %s, want %s", got, want)
	}
}
