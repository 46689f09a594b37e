package wire

// Summary prints frames the way `tcpdump -n` does (tcpdump's print-arp.c,
// print-ip.c, print-icmp.c, print-udp.c, print-tcp.c and print-vrrp.c),
// without the timestamp, so a simulated trace reads like a capture. TCP
// sequence and ack numbers are absolute, as with `tcpdump -n -S` (tcp.go). A few -v details
// that matter for VRRP labs are kept on the one line: the address list and
// password of simple-auth v2 adverts, a TTL other than 255, and checksums
// that do not verify. It reads the bytes itself, field by field with a
// length check before each, so a malformed frame is described up to the
// point where it breaks ("[|vrrp]" as tcpdump marks truncation).

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Summary describes a frame on one line in the style of `tcpdump -n`
// (without the timestamp), e.g.
// "IP 10.0.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20"
// or "ARP, Request who-has 10.0.0.254 (ff:ff:ff:ff:ff:ff) tell 10.0.0.254, length 28".
// Malformed frames are described, never a panic.
func Summary(b []byte) string {
	if len(b) < ethHeaderLen {
		return "[|ether]"
	}
	et := binary.BigEndian.Uint16(b[12:14])
	p := b[ethHeaderLen:]
	switch et {
	case EtherTypeARP:
		return summaryARP(p)
	case EtherTypeIPv4:
		return summaryIPv4(p)
	}
	return fmt.Sprintf("%v > %v, ethertype 0x%04x, length %d", MAC(b[6:12]), MAC(b[0:6]), et, len(b))
}

func ip4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

// summaryARP follows tcpdump's print-arp.c for Ethernet/IPv4.
func summaryARP(p []byte) string {
	if len(p) < 8 {
		return "ARP, [|arp]"
	}
	htype, ptype := binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])
	if htype != 1 || ptype != EtherTypeIPv4 || p[4] != 6 || p[5] != 4 {
		return fmt.Sprintf("ARP, hardware %d, proto 0x%04x, hlen %d, plen %d, length %d", htype, ptype, p[4], p[5], len(p))
	}
	if len(p) < arpLen {
		return "ARP, [|arp]"
	}
	op := binary.BigEndian.Uint16(p[6:8])
	sha, spa, tha, tpa := MAC(p[8:14]), ip4(p[14:18]), MAC(p[18:24]), ip4(p[24:28])
	switch op {
	case ARPRequest:
		// tcpdump shows the target hardware address only when it is set,
		// as keepalived's gratuitous ARP does (ff:ff:ff:ff:ff:ff).
		if !tha.IsZero() {
			return fmt.Sprintf("ARP, Request who-has %v (%v) tell %v, length %d", tpa, tha, spa, len(p))
		}
		return fmt.Sprintf("ARP, Request who-has %v tell %v, length %d", tpa, spa, len(p))
	case ARPReply:
		return fmt.Sprintf("ARP, Reply %v is-at %v, length %d", spa, sha, len(p))
	}
	return fmt.Sprintf("ARP, Unknown (%d), length %d", op, len(p))
}

