package sim

import (
	"slices"
	"testing"
	"time"
)

// TestTimerSemantics is a table of timer scripts: each step runs at a
// virtual time and acts on timer "a" (and sometimes an event "x"); the
// test checks when things fire and in which order.
func TestTimerSemantics(t *testing.T) {
	type step struct {
		at Time
		do func(k *Kernel, a *Timer, log *[]string)
	}
	reset := func(d time.Duration) func(*Kernel, *Timer, *[]string) {
		return func(_ *Kernel, a *Timer, _ *[]string) { a.Reset(d) }
	}
	stop := func(want bool) func(*Kernel, *Timer, *[]string) {
		return func(k *Kernel, a *Timer, log *[]string) {
			if got := a.Stop(); got != want {
				*log = append(*log, "Stop returned wrong value")
			}
		}
	}
	event := func(at Time) func(*Kernel, *Timer, *[]string) {
		return func(k *Kernel, _ *Timer, log *[]string) {
			k.At(at, func() { *log = append(*log, "x@"+k.Now().String()) })
		}
	}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"fires at deadline", []step{{0, reset(3 * time.Second)}}, []string{"a@3.000000"}},
		{"reset later moves the expiry later", []step{
			{0, reset(3 * time.Second)}, {2 * Second, reset(3 * time.Second)},
		}, []string{"a@5.000000"}},
		{"reset earlier fires once at the earlier time", []step{
			{0, reset(3 * time.Second)}, {Second, reset(time.Second)},
		}, []string{"a@2.000000"}},
		{"reset earlier then later again", []step{
			{0, reset(5 * time.Second)}, {Second, reset(time.Second)}, {1500 * Millisecond, reset(10 * time.Second)},
		}, []string{"a@11.500000"}},
		{"stop before expiry", []step{
			{0, reset(3 * time.Second)}, {Second, stop(true)}, {2 * Second, stop(false)},
		}, nil},
		{"stop then reset fires at the new deadline", []step{
			{0, reset(3 * time.Second)}, {Second, stop(true)}, {2 * Second, reset(2 * time.Second)},
		}, []string{"a@4.000000"}},
		{"stop then reset earlier than the stale entry", []step{
			{0, reset(3 * time.Second)}, {Second, stop(true)}, {Second, reset(500 * time.Millisecond)},
		}, []string{"a@1.500000"}},
		{"negative duration clamps to now", []step{{Second, reset(-time.Second)}}, []string{"a@1.000000"}},
		{"equal time: timer reset before the event runs first", []step{
			{0, reset(2 * time.Second)}, {0, event(2 * Second)},
		}, []string{"a@2.000000", "x@2.000000"}},
		{"equal time: a later reset to the same deadline runs after the event", []step{
			// The timer's place among equal-time events is the seq of its
			// last Reset, as if it had been queued again then.
			{0, reset(2 * time.Second)}, {0, event(2 * Second)}, {Second, reset(time.Second)},
		}, []string{"x@2.000000", "a@2.000000"}},
		{"equal time: reset later onto an event's instant", []step{
			{0, reset(time.Second)}, {0, event(2 * Second)}, {500 * Millisecond, reset(1500 * time.Millisecond)},
		}, []string{"x@2.000000", "a@2.000000"}},
		{"reset at the expiry instant from an earlier event", []step{
			{0, reset(time.Second)}, {Second, reset(time.Second)},
		}, []string{"a@2.000000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := New(1)
			var log []string
			a := k.NewTimer(func() { log = append(log, "a@"+k.Now().String()) })
			for _, s := range tt.steps {
				k.At(s.at, func() { s.do(k, a, &log) })
			}
			k.Run(Forever)
			if !slices.Equal(log, tt.want) {
				t.Errorf("got %q, want %q", log, tt.want)
			}
			if a.Armed() {
				t.Errorf("got armed after the run, want stopped")
			}
		})
	}
}

func TestTimerArmedDeadlineRemaining(t *testing.T) {
	k := New(1)
	a := k.NewTimer(func() {})
	if a.Armed() || a.Remaining() != 0 {
		t.Fatalf("new timer: got armed %v remaining %v, want false 0", a.Armed(), a.Remaining())
	}
	k.Run(Second)
	a.Reset(3 * time.Second)
	if !a.Armed() || a.Deadline() != 4*Second || a.Remaining() != 3*time.Second {
		t.Fatalf("after Reset(3s) at 1s: got armed %v deadline %v remaining %v, want true 4s 3s", a.Armed(), a.Deadline(), a.Remaining())
	}
	k.Run(2 * Second)
	if got := a.Remaining(); got != 2*time.Second {
		t.Fatalf("at 2s: got remaining %v, want 2s", got)
	}
	a.ResetAt(10 * Second)
	if a.Deadline() != 10*Second {
		t.Fatalf("ResetAt(10s): got deadline %v, want 10s", a.Deadline())
	}
	a.Stop()
	if a.Armed() || a.Remaining() != 0 {
		t.Fatalf("stopped: got armed %v remaining %v, want false 0", a.Armed(), a.Remaining())
	}
	k.Run(Forever)
	if k.Now() != 2*Second {
		t.Fatalf("Run(Forever) with only a stopped timer: got now %v, want 2s (stale entries do not move the clock)", k.Now())
	}
}

// TestTimerResetInsideCallbackIsPeriodic is the Adver_Timer pattern (RFC
// 3768 section 6.4.3): the expiry handler re-arms its own timer.
func TestTimerResetInsideCallbackIsPeriodic(t *testing.T) {
	k := New(1)
	var at []Time
	var a *Timer
	a = k.NewTimer(func() {
		at = append(at, k.Now())
		if len(at) < 4 {
			a.Reset(time.Second)
		}
	})
	a.Reset(time.Second)
	k.Run(Forever)
	if want := []Time{Second, 2 * Second, 3 * Second, 4 * Second}; !slices.Equal(at, want) {
		t.Fatalf("got expiries %v, want %v", at, want)
	}
}

// TestSteadyStateAllocatesNothing: protocol timers are reset on every
// received advertisement and events are scheduled for every frame, so
// neither may allocate once the queue has grown to its working size.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	k := New(1)
	nop := func() {}
	timers := make([]*Timer, 100)
	for i := range timers {
		timers[i] = k.NewTimer(nop)
		timers[i].Reset(time.Duration(i+1) * time.Millisecond)
	}
	for i := range 1000 {
		k.After(time.Duration(i)*time.Microsecond, nop)
	}
	round := func() {
		for i, tm := range timers {
			switch i % 4 {
			case 0:
				tm.Reset(3609375 * time.Microsecond) // later: no queue work
			case 1:
				tm.Reset(time.Duration(i) * time.Microsecond) // earlier: a push
			case 2:
				tm.Stop()
			default:
				tm.Reset(time.Second)
			}
		}
		for i := range 100 {
			k.After(time.Duration(i)*time.Microsecond, nop)
		}
		k.Run(k.Now().Add(50 * time.Microsecond))
	}
	for range 2000 { // grow every bucket to its working size
		round()
	}
	tests := []struct {
		name string
		f    func()
	}{
		{"Timer.Reset later", func() { timers[0].Reset(5 * time.Second) }},
		{"Timer.Stop", func() { timers[1].Stop() }},
		{"At", func() { k.At(k.Now().Add(time.Millisecond), nop) }},
		{"round of Reset, Stop, At and Run", round},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(1000, tt.f); got != 0 {
			t.Errorf("%s: got %v allocs per run, want 0", tt.name, got)
		}
	}
}
