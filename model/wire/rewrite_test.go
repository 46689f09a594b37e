package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
)

// handTCP returns an IPv4/TCP packet (TTL 64) built by the Encoder.
func handTCP(t testing.TB, src, dst netip.AddrPort, flags uint8, data []byte) []byte {
	t.Helper()
	b, err := NewEncoder().TCPPacket(IPv4Header{TTL: 64, Src: src.Addr(), Dst: dst.Addr()},
		TCPHeader{SrcPort: src.Port(), DstPort: dst.Port(), Seq: 1000, Flags: flags, Window: 65535}, data)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

func handUDP(t testing.TB, src, dst netip.AddrPort, data []byte, zeroSum bool) []byte {
	t.Helper()
	e := NewEncoder()
	b, err := e.UDPPacket(IPv4Header{TTL: 64, Src: src.Addr(), Dst: dst.Addr()}, UDPHeader{SrcPort: src.Port(), DstPort: dst.Port()}, data)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Clone(b)
	if zeroSum {
		b[26], b[27] = 0, 0
	}
	return b
}

var (
	rwCli  = netip.MustParseAddrPort("192.0.2.10:40000")
	rwVIP  = netip.MustParseAddrPort("10.0.0.100:80")
	rwRIP  = netip.MustParseAddrPort("10.1.0.1:8080")
	rwLIP  = netip.MustParseAddrPort("10.1.0.254:5001")
	rwHigh = netip.MustParseAddrPort("255.255.255.255:65535")
)

// TestRewriteMatchesFullChecksum: the incremental update (RFC 1624, as
// tcp_dnat_handler/udp_snat_handler use csum_replace) gives the same
// octets as computing both checksums from scratch.
func TestRewriteMatchesFullChecksum(t *testing.T) {
	cases := []struct {
		name     string
		pkt      func(t *testing.T) []byte
		dst, src netip.AddrPort // zero: leave
	}{
		{"tcp nat in (dnat)", func(t *testing.T) []byte { return handTCP(t, rwCli, rwVIP, TCPSyn, nil) }, rwRIP, netip.AddrPort{}},
		{"tcp nat out (snat)", func(t *testing.T) []byte { return handTCP(t, rwRIP, rwCli, TCPSyn|TCPAck, []byte("x")) }, netip.AddrPort{}, rwVIP},
		{"tcp fullnat in", func(t *testing.T) []byte { return handTCP(t, rwCli, rwVIP, TCPAck, []byte("GET / HTTP/1.0\r\n\r\n")) }, rwRIP, rwLIP},
		{"tcp all ones", func(t *testing.T) []byte { return handTCP(t, rwCli, rwVIP, TCPAck, []byte{0xff}) }, rwHigh, rwHigh},
		{"udp dnat", func(t *testing.T) []byte { return handUDP(t, rwCli, rwVIP, []byte("q"), false) }, rwRIP, netip.AddrPort{}},
		{"udp snat odd data", func(t *testing.T) []byte { return handUDP(t, rwRIP, rwCli, []byte("abc"), false) }, netip.AddrPort{}, rwVIP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.pkt(t)
			if c.dst.IsValid() {
				if err := RewriteDst(p, c.dst); err != nil {
					t.Fatal(err)
				}
			}
			if c.src.IsValid() {
				if err := RewriteSrc(p, c.src); err != nil {
					t.Fatal(err)
				}
			}
			if err := VerifyChecksums(p); err != nil {
				t.Fatalf("after rewrite: %v", err)
			}
			full := bytes.Clone(p)
			if err := SetChecksums(full); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p, full) {
				t.Fatalf("incremental\n% x\nfull\n% x", p, full)
			}
			l, _ := ParseL4(p)
			if c.dst.IsValid() && (netip.AddrFrom4([4]byte(p[16:20])) != c.dst.Addr() || l.DstPort != c.dst.Port()) {
				t.Fatalf("dst %v:%d, want %v", netip.AddrFrom4([4]byte(p[16:20])), l.DstPort, c.dst)
			}
			if c.src.IsValid() && (netip.AddrFrom4([4]byte(p[12:16])) != c.src.Addr() || l.SrcPort != c.src.Port()) {
				t.Fatalf("src %v:%d, want %v", netip.AddrFrom4([4]byte(p[12:16])), l.SrcPort, c.src)
			}
		})
	}
}

