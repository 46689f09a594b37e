package sched

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
)

// mhOf returns the service's mh state.
func mhOf(t testing.TB, svc *Service) *MH {
	t.Helper()
	m, ok := svc.Scheduler().(*MH)
	if !ok {
		t.Fatalf("scheduler is %T, want *MH", svc.Scheduler())
	}
	return m
}

// mhShares counts the lookup slots of each destination.
func mhShares(m *MH) map[string]int {
	n := map[string]int{}
	for _, d := range m.lookup {
		n[hname(d)]++
	}
	return n
}

// mhClient is the i-th of a fixed set of client addresses.
func mhClient(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000)
}

// mhPicks schedules the first n clients of mhClient.
func mhPicks(svc *Service, n int) []*Dest {
	picks := make([]*Dest, n)
	r := &Request{Proto: 6}
	for i := range picks {
		r.Client = mhClient(i)
		picks[i] = svc.Schedule(r)
	}
	return picks
}

func mhDests(weights ...int) []*Dest {
	var ds []*Dest
	for i, w := range weights {
		ds = append(ds, hdest(string(rune('A'+i)), fmt.Sprintf("10.1.0.%d:80", i+1), w))
	}
	return ds
}

// TestMHWeightScaling follows ip_vs_mh_gcd_weight, ip_vs_mh_shift_weight
// and the turns of ip_vs_mh_permutate: turns = (lw/gcd) >> shift, at
// least 1 for a non-zero weight, with shift = fls(max/gcd) - 6 (at least
// 0).
func TestMHWeightScaling(t *testing.T) {
	tests := []struct {
		weights   []int
		gcd, shft int
		turns     []int
	}{
		{[]int{1, 2, 3}, 1, 0, []int{1, 2, 3}},
		// gcd 100 divides out.
		{[]int{100, 200, 300}, 100, 0, []int{1, 2, 3}},
		// max/gcd = 200, fls(200) = 8, shift 2: 200>>2 = 50; 1>>2 = 0 -> 1.
		{[]int{1, 200}, 1, 2, []int{1, 50}},
		// fls(64) = 7: shift 1; fls(63) = 6: shift 0.
		{[]int{64, 1}, 1, 1, []int{32, 1}},
		{[]int{63, 1}, 1, 0, []int{63, 1}},
		// Weight 0 at add: last_weight 0, no turns, and no part in gcd.
		{[]int{0, 5}, 5, 0, []int{0, 1}},
		{[]int{0, 0}, 0, 0, nil},
	}
	for _, tt := range tests {
		ds := mhDests(tt.weights...)
		for _, d := range ds {
			d.LastWeight = d.Weight
		}
		g := mhGCDWeight(ds)
		s := mhShiftWeight(ds, g)
		if g != tt.gcd || s != tt.shft {
			t.Errorf("weights %v: got gcd %d shift %d, want gcd %d shift %d", tt.weights, g, s, tt.gcd, tt.shft)
			continue
		}
		for i, want := range tt.turns {
			if got := mhTurns(tt.weights[i], g, s); got != want {
				t.Errorf("weights %v: dest %d: got %d turns, want %d", tt.weights, i, got, want)
			}
		}
	}
}

// TestMHPermutation checks ip_vs_mh_permutate's offset and skip against
// SipHash-1-3 of the dest's port+address as 4 little-endian bytes under
// the fixed keys, computed through the byte-level sipHash, and that each
// permutation visits every slot (4093 is prime, 1 <= skip < 4093).
func TestMHPermutation(t *testing.T) {
	svc := hservice(t, "mh", 0, mhDests(1, 1, 1)...)
	m := mhOf(t, svc)
	for i, d := range svc.Dests {
		a4 := d.Addr.Addr().As4()
		v := binary.BigEndian.Uint32(a4[:]) + uint32(d.Addr.Port())
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], v)
		wantOff := uint32(sipHash(1, 3, 2654435761, 2654435761, b[:])) % mhTabSize
		wantSkip := uint32(sipHash(1, 3, 2654446892, 2654446892, b[:]))%(mhTabSize-1) + 1
		ds := m.setup[i]
		if ds.offset != wantOff || ds.skip != wantSkip {
			t.Errorf("%s: got offset %d skip %d, want %d %d", d.Name, ds.offset, ds.skip, wantOff, wantSkip)
		}
		seen := make([]bool, mhTabSize)
		p := ds.offset
		for j := 0; j < mhTabSize; j++ {
			seen[p] = true
			p = (p + ds.skip) % mhTabSize
		}
		for j, ok := range seen {
			if !ok {
				t.Fatalf("%s: permutation misses slot %d", d.Name, j)
			}
		}
	}
}

