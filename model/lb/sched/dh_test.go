package sched

import "testing"

// TestDHPicksTheDestinationsBucket follows ip_vs_dh_schedule: the bucket
// of Request.Dst (the hash of sh_test.go: 10.0.0.x -> x*177 mod 256, so
// .1 -> 177, .2 -> 98), filled one bucket per destination in list order
// by ip_vs_dh_reassign whatever the weights.
func TestDHPicksTheDestinationsBucket(t *testing.T) {
	trio := func() []*Dest {
		return []*Dest{hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 1), hdest("C", "10.1.0.3:80", 1)}
	}
	// A at 5 and B at 1: the list B, A fills B, A, B, A, ...
	pair := func() []*Dest { return []*Dest{hdest("A", "10.1.0.1:80", 5), hdest("B", "10.1.0.2:80", 1)} }
	tests := []struct {
		name   string
		dests  []*Dest
		change func(*Service)
		client string
		dst    string
		want   string
	}{
		// List C, B, A: 177%3 = 0 -> C, 98%3 = 2 -> A.
		{"dst .1", trio(), nil, "198.51.100.7:4000", "10.0.0.1:80", "C"},
		{"dst .2", trio(), nil, "198.51.100.7:4000", "10.0.0.2:80", "A"},
		// The client plays no part.
		{"other client", trio(), nil, "203.0.113.9:5000", "10.0.0.1:80", "C"},
		// Weights do not shape the table: 177 is odd -> A, 98 even -> B.
		{"weights ignored odd", pair(), nil, "198.51.100.7:4000", "10.0.0.1:80", "A"},
		{"weights ignored even", pair(), nil, "198.51.100.7:4000", "10.0.0.2:80", "B"},
		// Quiescing A keeps the table; its bucket answers nothing (no
		// fallback in dh) while B's buckets still work.
		{"quiesced", pair(), func(s *Service) { s.SetWeight(s.Find("A"), 0) }, "198.51.100.7:4000", "10.0.0.1:80", "<nil>"},
		{"quiesced, other bucket", pair(), func(s *Service) { s.SetWeight(s.Find("A"), 0) }, "198.51.100.7:4000", "10.0.0.2:80", "B"},
		{"overloaded", pair(), func(s *Service) { s.Find("B").Overloaded = true }, "198.51.100.7:4000", "10.0.0.2:80", "<nil>"},
		// Removing A leaves B in every bucket.
		{"removed", pair(), func(s *Service) { s.Remove(s.Find("A")) }, "198.51.100.7:4000", "10.0.0.1:80", "B"},
		{"empty", nil, nil, "198.51.100.7:4000", "10.0.0.1:80", "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := hservice(t, "dh", 0, tt.dests...)
			if tt.change != nil {
				tt.change(svc)
			}
			if got := hname(svc.Schedule(hreq(6, tt.client, tt.dst))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestDHIgnoresAStaleAvailableFlag: ip_vs_dh_schedule also checks
// IP_VS_DEST_F_AVAILABLE, so a destination that left its service is never
// picked even if a table still held it.
func TestDHIgnoresAStaleAvailableFlag(t *testing.T) {
	svc := hservice(t, "dh", 0, hdest("A", "10.1.0.1:80", 1))
	svc.Find("A").Available = false
	if got := svc.Schedule(hreq(6, "198.51.100.7:4000", "10.0.0.1:80")); got != nil {
		t.Errorf("got %s, want <nil>", got.Name)
	}
}

func BenchmarkDHSchedule(b *testing.B) {
	b.ReportAllocs()
	svc := hservice(b, "dh", 0, hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 2))
	r := hreq(6, "198.51.100.7:4000", "10.0.0.1:80")
	for i := 0; i < b.N; i++ {
		svc.Schedule(r)
	}
}
