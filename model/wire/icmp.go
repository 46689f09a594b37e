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
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// ICMPPacket returns an IPv4 packet carrying an ICMP echo with data.
func (e *Encoder) ICMPPacket(ip IPv4Header, m ICMPEcho, data []byte) ([]byte, error) {
	e.init()
	if err := e.setIP(ip, ProtoICMP); err != nil {
		return nil, err
	}
	if err := e.appendPayload(data); err != nil {
		return nil, err
	}
	e.icmp.TypeCode = layers.CreateICMPv4TypeCode(m.Type, m.Code)
	e.icmp.Id = m.ID
	e.icmp.Seq = m.Seq
	if err := e.icmp.SerializeTo(e.sb, fixAll); err != nil {
		return nil, fmt.Errorf("wire: icmp encode: %w", err)
	}
	if err := e.ip4.SerializeTo(e.sb, fixAll); err != nil {
		return nil, fmt.Errorf("wire: ipv4 encode: %w", err)
	}
	return e.sb.Bytes(), nil
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
