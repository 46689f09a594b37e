package lan

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// vridSink is a router's NIC for the benchmark: it takes the shared
// decode and keeps adverts of its own VRID, as node.receiveVRRP does.
type vridSink struct {
	vrid uint8
	mine int
}

func (s *vridSink) Receive([]byte) {}

func (s *vridSink) ReceiveShared(_ []byte, decode func() (*wire.Frame, error)) {
	f, err := decode()
	if err == nil && f.HasVRRP && f.VRRP.VRID == s.vrid {
		s.mine++
	}
}

// BenchmarkFloodAdvert floods one VRRPv2 advertisement (encoded into a
// reused buffer) to the 299 other ports of issue 14's 100-group LAN and
// delivers it: encode, switch, 299 deliveries, one shared decode. One op
// is one flood; allocs/op must be 0 in steady state.
func BenchmarkFloodAdvert(b *testing.B) {
	k := sim.New(1)
	seg := New(k, "lan", Config{})
	var ports []*Port
	for i := 0; i < 300; i++ {
		ports = append(ports, seg.Attach("n", "eth0", &vridSink{vrid: uint8(i/3 + 1)}))
	}
	enc := wire.NewEncoder()
	src := wire.MAC{0x02, 0, 0, 0, 0, 1}
	adv := wire.VRRP{Version: 2, Type: 1, VRID: 1, Priority: 150, AdverInt: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.1.1.254")}}
	hdr := wire.IPv4Header{TOS: 0xc0, TTL: 255, Protocol: wire.ProtoVRRP, Src: netip.MustParseAddr("10.1.1.1"), Dst: netip.MustParseAddr("224.0.0.18")}
	benchFloods(b, seg, func() {
		pkt, err := enc.VRRPPacket(hdr, &adv, wire.EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		ports[0].Send(enc.Ethernet(wire.MulticastMAC(hdr.Dst), src, wire.EtherTypeIPv4, pkt))
	})
	b.ReportMetric(float64(seg.decodes)/float64(b.N+1), "decodes/op")
}

// benchFloods times send, one flood to the 299 other ports of a 300-port
// segment and its deliveries per op, after one to warm the pools.
func benchFloods(b *testing.B, seg *Segment, send func()) {
	flood := func() {
		send()
		seg.k.Run(seg.k.Now().Add(time.Millisecond))
	}
	flood()
	b.ReportAllocs()
	for b.Loop() {
		flood()
	}
	if c := seg.Counters(); c.Delivered != uint64(299*(b.N+1)) {
		b.Fatalf("delivered %d, want %d", c.Delivered, 299*(b.N+1))
	}
}
