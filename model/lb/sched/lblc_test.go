package sched

import (
	"net/netip"
	"testing"
	"time"
)

var (
	_ Expirer = (*LBLC)(nil)
	_ Expirer = (*LBLCR)(nil)
)

// localityTrio is A, B, C at weight 10, added in that order: the list is
// C, B, A, so the weighted least-connection pick (__ip_vs_lblc_schedule,
// ties keep the earlier) among idle servers is C, then B, then A.
func localityTrio(t *testing.T, name string) *Service {
	return hservice(t, name, 0, hdest("A", "10.1.0.1:80", 10), hdest("B", "10.1.0.2:80", 10), hdest("C", "10.1.0.3:80", 10))
}

func localityReq(dst string, now time.Duration) *Request {
	return &Request{Proto: 6, Client: netip.MustParseAddrPort("198.51.100.1:4000"), Dst: netip.MustParseAddrPort(dst), Now: now}
}

// TestLBLCSticksUntilOverloaded walks ip_vs_lblc_schedule step by step;
// each step changes the counters, then schedules one destination address.
// is_overloaded is activeconns > weight while some server has
// activeconns*2 < weight; wlc's overhead is active*256 + inactive.
func TestLBLCSticksUntilOverloaded(t *testing.T) {
	svc := localityTrio(t, "lblc")
	a, b, c := svc.Find("A"), svc.Find("B"), svc.Find("C")
	steps := []struct {
		why    string
		change func()
		dst    string
		want   string
	}{
		{"new address: wlc among idle servers takes the first, C", nil, "10.0.0.1:80", "C"},
		{"C busier: X sticks to C (5 > 10 is false)", func() { c.Active = 5 }, "10.0.0.1:80", "C"},
		{"a new address Y gets the wlc pick, B", nil, "10.0.0.2:80", "B"},
		{"C at its weight: still not overloaded (10 > 10 is false)", func() { c.Active = 10 }, "10.0.0.1:80", "C"},
		{"C over its weight with A and B idle: X moves to wlc's B", func() { c.Active = 11 }, "10.0.0.1:80", "B"},
		{"C idle again: X stays on B", func() { c.Active = 0 }, "10.0.0.1:80", "B"},
		{"B over its weight but nobody under half: X stays on B", func() {
			b.Active, a.Active, c.Active = 11, 5, 5
		}, "10.0.0.1:80", "B"},
		{"B quiesced: wlc between C and A at 5 each keeps C", func() { svc.SetWeight(b, 0) }, "10.0.0.1:80", "C"},
		{"C flagged overloaded (threshold): the cached path ignores the flag", func() { c.Overloaded = true }, "10.0.0.1:80", "C"},
		{"Y was on quiesced B: wlc skips B (weight 0) and C (flag): A", nil, "10.0.0.2:80", "A"},
		{"C removed: not available, X goes to wlc's A", func() { svc.Remove(c) }, "10.0.0.1:80", "A"},
	}
	for i, st := range steps {
		if st.change != nil {
			st.change()
		}
		got := hname(svc.Schedule(localityReq(st.dst, time.Duration(i)*time.Second)))
		if got != st.want {
			t.Fatalf("step %d (%s): got %s, want %s", i, st.why, got, st.want)
		}
	}
}

// TestLBLCEntriesOvercountOnReplace: ip_vs_lblc_new unlinks the old entry
// without atomic_dec(&tbl->entries) and ip_vs_lblc_hash counts the new
// one, so a rebinding leaves entries at 2 for a single address.
func TestLBLCEntriesOvercountOnReplace(t *testing.T) {
	svc := localityTrio(t, "lblc")
	s := svc.Scheduler().(*LBLC)
	svc.Schedule(localityReq("10.0.0.1:80", 0)) // -> C
	svc.Find("C").Active = 11
	if got := hname(svc.Schedule(localityReq("10.0.0.1:80", time.Second))); got != "B" {
		t.Fatalf("rebinding: got %s, want B", got)
	}
	stored := 0
	for _, b := range s.tbl.buckets {
		stored += len(b)
	}
	if stored != 1 || s.tbl.entries != 2 {
		t.Errorf("got %d stored, entries %d; want 1 stored, entries 2", stored, s.tbl.entries)
	}
}

