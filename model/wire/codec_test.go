package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
)

var (
	hostMAC = MAC{0x02, 0x00, 0x00, 0x00, 0x00, 0x10}
	hostIP  = netip.MustParseAddr("10.99.0.10")
	farIP   = netip.MustParseAddr("10.1.0.10")
)

func arpFrame(t *testing.T, dst MAC, a ARP) []byte {
	t.Helper()
	b, err := NewEncoder().ARPFrame(dst, a.SenderMAC, a)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), b...)
}

func TestARPDecodeTable(t *testing.T) {
	req := ARP{Op: ARPRequest, SenderMAC: hostMAC, SenderIP: hostIP, TargetIP: vip}
	reply := ARP{Op: ARPReply, SenderMAC: r1MAC, SenderIP: vip, TargetMAC: hostMAC, TargetIP: hostIP}
	reqFrame := arpFrame(t, Broadcast, req)
	padded := append(append([]byte(nil), reqFrame...), make([]byte, 60-len(reqFrame))...)
	with := func(i int, v byte) []byte {
		b := append([]byte(nil), reqFrame...)
		b[14+i] = v
		return b
	}
	tests := []struct {
		name    string
		rule    string
		frame   []byte
		want    ARP
		wantErr error
	}{
		{"request", "RFC 826", reqFrame, req, nil},
		{"reply", "RFC 826", arpFrame(t, hostMAC, reply), reply, nil},
		{"padded to 60 octets", "IEEE 802.3 minimum frame: padding ignored", padded, req, nil},
		{"shorter than fixed header", "RFC 826", reqFrame[:14+7], ARP{}, ErrTruncated},
		{"addresses cut", "RFC 826", reqFrame[:14+27], ARP{}, ErrTruncated},
		{"hardware type 6 (IEEE 802)", "RFC 826: only Ethernet spoken", with(1, 6), ARP{}, ErrUnsupported},
		{"protocol type 0x86dd", "RFC 826: only IPv4 spoken", with(2, 0x86), ARP{}, ErrUnsupported},
		{"hlen 8", "RFC 826", with(4, 8), ARP{}, ErrUnsupported},
		{"plen 16", "RFC 826", with(5, 16), ARP{}, ErrUnsupported},
		{"op 3 (RARP request)", "Linux arp_process ignores ops other than 1, 2", with(7, 3), ARP{}, ErrUnsupported},
	}
	d := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f Frame
			err := d.Decode(tc.frame, &f)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: got error %v, want %v", tc.rule, err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if f.HasARP {
					t.Errorf("got HasARP true on error, want false")
				}
				return
			}
			if !f.HasARP || f.ARP != tc.want {
				t.Errorf("%s: got %+v, want %+v", tc.rule, f.ARP, tc.want)
			}
		})
	}
}

func TestARPFrameRejectsIPv6(t *testing.T) {
	a := ARP{Op: ARPRequest, SenderIP: netip.MustParseAddr("fe80::1"), TargetIP: vip}
	if _, err := NewEncoder().ARPFrame(Broadcast, r1MAC, a); !errors.Is(err, ErrUnsupported) {
		t.Errorf("got %v, want ErrUnsupported", err)
	}
}

func icmpFrame(t *testing.T, ttl uint8, m ICMPEcho, data []byte) []byte {
	t.Helper()
	e := NewEncoder()
	pkt, err := e.ICMPPacket(IPv4Header{TTL: ttl, ID: 7, Src: hostIP, Dst: farIP}, m, data)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, pkt)...)
}

func udpFrame(t *testing.T, u UDPHeader, data []byte) []byte {
	t.Helper()
	e := NewEncoder()
	pkt, err := e.UDPPacket(IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}, u, data)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, pkt)...)
}

func TestICMPEchoRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte{0xab}, 56)
	m := ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 5}
	b := icmpFrame(t, 64, m, data)
	var f Frame
	if err := NewDecoder().Decode(b, &f); err != nil {
		t.Fatal(err)
	}
	wantIP := IPv4Header{TTL: 64, ID: 7, Protocol: ProtoICMP, Src: hostIP, Dst: farIP}
	if !f.HasIP || f.IP != wantIP || !f.HasICMP || f.ICMP != m || !bytes.Equal(f.Payload, data) {
		t.Errorf("got IP %+v ICMP %+v payload %d bytes, want %+v %+v 56 bytes", f.IP, f.ICMP, len(f.Payload), wantIP, m)
	}
	// No DF flag (like keepalived's packets), IHL 5.
	if b[14] != 0x45 || b[14+6] != 0 {
		t.Errorf("got first octet %#x flags %#x, want 0x45 0", b[14], b[14+6])
	}
}

func TestUDPRoundTrip(t *testing.T) {
	data := make([]byte, 100)
	u := UDPHeader{SrcPort: 40000, DstPort: 9}
	var f Frame
	if err := NewDecoder().Decode(udpFrame(t, u, data), &f); err != nil {
		t.Fatal(err)
	}
	if !f.HasUDP || f.UDP != u || len(f.Payload) != 100 || f.IP.Protocol != ProtoUDP {
		t.Errorf("got UDP %+v payload %d proto %d, want %+v 100 17", f.UDP, len(f.Payload), f.IP.Protocol, u)
	}
}

