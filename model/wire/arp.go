package wire

// ARP for Ethernet and IPv4 (RFC 826; field layout as in RFC 5227
// section 1.1), 28 octets:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Hardware Type (1)           |   Protocol Type (0x0800)      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  HLen (6)     |  PLen (4)     |   Operation (1 req, 2 reply)  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Sender Hardware Address (6 octets)                          |
//	+                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               | Sender Protocol Address       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//	|   (4 octets)                  | Target Hardware Address       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//	|                          (6 octets)                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Target Protocol Address (4 octets)                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A gratuitous ARP (RFC 5227 section 3, what keepalived sends on becoming
// master) is a request whose sender and target protocol addresses are
// both the announced address; keepalived sets the target hardware address
// to ff:ff:ff:ff:ff:ff.

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
)

const arpLen = 28 // Ethernet/IPv4 ARP

// ARPFrame returns a complete Ethernet+ARP frame (42 octets, no padding).
//
// The octets are written here directly: hardware type 1 (Ethernet),
// protocol 0x0800, lengths 6 and 4, then a's operation and addresses, as
// gopacket's ARP serializer gives them (TestARPFrameMatchesGopacket,
// FuzzARPEncode). The frame has its own buffer in the Encoder.
func (e *Encoder) ARPFrame(dst, src MAC, a ARP) ([]byte, error) {
	if !a.SenderIP.Is4() || !a.TargetIP.Is4() {
		return nil, fmt.Errorf("wire: arp encode: %w: sender %v / target %v must be IPv4", ErrUnsupported, a.SenderIP, a.TargetIP)
	}
	b := e.arpFrame[:]
	putEthernet(b, dst, src, EtherTypeARP)
	p := b[ethHeaderLen:]
	binary.BigEndian.PutUint16(p[0:2], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(p[2:4], EtherTypeIPv4)
	p[4], p[5] = 6, 4
	binary.BigEndian.PutUint16(p[6:8], a.Op)
	spa, tpa := a.SenderIP.As4(), a.TargetIP.As4()
	copy(p[8:14], a.SenderMAC[:])
	copy(p[14:18], spa[:])
	copy(p[18:24], a.TargetMAC[:])
	copy(p[24:28], tpa[:])
	return b, nil
}

// decodeARP decodes an Ethernet/IPv4 ARP packet. Trailing octets
// (Ethernet padding to 60 octets) are ignored.
func (d *Decoder) decodeARP(b []byte, f *Frame) error {
	if len(b) < 8 {
		return fmt.Errorf("wire: arp: %w: %d bytes, fixed header needs 8", ErrTruncated, len(b))
	}
	// Only Ethernet hardware and IPv4 protocol addresses are spoken here
	// (RFC 826: a receiver ignores pairs it does not know).
	htype := binary.BigEndian.Uint16(b[0:2])
	ptype := binary.BigEndian.Uint16(b[2:4])
	if htype != 1 || ptype != EtherTypeIPv4 || b[4] != 6 || b[5] != 4 {
		return fmt.Errorf("wire: arp: %w: hardware %d/%d octets, protocol 0x%04x/%d octets, want Ethernet/6 and IPv4/4",
			ErrUnsupported, htype, b[4], ptype, b[5])
	}
	if len(b) < arpLen {
		return fmt.Errorf("wire: arp: %w: %d bytes, need %d", ErrTruncated, len(b), arpLen)
	}
	if err := d.arp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		return fmt.Errorf("wire: arp: %w: %v", ErrTruncated, err)
	}
	// Linux arp_process ignores every operation but request and reply.
	op := d.arp.Operation
	if op != ARPRequest && op != ARPReply {
		return fmt.Errorf("wire: arp: %w: operation %d, want 1 (request) or 2 (reply)", ErrUnsupported, op)
	}
	f.HasARP = true
	f.ARP = ARP{
		Op:        op,
		SenderMAC: MAC(d.arp.SourceHwAddress),
		SenderIP:  netip.AddrFrom4([4]byte(d.arp.SourceProtAddress)),
		TargetMAC: MAC(d.arp.DstHwAddress),
		TargetIP:  netip.AddrFrom4([4]byte(d.arp.DstProtAddress)),
	}
	return nil
}
