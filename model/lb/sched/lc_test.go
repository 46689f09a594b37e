package sched

import "testing"

// counters sets active and inactive connections.
func counters(d *Dest, active, inactive int) *Dest {
	d.Active, d.Inactive = active, inactive
	return d
}

// ip_vs_lc_schedule: least ip_vs_dest_conn_overhead = active<<8 +
// inactive, weight ignored except that 0 quiesces, strict "<" so the
// first in the list (the newest) wins a tie. Dests are added A, B, C:
// the list is C B A.
func TestLCPick(t *testing.T) {
	tests := []struct {
		name    string
		a, b, c *Dest
		want    string
	}{
		{"all idle: the newest", rs("A", 1), rs("B", 1), rs("C", 1), "C"},
		// 256 (1 active) vs 255 inactive vs 256 inactive: B.
		{"one active weighs 256 inactive", counters(rs("A", 1), 1, 0), counters(rs("B", 1), 0, 255), counters(rs("C", 1), 0, 256), "B"},
		// A and B tie at 3; B comes first in C B A.
		{"tie: list order", counters(rs("A", 1), 0, 3), counters(rs("B", 1), 0, 3), counters(rs("C", 1), 0, 4), "B"},
		// lc does not weigh: A's weight 100 does not help it.
		{"weight ignored", counters(rs("A", 100), 0, 10), counters(rs("B", 1), 0, 5), counters(rs("C", 1), 0, 6), "B"},
		{"quiesced and overloaded skipped", rs("A", 1), &Dest{Name: "B", Weight: 1, Overloaded: true}, rs("C", 0), "A"},
		{"none", rs("A", 0), rs("B", 0), rs("C", 0), "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.Addr = rs("B", 1).Addr
			svc := service(t, "lc", nil, tt.a, tt.b, tt.c)
			if got := picks(svc, 1, noBind); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// lc over a burst with the inactive counters at 1/256: C 255, B 254, A
// 256 (one active). In a SYN burst each pick adds 1 inactive:
// B(254) C(255, before B's 255) B(255) C(256 first of three) B(256) A(256)
// then the three tie at 257 and rotate in list order.
// When each connection is ESTABLISHED at once it adds 256 instead, and
// the picks rotate B C A after the first round.
func TestLCSequenceInactiveWeighsLess(t *testing.T) {
	tests := []struct {
		mode connMode
		want string
	}{
		{inactive, "B C B C B A C B A C"},
		{active, "B C A B C A"},
	}
	for _, tt := range tests {
		a := counters(rs("A", 1), 1, 0)
		b := counters(rs("B", 1), 0, 254)
		c := counters(rs("C", 1), 0, 255)
		svc := service(t, "lc", nil, a, b, c)
		if got := picks(svc, (len(tt.want)+1)/2, tt.mode); got != tt.want {
			t.Errorf("mode %d: got %q, want %q", tt.mode, got, tt.want)
		}
	}
}

// The same counters under wlc, sed and nq (ip_vs_wlc_schedule,
// ip_vs_sed_schedule, ip_vs_nq_schedule). List X Y Z (Z added first):
//
//	X: w 1, active 0, inactive 300: wlc 300/1, sed (0+1)/1 = 1, idle
//	Y: w 4, active 1, inactive 0:   wlc 256/4 = 64, sed 2/4 = 0.5
//	Z: w 1, active 0, inactive 10:  wlc 10/1, sed 1/1, idle
//
// wlc counts the inactive ones: Z. sed counts only active, plus the
// incoming connection: Y. nq takes the first idle one in list order: X.
func TestWLCvsSEDvsNQOnTheSameCounters(t *testing.T) {
	want := map[string]string{"wlc": "Z", "sed": "Y", "nq": "X", "lc": "Z"}
	for _, name := range []string{"wlc", "sed", "nq", "lc"} {
		z := counters(rs("Z", 1), 0, 10)
		y := counters(rs("Y", 4), 1, 0)
		x := counters(rs("X", 1), 0, 300)
		svc := service(t, name, nil, z, y, x)
		if got := picks(svc, 1, noBind); got != want[name] {
			t.Errorf("%s: got %s, want %s", name, got, want[name])
		}
	}
}

// Sequences from an empty service with A w 1 and B w 3 (list B A), each
// connection ESTABLISHED at once. With (a, b) the active counts:
//
// wlc compares a/1 with b/3, a tie keeps B (first):
// (0,0) B, (0,1) A, (1,1) B, (1,2) B, (1,3) tie B, (1,4) A, (2,4) B, ...
// sed compares (a+1)/1 with (b+1)/3:
// (0,0) 1 vs 1/3 B, (0,1) B, (0,2) 1 vs 1 tie B, (0,3) A, (1,3) B, ...
// nq takes an idle server first: (0,0) B idle, (0,1) A idle, then as sed:
// (1,1) 2 vs 2/3 B, ... (1,5) 2 vs 2 tie B, (1,6) A.
//
// In a SYN burst (every connection inactive until ESTABLISHED) with B w 2,
// ip_vs_sed_dest_overhead counts active connections only: sed and nq see
// no change and send the whole burst to B, where wlc spreads it by the
// inactive counts (a, b): (0,0) tie B, (0,1) 1/2 vs 0 A, (1,1) B,
// (1,2) tie B, (1,3) A, (2,3) B.
func TestWeightedLeastSequences(t *testing.T) {
	tests := []struct {
		name string
		mode connMode
		wB   int
		want string
	}{
		{"wlc", active, 3, "B A B B B A B B B A"},
		{"sed", active, 3, "B B B A B B B A B B"},
		{"nq", active, 3, "B A B B B B B A B B"},
		{"wlc", inactive, 2, "B A B B A B"},
		{"sed", inactive, 2, "B B B B B B"},
		{"nq", inactive, 2, "B B B B B B"},
	}
	for _, tt := range tests {
		svc := service(t, tt.name, nil, rs("A", 1), rs("B", tt.wB))
		if got := picks(svc, (len(tt.want)+1)/2, tt.mode); got != tt.want {
			t.Errorf("%s mode %d: got %q, want %q", tt.name, tt.mode, got, tt.want)
		}
	}
}

// wlc, sed and nq skip quiesced and overloaded destinations, and return
// nothing when none is left. The first usable destination may come
// after skipped ones (wlc's first stage).
func TestWeightedLeastSkips(t *testing.T) {
	for _, name := range []string{"wlc", "sed", "nq"} {
		t.Run(name, func(t *testing.T) {
			a := counters(rs("A", 1), 9, 0)
			b := counters(rs("B", 5), 0, 0)
			c := counters(rs("C", 5), 0, 0)
			svc := service(t, name, nil, a, b, c)
			svc.SetWeight(c, 0)
			b.Overloaded = true
			if got := picks(svc, 1, noBind); got != "A" {
				t.Fatalf("C quiesced, B overloaded: got %s, want A", got)
			}
			a.Overloaded = true
			if got := picks(svc, 1, noBind); got != "-" {
				t.Fatalf("all out: got %s, want -", got)
			}
		})
	}
}

// wlc multiplies in 64 bits ((__s64)loh * weight): 65535 active
// connections (overhead 16776960) times weight 65535 would wrap in 32
// bits. A: w 65535, active 65535; B: w 65534, active 65535: A has the
// lower load per weight.
func TestWLCSixtyFourBitProducts(t *testing.T) {
	a := counters(rs("A", 65535), 65535, 0)
	b := counters(rs("B", 65534), 65535, 0)
	svc := service(t, "wlc", nil, a, b) // list B A
	if got := picks(svc, 1, noBind); got != "A" {
		t.Fatalf("got %s, want A", got)
	}
}