func TestIPv4DecodeTable(t *testing.T) {
	good := icmpFrame(t, 64, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 1}, []byte("ping"))
	// mutate changes the IPv4 packet and refixes the header checksum.
	mutate := func(b []byte, fn func(ip []byte)) []byte {
		b = append([]byte(nil), b...)
		ip := b[14:]
		fn(ip)
		hl := int(ip[0]&0x0f) * 4
		if hl >= 20 && hl <= len(ip) {
			ip[10], ip[11] = 0, 0
			binary.BigEndian.PutUint16(ip[10:12], gopacket.FoldChecksum(gopacket.ComputeChecksum(ip[:hl], 0)))
		}
		return b
	}
	withOptions := func() []byte {
		// IHL 6 with four NOP options (RFC 791 section 3.1).
		b := append([]byte(nil), good[:14+20]...)
		b = append(b, 1, 1, 1, 1)
		b = append(b, good[14+20:]...)
		return mutate(b, func(ip []byte) {
			ip[0] = 0x46
			binary.BigEndian.PutUint16(ip[2:4], uint16(len(ip)))
		})
	}()
	udpBadLen := mutate(udpFrame(t, UDPHeader{SrcPort: 1, DstPort: 2}, []byte("abc")), func(ip []byte) { binary.BigEndian.PutUint16(ip[24:26], 200) })
	udpNoSum := mutate(udpFrame(t, UDPHeader{SrcPort: 1, DstPort: 2}, []byte("abc")), func(ip []byte) { ip[26], ip[27] = 0, 0 })
	udpBadSum := mutate(udpFrame(t, UDPHeader{SrcPort: 1, DstPort: 2}, []byte("abc")), func(ip []byte) { ip[27] ^= 1 })
	icmpBadSum := mutate(good, func(ip []byte) { ip[23] ^= 1 })
	badHdrSum := append([]byte(nil), good...)
	badHdrSum[14+11] ^= 1

	tests := []struct {
		name     string
		rule     string
		frame    []byte
		wantErr  error
		wantICMP bool
		wantUDP  bool
	}{
		{"echo request", "RFC 792", good, nil, true, false},
		{"Ethernet padding after total length", "RFC 894: padding ignored", append(append([]byte(nil), good...), 0, 0, 0, 0), nil, true, false},
		{"header options", "RFC 791 section 3.1", withOptions, nil, true, false},
		{"unknown protocol 99 is not an error", "flag only what is understood", mutate(good, func(ip []byte) { ip[9] = 99 }), nil, false, false},
		{"later fragment is not decoded further", "RFC 791 section 2.3", mutate(good, func(ip []byte) { ip[7] = 8 }), nil, false, false},
		{"UDP without checksum", "RFC 768: zero means none", udpNoSum, nil, false, true},
		{"frame shorter than Ethernet header", "IEEE 802.3", good[:13], ErrTruncated, false, false},
		{"header cut", "RFC 791", good[:14+19], ErrTruncated, false, false},
		{"version 6 in IPv4 EtherType", "RFC 791 section 3.1", mutate(good, func(ip []byte) { ip[0] = 0x65 }), ErrBadVersion, false, false},
		{"IHL 4", "RFC 791 section 3.1: minimum 5", mutate(good, func(ip []byte) { ip[0] = 0x44 }), ErrBadLength, false, false},
		{"IHL beyond the frame", "RFC 791 section 3.1", good[:14+20], ErrTruncated, false, false},
		{"total length beyond the frame", "RFC 791 section 3.1", mutate(good, func(ip []byte) { binary.BigEndian.PutUint16(ip[2:4], 500) }), ErrTruncated, false, false},
		{"total length below header", "RFC 791 section 3.1", mutate(good, func(ip []byte) { binary.BigEndian.PutUint16(ip[2:4], 12) }), ErrBadLength, false, false},
		{"total length 0", "RFC 791 section 3.1", mutate(good, func(ip []byte) { binary.BigEndian.PutUint16(ip[2:4], 0) }), ErrBadLength, false, false},
		{"header checksum", "RFC 791 section 3.1", badHdrSum, ErrBadChecksum, false, false},
		{"malformed option length", "RFC 791 section 3.1", mutate(withOptions, func(ip []byte) { ip[20] = 7; ip[21] = 1 }), ErrBadLength, false, false},
		{"ICMP checksum", "RFC 792", icmpBadSum, ErrBadChecksum, false, false},
		{"ICMP header cut", "RFC 792", mutate(good, func(ip []byte) { binary.BigEndian.PutUint16(ip[2:4], 20+4) }), ErrTruncated, false, false},
		{"UDP length beyond the datagram", "RFC 768", udpBadLen, ErrBadLength, false, false},
		{"UDP length below 8", "RFC 768", mutate(udpNoSum, func(ip []byte) { binary.BigEndian.PutUint16(ip[24:26], 4) }), ErrBadLength, false, false},
		{"UDP checksum", "RFC 768", udpBadSum, ErrBadChecksum, false, false},
	}
	d := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f Frame
			err := d.Decode(tc.frame, &f)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: got error %v, want %v", tc.rule, err, tc.wantErr)
			}
			if f.HasICMP != tc.wantICMP || f.HasUDP != tc.wantUDP {
				t.Errorf("%s: got HasICMP %v HasUDP %v, want %v %v", tc.rule, f.HasICMP, f.HasUDP, tc.wantICMP, tc.wantUDP)
			}
			if tc.wantErr == nil && !f.HasIP {
				t.Errorf("%s: got HasIP false, want true", tc.rule)
			}
		})
	}
}

func TestDecodeUnknownEtherTypeIsNotAnError(t *testing.T) {
	b := make([]byte, 60)
	putEthernet(b, Broadcast, r1MAC, 0x88cc) // LLDP
	var f Frame
	if err := NewDecoder().Decode(b, &f); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if f.EtherType != 0x88cc || f.HasARP || f.HasIP || f.Src != r1MAC {
		t.Errorf("got %+v, want only the Ethernet header", f)
	}
}

func TestZeroValueDecoderAndEncoderWork(t *testing.T) {
	var e Encoder
	b, err := e.ARPFrame(Broadcast, r1MAC, garp)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	var f Frame
	if err := d.Decode(b, &f); err != nil || f.ARP != garp {
		t.Errorf("got %+v, %v, want %+v, nil", f.ARP, err, garp)
	}
}

