package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// gopacketICMP builds the packet ICMPPacket must give with gopacket's own
// serializers, as ICMPPacket did before it wrote the octets itself.
func gopacketICMP(t testing.TB, ip IPv4Header, m ICMPEcho, data []byte) []byte {
	t.Helper()
	proto := ip.Protocol
	if proto == 0 {
		proto = ProtoICMP
	}
	ip4 := &layers.IPv4{Version: 4, IHL: 5, TOS: ip.TOS, Id: ip.ID, TTL: ip.TTL, Protocol: layers.IPProtocol(proto),
		SrcIP: ip.Src.AsSlice(), DstIP: ip.Dst.AsSlice()}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(m.Type, m.Code), Id: m.ID, Seq: m.Seq}
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip4, icmp, gopacket.Payload(data)); err != nil {
		t.Fatal(err)
	}
	return sb.Bytes()
}

// gopacketARP builds the frame ARPFrame must give with gopacket's ARP
// serializer behind a 14-octet Ethernet header, as ARPFrame did before it
// wrote the octets itself (gopacket's Ethernet layer would pad to 60
// octets; vrrpsim's frames are unpadded, as Linux hands them to a bridge).
func gopacketARP(t testing.TB, dst, src MAC, a ARP) []byte {
	t.Helper()
	spa, tpa := a.SenderIP.As4(), a.TargetIP.As4()
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, Operation: a.Op,
		SourceHwAddress: a.SenderMAC[:], SourceProtAddress: spa[:], DstHwAddress: a.TargetMAC[:], DstProtAddress: tpa[:]}
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, arp); err != nil {
		t.Fatal(err)
	}
	frame := append(append(append([]byte(nil), dst[:]...), src[:]...), 0x08, 0x06)
	return append(frame, sb.Bytes()...)
}

func randAddr4(r *rand.Rand) netip.Addr {
	var a [4]byte
	for i := range a {
		a[i] = byte(r.Uint32())
	}
	return netip.AddrFrom4(a)
}

func randMAC(r *rand.Rand) MAC {
	var m MAC
	for i := range m {
		m[i] = byte(r.Uint32())
	}
	return m
}

