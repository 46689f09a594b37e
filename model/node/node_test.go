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

// A block places its nodes side by side in the order they are made, those
// of a kind together, each as New would make it, and past a kind's room
// makes them as New does.
func TestBlockPlacesNodesSideBySide(t *testing.T) {
	k := sim.New(1)
	b := NewBlock([]Kind{KindHost, KindRouter, KindHost, KindRouter, KindHost})
	made := map[string]*Node{}
	for _, c := range []Config{
		{Name: "r1", Kind: KindRouter}, {Name: "h1", Kind: KindHost}, {Name: "r2", Kind: KindRouter},
		{Name: "h2", Kind: KindHost}, {Name: "h3", Kind: KindHost}, {Name: "h4", Kind: KindHost}, {Name: "s1", Kind: KindServer},
	} {
		n := b.New(k, c)
		if want := New(k, c); !reflect.DeepEqual(n, want) {
			t.Errorf("node %s from the block differs from New's", c.Name)
		}
		made[c.Name] = n
	}
	at := func(name string) uintptr { return uintptr(unsafe.Pointer(made[name])) }
	size := unsafe.Sizeof(Node{})
	for _, p := range [][2]string{{"r1", "r2"}, {"h1", "h2"}, {"h2", "h3"}, {"r2", "h1"}} {
		if d := at(p[1]) - at(p[0]); d != size {
			t.Errorf("%s is %d bytes after %s, want %d (side by side, routers then hosts)", p[1], int64(d), p[0], size)
		}
	}
	for _, name := range []string{"h4", "s1"} { // past the hosts' room; no room for servers
		if p := at(name); p >= at("r1") && p < at("r1")+5*size {
			t.Errorf("%s was placed in the block, which has room for 2 routers and 3 hosts", name)
		}
	}
	made["h4"].Crash() // a node past the block's room works as any other
	if made["h4"].Up() || !made["h3"].Up() {
		t.Error("crashing h4 changed the wrong node")
	}
}