func TestForwardDecrementsTTLAndFixesChecksum(t *testing.T) {
	in := icmpFrame(t, 64, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 1}, []byte("data"))
	orig := append([]byte(nil), in...)
	padded := append(append([]byte(nil), in...), 0, 0, 0) // link-layer padding
	out, err := NewEncoder().Forward(padded, hostMAC, r1MAC)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Errorf("got %d octets, want %d (padding dropped)", len(out), len(in))
	}
	var f Frame
	if err := NewDecoder().Decode(out, &f); err != nil {
		t.Fatalf("forwarded frame does not decode: %v", err)
	}
	if f.IP.TTL != 63 || f.Dst != hostMAC || f.Src != r1MAC || !f.HasICMP {
		t.Errorf("got TTL %d %v > %v ICMP %v, want 63 %v > %v true", f.IP.TTL, f.Src, f.Dst, f.HasICMP, r1MAC, hostMAC)
	}
	if !bytes.Equal(in, orig) {
		t.Errorf("Forward changed its input")
	}
	// Everything but the MACs, TTL and checksum is unchanged.
	if !bytes.Equal(out[14+12:], in[14+12:]) || !bytes.Equal(out[14:14+8], in[14:14+8]) {
		t.Errorf("got %x, want the same packet as %x", out[14:], in[14:])
	}
}

