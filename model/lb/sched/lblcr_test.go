package sched

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func lblcrSet(s *LBLCR, addr string) string {
	en := s.tbl.get(netip.MustParseAddr(addr))
	if en == nil {
		return "<none>"
	}
	var names []string
	for _, d := range en.set.dests {
		names = append(names, d.Name)
	}
	return strings.Join(names, ",")
}

// TestLBLCRReplicatesUnderLoad walks ip_vs_lblcr_schedule. The set's pick
// is ip_vs_dest_set_min (least active*256+inactive per weight, ties keep
// the newer member); an overloaded pick (activeconns > weight while some
// server is under half its weight) adds the service's wlc pick at the
// head of the set; a set of two or more unchanged for longer than
// lblcr_expiration (10 min here) sheds ip_vs_dest_set_max on the next
// lookup, after the pick was made.
func TestLBLCRReplicatesUnderLoad(t *testing.T) {
	svc := localityTrio(t, "lblcr")
	s := svc.Scheduler().(*LBLCR)
	s.Expiration = 10 * time.Minute
	a, b, c := svc.Find("A"), svc.Find("B"), svc.Find("C")
	shed := 3*time.Second + 10*time.Minute
	steps := []struct {
		why     string
		change  func()
		now     time.Duration
		want    string
		wantSet string
	}{
		{"new address: wlc's C starts the set", nil, 0, "C", "C"},
		{"C overloaded with A, B idle: wlc adds B", func() { c.Active = 11 }, time.Second, "B", "B,C"},
		{"B is the set's least loaded", nil, 2 * time.Second, "B", "B,C"},
		{"B overloaded too: set_min ties B, C and keeps B; wlc adds A", func() { b.Active = 11 }, 3 * time.Second, "A", "A,B,C"},
		{"exactly the expiration after the change: time_after is strict", nil, shed, "A", "A,B,C"},
		{"past it: shed set_max, B (ties with C, B first)", nil, shed + time.Second, "A", "A,C"},
		{"the shedding stamped lastmod: no second shed", nil, shed + 2*time.Second, "A", "A,C"},
		{"A removed: set_min skips it (not available), C is overloaded, wlc gives B again", func() {
			svc.Remove(a)
			b.Active = 0
		}, shed + 3*time.Second, "B", "B,A,C"},
	}
	for i, st := range steps {
		if st.change != nil {
			st.change()
		}
		got := hname(svc.Schedule(localityReq("10.0.0.1:80", st.now)))
		if set := lblcrSet(s, "10.0.0.1"); got != st.want || set != st.wantSet {
			t.Fatalf("step %d (%s): got %s with set %s, want %s with set %s", i, st.why, got, set, st.want, st.wantSet)
		}
	}
}

// TestLBLCRShedAfterPick: the pick is made before the shedding, so the
// member it returns may be the one just shed (ip_vs_lblcr_schedule calls
// ip_vs_dest_set_min, then ip_vs_dest_set_max/erase). Weight 0 members
// are never set_max.
func TestLBLCRShedAfterPick(t *testing.T) {
	svc := hservice(t, "lblcr", 0, hdest("A", "10.1.0.1:80", 10), hdest("B", "10.1.0.2:80", 10))
	s := svc.Scheduler().(*LBLCR)
	a, b := svc.Find("A"), svc.Find("B")
	svc.Schedule(localityReq("10.0.0.1:80", 0)) // list B, A: B starts the set
	b.Active = 11                               // A idle: B overloaded, A joins
	svc.Schedule(localityReq("10.0.0.1:80", time.Second))
	if set := lblcrSet(s, "10.0.0.1"); set != "A,B" {
		t.Fatalf("set: got %s, want A,B", set)
	}
	// Make A both the least loaded by weight and the only weighted member
	// max can see: B quiesced (weight 0) is skipped by set_min and by
	// set_max, so max is A and the pick A is shed as it is returned.
	b.Active = 0
	a.Active = 1
	svc.SetWeight(b, 0)
	late := time.Second + DefaultExpiration + time.Second
	if got := hname(svc.Schedule(localityReq("10.0.0.1:80", late))); got != "A" {
		t.Fatalf("pick: got %s, want A", got)
	}
	if set := lblcrSet(s, "10.0.0.1"); set != "B" {
		t.Errorf("set after shedding: got %s, want B", set)
	}
}

func TestLBLCRNoWeightNoPick(t *testing.T) {
	svc := hservice(t, "lblcr", 0, hdest("A", "10.1.0.1:80", 0))
	if got := svc.Schedule(localityReq("10.0.0.1:80", 0)); got != nil {
		t.Errorf("got %s, want <nil>", got.Name)
	}
}

func TestLBLCRScheduleAllocatesNothing(t *testing.T) {
	svc := localityTrio(t, "lblcr")
	r := localityReq("10.0.0.1:80", 0)
	svc.Schedule(r)
	svc.Find("C").Active = 11
	svc.Schedule(r) // a second member
	if n := testing.AllocsPerRun(100, func() { r.Now += time.Second; svc.Schedule(r) }); n != 0 {
		t.Errorf("got %v allocations per pick, want 0", n)
	}
}

func BenchmarkLBLCRSchedule(b *testing.B) { benchLocality(b, "lblcr") }
