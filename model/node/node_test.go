package node

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestSkewNeverTurnsAPositiveSpanIntoZero: speakers re-arm a timer for the
// time left until a deadline they computed in virtual time (GARP delays,
// the neighbour timer). On a fast clock the skewed span fires a little
// early, the speaker re-arms for the rest, and so on; if a span of 1 ns
// were skewed to 0 the timer would fire again at the same instant forever
// and the run would never end. A positive span must stay positive.
func TestSkewNeverTurnsAPositiveSpanIntoZero(t *testing.T) {
	for _, drift := range []float64{1, 1000, 100000, 1e6} {
		n := New(sim.New(1), Config{Name: "r1", ClockDrift: drift})
		for _, d := range []time.Duration{1, 2, 3, 999, time.Second} {
			if got := n.skew(d); got <= 0 {
				t.Errorf("drift %g ppm: skew(%v) = %v, want > 0", drift, d, got)
			}
		}
	}
}

// TestSkewFollowsDrift: a clock D ppm fast measures d in d/(1+D/1e6) of
// true time (rounded up to the nanosecond); jitter adds 0..TimerJitter.
func TestSkewFollowsDrift(t *testing.T) {
	for _, tc := range []struct {
		drift float64
		d     time.Duration
		want  time.Duration
	}{
		{0, time.Second, time.Second},
		{1000, 1001 * time.Millisecond, time.Second},
		{-1000, 999 * time.Millisecond, time.Second},
		{1e6, time.Second, 500 * time.Millisecond},
		{1000, 3, 3}, // 2.997 ns rounds up
	} {
		n := New(sim.New(1), Config{Name: "r1", ClockDrift: tc.drift})
		if got := n.skew(tc.d); got != tc.want {
			t.Errorf("drift %g ppm: skew(%v) = %v, want %v", tc.drift, tc.d, got, tc.want)
		}
	}
	n := New(sim.New(1), Config{Name: "r1", TimerJitter: 10 * time.Millisecond})
	for range 100 {
		if got := n.skew(time.Second); got < time.Second || got > time.Second+10*time.Millisecond {
			t.Fatalf("jitter 10ms: skew(1s) = %v, want within [1s, 1.01s]", got)
		}
	}
}
