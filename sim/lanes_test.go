package sim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestLanesKeepTimeSeqOrder schedules events at a dozen fixed delays whose
// frequencies change halfway (so lanes are taken, handed over with their
// entries moved to the ladder, and taken again), from inside events and
// from outside, with timers reset earlier and later among them, and
// requires that they run in (time, seq) order: the order a sorted list of
// every entry gives.
func TestLanesKeepTimeSeqOrder(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		k := New(1)
		// The first six hold entries for long (their lanes stay full when
		// the other six become frequent), the others are short.
		delays := []Time{Second, 2 * Second, 3 * Second, 4 * Second, 5 * Second, 6 * Second, 0, 1, 7, 10 * Microsecond, 20 * Millisecond, 13}
		type key struct {
			at  Time
			seq uint64
		}
		var want, got []key
		pushes := 0
		pick := func() Time {
			pushes++
			base := 0
			if pushes > 6000 {
				base = 6 // the other half of the delays become the frequent ones
			}
			if r.IntN(10) < 9 {
				return delays[base+r.IntN(6)]
			}
			return delays[r.IntN(len(delays))]
		}
		var timers []*Timer
		var schedule func()
		schedule = func() {
			at := k.Now() + pick()
			k.At(at, func() {
				got = append(got, key{k.Now(), k.running})
				if pushes < 40000 {
					for n := 1 + r.IntN(2); n > 0; n-- {
						schedule()
					}
					if r.IntN(4) == 0 {
						timers[r.IntN(len(timers))].Reset(time.Duration(pick()))
					}
				}
			})
			want = append(want, key{max(at, k.Now()), k.seq})
		}
		for range 8 {
			tm := k.NewTimer(nil)
			tm.fn = func() { got = append(got, key{k.Now(), k.running}) }
			timers = append(timers, tm)
		}
		for range 200 {
			schedule()
		}
		k.Run(Forever)
		// Timer expiries are checked by order only: a timer's key is the
		// seq of its last Reset.
		if !slices.IsSortedFunc(got, func(a, b key) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) }) {
			t.Fatalf("seed %d: events ran out of (time, seq) order", seed)
		}
		slices.SortFunc(want, func(a, b key) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
		ran := 0
		for _, g := range got {
			if _, ok := slices.BinarySearchFunc(want, g, func(a, b key) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) }); ok {
				ran++
			}
		}
		if ran != len(want) {
			t.Fatalf("seed %d: %d of %d scheduled events ran", seed, ran, len(want))
		}
		if k.ls.evicted == 0 {
			t.Errorf("seed %d: no lane was handed over with entries; the test does not reach promote's eviction", seed)
		}
		if k.Pending() != 0 {
			t.Errorf("seed %d: %d entries left", seed, k.Pending())
		}
	}
}
