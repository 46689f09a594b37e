package sched

import "testing"

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
