package stepper

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestStepperTwoLANs: a world of two LANs that nothing joins steps in
// lockstep (sim.Group): time never goes back, events at one instant come
// LAN 1's (part 0) before LAN 2's, and going back shows what going
// forward showed.
func TestStepperTwoLANs(t *testing.T) {
	data, err := scenarios.BenchLAN(260, 15*time.Second) // lan1: groups 1-250, lan2: 251-260
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load("two-lans.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if n := scenarios.Parts(sc).Parts(); n != 2 {
		t.Fatalf("%d parts, want 2", n)
	}
	s, err := New(sc, sc.Seed, sim.Time(0))
	if err != nil {
		t.Fatal(err)
	}
	s.SetFilterEnv(testFilterEnv())
	// partOf is 0 for lan1's nodes and segment, 1 for lan2's.
	partOf := func(e *Event) int {
		for _, r := range e.Recs {
			if r.Node == "lan2" {
				return 1
			}
			if r.Node == "lan1" {
				return 0
			}
			// Bench node names: g12a, g12b, h12 for group 12.
			if g, err := strconv.Atoi(strings.TrimRight(strings.TrimLeft(r.Node, "gh"), "ab")); err == nil {
				if g > 250 {
					return 1
				}
				return 0
			}
		}
		return -1
	}
	prevAt, prevPart, ties := sim.Time(0), 0, 0
	for range 40 {
		evs, _ := s.Next(histLen)
		for _, e := range evs {
			p := partOf(e)
			if e.At < prevAt {
				t.Fatalf("event #%d at %v after one at %v", e.N, e.At, prevAt)
			}
			if e.At == prevAt && p >= 0 && prevPart >= 0 && p < prevPart {
				t.Fatalf("event #%d at %v: LAN %d's after LAN %d's at the same instant", e.N, e.At, p+1, prevPart+1)
			}
			if e.At == prevAt && p != prevPart {
				ties++
			}
			prevAt, prevPart = e.At, p
		}
	}
	if ties == 0 {
		t.Errorf("no instant with events of both LANs in %d events: the order is not exercised", s.N())
	}
	targets := []int{1, 700, 1900}
	want := map[int]string{}
	for _, i := range targets {
		if err := s.Goto(i); err != nil {
			t.Fatal(err)
		}
		want[i] = twoLANViews(t, s)
	}
	for j := len(targets) - 1; j >= 0; j-- {
		if err := s.Goto(targets[j]); err != nil {
			t.Fatal(err)
		}
		if got := twoLANViews(t, s); got != want[targets[j]] {
			t.Errorf("event %d: views after going back differ from forward", targets[j])
		}
	}
}

// twoLANViews is what the stepper shows of the two-LAN world at the
// current event.
func twoLANViews(t *testing.T, s *Stepper) string {
	var b strings.Builder
	b.WriteString(s.Where() + "\n" + s.EventText(s.Current()))
	for _, c := range []string{"show vrrp", "show mac lan1", "show mac lan2", "show arp h1", "show arp h251", "events 10"} {
		b.WriteString(exec(t, s, c))
	}
	return b.String()
}