// TestICMPPacketMatchesGopacket: the hand-written encoder gives the octets
// of gopacket's IPv4 and ICMPv4 serializers (RFC 791 header, RFC 792
// echo / error layout, RFC 1071 checksum over the whole message) for the
// named messages vrrpsim sends and for random headers, types, data
// lengths (odd ones and none included) and a protocol number override.
// The same Encoder is reused, so stale octets from a longer packet would
// show.
func TestICMPPacketMatchesGopacket(t *testing.T) {
	named := []struct {
		name string
		ip   IPv4Header
		m    ICMPEcho
		data []byte
	}{
		{"ping 56 octets", IPv4Header{ID: 1, TTL: 64, Src: hostIP, Dst: farIP}, ICMPEcho{Type: ICMPEchoRequest, ID: 7, Seq: 1}, make([]byte, 56)},
		{"echo reply", IPv4Header{ID: 0xffff, TTL: 64, Src: farIP, Dst: hostIP}, ICMPEcho{Type: ICMPEchoReply, ID: 7, Seq: 0xffff}, []byte{1, 2, 3}},
		{"no data", IPv4Header{TTL: 1, Src: hostIP, Dst: farIP}, ICMPEcho{Type: ICMPEchoRequest}, nil},
		{"unreachable with the offending header", IPv4Header{TTL: 64, TOS: 0xc0, Src: farIP, Dst: hostIP}, ICMPEcho{Type: 3, Code: 1}, bytes.Repeat([]byte{0x45, 0xff}, 14)},
	}
	e := NewEncoder()
	for _, tc := range named {
		got, err := e.ICMPPacket(tc.ip, tc.m, tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := gopacketICMP(t, tc.ip, tc.m, tc.data); !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got % x\nwant % x", tc.name, got, want)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 2000 {
		ip := IPv4Header{TOS: byte(r.Uint32()), ID: uint16(r.Uint32()), TTL: byte(r.Uint32()), Src: randAddr4(r), Dst: randAddr4(r)}
		if n%7 == 0 {
			ip.Protocol = byte(r.Uint32())
		}
		m := ICMPEcho{Type: byte(r.Uint32()), Code: byte(r.Uint32()), ID: uint16(r.Uint32()), Seq: uint16(r.Uint32())}
		data := make([]byte, r.IntN(1500))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		got, err := e.ICMPPacket(ip, m, data)
		if err != nil {
			t.Fatal(err)
		}
		if want := gopacketICMP(t, ip, m, data); !bytes.Equal(got, want) {
			t.Fatalf("case %d: %+v %+v, %d bytes of data:\n got % x\nwant % x", n, ip, m, len(data), got[:min(len(got), 40)], want[:min(len(want), 40)])
		}
	}
}

// TestICMPPacketErrors: non-IPv4 addresses and data that cannot fit in one
// IPv4 packet (total length is 16 bits, RFC 791) are refused.
func TestICMPPacketErrors(t *testing.T) {
	e := NewEncoder()
	for _, tc := range []struct {
		name string
		ip   IPv4Header
		n    int
	}{
		{"IPv6 source", IPv4Header{Src: netip.IPv6Loopback(), Dst: farIP}, 0},
		{"no destination", IPv4Header{Src: hostIP}, 0},
		{"65508 octets of data", IPv4Header{Src: hostIP, Dst: farIP}, 0xffff - 27},
	} {
		if _, err := e.ICMPPacket(tc.ip, ICMPEcho{Type: ICMPEchoRequest}, make([]byte, tc.n)); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := e.ICMPPacket(IPv4Header{Src: hostIP, Dst: farIP}, ICMPEcho{}, make([]byte, 0xffff-28)); err != nil {
		t.Errorf("65507 octets of data (the most that fits): %v", err)
	}
}

// TestARPFrameMatchesGopacket: the hand-written ARP frame is the one
// gopacket's Ethernet and ARP serializers give (RFC 826 layout, Ethernet
// hardware type 1, IPv4 protocol 0x0800), for a gratuitous ARP as
// keepalived sends it (send_gratuitous_arp: target MAC broadcast), a
// request, a reply and random fields.
func TestARPFrameMatchesGopacket(t *testing.T) {
	named := []struct {
		name     string
		dst, src MAC
		a        ARP
	}{
		{"gratuitous", Broadcast, r1MAC, garp},
		{"request", Broadcast, r1MAC, ARP{Op: ARPRequest, SenderMAC: r1MAC, SenderIP: hostIP, TargetIP: farIP}},
		{"reply", r1MAC, MAC{2, 0, 0, 0, 0, 9}, ARP{Op: ARPReply, SenderMAC: MAC{2, 0, 0, 0, 0, 9}, SenderIP: farIP, TargetMAC: r1MAC, TargetIP: hostIP}},
	}
	e := NewEncoder()
	for _, tc := range named {
		got, err := e.ARPFrame(tc.dst, tc.src, tc.a)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := gopacketARP(t, tc.dst, tc.src, tc.a); !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got % x\nwant % x", tc.name, got, want)
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 1000 {
		dst, src := randMAC(r), randMAC(r)
		a := ARP{Op: uint16(r.Uint32()), SenderMAC: randMAC(r), SenderIP: randAddr4(r), TargetMAC: randMAC(r), TargetIP: randAddr4(r)}
		got, err := e.ARPFrame(dst, src, a)
		if err != nil {
			t.Fatal(err)
		}
		if want := gopacketARP(t, dst, src, a); !bytes.Equal(got, want) {
			t.Fatalf("case %d: %+v:\n got % x\nwant % x", n, a, got, want)
		}
	}
	if _, err := e.ARPFrame(Broadcast, r1MAC, ARP{Op: ARPRequest, SenderIP: netip.IPv6Loopback(), TargetIP: farIP}); err == nil {
		t.Error("IPv6 sender: no error")
	}
}

// TestEncodersZeroAlloc: ICMPPacket and ARPFrame allocate nothing once
// the Encoder's buffers have grown (issue 14: zero allocations per frame).
func TestEncodersZeroAlloc(t *testing.T) {
	e := NewEncoder()
	data := make([]byte, 56)
	ip := IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}
	n := testing.AllocsPerRun(100, func() {
		if _, err := e.ICMPPacket(ip, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 2}, data); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ARPFrame(Broadcast, r1MAC, garp); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per ICMP packet + ARP frame, want 0", n)
	}
}

// FuzzICMPEncode: for any header, message and data, ICMPPacket gives
// gopacket's octets (the fuzzer drives the byte-identity check beyond the
// table test's random cases).
func FuzzICMPEncode(f *testing.F) {
	f.Add([]byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, uint8(0), uint16(1), uint8(64), uint8(0), uint8(8), uint8(0), uint16(1), uint16(1), make([]byte, 56))
	f.Add([]byte{1, 2, 3, 4}, []byte{5, 6, 7, 8}, uint8(0xff), uint16(0xffff), uint8(0), uint8(17), uint8(3), uint8(3), uint16(0), uint16(0), []byte{0x45})
	f.Fuzz(func(t *testing.T, src, dst []byte, tos uint8, id uint16, ttl, proto, typ, code uint8, mid, seq uint16, data []byte) {
		if len(src) != 4 || len(dst) != 4 {
			return
		}
		ip := IPv4Header{TOS: tos, ID: id, TTL: ttl, Protocol: proto, Src: netip.AddrFrom4([4]byte(src)), Dst: netip.AddrFrom4([4]byte(dst))}
		m := ICMPEcho{Type: typ, Code: code, ID: mid, Seq: seq}
		got, err := NewEncoder().ICMPPacket(ip, m, data)
		if err != nil {
			if len(data) <= 0xffff-28 {
				t.Fatalf("%d bytes of data: %v", len(data), err)
			}
			return
		}
		if want := gopacketICMP(t, ip, m, data); !bytes.Equal(got, want) {
			t.Fatalf("got % x\nwant % x", got, want)
		}
	})
}

// FuzzARPEncode: for any addresses and operation, ARPFrame gives the
// octets of gopacket's Ethernet and ARP serializers.
func FuzzARPEncode(f *testing.F) {
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x5e, 0, 1, 1}, uint16(1), []byte{0, 0, 0x5e, 0, 1, 1, 10, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10, 0, 0, 1})
	f.Fuzz(func(t *testing.T, macs []byte, op uint16, arp []byte) {
		if len(macs) != 12 || len(arp) != 20 {
			return
		}
		dst, src := MAC(macs[0:6]), MAC(macs[6:12])
		a := ARP{Op: op, SenderMAC: MAC(arp[0:6]), SenderIP: netip.AddrFrom4([4]byte(arp[6:10])),
			TargetMAC: MAC(arp[10:16]), TargetIP: netip.AddrFrom4([4]byte(arp[16:20]))}
		got, err := NewEncoder().ARPFrame(dst, src, a)
		if err != nil {
			t.Fatal(err)
		}
		if want := gopacketARP(t, dst, src, a); !bytes.Equal(got, want) {
			t.Fatalf("got % x\nwant % x", got, want)
		}
	})
}

