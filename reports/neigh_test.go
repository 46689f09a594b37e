package reports

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// reachableCycles returns the changes of a neighbour entry in use from
// start to end, as Linux makes them (net/core/neighbour.c): REACHABLE for a
// reachable time drawn in [base/2, 3*base/2) (neigh_rand_reach_time, base
// 30 s), then STALE (neigh_timer_handler), DELAY on the next packet
// (neigh_event_send), PROBE after delay_first_probe_time (5 s) and
// REACHABLE again on the reply (neigh_update).
func reachableCycles(rng *rand.Rand, host string, ip netip.Addr, mac [6]byte, start, end sim.Time) []sim.Record {
	rec := func(at sim.Time, from, to, reason string) sim.Record {
		return sim.Record{At: at, Kind: sim.KindNeigh, Node: host, Comp: "eth0", Addr: ip, MAC: mac, From: from, To: to, Reason: reason}
	}
	out := []sim.Record{rec(start, "INCOMPLETE", "REACHABLE", "reply")}
	for t := start; ; {
		t += sim.Time(15*time.Second) + sim.Time(rng.Int64N(int64(30*time.Second)))
		stale := t
		t += sim.Time(rng.Int64N(int64(20 * time.Millisecond))) // the next ping
		delay := t
		t += sim.Time(5 * time.Second)
		probe := t
		t += sim.Time(rng.Int64N(int64(time.Millisecond)))
		if t >= end {
			return out
		}
		out = append(out, rec(stale, "REACHABLE", "STALE", "timeout"), rec(delay, "STALE", "DELAY", "output"),
			rec(probe, "DELAY", "PROBE", "timeout"), rec(t, "PROBE", "REACHABLE", "reply"))
	}
}

// TestNeighHistoryKeptCompactOverHours: hours of reachable cycles on many
// entries come back change for change, while what the collector keeps per
// change stays a few octets and its table of distinct changes does not
// grow with the run (issue 14: memory follows the network, not the run).
func TestNeighHistoryKeptCompactOverHours(t *testing.T) {
	const entries = 20
	kinds := map[int]int{}
	for _, hours := range []int{1, 10} {
		rng := rand.New(rand.NewPCG(14, uint64(hours)))
		c := NewCollector()
		var want []NeighHistory
		fed := 0
		for i := range entries {
			host := "h" + string(rune('a'+i))
			ip := netip.AddrFrom4([4]byte{10, 0, byte(i), 254})
			mac := [6]byte{0, 0, 0x5e, 0, 1, byte(i + 1)}
			recs := reachableCycles(rng, host, ip, mac, sim.Second, sim.Time(hours)*sim.Time(time.Hour))
			h := NeighHistory{Host: host, IP: ip.String()}
			for j := range recs {
				r := &recs[j]
				c.Trace(r)
				h.Changes = append(h.Changes, ARPChange{At: Seconds(r.At), Iface: "eth0", MAC: macString(mac),
					Owner: "vmac:" + strconv.Itoa(i+1), From: r.From, State: r.To, Reason: r.Reason})
			}
			fed += len(recs)
			want = append(want, h)
		}
		if got := c.NeighHistories(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%d h: the history read back differs from the %d changes fed", hours, fed)
		}
		if fed < entries*hours*100 {
			t.Fatalf("%d h: fed %d changes, want at least %d (4 per cycle of ~30 s)", hours, fed, entries*hours*100)
		}
		kept := 0
		for _, l := range c.neigh {
			kept += len(l.enc) + 8*len(l.switches)
			if len(l.switches) != 1 {
				t.Errorf("%d h: %d record numbers kept for an entry whose MAC never changed, want 1", hours, len(l.switches))
			}
		}
		if perChange := float64(kept) / float64(fed); perChange > 8 {
			t.Errorf("%d h: %.1f octets kept per change, want at most 8", hours, perChange)
		}
		kinds[hours] = len(c.neighKinds)
	}
	if kinds[10] != kinds[1] {
		t.Errorf("distinct changes kept: %d after 10 h, %d after 1 h, want the same (one per entry and transition)", kinds[10], kinds[1])
	}
}

