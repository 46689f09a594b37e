package sched

import "testing"

// Round-robin sequences worked out from ip_vs_rr.c. A, B, C are added in
// that order, so the list is C B A; the cursor starts at the head
// (ip_vs_rr_init_svc) and ip_vs_rr_schedule takes the first usable entry
// after it, wrapping past the head.
func TestRRSequences(t *testing.T) {
	tests := []struct {
		name   string
		before int            // picks before the change
		change func(*Service) // nil: none
		want   string         // the picks, before and after
		setup  func(a, b, c *Dest)
	}{
		{name: "plain", want: "C B A C B A"},
		// ip_vs_rr_del_dest: the cursor is on B (picked last) when B goes;
		// it moves to B's predecessor C, so the next pick is A, the entry
		// that followed B.
		{name: "remove the cursor's dest", before: 2, change: remove("B"), want: "C B A C A C"},
		// The cursor is on C, the first entry: it moves back to the head,
		// and the walk starts again at B.
		{name: "remove the first dest under the cursor", before: 1, change: remove("C"), want: "C B A B A"},
		// Removing another entry leaves the cursor on B: A follows.
		{name: "remove before the cursor", before: 2, change: remove("C"), want: "C B A B A B"},
		// A new destination goes to the head, before the cursor's entry C,
		// so the walk meets it only after wrapping: B A D C.
		{name: "add while in the middle", before: 1, change: add("D", 1), want: "C B A D C B"},
		// Weight 0 quiesces and an overloaded entry is skipped alike.
		{name: "quiesced and overloaded", setup: func(a, b, c *Dest) { b.Weight = 0; c.Overloaded = true }, want: "A A A"},
		// Nothing usable: "no destination available", the cursor stays.
		{name: "none usable", setup: func(a, b, c *Dest) { a.Weight, b.Weight, c.Weight = 0, 0, 0 }, want: "- -"},
		// The cursor on B when B is quiesced: the walk goes on to A.
		{name: "quiesce the cursor's dest", before: 2, change: setWeight("B", 0), want: "C B A C A C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := rs("A", 1), rs("B", 1), rs("C", 1)
			if tt.setup != nil {
				tt.setup(a, b, c)
			}
			svc := service(t, "rr", nil, a, b, c)
			got := picks(svc, tt.before, noBind)
			n := len(tt.want)/2 + 1 - tt.before
			if tt.change != nil {
				tt.change(svc)
			}
			if rest := picks(svc, n, noBind); got == "" {
				got = rest
			} else {
				got += " " + rest
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Changes of the list for the sequence tables, as ipvsadm makes them.

func remove(name string) func(*Service) {
	return func(svc *Service) { svc.Remove(svc.Find(name)) }
}

func add(name string, w int) func(*Service) {
	return func(svc *Service) {
		if err := svc.Add(rs(name, w)); err != nil {
			panic(err)
		}
	}
}

func setWeight(name string, w int) func(*Service) {
	return func(svc *Service) { svc.SetWeight(svc.Find(name), w) }
}