// decodeIPv4ViaLayers decodes pkt as DecodeIPv4 did before the ICMP fast
// path: checkIPv4, then gopacket's layer parser.
func decodeIPv4ViaLayers(d *Decoder, pkt []byte, f *Frame) error {
	d.init()
	*f = Frame{EtherType: EtherTypeIPv4}
	n, err := checkIPv4(pkt)
	if err != nil {
		return err
	}
	return d.decodeIPv4Layers(pkt[:n], f)
}

// compareICMPDecode fails when the fast path and the layer path give a
// different Frame or error for pkt.
func compareICMPDecode(t testing.TB, pkt []byte) {
	t.Helper()
	var got, want Frame
	d1, d2 := NewDecoder(), NewDecoder()
	err1 := d1.DecodeIPv4(pkt, &got)
	err2 := decodeIPv4ViaLayers(d2, pkt, &want)
	if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
		t.Fatalf("% x:\nerror %v\n want %v", pkt, err1, err2)
	}
	if got.HasIP != want.HasIP || got.HasICMP != want.HasICMP || got.IP != want.IP || got.ICMP != want.ICMP ||
		!bytes.Equal(got.Payload, want.Payload) || got.HasUDP != want.HasUDP || got.HasVRRP != want.HasVRRP {
		t.Fatalf("% x:\n got %+v\nwant %+v", pkt, got, want)
	}
}

