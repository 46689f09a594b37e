package sched

import "testing"

// ip_vs_fo_schedule: the highest weight not overloaded, "weight > hw" so
// the first in the list wins a tie; counters play no part. A 5, B 10,
// C 10 added in that order: list C B A.
func TestFOPick(t *testing.T) {
	tests := []struct {
		name  string
		setup func(a, b, c *Dest)
		want  string
	}{
		{"tie: the newest", func(a, b, c *Dest) {}, "C"},
		{"counters ignored", func(a, b, c *Dest) { c.Active = 1000 }, "C"},
		{"C overloaded", func(a, b, c *Dest) { c.Overloaded = true }, "B"},
		{"B and C quiesced", func(a, b, c *Dest) { b.Weight, c.Weight = 0, 0 }, "A"},
		{"all quiesced", func(a, b, c *Dest) { a.Weight, b.Weight, c.Weight = 0, 0, 0 }, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := rs("A", 5), rs("B", 10), rs("C", 10)
			tt.setup(a, b, c)
			svc := service(t, "fo", nil, a, b, c)
			if got := picks(svc, 3, active); got != tt.want+" "+tt.want+" "+tt.want {
				t.Fatalf("got %q, want %s three times", got, tt.want)
			}
		})
	}
}
