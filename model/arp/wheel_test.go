package arp

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestWheelDelay follows kernel/time/timer.c calc_wheel_index/calc_index:
// level 0 (under 63 jiffies) is exact to the jiffy; beyond, the expiry is
// rounded up to the next boundary of the level's bucket (8^level jiffies).
func TestWheelDelay(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		now  sim.Time
		d    time.Duration
		hz   int
		want time.Duration
	}{
		{"exact without HZ", 0, time.Second, 0, time.Second},
		{"level 0: 100 ms = 25 jiffies at 250", 0, 100 * ms, 250, 100 * ms},
		{"level 0 rounds up to a jiffy", 0, 10*ms + 1, 250, 12 * ms},
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
	}
	for _, tt := range tests {
		if got := wheelDelay(tt.now, tt.d, tt.hz); got != tt.want {
			t.Errorf("%s: wheelDelay(%v, %v, %d) = %v, want %v", tt.name, tt.now, tt.d, tt.hz, got, tt.want)
		}
	}
}

// TestCacheTimersOnTheWheel: with HZ set, an INCOMPLETE entry's
// retransmissions (retrans_time 1 s) leave on the wheel's buckets, not
// every 1000 ms; without HZ they are exact.
func TestCacheTimersOnTheWheel(t *testing.T) {
	for _, tt := range []struct {
		hz   int
		want []time.Duration
	}{
		{0, []time.Duration{0, time.Second, 2 * time.Second}},
		{250, []time.Duration{0, 1024 * time.Millisecond, 2048 * time.Millisecond}},
	} {
		c, env := newCache(t, Config{HZ: tt.hz})
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
