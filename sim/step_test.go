package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// stepWorkload schedules a mix of plain events and timers that are reset
// later, earlier and stopped (so the queue holds stale entries), logging
// every event that runs with its time.
func stepWorkload(k *Kernel, log *[]string) {
	r := rand.New(rand.NewPCG(7, 7))
	timers := make([]*Timer, 4)
	for i := range timers {
		i := i
		timers[i] = k.NewTimer(func() { *log = append(*log, fmt.Sprintf("%v timer%d", k.Now(), i)) })
	}
	var ev func(id int)
	ev = func(id int) {
		*log = append(*log, fmt.Sprintf("%v ev%d", k.Now(), id))
		if id > 300 {
			return
		}
		t := timers[r.IntN(len(timers))]
		switch r.IntN(3) {
		case 0:
			t.Reset(time.Duration(r.IntN(50)) * time.Millisecond)
		case 1:
			t.Reset(time.Duration(50+r.IntN(50)) * time.Millisecond)
		default:
			t.Stop()
		}
		k.After(time.Duration(r.IntN(20))*time.Millisecond, func() { ev(id + 1) })
	}
	k.At(0, func() { ev(0) })
}

// TestStepRunsTheEventsRunRuns: n Steps run exactly what Run runs, in the
// same order, stale timer entries skipped in both (Timer.onExpire).
func TestStepRunsTheEventsRunRuns(t *testing.T) {
	for _, until := range []Time{0, Time(100 * time.Millisecond), Time(2 * time.Second), Forever} {
		var want, got []string
		kr := New(1)
		stepWorkload(kr, &want)
		kr.Run(until)

		ks := New(1)
		stepWorkload(ks, &got)
		steps := 0
		for ks.Step(until) {
			steps++
			if uint64(steps) != ks.Fired() {
				t.Fatalf("until %v: after %d steps Fired() = %d", until, steps, ks.Fired())
			}
			if len(got) != steps {
				t.Fatalf("until %v: step %d ran %d events, want one", until, steps, len(got)-steps+1)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("until %v: Step ran %d events, Run %d; first difference at %d", until, len(got), len(want), firstDiff(got, want))
		}
		if ks.Fired() != kr.Fired() {
			t.Errorf("until %v: Fired() = %d by Step, %d by Run", until, ks.Fired(), kr.Fired())
		}
	}
}

// TestStepNRunsTheEventsRunRuns: StepN(until, n) runs n of the events
// Step would, in the same order, and fewer only when none is left.
func TestStepNRunsTheEventsRunRuns(t *testing.T) {
	for _, n := range []int{1, 7, 4096} {
		var want, got []string
		kr := New(1)
		stepWorkload(kr, &want)
		kr.Run(Forever)

		ks := New(1)
		stepWorkload(ks, &got)
		for {
			before := len(got)
			ran := ks.StepN(Forever, n)
			if ran != len(got)-before {
				t.Fatalf("n %d: StepN said %d, ran %d", n, ran, len(got)-before)
			}
			if ran < n {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("n %d: StepN ran %d events, Run %d; first difference at %d", n, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestStepLeavesTheClockWhenNothingRuns(t *testing.T) {
	k := New(1)
	k.At(Time(time.Second), func() {})
	if k.Step(Time(500 * time.Millisecond)) {
		t.Fatal("Step ran an event after until")
	}
	if k.Now() != 0 {
		t.Errorf("clock moved to %v, want 0", k.Now())
	}
	if !k.Step(Forever) || k.Now() != Time(time.Second) {
		t.Errorf("Step(Forever): now %v, want 1s", k.Now())
	}
	if k.Step(Forever) {
		t.Error("Step ran an event from an empty queue")
	}
}

// TestStepSkipsAStoppedTimer: a stopped timer's entry is not an event.
func TestStepSkipsAStoppedTimer(t *testing.T) {
	k := New(1)
	fired := false
	tm := k.NewTimer(func() { fired = true })
	tm.Reset(time.Second)
	tm.Stop()
	if k.Step(Forever) || fired {
		t.Fatalf("Step ran a stopped timer (fired %v)", fired)
	}
	if k.Now() != 0 || k.Fired() != 0 {
		t.Errorf("now %v fired %d, want 0 0", k.Now(), k.Fired())
	}
}

func TestAdvanceTo(t *testing.T) {
	k := New(1)
	k.At(Time(2*time.Second), func() {})
	for _, c := range []struct {
		to   Time
		want bool
		now  Time
	}{
		{Time(time.Second), true, Time(time.Second)},
		{Time(500 * time.Millisecond), false, Time(time.Second)}, // backwards
		{Time(3 * time.Second), false, Time(time.Second)},        // an event lies before
		{Time(2 * time.Second), false, Time(time.Second)},        // an event lies at
	} {
		if got := k.AdvanceTo(c.to); got != c.want || k.Now() != c.now {
			t.Errorf("AdvanceTo(%v) = %v, now %v; want %v, now %v", c.to, got, k.Now(), c.want, c.now)
		}
	}
}

// resetOnly is a Resettable that cannot tell its deadline.
type resetOnly struct{}

func (resetOnly) Reset(time.Duration) {}
func (resetOnly) Stop() bool          { return false }

func TestDeadline(t *testing.T) {
	k := New(1)
	tm := k.NewTimer(func() {})
	if _, ok := Deadline(tm); ok {
		t.Error("a stopped timer has a deadline")
	}
	tm.Reset(3 * time.Second)
	if at, ok := Deadline(tm); !ok || at != Time(3*time.Second) {
		t.Errorf("Deadline = %v, %v; want 3s, true", at, ok)
	}
	if _, ok := Deadline(resetOnly{}); ok {
		t.Error("a timer without Deadline reported one")
	}
}
