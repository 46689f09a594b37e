package lan

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// vrrpNIC is a node's interface as node.receiveVRRP treats adverts: it
// keeps the adverts of its VRIDs, counts the others as unknown VRIDs if it
// is a router with instances, ignores them while down, and drops every
// frame while frozen. It says which filter it should have
// (AdvertFilterer), as node.Interface does.
type vrrpNIC struct {
	k      *sim.Kernel
	port   *Port
	up     bool
	frozen bool
	count  bool
	vrids  []uint8

	got     []string // "at src vrid" of each advert kept, and each ARP
	kept    int      // adverts kept (also counted when quiet)
	quiet   bool     // count only: no got entries (benchmarks)
	unknown int      // counted by the full path
	frozenN int
}

func (n *vrrpNIC) Receive([]byte) { panic("Receive called on a DecodedReceiver") }

func (n *vrrpNIC) ReceiveShared(_ []byte, decode func() (*wire.Frame, error)) {
	if !n.up {
		return
	}
	if n.frozen {
		n.frozenN++
		return
	}
	f, err := decode()
	if err != nil {
		panic(err)
	}
	switch {
	case f.HasARP:
		n.got = append(n.got, fmt.Sprintf("%d arp %v", n.k.Now(), f.Src))
	case f.HasVRRP:
		if slices.Contains(n.vrids, f.VRRP.VRID) {
			n.kept++
			if !n.quiet {
				n.got = append(n.got, fmt.Sprintf("%d %v vrid %d", n.k.Now(), f.Src, f.VRRP.VRID))
			}
		} else if n.count {
			n.unknown++
		}
	}
}

func (n *vrrpNIC) AdvertFilter() AdvertFilter {
	var f AdvertFilter
	switch {
	case !n.up:
		return f
	case n.frozen:
		f.All = true
		return f
	}
	for _, v := range n.vrids {
		f.Want(v)
	}
	f.Count = n.count
	return f
}

// changed installs the NIC's filter, as node.advertFiltersChanged does.
func (n *vrrpNIC) changed() { n.port.SetAdvertFilter(n.AdvertFilter()) }

// advertFrame is a VRRPv2 advert for vrid from src.
func advertFrame(t testing.TB, enc *wire.Encoder, src wire.MAC, vrid uint8) []byte {
	t.Helper()
	adv := wire.VRRP{Version: 2, Type: 1, VRID: vrid, Priority: 100, AdverInt: 1, Addrs: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, 0, vrid})}}
	hdr := wire.IPv4Header{TOS: 0xc0, TTL: 255, Protocol: wire.ProtoVRRP, Src: netip.AddrFrom4([4]byte{10, 0, 1, src[5]}), Dst: netip.MustParseAddr("224.0.0.18")}
	pkt, err := enc.VRRPPacket(hdr, &adv, wire.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), enc.Ethernet(wire.MulticastMAC(hdr.Dst), src, wire.EtherTypeIPv4, pkt)...)
}

// advertRun is what one run of a random script left: each NIC's kept
// frames, drops and the segment's counters.
type advertRun struct {
	got      [][]string
	unknown  []int // full path + advert path
	frozen   []int
	counters Counters
	linkDown int // link_down drop records
	events   uint64
}

// runAdvertScript runs a random script of adverts, ARP broadcasts, state
// changes of the NICs and link flaps, at microsecond times so that many
// land while adverts are on the wire (20 µs), with the advert path on or
// off.
func runAdvertScript(t *testing.T, seed uint64, path bool) advertRun {
	k := sim.New(1)
	seg := New(k, "lan", Config{})
	seg.SetAdvertPath(path)
	seg.VerifyAdvertFilters(true)
	rec := 0
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindDrop && r.Reason == ReasonLinkDown {
			rec++
		}
	})
	rng := rand.New(rand.NewPCG(seed, 7))
	const ports = 12
	nics := make([]*vrrpNIC, ports)
	for i := range nics {
		n := &vrrpNIC{k: k, up: true, count: i%4 != 3, vrids: []uint8{uint8(i%5 + 1)}}
		n.port = seg.Attach(fmt.Sprintf("n%d", i), "eth0", n)
		n.changed()
		nics[i] = n
	}
	enc := wire.NewEncoder()
	for step := 0; step < 3000; step++ {
		at := sim.Time(rng.IntN(40_000)) * sim.Time(time.Microsecond/4)
		i := rng.IntN(ports)
		n := nics[i]
		op := rng.IntN(10)
		k.At(at, func() {
			switch op {
			case 0, 1, 2, 3:
				n.port.Send(advertFrame(t, enc, mac(byte(i+1)), uint8(rng.IntN(6)+1)))
			case 4:
				n.port.Send(arpFrame(wire.Broadcast, mac(byte(i+1)), 1, [4]byte{10, 0, 1, byte(i + 1)}, [4]byte{10, 0, 0, 1}, wire.MAC{}))
			case 5:
				n.up = !n.up
				n.changed()
			case 6:
				n.frozen = !n.frozen
				n.changed()
			case 7:
				n.vrids = []uint8{uint8(rng.IntN(6) + 1), uint8(rng.IntN(6) + 1)}
				n.changed()
			case 8:
				n.count = !n.count
				n.changed()
			case 9:
				// A flap: down for 1 to 40 µs, often across an
				// advert's flight.
				n.port.SetLink(false)
				k.At(k.Now().Add(time.Duration(rng.IntN(40)+1)*time.Microsecond), func() { n.port.SetLink(true) })
			}
		})
	}
	k.Run(sim.Time(time.Second))
	if err := seg.AdvertFilterErr(); err != nil {
		t.Fatal(err)
	}
	var r advertRun
	for _, n := range nics {
		r.got = append(r.got, n.got)
		r.unknown = append(r.unknown, n.unknown+int(n.port.AdvertDrops()))
		r.frozen = append(r.frozen, n.frozenN)
	}
	r.counters, r.linkDown, r.events = seg.Counters(), rec, k.Fired()
	return r
}