// TestReportARPMovesAfterHours: an entry that cycles through reachable
// states for hours and then gets a new link address (neigh_update
// replacing lladdr on a gratuitous ARP or a reply) is listed with every
// change it had and its moves; the owner is the MAC's node, so a MAC
// coming back after INCOMPLETE, or another MAC of the same node, is no
// move.
func TestReportARPMovesAfterHours(t *testing.T) {
	macR1b := [6]byte{0x02, 0, 0, 0, 0x01, 0x02} // r1's second interface
	unknown := [6]byte{0x02, 0, 0, 0, 0x09, 0x09}
	zero := [6]byte{}
	crash := sec(3 * 3600)
	type move struct {
		from, to string
		after    Seconds // since the crash
	}
	tests := []struct {
		name   string
		after  [][6]byte // link addresses of the changes after the crash, one a second
		owners []string  // want; nil: the entry is not listed
		moves  []move    // want
	}{
		{"same MAC back after INCOMPLETE", [][6]byte{zero, macR1}, nil, nil},
		{"another MAC of the same node", [][6]byte{macR1b, macR1}, nil, nil},
		{"new MAC after INCOMPLETE", [][6]byte{zero, macR2}, []string{"r1", "r2"}, []move{{"r1", "r2", Seconds(2 * sim.Second)}}},
		{"there and back", [][6]byte{macR2, zero, macR2, macR1}, []string{"r1", "r2"},
			[]move{{"r1", "r2", Seconds(sim.Second)}, {"r2", "r1", Seconds(4 * sim.Second)}}},
		{"a MAC nobody announced", [][6]byte{unknown}, []string{"r1", "02:00:00:00:09:09"},
			[]move{{"r1", "02:00:00:00:09:09", Seconds(sim.Second)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &story{}
			s.iface("h1", "eth0", macH1, "10.0.0.10")
			s.iface("r1", "eth0", macR1, "10.0.0.1")
			s.iface("r1", "eth1", macR1b, "10.0.1.1")
			s.iface("r2", "eth0", macR2, "10.0.0.2")
			rng := rand.New(rand.NewPCG(14, 0))
			s.recs = append(s.recs, reachableCycles(rng, "h1", vip, macR1, sec(4), crash)...)
			s.action(crash, "crash", "r1", "crash r1")
			for i, m := range tc.after {
				to := "REACHABLE"
				if m == zero {
					to = "INCOMPLETE"
				}
				s.neigh(crash+sim.Time(i+1)*sim.Second, "h1", vip, m, "", to, "update")
			}
			fed := 0
			for _, r := range s.recs {
				if r.Kind == sim.KindNeigh {
					fed++
				}
			}
			meta := crashMeta
			meta.Duration = crash + sec(60)
			r := s.collect().Report(meta)
			if tc.owners == nil {
				if len(r.ARP) != 0 {
					t.Fatalf("got %d ARP entries (%+v), want none: no owner moved", len(r.ARP), r.ARP[0].Owners)
				}
				return
			}
			if len(r.ARP) != 1 {
				t.Fatalf("got %d ARP entries, want 1", len(r.ARP))
			}
			e := r.ARP[0]
			if !reflect.DeepEqual(e.Owners, tc.owners) {
				t.Errorf("owners: got %v, want %v", e.Owners, tc.owners)
			}
			if len(e.Changes) != fed {
				t.Errorf("changes: got %d, want all %d fed", len(e.Changes), fed)
			}
			var moves []move
			for _, mv := range e.Moves {
				if mv.Action != "crash r1" || mv.AfterAction == nil {
					t.Fatalf("move %+v: want it after the action crash r1", mv)
				}
				moves = append(moves, move{mv.From, mv.To, *mv.AfterAction})
			}
			if !reflect.DeepEqual(moves, tc.moves) {
				t.Errorf("moves: got %v, want %v", moves, tc.moves)
			}
		})
	}
}
