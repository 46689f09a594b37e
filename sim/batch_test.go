package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAtNRunsAsNEvents: a batch is exactly the n events that n calls of At
// back to back make: same order against events before and after it (and
// against events its own events schedule), same Fired, same Step by Step.
func TestAtNRunsAsNEvents(t *testing.T) {
	build := func(batched bool) (*Kernel, *[]string) {
		k := New(1)
		var log []string
		note := func(s string) func() {
			return func() { log = append(log, fmt.Sprintf("%v %s", k.Now(), s)) }
		}
		k.At(10, note("before"))
		deliver := func(i int) {
			log = append(log, fmt.Sprintf("%v d%d", k.Now(), i))
			if i == 1 {
				k.At(k.Now(), note("scheduled by d1"))
				k.After(time.Nanosecond, note("1ns after d1"))
			}
		}
		k.At(5, func() {
			if batched {
				k.AtN(10, 4, deliver)
			} else {
				for i := 0; i < 4; i++ {
					k.At(10, func() { deliver(i) })
				}
			}
		})
		k.At(10, note("after"))
		tm := k.NewTimer(note("timer"))
		tm.ResetAt(10)
		return k, &log
	}
	for _, mode := range []string{"run", "step"} {
		var got [2][]string
		var fired [2]uint64
		var steps [2]int
		for i, batched := range []bool{false, true} {
			k, log := build(batched)
			if mode == "run" {
				k.Run(Forever)
			} else {
				for k.Step(Forever) {
					steps[i]++
				}
			}
			got[i], fired[i] = *log, k.Fired()
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("%s: batched order %q, want %q", mode, got[1], got[0])
		}
		if fired[0] != fired[1] || steps[0] != steps[1] {
			t.Errorf("%s: batched fired %d steps %d, want %d %d", mode, fired[1], steps[1], fired[0], steps[0])
		}
		// before, after and the timer were queued before the batch was.
		if len(got[1]) < 4 || !strings.HasSuffix(got[1][3], " d0") || !strings.HasSuffix(got[1][7], "scheduled by d1") {
			t.Errorf("%s: order %q, want before, after, timer, d0..d3, then what d1 scheduled", mode, got[1])
		}
	}
}

// TestAtNStopAndPending: Stop inside a batch ends Run after that event;
// the rest runs first on the next Run; Pending counts the events left.
func TestAtNStopAndPending(t *testing.T) {
	k := New(1)
	var ran []int
	k.AtN(3, 5, func(i int) {
		ran = append(ran, i)
		if i == 1 {
			k.Stop()
		}
	})
	k.At(3, func() { ran = append(ran, 100) })
	k.Run(Forever)
	if !slices.Equal(ran, []int{0, 1}) || k.Pending() != 4 {
		t.Fatalf("after Stop: ran %v, pending %d; want [0 1], 4 (3 of the batch, 1 queued)", ran, k.Pending())
	}
	if k.AdvanceTo(10) {
		t.Error("AdvanceTo moved the clock past a batch in progress")
	}
	k.Run(Forever)
	if !slices.Equal(ran, []int{0, 1, 2, 3, 4, 100}) || k.Fired() != 6 {
		t.Errorf("ran %v fired %d, want [0 1 2 3 4 100] 6", ran, k.Fired())
	}
	k.AtN(1, 0, func(int) { t.Error("a batch of 0 ran") })
	k.Run(Forever)
}

// BenchmarkAtN: one queue entry for a 300-port flood against 300.
func BenchmarkAtN(b *testing.B) {
	for _, batched := range []bool{false, true} {
		b.Run(fmt.Sprintf("batched=%v", batched), func(b *testing.B) {
			k := New(1)
			n := 0
			fn := func(int) { n++ }
			one := func() { n++ }
			b.ReportAllocs()
			for b.Loop() {
				at := k.Now().Add(time.Microsecond)
				if batched {
					k.AtN(at, 300, fn)
				} else {
					for i := 0; i < 300; i++ {
						k.At(at, one)
					}
				}
				k.Run(at)
			}
		})
	}
}