// TestAdvertPathMatchesOneEventPerPort: with the advert path, every NIC
// keeps the same adverts at the same times, counts the same unknown-VRID
// drops, and the segment the same deliveries and link_down drops as with
// one delivery event per port, through random state changes and link
// flaps that land while adverts are on the wire; only the kernel's event
// count is lower.
func TestAdvertPathMatchesOneEventPerPort(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			slow := runAdvertScript(t, seed, false)
			fast := runAdvertScript(t, seed, true)
			for i := range slow.got {
				if !slices.Equal(slow.got[i], fast.got[i]) {
					t.Errorf("n%d kept:\n one event per port %q\n advert path        %q", i, slow.got[i], fast.got[i])
				}
			}
			if !slices.Equal(slow.unknown, fast.unknown) {
				t.Errorf("unknown-VRID drops per NIC: one event per port %v, advert path %v", slow.unknown, fast.unknown)
			}
			if !slices.Equal(slow.frozen, fast.frozen) {
				t.Errorf("frozen drops per NIC: one event per port %v, advert path %v", slow.frozen, fast.frozen)
			}
			if slow.counters != fast.counters {
				t.Errorf("counters:\n one event per port %+v\n advert path        %+v", slow.counters, fast.counters)
			}
			if slow.linkDown != fast.linkDown {
				t.Errorf("link_down records: %d, advert path %d", slow.linkDown, fast.linkDown)
			}
			if fast.events >= slow.events {
				t.Errorf("events: advert path %d, one per port %d: want fewer", fast.events, slow.events)
			}
		})
	}
}

// TestAdvertPathDeliversOnlyToWantingPorts: on a clean LAN an advert is
// a delivery event for the ports that run its VRID (and the frozen one),
// while every other router counts it as an unknown VRID and a down one
// does not; the sender never counts its own.
func TestAdvertPathDeliversOnlyToWantingPorts(t *testing.T) {
	k := sim.New(1)
	seg := New(k, "lan", Config{})
	mk := func(name string, count bool, vrids ...uint8) *vrrpNIC {
		n := &vrrpNIC{k: k, up: true, count: count, vrids: vrids}
		n.port = seg.Attach(name, "eth0", n)
		n.changed()
		return n
	}
	a := mk("a", true, 1) // sender, runs VRID 1
	b := mk("b", true, 1) // peer
	c := mk("c", true, 2) // router of another group
	d := mk("d", false)   // host
	e := mk("e", true, 3) // router, frozen
	f := mk("f", true, 4) // router, down
	e.frozen = true
	e.changed()
	f.up = false
	f.changed()
	enc := wire.NewEncoder()
	for range 3 {
		a.port.Send(advertFrame(t, enc, mac(1), 1))
		k.Run(k.Now().Add(time.Millisecond))
	}
	tests := []struct {
		name          string
		n             *vrrpNIC
		kept, unknown int
		frozen        int
	}{
		{"sender", a, 0, 0, 0},
		{"peer", b, 3, 0, 0},
		{"other group", c, 0, 3, 0},
		{"host", d, 0, 0, 0},
		{"frozen", e, 0, 0, 3},
		{"down", f, 0, 0, 0},
	}
	for _, tc := range tests {
		if got := len(tc.n.got); got != tc.kept {
			t.Errorf("%s: kept %d adverts, want %d", tc.name, got, tc.kept)
		}
		if got := tc.n.unknown + int(tc.n.port.AdvertDrops()); got != tc.unknown {
			t.Errorf("%s: unknown VRID %d, want %d", tc.name, got, tc.unknown)
		}
		if tc.n.frozenN != tc.frozen {
			t.Errorf("%s: frozen drops %d, want %d", tc.name, tc.n.frozenN, tc.frozen)
		}
	}
	if c := seg.Counters(); c.Delivered != 15 {
		t.Errorf("delivered %d, want 15 (3 adverts to 5 ports)", c.Delivered)
	}
	// Per advert: the peer's and the frozen NIC's deliveries, and one for
	// the rest; plus the switch's arrival event.
	if got := k.Fired(); got != 3*4 {
		t.Errorf("events %d, want 12 (arrival, two deliveries, one for the rest, per advert)", got)
	}
}

// BenchmarkFloodAdvertFiltered is BenchmarkFloodAdvert with receivers
// that say which VRIDs they run, as node interfaces do: one flood to the
// 299 other ports of the 100-group LAN is the switch's arrival, the
// peer's delivery and one event for the 297 others.
func BenchmarkFloodAdvertFiltered(b *testing.B) {
	k := sim.New(1)
	seg := New(k, "lan", Config{})
	var ports []*Port
	for i := 0; i < 300; i++ {
		n := &vrrpNIC{k: k, up: true, quiet: true, count: i%3 != 2, vrids: []uint8{uint8(i/3 + 1)}}
		if i%3 == 2 {
			n.vrids = nil // the group's host
		}
		n.port = seg.Attach("n", "eth0", n)
		n.changed()
		ports = append(ports, n.port)
	}
	enc := wire.NewEncoder()
	frame := advertFrame(b, enc, mac(1), 1)
	benchFloods(b, seg, func() { ports[0].Send(frame) })
}
