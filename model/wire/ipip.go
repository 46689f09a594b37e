package wire

// IP in IP (RFC 2003 section 3): an outer IPv4 header with protocol 4,
// then the inner IPv4 packet unchanged.
//
//	+---------------------------+
//	|      Outer IP Header      |  protocol 4, src/dst = tunnel end points
//	+---------------------------+
//	|      Inner IP Header      |  as the original sender built it
//	+---------------------------+
//	|         IP Payload        |
//	+---------------------------+
//
// The decoder flags HasIPIP and leaves the inner packet undecoded in
// Frame.Payload (tcp.go, decodeTCPOrIPIP); Decoder.DecodeIPv4 decodes it,
// as ipip_rcv hands the inner packet back to ip_rcv.

import "fmt"

// IPIPPacket returns an IPv4 packet from outer.Src to outer.Dst carrying
// inner, an encoded IPv4 packet (protocol 4 unless outer.Protocol says
// otherwise). inner may be a slice this Encoder returned before: it is
// copied first.
func (e *Encoder) IPIPPacket(outer IPv4Header, inner []byte) ([]byte, error) {
	e.init()
	if len(inner) < ipv4HeaderLen {
		return nil, fmt.Errorf("wire: ipip encode: %w: inner packet of %d bytes", ErrTruncated, len(inner))
	}
	if len(inner) > 0xffff-ipv4HeaderLen {
		return nil, fmt.Errorf("wire: ipip encode: %w: %d bytes do not fit in one IPv4 packet", ErrBadLength, len(inner))
	}
	e.inner = append(e.inner[:0], inner...)
	if err := e.setIP(outer, ProtoIPIP); err != nil {
		return nil, err
	}
	if err := e.appendPayload(e.inner); err != nil {
		return nil, err
	}
	if err := e.ip4.SerializeTo(e.sb, fixAll); err != nil {
		return nil, fmt.Errorf("wire: ipv4 encode: %w", err)
	}
	return e.sb.Bytes(), nil
}
