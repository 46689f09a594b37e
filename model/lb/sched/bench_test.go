package sched

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// benchService returns a service of 8 destinations, weights 1..8, with
// some connections on each, and 256 requests from different clients to
// three destination addresses (dh, lblc and lblcr hash the destination).
func benchService(tb testing.TB, name string) (*Service, []Request) {
	tb.Helper()
	s, err := New(name, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		tb.Fatal(err)
	}
	svc := NewService(s, 0)
	for i := range 8 {
		d := &Dest{
			Name:     string(rune('A' + i)),
			Addr:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i + 1)}), 80),
			Weight:   i + 1,
			Active:   3 * i,
			Inactive: 17 * (8 - i),
		}
		if err := svc.Add(d); err != nil {
			tb.Fatal(err)
		}
	}
	reqs := make([]Request, 256)
	for i := range reqs {
		reqs[i] = Request{
			Proto:  6,
			Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 4), byte(i)}), uint16(40000+i)),
			Dst:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 100 + byte(i%3)}), 80),
			Now:    time.Duration(i) * time.Millisecond,
		}
	}
	return svc, reqs
}

// BenchmarkSchedule measures one pick of every registered scheduler, with
// the bind and unbind of the connection around it, so the counters move
// as in a run.
func BenchmarkSchedule(b *testing.B) {
	for _, name := range Names {
		if _, ok := registry[name]; !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			svc, reqs := benchService(b, name)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if d := svc.Schedule(&reqs[i&255]); d != nil {
					Bind(d)
					Unbind(d, false)
				}
			}
		})
	}
}

// Picks allocate nothing (the kernel's schedulers allocate nothing in
// their schedule functions either; lblc/lblcr only when a new
// destination address enters their table, which the warm-up covers).
func TestScheduleAllocatesNothing(t *testing.T) {
	for _, name := range Names {
		if _, ok := registry[name]; !ok {
			continue
		}
		svc, reqs := benchService(t, name)
		for i := range reqs {
			svc.Schedule(&reqs[i])
		}
		i := 0
		allocs := testing.AllocsPerRun(500, func() {
			if d := svc.Schedule(&reqs[i&255]); d != nil {
				Bind(d)
				Unbind(d, false)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per pick, want 0", name, allocs)
		}
	}
}