// TestDecodeICMPFastMatchesLayers: reading an ICMP message in place gives
// the Frame and the error gopacket's IPv4 and ICMPv4 layers give (the
// checks of Linux ip_rcv_core and icmp_rcv: checksum, at least 8 octets),
// for valid echoes and unreachables, and for the same packets with a
// flipped octet, cut short, marked as fragments, or with an option.
func TestDecodeICMPFastMatchesLayers(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	e := NewEncoder()
	for n := range 3000 {
		ip := IPv4Header{TOS: byte(r.Uint32()), ID: uint16(r.Uint32()), TTL: byte(r.Uint32()), Src: randAddr4(r), Dst: randAddr4(r)}
		m := ICMPEcho{Type: byte(r.Uint32()), Code: byte(r.Uint32()), ID: uint16(r.Uint32()), Seq: uint16(r.Uint32())}
		p, err := e.ICMPPacket(ip, m, make([]byte, r.IntN(100)))
		if err != nil {
			t.Fatal(err)
		}
		pkt := append([]byte(nil), p...)
		switch n % 6 {
		case 1: // a flipped octet anywhere
			pkt[r.IntN(len(pkt))] ^= byte(1 + r.IntN(255))
		case 2: // the message cut short, lengths fixed
			pkt = pkt[:20+r.IntN(len(pkt)-19)]
			binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
			fixIPSum(pkt[:20])
		case 3: // MF or a fragment offset
			binary.BigEndian.PutUint16(pkt[6:8], uint16(1+r.IntN(0x3fff)))
			fixIPSum(pkt[:20])
		case 4: // a 4-octet option (NOPs) before the message
			opt := append(append(append([]byte(nil), pkt[:20]...), 1, 1, 1, 1), pkt[20:]...)
			opt[0] = 0x46
			binary.BigEndian.PutUint16(opt[2:4], uint16(len(opt)))
			fixIPSum(opt[:24])
			pkt = opt
		case 5: // Ethernet padding after the total length
			pkt = append(pkt, make([]byte, r.IntN(20))...)
		}
		compareICMPDecode(t, pkt)
	}
}

// FuzzDecodeICMP: for any octets after a valid IPv4 header carrying ICMP,
// the fast path and the layer path agree.
func FuzzDecodeICMP(f *testing.F) {
	f.Add(uint16(0), []byte{8, 0, 0xf7, 0xfe, 0, 1, 0, 0})
	f.Add(uint16(0x2000), []byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, frag uint16, msg []byte) {
		if len(msg) > 1400 {
			return
		}
		pkt := make([]byte, 20+len(msg))
		pkt[0], pkt[8], pkt[9] = 0x45, 64, ProtoICMP
		binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
		binary.BigEndian.PutUint16(pkt[6:8], frag)
		copy(pkt[12:20], []byte{10, 0, 0, 1, 10, 0, 0, 2})
		copy(pkt[20:], msg)
		if len(msg) >= 4 && msg[0]&1 == 0 {
			// a valid checksum half the time, so the fast path is taken
			pkt[22], pkt[23] = 0, 0
			binary.BigEndian.PutUint16(pkt[22:24], checksum(pkt[20:], 0))
		}
		fixIPSum(pkt[:20])
		compareICMPDecode(t, pkt)
	})
}

// BenchmarkEncodeICMP: one 56-octet echo request, as a ping flow sends it.
func BenchmarkEncodeICMP(b *testing.B) {
	e := NewEncoder()
	data := make([]byte, 56)
	ip := IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := e.ICMPPacket(ip, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: uint16(i)}, data); err != nil {
			b.Fatal(err)
		}
	}
}
