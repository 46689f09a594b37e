package sim

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// benchSizes are the queue populations of the kernel benchmarks: a small
// LAN, a large sweep, and a stress size far beyond any scenario.
var benchSizes = []int{1000, 100000, 1000000}

// settle collects the garbage of the prefill (closures, timers, the growth
// of the top array) so that its collection is not billed to the timed pops.
func settle() { runtime.GC() }

// BenchmarkHold is the classic "hold" model of event-queue studies: N
// events stay pending; each popped event schedules one new event at now +
// an exponential delay (mean 1 ms) drawn from a kernel stream. b.N pops are
// timed after the prefill.
func BenchmarkHold(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchHold(b, n) })
	}
}

func benchHold(b *testing.B, n int) {
	k := New(1)
	rng := k.Stream("bench")
	const mean = float64(time.Millisecond)
	left := b.N
	var ev func()
	ev = func() {
		left--
		if left == 0 {
			k.Stop()
		}
		k.After(time.Duration(rng.ExpFloat64()*mean), ev)
	}
	for range n {
		k.After(time.Duration(rng.ExpFloat64()*mean), ev)
	}
	settle()
	b.ReportAllocs()
	b.ResetTimer()
	k.Run(Forever)
	b.StopTimer()
	if left != 0 {
		b.Fatalf("got %d pops left, want 0", left)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTimerReset models N VRRP backups (RFC 3768 section 6.4.2): each
// has a Master_Down_Timer of 3.609375 s (3 * 1 s + skew for priority 100)
// and receives one advertisement per second, which resets that timer. The
// timers are reset far more often than they fire (here: never), the load a
// large keepalived fleet puts on the kernel. b.N adverts are timed.
func BenchmarkTimerReset(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchTimerReset(b, n) })
	}
}

func benchTimerReset(b *testing.B, n int) {
	const (
		advertInterval = time.Second
		masterDown     = 3609375 * time.Microsecond
	)
	k := New(1)
	rng := k.Stream("bench")
	left := b.N
	fired := 0
	for range n {
		tm := k.NewTimer(func() { fired++ })
		tm.Reset(masterDown)
		var advert func()
		advert = func() {
			tm.Reset(masterDown)
			left--
			if left == 0 {
				k.Stop()
			}
			k.After(advertInterval, advert)
		}
		// Speakers start out of phase, as real routers do.
		k.At(Time(rng.Int64N(int64(advertInterval))), advert)
	}
	settle()
	b.ReportAllocs()
	b.ResetTimer()
	k.Run(Forever)
	b.StopTimer()
	if left != 0 {
		b.Fatalf("got %d adverts left, want 0", left)
	}
	if fired != 0 {
		b.Fatalf("got %d master-down expiries, want 0", fired)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "adverts/s")
}
