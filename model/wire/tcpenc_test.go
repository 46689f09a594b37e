package wire

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// gopacketTCP builds the packet TCPPacket must give with gopacket's own
// serializers, as TCPPacket did before it wrote the octets itself.
func gopacketTCP(t *testing.T, ip IPv4Header, h TCPHeader, data []byte) []byte {
	t.Helper()
	proto := ip.Protocol
	if proto == 0 {
		proto = ProtoTCP
	}
	ip4 := &layers.IPv4{Version: 4, IHL: 5, TOS: ip.TOS, Id: ip.ID, TTL: ip.TTL, Protocol: layers.IPProtocol(proto),
		SrcIP: ip.Src.AsSlice(), DstIP: ip.Dst.AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(h.SrcPort), DstPort: layers.TCPPort(h.DstPort), Seq: h.Seq, Ack: h.Ack,
		FIN: h.Flags&TCPFin != 0, SYN: h.Flags&TCPSyn != 0, RST: h.Flags&TCPRst != 0, PSH: h.Flags&TCPPsh != 0,
		ACK: h.Flags&TCPAck != 0, URG: h.Flags&TCPUrg != 0, Window: h.Window}
	if h.MSS != 0 && tcp.SYN {
		tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(h.MSS >> 8), byte(h.MSS)}}}
	}
	if err := tcp.SetNetworkLayerForChecksum(ip4); err != nil {
		t.Fatal(err)
	}
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip4, tcp, gopacket.Payload(data)); err != nil {
		t.Fatal(err)
	}
	return sb.Bytes()
}

// TestTCPPacketMatchesGopacket: the hand-written encoder gives the octets
// of gopacket's IPv4 and TCP serializers (RFC 791 header, RFC 9293
// header and MSS option, RFC 1071 checksums over the pseudo-header) for
// random headers, flags (ECE and CWR bits are not sent), data lengths
// (odd ones included) and a protocol number override.
func TestTCPPacketMatchesGopacket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	e := NewEncoder()
	for n := range 2000 {
		var src, dst [4]byte
		for i := range 4 {
			src[i], dst[i] = byte(r.Uint32()), byte(r.Uint32())
		}
		ip := IPv4Header{TOS: byte(r.Uint32()), ID: uint16(r.Uint32()), TTL: byte(r.Uint32()),
			Src: netip.AddrFrom4(src), Dst: netip.AddrFrom4(dst)}
		if n%7 == 0 {
			ip.Protocol = byte(r.Uint32())
		}
		h := TCPHeader{SrcPort: uint16(r.Uint32()), DstPort: uint16(r.Uint32()), Seq: r.Uint32(), Ack: r.Uint32(),
			Flags: byte(r.Uint32()), Window: uint16(r.Uint32())}
		if n%2 == 0 {
			h.MSS = uint16(r.Uint32())
		}
		data := make([]byte, r.IntN(3000))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		got, err := e.TCPPacket(ip, h, data)
		if err != nil {
			t.Fatal(err)
		}
		if want := gopacketTCP(t, ip, h, data); !bytes.Equal(got, want) {
			t.Fatalf("case %d: %+v %+v, %d bytes of data:\n got % x\nwant % x", n, ip, h, len(data), got[:min(len(got), 48)], want[:min(len(want), 48)])
		}
	}
}

// TestDecodeTCPIPHeaderMatchesGopacket: the IPv4 header of a TCP segment
// without options, read in place, gives the fields gopacket's IPv4
// decoder gives (RFC 791 section 3.1), with and without DF.
func TestDecodeTCPIPHeaderMatchesGopacket(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	e, d := NewEncoder(), NewDecoder()
	var f Frame
	for n := range 500 {
		var src, dst [4]byte
		for i := range 4 {
			src[i], dst[i] = byte(r.Uint32()), byte(r.Uint32())
		}
		ip := IPv4Header{TOS: byte(r.Uint32()), ID: uint16(r.Uint32()), TTL: byte(r.Uint32()),
			Src: netip.AddrFrom4(src), Dst: netip.AddrFrom4(dst)}
		pkt, err := e.TCPPacket(ip, TCPHeader{SrcPort: uint16(n), DstPort: 80, Seq: r.Uint32(), Flags: TCPAck}, make([]byte, r.IntN(100)))
		if err != nil {
			t.Fatal(err)
		}
		if n%2 == 0 {
			if err := SetDF(pkt); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.DecodeIPv4(pkt, &f); err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		var g layers.IPv4
		if err := g.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
			t.Fatal(err)
		}
		want := IPv4Header{TOS: g.TOS, ID: g.Id, TTL: g.TTL, Protocol: uint8(g.Protocol),
			Src: netip.AddrFrom4([4]byte(g.SrcIP)), Dst: netip.AddrFrom4([4]byte(g.DstIP))}
		if !f.HasIP || !f.HasTCP || f.IP != want {
			t.Fatalf("case %d: HasIP %v HasTCP %v IP %+v, want %+v", n, f.HasIP, f.HasTCP, f.IP, want)
		}
	}
}
