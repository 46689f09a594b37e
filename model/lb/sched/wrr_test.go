package sched

import (
	"net/netip"
	"testing"
)

// Weighted round-robin sequences worked out from ip_vs_wrr.c with A=4,
// B=3, C=2 added in that order (list C B A).
//
// The adds go through ip_vs_wrr_dest_changed. On the empty service
// ip_vs_wrr_init_svc left cw = mw = 0. Adding A: di = 4, mw = 4-(4-1) = 1,
// and cw == 0 takes mw: cw = 1. Adding B and C: di = 1, mw = 4, and cw = 1
// is neither above mw nor 0, and di is 1, so cw stays 1. The first round
// is therefore the last pass, weight >= 1: C B A. Then cw wraps to mw = 4
// and the steady cycle runs cw = 4: A; 3: B A; 2: C B A; 1: C B A, nine
// picks with A 4, B 3, C 2.
const wrrCycle = "A B A C B A C B A"

func TestWRRSequences(t *testing.T) {
	tests := []struct {
		name   string
		before int
		change func(*Service)
		want   string
	}{
		{name: "4/3/2", want: "C B A " + wrrCycle + " " + wrrCycle},
		// ipvsadm -e A weight 1 after the prefix and one cycle (cl = A,
		// cw = 1). dest_changed: cl back to the head, di = 1, mw = 3, cw
		// stays 1: a last pass C B A, then cw = 3: B; 2: C B; 1: C B A,
		// the cycle B C B C B A with B 3, C 2, A 1.
		{name: "-e A 1", before: 12, change: setWeight("A", 1),
			want: "C B A " + wrrCycle + " C B A B C B C B A B C B C B A"},
		// ipvsadm -e B weight 2 after C B A A B A C (cl = C, cw = 2).
		// dest_changed: di = gcd(2,2,4) = 2, mw = 4-1 = 3, and cw = 2 is
		// rounded to (2/2)*2+1 = 3. cw = 3: A; cw = 1 (last pass): C B A;
		// then cw wraps to 3 and the cycle A C B A repeats: A 2, B 1, C 1.
		{name: "-e B 2 changes the gcd", before: 7, change: setWeight("B", 2),
			want: "C B A A B A C A C B A A C B A"},
		// ipvsadm -d B after C B A A B (cl = B, cw = 3). dest_changed:
		// list C A, di = 2, mw = 3, cw = (3/2)*2+1 = 3. cw = 3: A; cw = 1:
		// C A; then the cycle A C A: A 2, C 1.
		{name: "-d B", before: 5, change: remove("B"), want: "C B A A B A C A A C A"},
		// All quiesced: mw = 0, "no destination available" at once.
		{name: "all weight 0", before: 3, change: func(svc *Service) {
			for _, d := range svc.Dests {
				svc.SetWeight(d, 0)
			}
		}, want: "C B A - -"},
		// ipvsadm -a D 4 after C B A A B (cl = B, cw = 3): the list is
		// D C B A, dest_changed keeps cw = 3 (di 1, mw 4) and restarts
		// from the head. cw = 3: D B A; 2: D C B A; 1: D C B A; 4: D A.
		{name: "-a D 4", before: 5, change: add("D", 4), want: "C B A A B D B A D C B A D C B A D A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := service(t, "wrr", nil, rs("A", 4), rs("B", 3), rs("C", 2))
			got := picks(svc, tt.before, noBind)
			n := (len(tt.want)+1)/2 - tt.before
			if tt.change != nil {
				tt.change(svc)
			}
			if got != "" {
				got += " "
			}
			if got += picks(svc, n, noBind); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The overloaded-destination cases of ip_vs_wrr_schedule: a destination
// with IP_VS_DEST_F_OVERLOAD is passed over like one of too little
// weight; when every one is, the walk stops after a full last pass and
// leaves cl where it stopped.
func TestWRROverloaded(t *testing.T) {
	a, b, c := rs("A", 4), rs("B", 3), rs("C", 2)
	svc := service(t, "wrr", nil, a, b, c)
	if got, want := picks(svc, 4, noBind), "C B A A"; got != want {
		t.Fatalf("start: got %q, want %q", got, want)
	}
	a.Overloaded = true
	// cl = A, cw = 4. cw = 3: B; 2: C B; 1: C B; wrap to 4: nothing
	// reaches 4 but A, which is overloaded, so on to cw = 3: B.
	if got, want := picks(svc, 6, noBind), "B C B C B B"; got != want {
		t.Fatalf("A overloaded: got %q, want %q", got, want)
	}
	b.Overloaded, c.Overloaded = true, true
	if got, want := picks(svc, 2, noBind), "- -"; got != want {
		t.Fatalf("all overloaded: got %q, want %q", got, want)
	}
	// The flag clears (ip_vs_unbind_dest): picks resume.
	a.Overloaded = false
	if got := picks(svc, 2, noBind); got != "A A" {
		t.Fatalf("A relieved: got %q, want %q", got, "A A")
	}
}

// Equal weights: di = mw = 1, every pick is the last pass, plain
// round-robin over the list.
func TestWRREqualWeightsShareEvenly(t *testing.T) {
	var ds []*Dest
	for i := range 100 {
		d := rs("A", 1)
		d.Addr = netip.AddrPortFrom(d.Addr.Addr(), uint16(1000+i))
		ds = append(ds, d)
	}
	svc := service(t, "wrr", nil, ds...)
	seen := map[*Dest]int{}
	var r Request
	for range 1000 {
		seen[svc.Schedule(&r)]++
	}
	for _, d := range ds {
		if seen[d] != 10 {
			t.Fatalf("%v picked %d times in 1000, want 10", d.Addr, seen[d])
		}
	}
}
