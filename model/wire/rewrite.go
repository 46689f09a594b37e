package wire

// In-place rewrites of an IPv4 packet for the LVS director: the address
// and port changes of NAT and FULLNAT, the TTL decrement of forwarding,
// and the DF bit of LVS-TUN's outer header. Checksums are updated incrementally
// (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')), as the kernel does with
// csum_replace4/inet_proto_csum_replace4 in tcp_dnat_handler and
// udp_snat_handler (net/netfilter/ipvs/ip_vs_proto_{tcp,udp}.c).
//
// The functions work on the IPv4 packet alone (no Ethernet header) and
// check every length before touching a byte.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// L4 is what the director reads of a packet: the transport protocol, its
// ports and, for TCP, the flags (struct ip_vs_iphdr plus the tcphdr bits
// set_tcp_state looks at).
type L4 struct {
	Proto            uint8
	HeaderLen        int // IPv4 header length (IHL*4)
	TotalLen         int // IPv4 total length
	SrcPort, DstPort uint16
	Flags            uint8 // TCP flags (TCPSyn...); 0 for UDP
}

// minimum transport header octets the director reads: ports for UDP (and
// its length/checksum), the whole fixed TCP header.
const (
	udpHeaderLen = 8
	tcpHeaderLen = 20
)

// ParseL4 reads the IPv4 header and the TCP or UDP header of pkt. Other
// protocols and non-first fragments give an error wrapping ErrUnsupported
// (IPVS ignores them: ip_vs_in returns NF_ACCEPT); short packets give
// ErrTruncated or ErrBadLength.
func ParseL4(pkt []byte) (L4, error) {
	var l L4
	if len(pkt) < ipv4HeaderLen {
		return l, fmt.Errorf("wire: l4: %w: %d bytes", ErrTruncated, len(pkt))
	}
	if pkt[0]>>4 != 4 {
		return l, fmt.Errorf("wire: l4: %w: version %d", ErrBadVersion, pkt[0]>>4)
	}
	hl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if hl < ipv4HeaderLen || total < hl {
		return l, fmt.Errorf("wire: l4: %w: header length %d, total length %d", ErrBadLength, hl, total)
	}
	if total > len(pkt) {
		return l, fmt.Errorf("wire: l4: %w: total length %d, only %d bytes", ErrTruncated, total, len(pkt))
	}
	l.Proto, l.HeaderLen, l.TotalLen = pkt[9], hl, total
	if binary.BigEndian.Uint16(pkt[6:8])&0x1fff != 0 {
		return l, fmt.Errorf("wire: l4: %w: non-first fragment", ErrUnsupported)
	}
	seg := pkt[hl:total]
	switch l.Proto {
	case ProtoTCP:
		if len(seg) < tcpHeaderLen {
			return l, fmt.Errorf("wire: l4: tcp: %w: %d bytes", ErrTruncated, len(seg))
		}
		if off := int(seg[12]>>4) * 4; off < tcpHeaderLen || off > len(seg) {
			return l, fmt.Errorf("wire: l4: tcp: %w: data offset %d, %d bytes", ErrBadLength, off, len(seg))
		}
		l.Flags = seg[13] & 0x3f
	case ProtoUDP:
		if len(seg) < udpHeaderLen {
			return l, fmt.Errorf("wire: l4: udp: %w: %d bytes", ErrTruncated, len(seg))
		}
	default:
		return l, fmt.Errorf("wire: l4: %w: IP protocol %d", ErrUnsupported, l.Proto)
	}
	l.SrcPort = binary.BigEndian.Uint16(seg[0:2])
	l.DstPort = binary.BigEndian.Uint16(seg[2:4])
	return l, nil
}

// l4Checksum returns the offset in pkt of the transport checksum field,
// or -1 when there is none to update (a UDP checksum of 0 means "none",
// RFC 768, and stays 0).
func l4Checksum(pkt []byte, l *L4) int {
	switch l.Proto {
	case ProtoTCP:
		return l.HeaderLen + 16
	case ProtoUDP:
		o := l.HeaderLen + 6
		if binary.BigEndian.Uint16(pkt[o:o+2]) == 0 {
			return -1
		}
		return o
	}
	return -1
}

// csumAdd folds the change of one 16-bit word from old to new into the
// checksum field at off (RFC 1624 eqn. 3).
func csumAdd(pkt []byte, off int, old, new uint16) {
	hc := binary.BigEndian.Uint16(pkt[off : off+2])
	s := uint32(^hc) + uint32(^old) + uint32(new)
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	binary.BigEndian.PutUint16(pkt[off:off+2], ^uint16(s))
}

// replace32 writes a 4-octet value at at and folds the change into the
// checksums at offs (negative offsets are skipped).
func replace32(pkt []byte, at int, v [4]byte, offs ...int) {
	old1 := binary.BigEndian.Uint16(pkt[at : at+2])
	old2 := binary.BigEndian.Uint16(pkt[at+2 : at+4])
	copy(pkt[at:at+4], v[:])
	new1 := binary.BigEndian.Uint16(pkt[at : at+2])
	new2 := binary.BigEndian.Uint16(pkt[at+2 : at+4])
	for _, o := range offs {
		if o >= 0 {
			csumAdd(pkt, o, old1, new1)
			csumAdd(pkt, o, old2, new2)
		}
	}
}

