package wire

// ICMP echo request / reply (RFC 792, "Echo or Echo Reply Message"):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Identifier          |        Sequence Number        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Data ...
//	+-+-+-+-+-
//
// For other ICMP types (Destination Unreachable, Time Exceeded) the second
// word is "unused" and the data is the offending IP header + 8 octets;
// Decode still fills ICMPEcho.Type/Code and Payload for them. The checksum
// covers the whole ICMP message (RFC 792).

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

const icmpHeaderLen = 8 // type, code, checksum, identifier, sequence

// ICMPPacket returns an IPv4 packet carrying an ICMP message with data:
// type and code of m, the identifier and sequence number (the "unused"
// word of an error message when m.ID and m.Seq are 0), and the checksum
// over the whole message (RFC 792).
//
// The octets are written here directly, like TCPPacket: every ping and
// every reply goes through this. The output is the one gopacket's ICMPv4
// and IPv4 serializers give (TestICMPPacketMatchesGopacket, FuzzICMPEncode).
// The packet has its own buffer, so it stays valid across TCPPacket,
// Ethernet and ARPFrame calls as it did when it lived in the gopacket
// serialize buffer.
func (e *Encoder) ICMPPacket(ip IPv4Header, m ICMPEcho, data []byte) ([]byte, error) {
	if err := checkIPv4Addrs(ip); err != nil {
		return nil, err
	}
	if len(data) > 0xffff-ipv4HeaderLen-icmpHeaderLen {
		return nil, fmt.Errorf("wire: icmp encode: %w: %d bytes of data do not fit in one IPv4 packet", ErrBadLength, len(data))
	}
	proto := ip.Protocol
	if proto == 0 {
		proto = ProtoICMP
	}
	total := ipv4HeaderLen + icmpHeaderLen + len(data)
	if cap(e.icmpPkt) < total {
		e.icmpPkt = make([]byte, total, max(total, 128))
	}
	b := e.icmpPkt[:total]
	// Data first: copy is a memmove, safe even if data is a packet this
	// Encoder returned earlier.
	copy(b[ipv4HeaderLen+icmpHeaderLen:], data)
	putIPv4Header(b, ip, proto)
	g := b[ipv4HeaderLen:]
	g[0], g[1] = m.Type, m.Code
	g[2], g[3] = 0, 0 // checksum, below
	binary.BigEndian.PutUint16(g[4:6], m.ID)
	binary.BigEndian.PutUint16(g[6:8], m.Seq)
	binary.BigEndian.PutUint16(g[2:4], checksum(g, 0))
	return b, nil
}

// checkICMP verifies the ICMP checksum over the message (pkt is the IPv4
// packet) and fills f.
func (d *Decoder) checkICMP(pkt []byte, f *Frame) error {
	msg := pkt[int(pkt[0]&0x0f)*4:]
	if checksum(msg, 0) != 0 {
		return fmt.Errorf("wire: icmp: %w: checksum 0x%04x does not verify", ErrBadChecksum, d.icmp.Checksum)
	}
	f.HasICMP = true
	f.ICMP = ICMPEcho{
		Type: d.icmp.TypeCode.Type(),
		Code: d.icmp.TypeCode.Code(),
		ID:   d.icmp.Id,
		Seq:  d.icmp.Seq,
	}
	f.Payload = d.icmp.Payload
	return nil
}

// decodeICMPFast reads an ICMP message in place when the packet is the
// common case: IPv4 header without options, not a fragment, a message of
// at least 8 octets whose checksum verifies (Linux icmp_rcv drops the
// rest). It fills f exactly as the gopacket layer path does and reports
// whether it did; anything else (and every error) goes through that path,
// so errors and their wording stay the same. Every ping and reply is
// decoded on every hop, and the layer parser's generic hand-offs cost
// more than the octets (TestDecodeICMPFastMatchesLayers, FuzzDecodeICMP).
func decodeICMPFast(pkt []byte, f *Frame) bool {
	if pkt[9] != ProtoICMP || pkt[0]&0x0f != ipv4HeaderLen/4 || binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 {
		return false
	}
	msg := pkt[ipv4HeaderLen:]
	if len(msg) < icmpHeaderLen || checksum(msg, 0) != 0 {
		return false
	}
	f.HasIP = true
	f.IP = IPv4Header{
		TOS:      pkt[1],
		ID:       binary.BigEndian.Uint16(pkt[4:6]),
		TTL:      pkt[8],
		Protocol: ProtoICMP,
		Src:      netip.AddrFrom4([4]byte(pkt[12:16])),
		Dst:      netip.AddrFrom4([4]byte(pkt[16:20])),
	}
	f.HasICMP = true
	f.ICMP = ICMPEcho{
		Type: msg[0],
		Code: msg[1],
		ID:   binary.BigEndian.Uint16(msg[4:6]),
		Seq:  binary.BigEndian.Uint16(msg[6:8]),
	}
	f.Payload = msg[icmpHeaderLen:]
	return true
}
