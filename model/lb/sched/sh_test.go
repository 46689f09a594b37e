package sched

import (
	"net/netip"
	"testing"
)

// Helpers of the hashing schedulers' tests (sh, dh, mh, lblc, lblcr).

func hdest(name, addr string, w int) *Dest {
	return &Dest{Name: name, Addr: netip.MustParseAddrPort(addr), Weight: w}
}

// hservice returns a service scheduled by the scheduler called name with
// ds added in the order given: the list is newest first, so it reads in
// the reverse order.
func hservice(t testing.TB, name string, flags Flags, ds ...*Dest) *Service {
	t.Helper()
	s, err := New(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(s, flags)
	for _, d := range ds {
		if err := svc.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

func hreq(proto uint8, client, dst string) *Request {
	return &Request{Proto: proto, Client: netip.MustParseAddrPort(client), Dst: netip.MustParseAddrPort(dst)}
}

func hname(d *Dest) string {
	if d == nil {
		return "<nil>"
	}
	return d.Name
}

// How the expected sh and dh picks follow from the kernel's functions.
//
// ip_vs_sh_hashkey is ((port + addr) * 2654435761 + offset) & 255. The
// low 8 bits of a product depend only on the low 8 bits of its factors,
// and 2654435761 = 0x9E3779B1 ends in 0xB1 = 177, so the bucket of
// 10.0.0.x (port 0) is x*177 mod 256:
//
//	10.0.0.1 -> 177   10.0.0.2 -> 98   10.0.0.3 -> 19   10.0.0.4 -> 196
//
// ip_vs_sh_reassign walks the list newest first. Adding A, B, C at weight
// 1 gives the list C, B, A and the buckets C, B, A, C, B, A, ...: bucket b
// holds list[b%3], so .1 -> C (177%3=0), .2 -> A (98%3=2), .3 -> B
// (19%3=1), .4 -> B (196%3=1).
func TestSHPicksTheClientsBucket(t *testing.T) {
	trio := func() []*Dest {
		return []*Dest{hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 1), hdest("C", "10.1.0.3:80", 1)}
	}
	tests := []struct {
		name   string
		dests  []*Dest
		flags  Flags
		proto  uint8
		client string
		want   string
	}{
		{"equal .1", trio(), 0, 6, "10.0.0.1:1000", "C"},
		{"equal .2", trio(), 0, 6, "10.0.0.2:1000", "A"},
		{"equal .3", trio(), 0, 6, "10.0.0.3:1000", "B"},
		{"equal .4", trio(), 0, 6, "10.0.0.4:1000", "B"},
		// Without sh-port the port plays no part: .1 stays on C.
		{"port ignored", trio(), 0, 6, "10.0.0.1:2", "C"},
		// sh-port adds the source port before the multiply: .1 port 1
		// hashes as 2*177 = 98 -> A, port 2 as 3*177 mod 256 = 19 -> B.
		{"sh-port tcp 1", trio(), FlagSHPort, 6, "10.0.0.1:1", "A"},
		{"sh-port tcp 2", trio(), FlagSHPort, 6, "10.0.0.1:2", "B"},
		{"sh-port udp 2", trio(), FlagSHPort, 17, "10.0.0.1:2", "B"},
		{"sh-port sctp 2", trio(), FlagSHPort, 132, "10.0.0.1:2", "B"},
		// ip_vs_sh_get_port reads ports of TCP/UDP/SCTP only: ICMP is 177.
		{"sh-port icmp", trio(), FlagSHPort, 1, "10.0.0.1:2", "C"},
		// The sum is 32-bit: 0x0A000001 + 65535 = 0x0A010000, bucket 0 -> C.
		{"sh-port carry", trio(), FlagSHPort, 6, "10.0.0.1:65535", "C"},
		// A at weight 2 and B at 1 give the list B, A and buckets B, A, A,
		// B, A, A, ...: b%3 == 0 is B, else A.
		{"weighted .1", []*Dest{hdest("A", "10.1.0.1:80", 2), hdest("B", "10.1.0.2:80", 1)}, 0, 6, "10.0.0.1:1", "B"},
		{"weighted .2", []*Dest{hdest("A", "10.1.0.1:80", 2), hdest("B", "10.1.0.2:80", 1)}, 0, 6, "10.0.0.2:1", "A"},
		{"weighted .3", []*Dest{hdest("A", "10.1.0.1:80", 2), hdest("B", "10.1.0.2:80", 1)}, 0, 6, "10.0.0.3:1", "A"},
		// IPv6 folds its four words: 2001:db8::1 -> 0x20010db9, low byte
		// 0xb9 = 185, 185*177 mod 256 = 233, 233%3 = 2 -> A.
		{"ipv6 client", trio(), 0, 6, "[2001:db8::1]:1000", "A"},
		{"empty service", nil, 0, 6, "10.0.0.1:1", "<nil>"},
		{"empty service, fallback", nil, FlagSHFallback, 6, "10.0.0.1:1", "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := hservice(t, "sh", tt.flags, tt.dests...)
			r := hreq(tt.proto, tt.client, "192.0.2.1:80")
			if got := hname(svc.Schedule(r)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestSHSameClientSameDest: ip_vs_sh_schedule hashes the address only, so
// every connection of a client lands on one server whatever its port.
func TestSHSameClientSameDest(t *testing.T) {
	svc := hservice(t, "sh", 0, hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 3), hdest("C", "10.1.0.3:80", 2))
	for i := 0; i < 256; i++ {
		client := netip.AddrFrom4([4]byte{10, 0, byte(i >> 4), byte(i)})
		first := svc.Schedule(&Request{Proto: 6, Client: netip.AddrPortFrom(client, 1024)})
		if first == nil {
			t.Fatalf("client %v: no destination", client)
		}
		for port := uint16(1025); port < 1100; port++ {
			if got := svc.Schedule(&Request{Proto: 6, Client: netip.AddrPortFrom(client, port)}); got != first {
				t.Fatalf("client %v port %d: got %s, want %s", client, port, hname(got), first.Name)
			}
		}
	}
}

// TestSHWeightsShareTheBuckets: 177 is odd, so 10.0.0.0 .. 10.0.0.255 hit
// each of the 256 buckets once. A at weight 2 and B at 1 (list B, A) fill
// them B, A, A, ...: 256 = 85*3 + 1, so B holds 86 buckets and A 170.
func TestSHWeightsShareTheBuckets(t *testing.T) {
	svc := hservice(t, "sh", 0, hdest("A", "10.1.0.1:80", 2), hdest("B", "10.1.0.2:80", 1))
	count := map[string]int{}
	for i := 0; i < 256; i++ {
		r := &Request{Proto: 6, Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 1)}
		count[hname(svc.Schedule(r))]++
	}
	if count["A"] != 170 || count["B"] != 86 {
		t.Errorf("got A %d, B %d; want A 170, B 86", count["A"], count["B"])
	}
}

// TestSHQuiescedAndOverloaded: is_unavailable (weight <= 0 or
// IP_VS_DEST_F_OVERLOAD). Without sh-fallback the client gets nothing;
// with it ip_vs_sh_get_fallback rehashes with offset ihash+k, which lands
// on bucket (2*ihash + k) & 255 for k = 0, 1, ...
func TestSHQuiescedAndOverloaded(t *testing.T) {
	tests := []struct {
		name   string
		flags  Flags
		change func(svc *Service)
		client string
		want   string
	}{
		// Quiescing C refills the table, but weight 0 still takes one
		// bucket (++count >= 0), so the equal-weight table is unchanged
		// and .1 still hashes to C.
		{"quiesced", 0, func(s *Service) { s.SetWeight(s.Find("C"), 0) }, "10.0.0.1:1", "<nil>"},
		// Fallback: 2*177 mod 256 = 98 -> A.
		{"quiesced, fallback", FlagSHFallback, func(s *Service) { s.SetWeight(s.Find("C"), 0) }, "10.0.0.1:1", "A"},
		// The other clients are not disturbed: .2 -> A either way.
		{"quiesced, other client", 0, func(s *Service) { s.SetWeight(s.Find("C"), 0) }, "10.0.0.2:1", "A"},
		// B overloaded: .3 hashes to 19 -> B; fallback tries 38 -> A.
		{"overloaded", 0, func(s *Service) { s.Find("B").Overloaded = true }, "10.0.0.3:1", "<nil>"},
		{"overloaded, fallback", FlagSHFallback, func(s *Service) { s.Find("B").Overloaded = true }, "10.0.0.3:1", "A"},
		// Fallback skips every unavailable bucket: with A quiesced as well,
		// .1 tries 98 (A), then 99 (99%3=0, C), then 100 (100%3=1) -> B.
		{"fallback walks on", FlagSHFallback, func(s *Service) {
			s.SetWeight(s.Find("C"), 0)
			s.SetWeight(s.Find("A"), 0)
		}, "10.0.0.1:1", "B"},
		// Nothing available: the walk covers the 256 buckets and gives up.
		{"all quiesced, fallback", FlagSHFallback, func(s *Service) {
			for _, d := range s.Dests {
				s.SetWeight(d, 0)
			}
		}, "10.0.0.1:1", "<nil>"},
		// A removed destination leaves the table: the list B, A fills
		// B, A, B, A, ..., and 177 is odd -> A.
		{"removed", 0, func(s *Service) { s.Remove(s.Find("C")) }, "10.0.0.1:1", "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := hservice(t, "sh", tt.flags, hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 1), hdest("C", "10.1.0.3:80", 1))
			tt.change(svc)
			if got := hname(svc.Schedule(hreq(6, tt.client, "192.0.2.1:80"))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestSHReweightMovesBuckets: ip_vs_sh_reassign runs on upd_dest, and
// reads the current weight. A at 3 and B at 1 (list B, A) fill B, A, A, A;
// quiescing A makes it B, A, B, A. Client .2 (bucket 98) moves from A
// (98%4 = 2) to B (98%2 = 0); client .4 (196) stays on B; client .3 (19)
// stays on A, which is now quiesced.
func TestSHReweightMovesBuckets(t *testing.T) {
	svc := hservice(t, "sh", 0, hdest("A", "10.1.0.1:80", 3), hdest("B", "10.1.0.2:80", 1))
	pick := func(client string) string { return hname(svc.Schedule(hreq(6, client, "192.0.2.1:80"))) }
	before := []string{pick("10.0.0.2:1"), pick("10.0.0.4:1"), pick("10.0.0.3:1")}
	svc.SetWeight(svc.Find("A"), 0)
	after := []string{pick("10.0.0.2:1"), pick("10.0.0.4:1"), pick("10.0.0.3:1")}
	wantBefore := []string{"A", "B", "A"}
	wantAfter := []string{"B", "B", "<nil>"}
	for i := range before {
		if before[i] != wantBefore[i] || after[i] != wantAfter[i] {
			t.Errorf("client %d: got %s then %s, want %s then %s", i, before[i], after[i], wantBefore[i], wantAfter[i])
		}
	}
}

// TestBucketTableAssign checks the fill rules directly: sh's weight w
// takes w consecutive buckets (0 takes one); dh's one bucket each.
func TestBucketTableAssign(t *testing.T) {
	a, b, c := hdest("A", "10.1.0.1:80", 2), hdest("B", "10.1.0.2:80", 0), hdest("C", "10.1.0.3:80", 3)
	list := []*Dest{a, b, c}
	tests := []struct {
		weighted bool
		want     string // the first 8 buckets
	}{
		{true, "AABCCCAA"},
		{false, "ABCABCAB"},
	}
	for _, tt := range tests {
		var tab bucketTable
		tab.assign(list, tt.weighted)
		got := ""
		for _, d := range tab[:8] {
			got += d.Name
		}
		if got != tt.want {
			t.Errorf("weighted=%v: got %s, want %s", tt.weighted, got, tt.want)
		}
	}
	var tab bucketTable
	tab.assign(list, true)
	tab.assign(nil, true)
	for i, d := range tab {
		if d != nil {
			t.Fatalf("bucket %d: got %s after emptying, want nil", i, d.Name)
		}
	}
}

func TestSHScheduleAllocatesNothing(t *testing.T) {
	svc := hservice(t, "sh", FlagSHPort|FlagSHFallback, hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 2))
	svc.SetWeight(svc.Find("A"), 0)
	r := hreq(6, "10.0.0.1:1", "192.0.2.1:80")
	if n := testing.AllocsPerRun(100, func() { svc.Schedule(r) }); n != 0 {
		t.Errorf("got %v allocations per pick, want 0", n)
	}
}

func BenchmarkSHSchedule(b *testing.B) {
	b.ReportAllocs()
	svc := hservice(b, "sh", FlagSHPort, hdest("A", "10.1.0.1:80", 1), hdest("B", "10.1.0.2:80", 2), hdest("C", "10.1.0.3:80", 3))
	r := hreq(6, "10.0.0.1:1", "192.0.2.1:80")
	for i := 0; i < b.N; i++ {
		r.Client = netip.AddrPortFrom(r.Client.Addr(), uint16(i))
		svc.Schedule(r)
	}
}