// summaryIPv4 follows print-ip.c: "IP src > dst: " then the protocol.
func summaryIPv4(p []byte) string {
	if len(p) < ipv4HeaderLen {
		return "IP [|ip]"
	}
	if v := p[0] >> 4; v != 4 {
		return fmt.Sprintf("IP bad-version %d, length %d", v, len(p))
	}
	hl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:4]))
	src, dst := ip4(p[12:16]), ip4(p[16:20])
	if hl < ipv4HeaderLen || total < hl {
		return fmt.Sprintf("IP %v > %v: bad-hlen %d, length %d", src, dst, hl, total)
	}
	var s strings.Builder
	s.WriteString("IP ")
	if total > len(p) {
		fmt.Fprintf(&s, "truncated-ip - %d bytes missing! ", total-len(p))
		total = len(p)
	}
	if hl > total {
		fmt.Fprintf(&s, "%v > %v: [|ip]", src, dst)
		return s.String()
	}
	payload := p[hl:total]
	proto, ttl := p[9], p[8]
	sport, dport := "", ""
	if (proto == ProtoUDP || proto == ProtoTCP) && len(payload) >= 4 {
		sport = fmt.Sprintf(".%d", binary.BigEndian.Uint16(payload[0:2]))
		dport = fmt.Sprintf(".%d", binary.BigEndian.Uint16(payload[2:4]))
	}
	fmt.Fprintf(&s, "%v%s > %v%s: ", src, sport, dst, dport)
	if checksum(p[:hl], 0) != 0 {
		fmt.Fprintf(&s, "(bad ip cksum %04x) ", binary.BigEndian.Uint16(p[10:12]))
	}
	flagsFrag := binary.BigEndian.Uint16(p[6:8])
	if flagsFrag&0x1fff != 0 {
		// Not the first fragment: tcpdump prints no upper-layer header.
		fmt.Fprintf(&s, "ip-proto-%d", proto)
		return s.String()
	}
	switch proto {
	case ProtoVRRP:
		summaryVRRP(&s, payload, p[12:16], p[16:20], ttl)
	case ProtoICMP:
		summaryICMP(&s, payload)
	case ProtoUDP:
		summaryUDP(&s, payload)
	case ProtoTCP:
		summaryTCP(&s, payload, p[12:16], p[16:20])
	case ProtoIPIP:
		// print-ip.c hands the inner packet to ip_print, then names the
		// outer protocol.
		s.WriteString(summaryIPv4(payload))
		s.WriteString(" (ipip-proto-4)")
	default:
		fmt.Fprintf(&s, "ip-proto-%d %d", proto, len(payload))
	}
	return s.String()
}

// summaryVRRP follows print-vrrp.c.
func summaryVRRP(s *strings.Builder, p, src, dst []byte, ttl uint8) {
	const trunc = " [|vrrp]"
	if len(p) < 1 {
		s.WriteString("VRRP" + trunc)
		return
	}
	version, typ := p[0]>>4, p[0]&0x0f
	typeName := "Advertisement"
	if typ != VRRPAdvertisement {
		typeName = fmt.Sprintf("unknown type (%d)", typ)
	}
	fmt.Fprintf(s, "VRRPv%d, %s", version, typeName)
	// RFC 3768 section 7.1: an advert whose TTL is not 255 is discarded.
	if ttl != 255 {
		fmt.Fprintf(s, ", (ttl %d)", ttl)
	}
	if (version != 2 && version != 3) || typ != VRRPAdvertisement {
		return
	}
	if len(p) < 3 {
		s.WriteString(trunc)
		return
	}
	fmt.Fprintf(s, ", vrid %d, prio %d", p[1], p[2])
	if len(p) < 6 {
		s.WriteString(trunc)
		return
	}
	authType := p[4]
	if version == 2 {
		fmt.Fprintf(s, ", authtype %s, intvl %ds, length %d", authName(authType), p[5], len(p))
	} else {
		fmt.Fprintf(s, ", intvl %dcs, length %d", uint16(p[4]&0x0f)<<8|uint16(p[5]), len(p))
	}
	if len(p) >= vrrpHeaderLen {
		var sum uint32
		if version == 3 {
			sum = pseudoSum4(src, dst, ProtoVRRP, len(p))
		}
		if checksum(p, sum) != 0 {
			fmt.Fprintf(s, ", (bad vrrp cksum %x)", binary.BigEndian.Uint16(p[6:8]))
		}
	}
	count := int(p[3])
	if want := vrrpLen(version, count); len(p) != want {
		fmt.Fprintf(s, ", (bad length: %d addrs need %d)", count, want)
	}
	if version != 2 || authType != VRRPAuthSimple {
		if len(p) < vrrpHeaderLen {
			s.WriteString(trunc)
		}
		return
	}
	// tcpdump -v: the addresses and the simple text password.
	s.WriteString(", addrs")
	if count > 1 {
		fmt.Fprintf(s, "(%d)", count)
	}
	s.WriteString(":")
	sep := " "
	for i := 0; i < count; i++ {
		o := vrrpHeaderLen + 4*i
		if len(p) < o+4 {
			s.WriteString(trunc)
			return
		}
		fmt.Fprintf(s, "%s%v", sep, ip4(p[o:o+4]))
		sep = ","
	}
	o := vrrpHeaderLen + 4*count
	if len(p) < o+vrrpAuthLen {
		s.WriteString(trunc)
		return
	}
	s.WriteString(` auth "`)
	for _, c := range p[o : o+vrrpAuthLen] {
		if c == 0 {
			break
		}
		if c < 0x20 || c > 0x7e {
			fmt.Fprintf(s, `\x%02x`, c)
			continue
		}
		s.WriteByte(c)
	}
	s.WriteString(`"`)
}