// TestMHTableShares: ip_vs_mh_populate goes round the list (newest
// first) with each destination claiming `turns` slots. A, B, C at 1, 2, 3
// (list C, B, A) claim 6 slots a round; 4093 = 682*6 + 1, so after 682
// rounds the first of the list, C, takes the last slot: C 682*3+1 = 2047,
// B 1364, A 682. Weights 2, 4, 6 have the same gcd-scaled turns and so
// the very same table.
func TestMHTableShares(t *testing.T) {
	m := mhOf(t, hservice(t, "mh", 0, mhDests(1, 2, 3)...))
	got := mhShares(m)
	if got["A"] != 682 || got["B"] != 1364 || got["C"] != 2047 || got["<nil>"] != 0 {
		t.Errorf("got %v, want A 682, B 1364, C 2047", got)
	}
	m2 := mhOf(t, hservice(t, "mh", 0, mhDests(2, 4, 6)...))
	for i := range m.lookup {
		if m.lookup[i].Name != m2.lookup[i].Name {
			t.Fatalf("slot %d: weights 1,2,3 give %s, weights 2,4,6 give %s", i, m.lookup[i].Name, m2.lookup[i].Name)
		}
	}
}

// TestMHClientsSpreadByWeight: clients hash uniformly onto the slots
// (hsiphash), so over 60000 clients each destination's share is its share
// of the table, 1/6, 2/6, 3/6; the tolerance of 0.01 is over 5 binomial
// standard deviations (sqrt(p(1-p)/60000) <= 0.002).
func TestMHClientsSpreadByWeight(t *testing.T) {
	svc := hservice(t, "mh", 0, mhDests(1, 2, 3)...)
	const n = 60000
	count := map[string]int{}
	r := &Request{Proto: 6}
	for i := 0; i < n; i++ {
		r.Client = mhClient(i)
		count[hname(svc.Schedule(r))]++
	}
	for name, want := range map[string]float64{"A": 1.0 / 6, "B": 2.0 / 6, "C": 3.0 / 6} {
		got := float64(count[name]) / n
		if got < want-0.01 || got > want+0.01 {
			t.Errorf("%s: got share %.4f, want %.4f +- 0.01", name, got, want)
		}
	}
}

// TestMHRemovalMovesFewOtherClients: Maglev's minimal disruption (paper
// section 3.4). With five equal destinations, removing E frees its ~1/5
// of the slots; the others keep their preferred slots except where the
// new rounds reach a slot first, which the paper measures in the low per
// cent (0.34% here). Every client of E must move, and at most 2% of the
// others.
func TestMHRemovalMovesFewOtherClients(t *testing.T) {
	svc := hservice(t, "mh", 0, mhDests(1, 1, 1, 1, 1)...)
	const n = 20000
	before := mhPicks(svc, n)
	e := svc.Find("E")
	svc.Remove(e)
	onE, others, moved := 0, 0, 0
	for i, got := range mhPicks(svc, n) {
		if got == nil || got == e {
			t.Fatalf("client %d: got %s after removing E", i, hname(got))
		}
		if before[i] == e {
			onE++
			continue
		}
		others++
		if got != before[i] {
			moved++
		}
	}
	if share := float64(onE) / n; share < 0.18 || share > 0.22 {
		t.Errorf("E had %.3f of the clients, want 0.2 +- 0.02", share)
	}
	if frac := float64(moved) / float64(others); frac > 0.02 {
		t.Errorf("%.3f of the other clients moved, want at most 0.02", frac)
	}
	t.Logf("E held %d of %d clients; %d of the other %d moved (%.2f%%)", onE, n, moved, others, 100*float64(moved)/float64(others))
}

// TestMHQuiesceKeepsTheTable: __ip_vs_update_dest keeps last_weight when
// the weight goes to 0, so the rebuilt table is the same and the
// quiesced destination's clients come back to it when it returns. While
// it is quiesced, ip_vs_mh_get gives them nothing, and with mh-fallback
// ip_vs_mh_get_fallback rehashes each to another slot (never the
// quiesced one); clients of the other destinations do not move.
func TestMHQuiesceKeepsTheTable(t *testing.T) {
	for _, flags := range []Flags{0, FlagMHFallback} {
		t.Run(fmt.Sprintf("flags=%q", flags), func(t *testing.T) {
			svc := hservice(t, "mh", flags, mhDests(1, 1, 1)...)
			m := mhOf(t, svc)
			const n = 3000
			before := mhPicks(svc, n)
			table := append([]*Dest(nil), m.lookup...)
			c := svc.Find("C")
			svc.SetWeight(c, 0)
			for i := range table {
				if m.lookup[i] != table[i] {
					t.Fatalf("slot %d changed on quiescing", i)
				}
			}
			spread := map[string]int{}
			for i, got := range mhPicks(svc, n) {
				switch {
				case before[i] != c && got != before[i]:
					t.Fatalf("client %d of %s moved to %s", i, hname(before[i]), hname(got))
				case before[i] == c && flags == 0 && got != nil:
					t.Fatalf("client %d of quiesced C: got %s, want <nil>", i, hname(got))
				case before[i] == c && flags != 0 && (got == nil || got == c):
					t.Fatalf("client %d of quiesced C with fallback: got %s", i, hname(got))
				case before[i] == c:
					spread[hname(got)]++
				}
			}
			if flags != 0 && (spread["A"] == 0 || spread["B"] == 0) {
				t.Errorf("fallback sent C's clients to %v, want both A and B", spread)
			}
			svc.SetWeight(c, 1)
			for i, got := range mhPicks(svc, n) {
				if got != before[i] {
					t.Fatalf("client %d after C returned: got %s, want %s", i, hname(got), hname(before[i]))
				}
			}
		})
	}
}