// TestRewriteUDPDecodes: a rewritten datagram passes the Decoder's own UDP
// checksum check, and a zero UDP checksum stays zero (RFC 768: none).
func TestRewriteUDPDecodes(t *testing.T) {
	for _, zero := range []bool{false, true} {
		p := handUDP(t, rwCli, rwVIP, []byte("hello"), zero)
		if err := RewriteDst(p, rwRIP); err != nil {
			t.Fatal(err)
		}
		var f Frame
		if err := NewDecoder().DecodeIPv4(p, &f); err != nil {
			t.Fatalf("zero=%v: %v", zero, err)
		}
		if !f.HasUDP || f.UDP.DstPort != rwRIP.Port() || f.IP.Dst != rwRIP.Addr() {
			t.Fatalf("zero=%v: decoded %+v %+v", zero, f.IP, f.UDP)
		}
		if got := binary.BigEndian.Uint16(p[26:28]); (got == 0) != zero {
			t.Fatalf("zero=%v: checksum field 0x%04x", zero, got)
		}
	}
}

// TestDecTTL follows ip_decrease_ttl and decrement_ttl (ip_vs_xmit.c).
func TestDecTTL(t *testing.T) {
	for _, c := range []struct {
		ttl     uint8
		wantErr bool
	}{{64, false}, {2, false}, {1, true}, {0, true}, {255, false}} {
		p := handTCP(t, rwCli, rwVIP, TCPSyn, nil)
		p[8] = c.ttl
		_ = SetChecksums(p)
		err := DecTTL(p)
		if c.wantErr {
			if !errors.Is(err, ErrTTLExpired) || p[8] != c.ttl {
				t.Fatalf("ttl %d: err %v, ttl now %d", c.ttl, err, p[8])
			}
			continue
		}
		if err != nil || p[8] != c.ttl-1 {
			t.Fatalf("ttl %d: err %v, ttl now %d", c.ttl, err, p[8])
		}
		if err := VerifyChecksums(p); err != nil {
			t.Fatalf("ttl %d: %v", c.ttl, err)
		}
	}
}

// TestSetDFOnIPIP: ip_vs_tunnel_xmit copies the inner DF bit to the
// outer header; SetDF adds it to what Encoder.IPIPPacket built, and the
// header checksum still verifies.
func TestSetDFOnIPIP(t *testing.T) {
	inner := handTCP(t, rwCli, rwVIP, TCPSyn, nil)
	out, err := NewEncoder().IPIPPacket(IPv4Header{TTL: 63, ID: 7, Src: rwLIP.Addr(), Dst: rwRIP.Addr()}, inner)
	if err != nil {
		t.Fatal(err)
	}
	out = bytes.Clone(out)
	if DF(out) {
		t.Fatal("IPIPPacket set DF")
	}
	if err := SetDF(out); err != nil || !DF(out) {
		t.Fatalf("SetDF: %v, DF %v", err, DF(out))
	}
	if n, err := checkIPv4(out); err != nil || n != len(out) {
		t.Fatalf("outer header after SetDF: %v", err)
	}
	var f Frame
	if err := NewDecoder().DecodeIPv4(out, &f); err != nil || !f.HasIPIP || !bytes.Equal(f.Payload, inner) {
		t.Fatalf("decode: %v HasIPIP %v", err, f.HasIPIP)
	}
	if err := SetDF(out[:10]); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short: %v", err)
	}
}

