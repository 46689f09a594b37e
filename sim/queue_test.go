package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// refQueue is the trivially correct reference: a slice kept sorted by
// (at, seq).
type refQueue struct{ es []entry }

func (r *refQueue) push(e entry) {
	i, _ := slices.BinarySearchFunc(r.es, e, func(a, b entry) int {
		switch {
		case a.before(&b):
			return -1
		case b.before(&a):
			return 1
		}
		return 0
	})
	r.es = slices.Insert(r.es, i, e)
}

func (r *refQueue) pop() (entry, bool) {
	if len(r.es) == 0 {
		return entry{}, false
	}
	e := r.es[0]
	r.es = r.es[1:]
	return e, true
}

// delayProfile draws a delay ≥ 0 for the randomized queue tests. The
// profiles stress the ladder in different ways: one instant for all
// (bottom insertion), tiny spreads (rung spawning down to width 1), wide
// spreads with far outliers (re-laddering the top).
type delayProfile func(r *rand.Rand) Time

var delayProfiles = map[string]delayProfile{
	"same-instant": func(r *rand.Rand) Time { return 0 },
	"few-instants": func(r *rand.Rand) Time { return Time(r.IntN(4)) },
	"mixed-scales": func(r *rand.Rand) Time {
		switch r.IntN(10) {
		case 0, 1, 2, 3:
			return Time(r.IntN(4))
		case 4, 5, 6:
			return Time(r.IntN(1000))
		case 7, 8:
			return Time(r.Int64N(int64(Millisecond)))
		default:
			return Time(r.Int64N(int64(100 * Second)))
		}
	},
	"exponential": func(r *rand.Rand) Time { return Time(r.ExpFloat64() * float64(Millisecond)) },
	"far-outliers": func(r *rand.Rand) Time {
		if r.IntN(50) == 0 {
			return Forever / 2
		}
		return Time(r.IntN(100))
	},
}

// TestQueueMatchesSortedSlice drives the ladder queue and the sorted-slice
// reference with the same random interleaving of pushes and pops,
// including entries re-queued under an old seq (as timers do), and checks
// every pop.
func TestQueueMatchesSortedSlice(t *testing.T) {
	for name, delay := range delayProfiles {
		for seed := uint64(1); seed <= 4; seed++ {
			r := rand.New(rand.NewPCG(seed, 7))
			var q queue
			var ref refQueue
			var now Time
			var seq uint64
			pushes := 0
			for step := 0; step < 20000; step++ {
				// Bias toward growth early, toward draining late.
				if r.IntN(100) < 55-step/1000 {
					seq++
					e := entry{at: later(now, delay(r)), seq: seq}
					if r.IntN(8) == 0 && seq > 10 {
						e.seq = seq - uint64(r.IntN(10)) - 1 // re-queued timer: old seq
						seq++
					}
					q.push(e)
					ref.push(e)
					pushes++
					continue
				}
				want, ok := ref.pop()
				got := q.first()
				if !ok {
					if got != nil {
						t.Fatalf("%s seed %d step %d: got (%v, %d), want empty queue", name, seed, step, got.at, got.seq)
					}
					continue
				}
				if got == nil {
					t.Fatalf("%s seed %d step %d: got empty queue, want (%v, %d)", name, seed, step, want.at, want.seq)
				}
				if got.at != want.at || got.seq != want.seq {
					t.Fatalf("%s seed %d step %d: got (%v, %d), want (%v, %d)", name, seed, step, got.at, got.seq, want.at, want.seq)
				}
				q.pop()
				now = want.at
				if q.len() != len(ref.es) {
					t.Fatalf("%s seed %d step %d: got len %d, want %d", name, seed, step, q.len(), len(ref.es))
				}
			}
		}
	}
}

// TestQueueExtremeTimes checks events near Forever, where bucket edges
// would overflow int64 if they were not saturated.
func TestQueueExtremeTimes(t *testing.T) {
	var q queue
	var ref refQueue
	r := rand.New(rand.NewPCG(3, 3))
	seq := uint64(0)
	for i := 0; i < 3000; i++ {
		seq++
		at := Forever - Time(r.IntN(1000))
		if r.IntN(3) == 0 {
			at = Time(r.Int64N(int64(Forever)))
		}
		q.push(entry{at: at, seq: seq})
		ref.push(entry{at: at, seq: seq})
	}
	var now Time
	for i := 0; ; i++ {
		want, ok := ref.pop()
		got := q.first()
		if !ok {
			if got != nil {
				t.Fatalf("pop %d: got (%v, %d), want empty", i, got.at, got.seq)
			}
			return
		}
		if got == nil || got.at != want.at || got.seq != want.seq {
			t.Fatalf("pop %d: got %v, want (%v, %d)", i, got, want.at, want.seq)
		}
		q.pop()
		now = want.at
		if i%3 == 0 { // push behind the front as well, up to Forever
			seq++
			at := now + Time(r.Int64N(int64(Forever-now)+1))
			q.push(entry{at: at, seq: seq})
			ref.push(entry{at: at, seq: seq})
		}
	}
}

// later returns now+d saturated at Forever.
func later(now, d Time) Time {
	if d > Forever-now {
		return Forever
	}
	return now + d
}

// TestZeroDelayChainKeepsBottomBounded: a chain of events at "now" keeps
// the bottom from ever running empty; its array must be reused, not grown
// at the end while consumed at the head.
func TestZeroDelayChainKeepsBottomBounded(t *testing.T) {
	k := New(1)
	n := 0
	var ev func()
	ev = func() {
		if n++; n < 1000000 {
			k.After(0, ev)
		}
	}
	for range 1000 {
		k.At(Second, ev)
	}
	k.Run(Forever)
	if got := cap(k.q.bot); got > 4096 {
		t.Errorf("got bottom capacity %d after 1M events with 1000 pending, want <= 4096", got)
	}
	if got := k.Fired(); got != 1000000+999 {
		t.Errorf("got %d events, want %d", got, 1000000+999)
	}
}