// TestMHAddedAtWeightZero: a destination added at weight 0 has
// last_weight 0, no turns, no slot; given a weight it claims its share.
func TestMHAddedAtWeightZero(t *testing.T) {
	svc := hservice(t, "mh", 0, mhDests(1, 1)...)
	d := hdest("Z", "10.1.0.9:80", 0)
	if err := svc.Add(d); err != nil {
		t.Fatal(err)
	}
	m := mhOf(t, svc)
	if n := mhShares(m)["Z"]; n != 0 {
		t.Fatalf("added at weight 0: got %d slots, want 0", n)
	}
	svc.SetWeight(d, 2)
	// Turns Z 2, B 1, A 1: 4093 = 1023*4 + 1, Z first in the list takes
	// 1023*2 + 1.
	if n := mhShares(m)["Z"]; n != 2047 {
		t.Errorf("after weight 2: got %d slots, want 2047", n)
	}
}

// TestMHPortFlag: with mh-port ip_vs_mh_get_port adds the source port of
// TCP/UDP/SCTP to the key, so one client's connections spread; without it
// (or for ICMP) they all meet one destination.
func TestMHPortFlag(t *testing.T) {
	tests := []struct {
		flags Flags
		proto uint8
		want  int // destinations reached
	}{
		{0, 6, 1},
		{FlagMHPort, 6, 3},
		{FlagMHPort, 17, 3},
		{FlagMHPort, 1, 1},
	}
	for _, tt := range tests {
		svc := hservice(t, "mh", tt.flags, mhDests(1, 1, 1)...)
		seen := map[*Dest]bool{}
		for port := 1000; port < 1200; port++ {
			seen[svc.Schedule(&Request{Proto: tt.proto, Client: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(port))})] = true
		}
		if len(seen) != tt.want || seen[nil] {
			t.Errorf("flags %q proto %d: reached %d destinations (nil: %v), want %d", tt.flags, tt.proto, len(seen), seen[nil], tt.want)
		}
	}
}

// TestMHEmptyAndAllZero: no destination, or only weight-0 ones (gcd 0):
// ip_vs_mh_populate resets the table and every pick is nil.
func TestMHEmptyAndAllZero(t *testing.T) {
	r := hreq(6, "10.0.0.1:1", "192.0.2.1:80")
	for _, svc := range []*Service{
		hservice(t, "mh", FlagMHFallback),
		hservice(t, "mh", FlagMHFallback, mhDests(0, 0)...),
	} {
		if got := svc.Schedule(r); got != nil {
			t.Errorf("got %s, want <nil>", got.Name)
		}
	}
	svc := hservice(t, "mh", 0, mhDests(1)...)
	svc.Remove(svc.Find("A"))
	if got := svc.Schedule(r); got != nil {
		t.Errorf("after removing the last: got %s, want <nil>", got.Name)
	}
}

func TestMHScheduleAllocatesNothing(t *testing.T) {
	svc := hservice(t, "mh", FlagMHFallback|FlagMHPort, mhDests(1, 2, 3)...)
	svc.SetWeight(svc.Find("C"), 0)
	r := &Request{Proto: 6}
	i := 0
	if n := testing.AllocsPerRun(200, func() { r.Client = mhClient(i); i++; svc.Schedule(r) }); n != 0 {
		t.Errorf("got %v allocations per pick, want 0", n)
	}
}

func BenchmarkMHSchedule(b *testing.B) {
	b.ReportAllocs()
	svc := hservice(b, "mh", 0, mhDests(1, 2, 3, 4)...)
	r := &Request{Proto: 6}
	for i := 0; i < b.N; i++ {
		r.Client = mhClient(i)
		svc.Schedule(r)
	}
}

// BenchmarkMHRebuild is the cost of one add/del/upd (a full populate).
func BenchmarkMHRebuild(b *testing.B) {
	b.ReportAllocs()
	svc := hservice(b, "mh", 0, mhDests(1, 2, 3, 4, 5, 6, 7, 8)...)
	d := svc.Find("A")
	for i := 0; i < b.N; i++ {
		svc.SetWeight(d, 1+i%2)
	}
}