// replace16 writes a port at at and folds the change into the checksum at
// off (skipped when negative).
func replace16(pkt []byte, at int, v uint16, off int) {
	old := binary.BigEndian.Uint16(pkt[at : at+2])
	binary.BigEndian.PutUint16(pkt[at:at+2], v)
	if off >= 0 {
		csumAdd(pkt, off, old, v)
	}
}

// fixUDPZero maps a computed UDP checksum of 0 to 0xffff (RFC 768: 0 is
// "no checksum"), as udp_snat_handler does with CSUM_MANGLED_0.
func fixUDPZero(pkt []byte, l *L4, off int) {
	if l.Proto == ProtoUDP && off >= 0 && pkt[off] == 0 && pkt[off+1] == 0 {
		pkt[off], pkt[off+1] = 0xff, 0xff
	}
}

// RewriteDst sets the destination address and port of a TCP or UDP packet
// in place (tcp_dnat_handler: the address is in the pseudo-header, so it
// changes both the IPv4 and the transport checksum).
func RewriteDst(pkt []byte, to netip.AddrPort) error {
	return rewrite(pkt, to, 16, 2)
}

// RewriteSrc sets the source address and port in place (tcp_snat_handler).
func RewriteSrc(pkt []byte, to netip.AddrPort) error {
	return rewrite(pkt, to, 12, 0)
}

func rewrite(pkt []byte, to netip.AddrPort, addrAt, portAt int) error {
	if !to.Addr().Is4() {
		return fmt.Errorf("wire: rewrite: %w: %v is not IPv4", ErrUnsupported, to)
	}
	l, err := ParseL4(pkt)
	if err != nil {
		return err
	}
	ck := l4Checksum(pkt, &l)
	replace32(pkt, addrAt, to.Addr().As4(), 10, ck)
	replace16(pkt, l.HeaderLen+portAt, to.Port(), ck)
	fixUDPZero(pkt, &l, ck)
	return nil
}

// DecTTL decrements the TTL of an IPv4 packet in place and fixes the
// header checksum (ip_decrease_ttl). It returns ErrTTLExpired and leaves
// the packet alone when the TTL is 1 or 0 (decrement_ttl in ip_vs_xmit.c
// then sends ICMP Time Exceeded and drops it).
func DecTTL(pkt []byte) error {
	if len(pkt) < ipv4HeaderLen {
		return fmt.Errorf("wire: ttl: %w: %d bytes", ErrTruncated, len(pkt))
	}
	if pkt[8] <= 1 {
		return fmt.Errorf("wire: ttl: %w: TTL %d", ErrTTLExpired, pkt[8])
	}
	old := binary.BigEndian.Uint16(pkt[8:10])
	pkt[8]--
	csumAdd(pkt, 10, old, binary.BigEndian.Uint16(pkt[8:10]))
	return nil
}

// ipDF is the Don't Fragment bit of the IPv4 flags word.
const ipDF = 0x4000

// DF reports whether the IPv4 packet has Don't Fragment set.
func DF(pkt []byte) bool {
	return len(pkt) >= ipv4HeaderLen && binary.BigEndian.Uint16(pkt[6:8])&ipDF != 0
}

// SetDF sets Don't Fragment on an IPv4 packet in place and fixes the
// header checksum; ip_vs_tunnel_xmit copies the inner packet's DF to the
// outer header, which Encoder.IPIPPacket leaves clear.
func SetDF(pkt []byte) error {
	if len(pkt) < ipv4HeaderLen {
		return fmt.Errorf("wire: df: %w: %d bytes", ErrTruncated, len(pkt))
	}
	old := binary.BigEndian.Uint16(pkt[6:8])
	replace16(pkt, 6, old|ipDF, 10)
	return nil
}

// VerifyChecksums checks the IPv4 header checksum and, for TCP and UDP,
// the transport checksum over the pseudo-header (a UDP checksum of 0 is
// accepted). It is what a receiving stack checks after a rewrite.
func VerifyChecksums(pkt []byte) error {
	l, err := ParseL4(pkt)
	if err != nil {
		return err
	}
	if checksum(pkt[:l.HeaderLen], 0) != 0 {
		return fmt.Errorf("wire: ipv4: %w: header checksum", ErrBadChecksum)
	}
	seg := pkt[l.HeaderLen:l.TotalLen]
	if l.Proto == ProtoUDP && binary.BigEndian.Uint16(seg[6:8]) == 0 {
		return nil
	}
	if checksum(seg, pseudoSum4(pkt[12:16], pkt[16:20], l.Proto, len(seg))) != 0 {
		return fmt.Errorf("wire: %s: %w", protoName(l.Proto), ErrBadChecksum)
	}
	return nil
}

