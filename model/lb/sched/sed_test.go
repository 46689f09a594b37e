package sched

import "testing"

// ip_vs_sed_dest_overhead counts active connections only, so during a SYN
// burst (every new connection inactive until ESTABLISHED) sed and nq see
// no change and send the whole burst to one server, where lc and wlc
// spread it by the 1/256 inactive weight. A w 1, B w 2 (list B A).
func TestSEDAndNQPileASYNBurst(t *testing.T) {
	tests := []struct{ name, want string }{
		// (0+1)/2 < (0+1)/1 every time.
		{"sed", "B B B B B B"},
		// B is idle (no active) every time, and first in the list.
		{"nq", "B B B B B B"},
		// inactive 0,0 tie -> B; then B 1/2 vs A 0 -> A; A 1 vs B 1/2 -> B;
		// B 2/2 = A 1/1 tie -> B; B 3/2 vs 1 -> A; A 2 vs B 3/2 -> B.
		{"wlc", "B A B B A B"},
	}
	for _, tt := range tests {
		svc := service(t, tt.name, nil, rs("A", 1), rs("B", 2))
		if got := picks(svc, 6, inactive); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// ip_vs_nq_schedule returns the first idle destination in list order at
// once, even when a busier one has far more weight: here sed picks B
// ((1+1)/100) but nq picks A (idle). B w 100 active 1 is first in the
// list (added last).
func TestNQTakesAnIdleServerAtOnce(t *testing.T) {
	for _, tt := range []struct{ name, want string }{{"sed", "B"}, {"nq", "A"}} {
		a := counters(rs("A", 1), 0, 50)
		b := counters(rs("B", 100), 1, 0)
		svc := service(t, tt.name, nil, a, b)
		if got := picks(svc, 1, noBind); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
