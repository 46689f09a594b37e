package node

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestClockVirtualAtIsFirstInstantLocalReachesDeadline: a timer armed for
// a local deadline fires at the first virtual instant whose local time has
// reached it, never earlier (the speaker would find its deadline not yet
// reached and re-arm) and never later.
func TestClockVirtualAtIsFirstInstantLocalReachesDeadline(t *testing.T) {
	for _, drift := range []float64{1, -1, 333.3, 1000, -1000, 10000, -10000, 1e5, 1e6, -900000} {
		c := newClock(sim.New(1), Config{Name: "r1", ClockDrift: drift})
		for _, l := range []sim.Time{0, 1, 2, 3, 999, 1001, sim.Second, 3414062 * sim.Microsecond, 3600 * sim.Second, 86400*sim.Second + 7} {
			v := c.virtualAt(l)
			if got := c.local(v); got < l {
				t.Errorf("drift %g ppm: local(virtualAt(%d)) = %d, want >= %d", drift, l, got, l)
			}
			if v > 0 {
				if got := c.local(v - 1); got >= l {
					t.Errorf("drift %g ppm: local(virtualAt(%d)-1) = %d, want < %d (not the first instant)", drift, l, got, l)
				}
			}
		}
	}
}

// TestClockPositiveSpanNeverFiresAtOnce: a positive local span always
// becomes a positive virtual span, whatever the drift and the current
// time (a span of 0 would let a speaker re-arm at one instant forever).
func TestClockPositiveSpanNeverFiresAtOnce(t *testing.T) {
	for _, drift := range []float64{1, 1000, 100000, 1e6, -1000} {
		k := sim.New(1)
		n := New(k, Config{Name: "r1", ClockDrift: drift})
		for _, now := range []sim.Time{0, 1, 7, sim.Second + 3, 1000 * sim.Second} {
			k.At(now, func() {
				for _, d := range []time.Duration{1, 2, 3, 999, time.Second} {
					if got := n.clock.deadline(d); got <= now {
						t.Errorf("drift %g ppm at %d: deadline(%v) = %d, want > %d", drift, now, d, got, now)
					}
				}
			})
		}
		k.Run(sim.Forever)
	}
}

// TestClockDeadlineFollowsDrift: a clock D ppm fast measures d in
// d/(1+D/1e6) of true time (rounded up to the nanosecond); jitter adds
// 0..TimerJitter in true time.
func TestClockDeadlineFollowsDrift(t *testing.T) {
	for _, tc := range []struct {
		drift float64
		d     time.Duration
		want  sim.Time
	}{
		{0, time.Second, sim.Second},
		{1000, 1001 * time.Millisecond, sim.Second},
		{-1000, 999 * time.Millisecond, sim.Second},
		{1e6, time.Second, 500 * sim.Millisecond},
		{1000, 3, 3}, // 2.997 ns rounds up
		{0, -time.Second, 0},
	} {
		n := New(sim.New(1), Config{Name: "r1", ClockDrift: tc.drift})
		if got := n.clock.deadline(tc.d); got != tc.want {
			t.Errorf("drift %g ppm: deadline(%v) = %d, want %d", tc.drift, tc.d, got, tc.want)
		}
	}
	n := New(sim.New(1), Config{Name: "r1", TimerJitter: 10 * time.Millisecond})
	for range 100 {
		if got := n.clock.deadline(time.Second); got < sim.Second || got > sim.Second+10*sim.Millisecond {
			t.Fatalf("jitter 10ms: deadline(1s) = %v, want within [1s, 1.01s]", got)
		}
	}
}

// TestClockNowIsLocalTime: the speakers' Env.Now() is virtual time
// scaled by 1+drift, so deadlines they compute are on the node's clock.
func TestClockNowIsLocalTime(t *testing.T) {
	k := sim.New(1)
	n := New(k, Config{Name: "r1", ClockDrift: 1000})
	env := &vrrpEnv{n: n}
	k.At(10*sim.Second, func() {
		if got, want := env.Now(), 10010*sim.Millisecond; got != want {
			t.Errorf("Now() at virtual 10 s = %v, want %v", got, want)
		}
	})
	k.Run(sim.Forever)
}

// A block places its nodes side by side in the order they are made, each
// as New would make it, and past its room makes them as New does.
func TestBlockPlacesNodesSideBySide(t *testing.T) {
	k := sim.New(1)
	b := NewBlock(3)
	var got []*Node
	for _, name := range []string{"a", "b", "c", "d"} {
		cfg := Config{Name: name, Kind: KindHost}
		n := b.New(k, cfg)
		if want := New(k, cfg); !reflect.DeepEqual(n, want) {
			t.Errorf("node %s from the block differs from New's", name)
		}
		got = append(got, n)
	}
	size := unsafe.Sizeof(Node{})
	for i := 1; i < 3; i++ {
		if d := uintptr(unsafe.Pointer(got[i])) - uintptr(unsafe.Pointer(got[i-1])); d != size {
			t.Errorf("node %d is %d bytes after node %d, want %d (side by side)", i, d, i-1, size)
		}
	}
	base := uintptr(unsafe.Pointer(got[0]))
	if p := uintptr(unsafe.Pointer(got[3])); p >= base && p < base+3*size {
		t.Error("a fourth node was placed in a block with room for three")
	}
	got[3].Crash() // a node past the block's room works as any other
	if got[3].Up() || !got[2].Up() {
		t.Error("crashing the fourth node changed the wrong node")
	}
}