// SetChecksums computes the IPv4 header checksum and the TCP or UDP
// checksum of pkt from scratch (for packets built by hand, as tests and
// fault injection do).
func SetChecksums(pkt []byte) error {
	l, err := ParseL4(pkt)
	if err != nil {
		return err
	}
	pkt[10], pkt[11] = 0, 0
	binary.BigEndian.PutUint16(pkt[10:12], checksum(pkt[:l.HeaderLen], 0))
	seg := pkt[l.HeaderLen:l.TotalLen]
	off := 16
	if l.Proto == ProtoUDP {
		off = 6
	}
	seg[off], seg[off+1] = 0, 0
	c := checksum(seg, pseudoSum4(pkt[12:16], pkt[16:20], l.Proto, len(seg)))
	if c == 0 && l.Proto == ProtoUDP {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(seg[off:off+2], c)
	return nil
}

func protoName(p uint8) string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return fmt.Sprintf("proto %d", p)
}

// ICMP error types IPVS relays for its connections (ip_vs_in_icmp,
// ip_vs_out_icmp): destination unreachable, source quench, time exceeded.
const icmpSourceQuench = 4

// ICMPQuote reads an ICMP error message: its type and the offset in pkt
// of the IPv4 packet it quotes (RFC 792: the offending header and at
// least 8 octets of its data). Messages that are not errors, and quotes
// too short to hold the quoted packet's ports, give an error wrapping
// ErrUnsupported or ErrTruncated.
func ICMPQuote(pkt []byte) (typ uint8, off int, err error) {
	if len(pkt) < ipv4HeaderLen || pkt[0]>>4 != 4 || pkt[9] != ProtoICMP {
		return 0, 0, fmt.Errorf("wire: icmp quote: %w: not an IPv4 ICMP packet", ErrUnsupported)
	}
	hl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if hl < ipv4HeaderLen || total < hl || total > len(pkt) {
		return 0, 0, fmt.Errorf("wire: icmp quote: %w: header length %d, total length %d of %d", ErrBadLength, hl, total, len(pkt))
	}
	if total < hl+8 {
		return 0, 0, fmt.Errorf("wire: icmp quote: %w: no ICMP header", ErrTruncated)
	}
	typ = pkt[hl]
	if typ != ICMPUnreachable && typ != icmpSourceQuench && typ != ICMPTimeExceeded {
		return typ, 0, fmt.Errorf("wire: icmp quote: %w: type %d is not an error", ErrUnsupported, typ)
	}
	off = hl + 8
	q := pkt[off:total]
	if len(q) < ipv4HeaderLen || q[0]>>4 != 4 {
		return typ, 0, fmt.Errorf("wire: icmp quote: %w: %d octets quoted", ErrTruncated, len(q))
	}
	qhl := int(q[0]&0x0f) * 4
	if qhl < ipv4HeaderLen || len(q) < qhl+4 {
		return typ, 0, fmt.Errorf("wire: icmp quote: %w: quoted header %d, %d octets", ErrTruncated, qhl, len(q))
	}
	return typ, off, nil
}

// NATICMP rewrites an ICMP error about a NAT connection in place, as
// ip_vs_nat_icmp does. out (a real server's error on its way to the
// client): the outer source and the quoted destination become to. Not
// out (a client's error on its way to the real server): the outer
// destination and the quoted source become to. The quoted packet's
// header checksum and the ICMP checksum are recomputed; the quoted
// transport checksum is left alone, as the kernel leaves it.
func NATICMP(pkt []byte, off int, to netip.AddrPort, out bool) error {
	if !to.Addr().Is4() {
		return fmt.Errorf("wire: icmp nat: %w: %v is not IPv4", ErrUnsupported, to)
	}
	if _, o, err := ICMPQuote(pkt); err != nil {
		return fmt.Errorf("wire: icmp nat: %w", err)
	} else if o != off {
		return fmt.Errorf("wire: icmp nat: %w: quote at %d, not %d", ErrBadLength, o, off)
	}
	hl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	q := pkt[off:total]
	qhl := int(q[0]&0x0f) * 4
	outerAt, quoteAt, portAt := 16, 12, qhl // in: outer dst, quoted src, source port
	if out {
		outerAt, quoteAt, portAt = 12, 16, qhl+2
	}
	replace32(pkt, outerAt, to.Addr().As4(), 10)
	a := to.Addr().As4()
	copy(q[quoteAt:quoteAt+4], a[:])
	if p := q[9]; p == ProtoTCP || p == ProtoUDP {
		binary.BigEndian.PutUint16(q[portAt:portAt+2], to.Port())
	}
	q[10], q[11] = 0, 0
	binary.BigEndian.PutUint16(q[10:12], checksum(q[:qhl], 0))
	msg := pkt[hl:total]
	msg[2], msg[3] = 0, 0
	binary.BigEndian.PutUint16(msg[2:4], checksum(msg, 0))
	return nil
}
