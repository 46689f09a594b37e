package wire

// UDP header (RFC 768):
//
//	 0      7 8     15 16    23 24    31
//	+--------+--------+--------+--------+
//	|     Source      |   Destination   |
//	|      Port       |      Port       |
//	+--------+--------+--------+--------+
//	|                 |                 |
//	|     Length      |    Checksum     |
//	+--------+--------+--------+--------+
//	|          data octets ...
//	+---------------- ...
//
// The checksum covers the IPv4 pseudo-header, the header and the data;
// zero means "not computed" (RFC 768), which a receiver accepts.

import (
	"encoding/binary"
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// UDPPacket returns an IPv4 packet carrying a UDP datagram with data.
func (e *Encoder) UDPPacket(ip IPv4Header, u UDPHeader, data []byte) ([]byte, error) {
	e.init()
	if err := e.setIP(ip, ProtoUDP); err != nil {
		return nil, err
	}
	if len(data) > 0xffff-8-ipv4HeaderLen {
		return nil, fmt.Errorf("wire: udp encode: %w: %d bytes of data do not fit in one IPv4 packet", ErrBadLength, len(data))
	}
	if err := e.appendPayload(data); err != nil {
		return nil, err
	}
	e.udp.SrcPort = layers.UDPPort(u.SrcPort)
	e.udp.DstPort = layers.UDPPort(u.DstPort)
	if err := e.udp.SerializeTo(e.sb, fixAll); err != nil {
		return nil, fmt.Errorf("wire: udp encode: %w", err)
	}
	if err := e.ip4.SerializeTo(e.sb, fixAll); err != nil {
		return nil, fmt.Errorf("wire: ipv4 encode: %w", err)
	}
	return e.sb.Bytes(), nil
}

// checkUDP checks the UDP length against the IPv4 payload and verifies a
// non-zero checksum (pkt is the IPv4 packet), then fills f.
func (d *Decoder) checkUDP(pkt []byte, f *Frame) error {
	seg := pkt[int(pkt[0]&0x0f)*4:]
	ulen := int(d.udp.Length)
	if ulen < 8 || ulen > len(seg) {
		return fmt.Errorf("wire: udp: %w: length field %d, %d bytes in the IPv4 payload", ErrBadLength, ulen, len(seg))
	}
	if d.udp.Checksum != 0 {
		sum := pseudoSum4(pkt[12:16], pkt[16:20], ProtoUDP, ulen)
		if checksum(seg[:ulen], sum) != 0 {
			return fmt.Errorf("wire: udp: %w: checksum 0x%04x does not verify", ErrBadChecksum, d.udp.Checksum)
		}
	}
	f.HasUDP = true
	f.UDP = UDPHeader{SrcPort: uint16(d.udp.SrcPort), DstPort: uint16(d.udp.DstPort)}
	f.Payload = seg[8:ulen]
	return nil
}

// pseudoSum4 is the one's complement sum of the IPv4 pseudo-header
// (RFC 768): source, destination, zero, protocol, length.
func pseudoSum4(src, dst []byte, proto uint8, n int) uint32 {
	return uint32(binary.BigEndian.Uint16(src[0:2])) + uint32(binary.BigEndian.Uint16(src[2:4])) +
		uint32(binary.BigEndian.Uint16(dst[0:2])) + uint32(binary.BigEndian.Uint16(dst[2:4])) +
		uint32(proto) + uint32(n)
}
