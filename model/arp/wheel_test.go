package arp

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestWheelDelay follows kernel/time/timer.c calc_wheel_index/calc_index:
// the expiry is rounded up to the next boundary of the level's bucket
// (8^level jiffies; level 0, under 63 jiffies, adds one jiffy).
func TestWheelDelay(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		now  sim.Time
		d    time.Duration
		hz   int
		want time.Duration
	}{
		{"exact without HZ", 0, time.Second, -1, time.Second},
		// level 0: (25 >> 0) + 1 = 26 jiffies.
		{"level 0: 100 ms = 25 jiffies at 250", 0, 100 * ms, 250, 104 * ms},
		// 10 ms + 1 ns is 3 jiffies (msecs_to_jiffies rounds up), then + 1.
		{"level 0 rounds up to a jiffy", 0, 10*ms + 1, 250, 16 * ms},
		// from 5 ms (jiffy 1 at 250): 1 + 25 + 1 = 27 jiffies = 108 ms.
		{"level 0 mid-jiffy", sim.Time(5 * ms), 100 * ms, 250, 103 * ms},
		// HZ=100, 62 jiffies is level 0; 63 is level 1: ((63 >> 3) + 1) << 3 = 64.
		{"last level 0 delta at HZ=100", 0, 620 * ms, 100, 630 * ms},
		{"first level 1 delta at HZ=100", 0, 630 * ms, 100, 640 * ms},
		// HZ=300: 1 s = 300 jiffies, level 1: ((300 >> 3) + 1) << 3 = 304
		// jiffies = 1.01333... s, the first nanosecond of that jiffy.
		{"retrans_time 1 s at HZ=300", 0, time.Second, 300, 1013333334},
		// 250 jiffies from jiffy 0: level 1 (63..503), 8-jiffy buckets:
		// ((250 >> 3) + 1) << 3 = 256 jiffies = 1.024 s.
		{"retrans_time 1 s at HZ=250", 0, time.Second, 250, 1024 * ms},
		// from jiffy 3 (12 ms): expires 253 -> 256 -> 1.024 s - 12 ms.
		{"armed mid-bucket", sim.Time(12 * ms), time.Second, 250, 1012 * ms},
		// 30 s = 7500 jiffies: level 3 (4032..32255), 512-jiffy buckets:
		// ((7500 >> 9) + 1) << 9 = 7680 jiffies = 30.72 s.
		{"reachable 30 s at HZ=250", 0, 30 * time.Second, 250, 30720 * ms},
		// HZ=1000: 1000 jiffies is level 2 (504..4031), 64-jiffy buckets:
		// ((1000 >> 6) + 1) << 6 = 1024 jiffies.
		{"retrans_time 1 s at HZ=1000", 0, time.Second, 1000, 1024 * ms},
		// Beyond the last level (HZ=250: 63 << 24 jiffies, about 49 days)
		// the delta is clamped to WHEEL_TIMEOUT_MAX = (63-1) << 24 jiffies,
		// then rounded up by one level-8 bucket: 63 << 24 jiffies.
		{"clamped to WHEEL_TIMEOUT_MAX", 0, 100 * 24 * time.Hour, 250, time.Duration(63<<24) * 4 * ms},
	}
	for _, tt := range tests {
		if got := wheelDelay(tt.now, tt.d, tt.hz); got != tt.want {
			t.Errorf("%s: wheelDelay(%v, %v, %d) = %v, want %v", tt.name, tt.now, tt.d, tt.hz, got, tt.want)
		}
	}
}

// TestCacheTimersOnTheWheel: with HZ set, an INCOMPLETE entry's
// retransmissions (retrans_time 1 s) leave on the wheel's buckets, not
// every 1000 ms; with a negative HZ they are exact.
func TestCacheTimersOnTheWheel(t *testing.T) {
	for _, tt := range []struct {
		hz   int
		want []time.Duration
	}{
		{-1, []time.Duration{0, time.Second, 2 * time.Second}},
		{0, []time.Duration{0, 1024 * time.Millisecond, 2048 * time.Millisecond}}, // DefaultHZ
		{250, []time.Duration{0, 1024 * time.Millisecond, 2048 * time.Millisecond}},
		{1000, []time.Duration{0, 1024 * time.Millisecond, 2048 * time.Millisecond}},
		// HZ=100: 100 jiffies is level 1: ((100 >> 3) + 1) << 3 = 104.
		{100, []time.Duration{0, 1040 * time.Millisecond, 2080 * time.Millisecond}},
	} {
		env := newEnv(1)
		c := New(Config{HZ: tt.hz}, env)
		c.Output(gw, []byte("p"))
		env.run(10 * time.Second)
		got := requestTimes(env.requests)
		if len(got) < len(tt.want) {
			t.Fatalf("HZ %d: %d requests, want at least %d", tt.hz, len(got), len(tt.want))
		}
		for i, w := range tt.want {
			if got[i] != w {
				t.Errorf("HZ %d: request %d at %v, want %v (all: %v)", tt.hz, i, got[i], w, got)
			}
		}
	}
}

// BenchmarkWheelDelay: the rounding every Linux-profile neighbour timer
// goes through (retrans_time from a mid-bucket instant at HZ=300, the
// slowest path: non-integer jiffies).
func BenchmarkWheelDelay(b *testing.B) {
	b.ReportAllocs()
	now := sim.Time(12345678901)
	for b.Loop() {
		now += sim.Time(wheelDelay(now, time.Second, 300))
	}
}