func TestForwardRefuses(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"TTL 1 would expire (RFC 1812 section 5.3.1)", icmpFrame(t, 1, ICMPEcho{Type: ICMPEchoRequest}, nil), ErrTTLExpired},
		{"TTL 0", icmpFrame(t, 0, ICMPEcho{Type: ICMPEchoRequest}, nil), ErrTTLExpired},
		{"ARP is not IPv4", arpFrame(t, Broadcast, garp), ErrBadLength},
		{"short frame", []byte{1, 2, 3}, ErrTruncated},
		{"cut IPv4 header", icmpFrame(t, 64, ICMPEcho{Type: ICMPEchoRequest}, nil)[:20], ErrTruncated},
	}
	e := NewEncoder()
	for _, tc := range tests {
		if _, err := e.Forward(tc.frame, hostMAC, r1MAC); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestForwardOwnOutput(t *testing.T) {
	e := NewEncoder()
	pkt, err := e.ICMPPacket(IPv4Header{TTL: 5, Src: hostIP, Dst: farIP}, ICMPEcho{Type: ICMPEchoRequest}, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	b := e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, pkt)
	for want := uint8(4); want > 1; want-- {
		if b, err = e.Forward(b, hostMAC, r1MAC); err != nil {
			t.Fatal(err)
		}
		var f Frame
		if err := NewDecoder().Decode(b, &f); err != nil || f.IP.TTL != want {
			t.Fatalf("got TTL %d, %v, want %d, nil", f.IP.TTL, err, want)
		}
	}
}

func TestSummary(t *testing.T) {
	vrrpV2 := mustHex(t, vrrpVectors[0].hex)
	badSum := append([]byte(nil), vrrpV2...)
	badSum[len(badSum)-1] = 1
	lowTTL := ipv4Frame(ProtoVRRP, 64, r1IP, VRRPGroup, vrrpMsg(0x21, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, noAuth))
	twoVIPs := ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 51, 150, 2, 1, 1, []string{"10.99.0.254", "10.99.0.253"}, []byte("secret\x00\x00")))
	tests := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"ARP request", arpFrame(t, Broadcast, ARP{Op: ARPRequest, SenderMAC: hostMAC, SenderIP: netip.MustParseAddr("10.0.0.1"), TargetIP: netip.MustParseAddr("10.0.0.254")}),
			"ARP, Request who-has 10.0.0.254 tell 10.0.0.1, length 28"},
		{"ARP reply", arpFrame(t, hostMAC, ARP{Op: ARPReply, SenderMAC: r1MAC, SenderIP: netip.MustParseAddr("10.0.0.254"), TargetMAC: hostMAC, TargetIP: netip.MustParseAddr("10.0.0.1")}),
			"ARP, Reply 10.0.0.254 is-at 02:99:00:00:00:01, length 28"},
		{"ARP cut", arpFrame(t, Broadcast, garp)[:30], "ARP, [|arp]"},
		{"ICMP echo request", func() []byte {
			e := NewEncoder()
			p, _ := e.ICMPPacket(IPv4Header{TTL: 64, Src: netip.MustParseAddr("10.0.0.10"), Dst: netip.MustParseAddr("10.0.0.254")}, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 5}, make([]byte, 56))
			return e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, p)
		}(), "IP 10.0.0.10 > 10.0.0.254: ICMP echo request, id 1, seq 5, length 64"},
		{"UDP", func() []byte {
			e := NewEncoder()
			p, _ := e.UDPPacket(IPv4Header{TTL: 64, Src: netip.MustParseAddr("10.0.0.10"), Dst: farIP}, UDPHeader{SrcPort: 40000, DstPort: 9}, make([]byte, 100))
			return e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, p)
		}(), "IP 10.0.0.10.40000 > 10.1.0.10.9: UDP, length 100"},
		{"VRRP bad checksum", badSum,
			"IP 10.99.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20, (bad vrrp cksum 3d69)"},
		{"VRRP TTL not 255", lowTTL,
			"IP 10.99.0.1 > 224.0.0.18: VRRPv2, Advertisement, (ttl 64), vrid 51, prio 150, authtype none, intvl 1s, length 20"},
		{"VRRP two addresses and a password", twoVIPs,
			`IP 10.99.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype simple, intvl 1s, length 24, addrs(2): 10.99.0.254,10.99.0.253 auth "secret"`},
		{"VRRP cut", ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, []byte{0x21, 51}),
			"IP 10.99.0.1 > 224.0.0.18: VRRPv2, Advertisement [|vrrp]"},
		{"VRRP unknown type", ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x22, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, noAuth)),
			"IP 10.99.0.1 > 224.0.0.18: VRRPv2, unknown type (2)"},
		{"IP cut", vrrpV2[:40], "IP truncated-ip - 14 bytes missing! 10.99.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 6, (bad length: 1 addrs need 20) [|vrrp]"},
		{"IP header cut", vrrpV2[:20], "IP [|ip]"},
		{"short frame", vrrpV2[:5], "[|ether]"},
		{"other EtherType", func() []byte { b := make([]byte, 60); putEthernet(b, Broadcast, r1MAC, 0x88cc); return b }(),
			"02:99:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype 0x88cc, length 60"},
	}
	for _, tc := range tests {
		if got := Summary(tc.frame); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestDecodeAllocatesNothing checks the steady state the simulator relies
// on: decoding into a reused Frame with a reused Decoder.
func TestDecodeAllocatesNothing(t *testing.T) {
	frames := [][]byte{mustHex(t, vrrpVectors[0].hex), mustHex(t, vrrpVectors[2].hex), mustHex(t, garpHex),
		icmpFrame(t, 64, ICMPEcho{Type: ICMPEchoRequest}, make([]byte, 56)), udpFrame(t, UDPHeader{SrcPort: 1, DstPort: 9}, make([]byte, 100))}
	d := NewDecoder()
	var f Frame
	for _, b := range frames {
		_ = d.Decode(b, &f)
		if n := testing.AllocsPerRun(100, func() { _ = d.Decode(b, &f) }); n != 0 {
			t.Errorf("%s: got %v allocs per decode, want 0", Summary(b), n)
		}
	}
}

func TestEncodeAllocatesNothing(t *testing.T) {
	e := NewEncoder()
	v := vrrpVectors[2].vrrp
	run := func() {
		p, _ := e.VRRPPacket(vrrpIP(1), &v, EncodeOptions{})
		e.Ethernet(MulticastMAC(VRRPGroup), r1MAC, EtherTypeIPv4, p)
		_, _ = e.ARPFrame(Broadcast, r1MAC, garp)
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("got %v allocs, want 0", n)
	}
}