// TestParseL4Rejects: what ip_vs_in hands back to the stack untouched.
func TestParseL4Rejects(t *testing.T) {
	good := handTCP(t, rwCli, rwVIP, TCPSyn, nil)
	frag := bytes.Clone(good)
	binary.BigEndian.PutUint16(frag[6:8], 3) // fragment offset 3
	badOff := bytes.Clone(good)
	badOff[32] = 15 << 4
	icmp := bytes.Clone(good)
	icmp[9] = ProtoICMP
	cases := []struct {
		name string
		pkt  []byte
		want error
	}{
		{"short", good[:19], ErrTruncated},
		{"tcp short", good[:30], ErrTruncated},
		{"fragment", frag, ErrUnsupported},
		{"tcp data offset", badOff, ErrBadLength},
		{"icmp", icmp, ErrUnsupported},
	}
	for _, c := range cases {
		if _, err := ParseL4(c.pkt); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	l, err := ParseL4(good)
	if err != nil || l.Flags != TCPSyn || l.SrcPort != rwCli.Port() || l.DstPort != rwVIP.Port() || l.HeaderLen != 20 {
		t.Fatalf("good: %+v %v", l, err)
	}
}

// icmpError builds the ICMP error (type typ) that from sends about pkt,
// quoting its header and 8 octets as Linux icmp_send does at least.
func icmpError(t testing.TB, from netip.Addr, typ uint8, pkt []byte) []byte {
	t.Helper()
	b, err := NewEncoder().ICMPPacket(IPv4Header{TTL: 64, Src: from, Dst: netip.AddrFrom4([4]byte(pkt[12:16]))},
		ICMPEcho{Type: typ, Code: 3}, pkt[:28])
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

// TestNATICMP follows ip_vs_nat_icmp: a real server's port unreachable
// about a datagram it got through NAT leaves as if the VIP sent it about
// a datagram to the VIP; a client's error about a reply from the VIP goes
// to the real server about the real server's datagram.
func TestNATICMP(t *testing.T) {
	// Out: the real server got client -> real:8080.
	got := handUDP(t, rwCli, rwRIP, []byte("q"), false)
	m := icmpError(t, rwRIP.Addr(), ICMPUnreachable, got)
	typ, off, err := ICMPQuote(m)
	if err != nil || typ != ICMPUnreachable || off != 28 {
		t.Fatalf("quote: type %d off %d %v", typ, off, err)
	}
	if err := NATICMP(m, off, rwVIP, true); err != nil {
		t.Fatal(err)
	}
	var f Frame
	if err := NewDecoder().DecodeIPv4(m, &f); err != nil || !f.HasICMP || f.IP.Src != rwVIP.Addr() || f.IP.Dst != rwCli.Addr() {
		t.Fatalf("out: %v %+v", err, f.IP)
	}
	q := m[off:]
	if checksum(q[:20], 0) != 0 || netip.AddrFrom4([4]byte(q[16:20])) != rwVIP.Addr() || binary.BigEndian.Uint16(q[22:24]) != rwVIP.Port() {
		t.Fatalf("out quote % x", q[:28])
	}
	// In: the client got VIP:80 -> client and answers with an error.
	reply := handUDP(t, rwVIP, rwCli, []byte("r"), false)
	m = icmpError(t, rwCli.Addr(), ICMPUnreachable, reply)
	_, off, _ = ICMPQuote(m)
	if err := NATICMP(m, off, rwRIP, false); err != nil {
		t.Fatal(err)
	}
	if err := NewDecoder().DecodeIPv4(m, &f); err != nil || f.IP.Dst != rwRIP.Addr() || f.IP.Src != rwCli.Addr() {
		t.Fatalf("in: %v %+v", err, f.IP)
	}
	q = m[off:]
	if netip.AddrFrom4([4]byte(q[12:16])) != rwRIP.Addr() || binary.BigEndian.Uint16(q[20:22]) != rwRIP.Port() {
		t.Fatalf("in quote % x", q[:28])
	}
	// Echo requests are not errors; a quote without ports is too short.
	echo, _ := NewEncoder().ICMPPacket(IPv4Header{TTL: 64, Src: rwCli.Addr(), Dst: rwVIP.Addr()}, ICMPEcho{Type: ICMPEchoRequest}, nil)
	if _, _, err := ICMPQuote(echo); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("echo: %v", err)
	}
	short, _ := NewEncoder().ICMPPacket(IPv4Header{TTL: 64, Src: rwCli.Addr(), Dst: rwVIP.Addr()}, ICMPEcho{Type: ICMPUnreachable}, got[:22])
	if _, _, err := ICMPQuote(short); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short quote: %v", err)
	}
}

func FuzzRewrite(f *testing.F) {
	f.Add(handTCP(f, rwCli, rwVIP, TCPSyn, nil), uint16(8080))
	f.Add(handUDP(f, rwCli, rwVIP, []byte("x"), false), uint16(53))
	f.Add(handUDP(f, rwCli, rwVIP, []byte("x"), true), uint16(0))
	f.Add(icmpError(f, rwRIP.Addr(), ICMPUnreachable, handUDP(f, rwCli, rwRIP, []byte("q"), false)), uint16(80))
	f.Fuzz(func(t *testing.T, pkt []byte, port uint16) {
		if _, off, err := ICMPQuote(pkt); err == nil {
			q := bytes.Clone(pkt)
			if err := NATICMP(q, off, netip.AddrPortFrom(rwVIP.Addr(), port), port&1 == 0); err != nil {
				t.Fatalf("quote found but not rewritten: %v", err)
			}
			hl := int(q[0]&0x0f) * 4
			total := int(binary.BigEndian.Uint16(q[2:4]))
			if checksum(q[hl:total], 0) != 0 {
				t.Fatal("ICMP checksum does not verify after NATICMP")
			}
		}
		ok := VerifyChecksums(pkt) == nil
		to := netip.AddrPortFrom(rwRIP.Addr(), port)
		if err := RewriteDst(pkt, to); err != nil {
			return
		}
		if err := RewriteSrc(pkt, to); err != nil {
			t.Fatalf("dst rewrite worked, src did not: %v", err)
		}
		if ok {
			if err := VerifyChecksums(pkt); err != nil {
				t.Fatalf("valid packet broken by rewrite: %v", err)
			}
		}
		_ = DecTTL(pkt)
		_ = SetDF(pkt)
	})
}

func BenchmarkRewriteDst(b *testing.B) {
	p := handTCP(b, rwCli, rwVIP, TCPAck, make([]byte, 100))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		to := rwRIP
		if i&1 == 1 {
			to = rwVIP
		}
		if err := RewriteDst(p, to); err != nil {
			b.Fatal(err)
		}
	}
}
