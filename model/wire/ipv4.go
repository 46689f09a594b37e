package wire

// IPv4 header (RFC 791 section 3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |Type of Service|          Total Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Identification        |Flags|      Fragment Offset    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Source Address                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination Address                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Options                    |    Padding    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// vrrpsim sends IHL 5 (no options), flags 0 (keepalived's adverts do not
// set DF: see the vectors) and computes the header checksum (RFC 791
// section 3.1, RFC 1071). TOS, ID, TTL and protocol come from IPv4Header;
// the caller sets TOS 0xc0 (DSCP CS6) and TTL 255 for VRRP as keepalived
// does (RFC 3768 section 5.2.3: TTL MUST be 255).

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

const ipv4HeaderLen = 20

// setIP loads h into the Encoder's IPv4 layer; proto is used when
// h.Protocol is zero.
func (e *Encoder) setIP(h IPv4Header, proto uint8) error {
	if err := checkIPv4Addrs(h); err != nil {
		return err
	}
	if h.Protocol != 0 {
		proto = h.Protocol
	}
	e.ip4.Version = 4
	e.ip4.IHL = 5
	e.ip4.TOS = h.TOS
	e.ip4.Id = h.ID
	e.ip4.Flags = 0
	e.ip4.FragOffset = 0
	e.ip4.TTL = h.TTL
	e.ip4.Protocol = layers.IPProtocol(proto)
	e.src = h.Src.As4()
	e.dst = h.Dst.As4()
	return e.sb.Clear()
}

func checkIPv4Addrs(h IPv4Header) error {
	if !h.Src.Is4() || !h.Dst.Is4() {
		return fmt.Errorf("wire: ipv4 encode: %w: src %v / dst %v must be IPv4", ErrUnsupported, h.Src, h.Dst)
	}
	return nil
}

// putIPv4Header writes h into b[:20] as setIP and gopacket's IPv4
// serializer do (version 4, IHL 5, flags and fragment offset 0), with the
// total length len(b) and the header checksum.
func putIPv4Header(b []byte, h IPv4Header, proto uint8) {
	b[0] = 4<<4 | ipv4HeaderLen/4
	b[1] = h.TOS
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	binary.BigEndian.PutUint16(b[4:6], h.ID)
	b[6], b[7] = 0, 0
	b[8] = h.TTL
	b[9] = proto
	b[10], b[11] = 0, 0
	src, dst := h.Src.As4(), h.Dst.As4()
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	binary.BigEndian.PutUint16(b[10:12], checksum(b[:ipv4HeaderLen], 0))
}

// VRRPPacket returns an IPv4 packet (no Ethernet header) carrying v; the
// checksum is computed (v3 with the pseudo-header from ip).
func (e *Encoder) VRRPPacket(ip IPv4Header, v *VRRP, opt EncodeOptions) ([]byte, error) {
	e.init()
	if err := e.setIP(ip, ProtoVRRP); err != nil {
		return nil, err
	}
	// Work on a copy so the caller's VRRP never points at our IPv4 layer.
	e.vrrp = *v
	e.vrrp.pseudo = &e.ip4
	count := -1
	if opt.KeepLength {
		count = int(opt.Count)
	}
	err := e.vrrp.serialize(e.sb, !opt.KeepChecksum, count)
	e.vrrp.Addrs = nil // do not keep the caller's slice alive
	if err != nil {
		return nil, err
	}
	if err := e.ip4.SerializeTo(e.sb, fixAll); err != nil {
		return nil, fmt.Errorf("wire: ipv4 encode: %w", err)
	}
	return e.sb.Bytes(), nil
}

// appendPayload places data as the innermost bytes of the packet.
func (e *Encoder) appendPayload(data []byte) error {
	b, err := e.sb.PrependBytes(len(data))
	if err != nil {
		return err
	}
	copy(b, data)
	return nil
}

// checkIPv4 applies the header checks of Linux ip_rcv_core (version 4,
// IHL >= 5, total length within the frame, header checksum) and returns
// the total length. Octets after it are link-layer padding.
func checkIPv4(b []byte) (int, error) {
	if len(b) < ipv4HeaderLen {
		return 0, fmt.Errorf("wire: ipv4: %w: %d bytes, header needs %d", ErrTruncated, len(b), ipv4HeaderLen)
	}
	if v := b[0] >> 4; v != 4 {
		return 0, fmt.Errorf("wire: ipv4: %w: version %d", ErrBadVersion, v)
	}
	hl := int(b[0]&0x0f) * 4
	if hl < ipv4HeaderLen {
		return 0, fmt.Errorf("wire: ipv4: %w: header length %d < 20", ErrBadLength, hl)
	}
	if len(b) < hl {
		return 0, fmt.Errorf("wire: ipv4: %w: %d bytes, header length %d", ErrTruncated, len(b), hl)
	}
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if total < hl {
		return 0, fmt.Errorf("wire: ipv4: %w: total length %d < header length %d", ErrBadLength, total, hl)
	}
	if total > len(b) {
		return 0, fmt.Errorf("wire: ipv4: %w: total length %d, only %d bytes", ErrTruncated, total, len(b))
	}
	if checksum(b[:hl], 0) != 0 {
		return 0, fmt.Errorf("wire: ipv4: %w: header checksum 0x%04x does not verify", ErrBadChecksum, binary.BigEndian.Uint16(b[10:12]))
	}
	return total, nil
}

// addr4 converts a 4-octet net.IP (as gopacket decodes it) to netip.Addr.
func addr4(ip net.IP) netip.Addr {
	if len(ip) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(ip))
}

// Forward returns a copy of the IPv4 packet inside frame with the TTL
// decremented and the header checksum fixed, re-framed from src to dst. It
// returns ErrBadLength for a frame that is not IPv4 and an error wrapping
// ErrTTLExpired if the TTL would reach 0 (RFC 1812 section 5.3.1: the
// router then drops it and may send ICMP Time Exceeded). A malformed IPv4
// header is refused with the same errors as Decode. Link-layer padding is
// not carried over: the copy holds exactly the IPv4 total length.
func (e *Encoder) Forward(frame []byte, dst, src MAC) ([]byte, error) {
	if len(frame) < ethHeaderLen {
		return nil, fmt.Errorf("wire: forward: %w: %d bytes, header needs %d", ErrTruncated, len(frame), ethHeaderLen)
	}
	if et := binary.BigEndian.Uint16(frame[12:14]); et != EtherTypeIPv4 {
		return nil, fmt.Errorf("wire: forward: %w: EtherType 0x%04x is not IPv4", ErrBadLength, et)
	}
	pkt := frame[ethHeaderLen:]
	total, err := checkIPv4(pkt)
	if err != nil {
		return nil, fmt.Errorf("wire: forward: %w", err)
	}
	if ttl := pkt[8]; ttl <= 1 {
		return nil, fmt.Errorf("wire: forward: %w: TTL %d", ErrTTLExpired, ttl)
	}
	out := e.Ethernet(dst, src, EtherTypeIPv4, pkt[:total])
	ip := out[ethHeaderLen:]
	ip[8]--
	hl := int(ip[0]&0x0f) * 4
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:12], checksum(ip[:hl], 0))
	return out, nil
}
