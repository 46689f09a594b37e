package sched

import "testing"

// ip_vs_ovf_schedule: the highest weight among the destinations not
// overloaded, not quiesced and with activeconns <= weight. A w 2, B w 3
// (list B A).
func TestOVFSequences(t *testing.T) {
	tests := []struct {
		mode connMode
		want string
	}{
		// B takes connections while active 0..3 (3 > 3 is false), four of
		// them; then A takes three (active 0..2); then both are full.
		{active, "B B B B A A A - -"},
		// Inactive connections do not count: B takes the whole burst.
		{inactive, "B B B B B B B B B"},
	}
	for _, tt := range tests {
		svc := service(t, "ovf", nil, rs("A", 2), rs("B", 3))
		if got := picks(svc, 9, tt.mode); got != tt.want {
			t.Errorf("mode %d: got %q, want %q", tt.mode, got, tt.want)
		}
	}
}

// On equal weights the first in the list wins; a full, overloaded or
// quiesced one is passed over.
func TestOVFPick(t *testing.T) {
	tests := []struct {
		name  string
		setup func(a, b, c *Dest)
		want  string
	}{
		{"tie: the newest", func(a, b, c *Dest) {}, "C"},
		{"C full", func(a, b, c *Dest) { c.Active = 5 }, "B"},
		{"C at its weight still takes one", func(a, b, c *Dest) { c.Active = 4 }, "C"},
		{"C overloaded, B quiesced", func(a, b, c *Dest) { c.Overloaded, b.Weight = true, 0 }, "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := rs("A", 4), rs("B", 4), rs("C", 4)
			tt.setup(a, b, c)
			svc := service(t, "ovf", nil, a, b, c)
			if got := picks(svc, 1, noBind); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