// TestLocalityCollectorCadence: the periodic timer runs every 60 s from
// the start with tbl->counter = 1; it does a full check when counter%30
// == 0, i.e. at the 30th run (1800 s), then every 30 runs. Below
// max_size the other runs only count. A full check drops entries idle
// for the expiration; until then a stale entry keeps steering.
func TestLocalityCollectorCadence(t *testing.T) {
	for _, name := range []string{"lblc", "lblcr"} {
		t.Run(name, func(t *testing.T) {
			svc := localityTrio(t, name)
			exp := svc.Scheduler().(Expirer)
			var tbl *localityTable
			switch s := svc.Scheduler().(type) {
			case *LBLC:
				s.Expiration = 10 * time.Minute
				tbl = &s.tbl
			case *LBLCR:
				s.Expiration = 10 * time.Minute
				tbl = &s.tbl
			}
			x, y := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
			svc.Schedule(localityReq("10.0.0.1:80", 0)) // X -> C, last used at 0
			svc.Find("C").Active = 5                    // a fresh pick would be B
			for k := 1; k < 30; k++ {
				exp.CheckExpire(time.Duration(k) * ExpireInterval)
				if k == 25 { // Y, last used at 1500 s
					svc.Schedule(localityReq("10.0.0.2:80", 25*ExpireInterval))
				}
			}
			if tbl.get(x) == nil {
				t.Fatal("X collected before the first full check at 1800 s")
			}
			exp.CheckExpire(30 * ExpireInterval)
			if tbl.get(x) != nil {
				t.Error("X (idle 1800 s > 600 s) survived the full check at 1800 s")
			}
			if tbl.get(y) == nil {
				t.Error("Y (idle 300 s < 600 s) removed by the full check at 1800 s")
			}
			if tbl.counter != 1 || tbl.entries != 1 {
				t.Errorf("after the full check: counter %d, entries %d; want 1, 1", tbl.counter, tbl.entries)
			}
			if got := hname(svc.Schedule(localityReq("10.0.0.1:80", 1801*time.Second))); got != "B" {
				t.Errorf("X after collection: got %s, want the fresh wlc pick B", got)
			}
		})
	}
}

// TestLocalityPartialCollection: above max_size (1024*16) entries a
// non-full run removes entries idle for ENTRY_TIMEOUT (6 min), sweeping
// whole buckets from rover+1 until 4/3 of the excess is gone, and leaves
// the rover on the last bucket swept. The expected count and rover are
// worked out from the bucket sizes before the run.
func TestLocalityPartialCollection(t *testing.T) {
	const extra = 300
	fill := func(t *testing.T) (*Service, *LBLC) {
		svc := localityTrio(t, "lblc")
		r := localityReq("10.0.0.1:80", 0)
		for i := 0; i < localityMaxSize+extra; i++ {
			r.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 80)
			svc.Schedule(r)
		}
		return svc, svc.Scheduler().(*LBLC)
	}
	t.Run("stale", func(t *testing.T) {
		_, s := fill(t)
		goal := extra * 4 / 3
		removed, j := 0, 0
		for removed < goal {
			j++
			removed += len(s.tbl.buckets[j])
		}
		s.CheckExpire(7 * time.Minute)
		if s.tbl.entries != localityMaxSize+extra-removed || s.tbl.rover != j {
			t.Errorf("got entries %d, rover %d; want %d, %d", s.tbl.entries, s.tbl.rover, localityMaxSize+extra-removed, j)
		}
		if len(s.tbl.buckets[j]) != 0 || len(s.tbl.buckets[j+1]) == 0 {
			t.Errorf("bucket %d holds %d, bucket %d holds %d; want the first swept, the next kept", j, len(s.tbl.buckets[j]), j+1, len(s.tbl.buckets[j+1]))
		}
	})
	t.Run("fresh", func(t *testing.T) {
		_, s := fill(t)
		s.CheckExpire(5 * time.Minute) // nothing idle for 6 min: a full lap
		if s.tbl.entries != localityMaxSize+extra || s.tbl.rover != 0 {
			t.Errorf("got entries %d, rover %d; want %d, 0", s.tbl.entries, s.tbl.rover, localityMaxSize+extra)
		}
	})
}

func TestLBLCScheduleAllocatesNothing(t *testing.T) {
	svc := localityTrio(t, "lblc")
	r := localityReq("10.0.0.1:80", 0)
	svc.Schedule(r)
	if n := testing.AllocsPerRun(100, func() { r.Now += time.Second; svc.Schedule(r) }); n != 0 {
		t.Errorf("got %v allocations per pick, want 0", n)
	}
}

func BenchmarkLBLCSchedule(b *testing.B) { benchLocality(b, "lblc") }

// benchLocality schedules 1024 destination addresses round and round:
// after the first lap every pick is a table hit.
func benchLocality(b *testing.B, name string) {
	b.ReportAllocs()
	svc := hservice(b, name, 0, hdest("A", "10.1.0.1:80", 10), hdest("B", "10.1.0.2:80", 10), hdest("C", "10.1.0.3:80", 10))
	r := &Request{Proto: 6}
	for i := 0; i < b.N; i++ {
		r.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8 & 3), byte(i)}), 80)
		r.Now = time.Duration(i)
		svc.Schedule(r)
	}
}