func authName(t uint8) string {
	switch t {
	case VRRPAuthNone:
		return "none"
	case VRRPAuthSimple:
		return "simple"
	case VRRPAuthAH:
		return "ah"
	}
	return fmt.Sprintf("unknown (%d)", t)
}

// summaryICMP follows print-icmp.c for the types vrrpsim uses.
func summaryICMP(s *strings.Builder, p []byte) {
	if len(p) < 8 {
		s.WriteString("ICMP [|icmp]")
		return
	}
	bad := ""
	if checksum(p, 0) != 0 {
		bad = fmt.Sprintf(", (wrong icmp cksum %x)", binary.BigEndian.Uint16(p[2:4]))
	}
	typ, code := p[0], p[1]
	id, seq := binary.BigEndian.Uint16(p[4:6]), binary.BigEndian.Uint16(p[6:8])
	switch typ {
	case ICMPEchoRequest, ICMPEchoReply:
		name := "request"
		if typ == ICMPEchoReply {
			name = "reply"
		}
		fmt.Fprintf(s, "ICMP echo %s, id %d, seq %d, length %d%s", name, id, seq, len(p), bad)
	case ICMPTimeExceeded:
		what := "in-transit"
		if code == 1 {
			what = "fragment reassembly"
		}
		fmt.Fprintf(s, "ICMP time exceeded %s, length %d%s", what, len(p), bad)
	case ICMPUnreachable:
		fmt.Fprintf(s, "ICMP %s unreachable, length %d%s", unreachWhat(code, p[8:]), len(p), bad)
	default:
		fmt.Fprintf(s, "ICMP type-#%d, length %d%s", typ, len(p), bad)
	}
}

// unreachWhat names what was unreachable from the quoted IP header.
func unreachWhat(code uint8, q []byte) string {
	if len(q) < ipv4HeaderLen {
		return fmt.Sprintf("code %d", code)
	}
	dst := ip4(q[16:20])
	hl := int(q[0]&0x0f) * 4
	switch code {
	case 0:
		return fmt.Sprintf("net %v", dst)
	case 1:
		return fmt.Sprintf("host %v", dst)
	case 3:
		if q[9] == ProtoUDP && hl >= ipv4HeaderLen && len(q) >= hl+4 {
			return fmt.Sprintf("%v udp port %d", dst, binary.BigEndian.Uint16(q[hl+2:hl+4]))
		}
		return fmt.Sprintf("%v protocol %d port", dst, q[9])
	}
	return fmt.Sprintf("%v code %d", dst, code)
}

// summaryUDP follows print-udp.c: "UDP, length <data length>".
func summaryUDP(s *strings.Builder, p []byte) {
	if len(p) < 8 {
		s.WriteString("UDP [|udp]")
		return
	}
	ulen := int(binary.BigEndian.Uint16(p[4:6]))
	if ulen < 8 || ulen > len(p) {
		fmt.Fprintf(s, "UDP, bad length %d > %d", ulen, len(p))
		return
	}
	fmt.Fprintf(s, "UDP, length %d", ulen-8)
}
