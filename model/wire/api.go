package wire

// This file fixes the API the models use. Bodies are filled in by the wire
// implementation files; see the doc comments for the contract.

import "net/netip"

// ARP is an Ethernet/IPv4 ARP packet (RFC 826).
type ARP struct {
	Op        uint16 // ARPRequest or ARPReply
	SenderMAC MAC
	SenderIP  netip.Addr
	TargetMAC MAC
	TargetIP  netip.Addr
}

// ARP operations.
const (
	ARPRequest uint16 = 1
	ARPReply   uint16 = 2
)

// IsGratuitous reports whether a is a gratuitous ARP (sender IP == target IP).
func (a *ARP) IsGratuitous() bool { return a.SenderIP == a.TargetIP }

// IPv4Header holds the IPv4 fields vrrpsim sets or reads.
type IPv4Header struct {
	TOS      uint8
	ID       uint16
	TTL      uint8
	Protocol uint8
	Src, Dst netip.Addr
}

// ICMPEcho is an ICMP echo request (Type 8) or reply (Type 0).
type ICMPEcho struct {
	Type, Code uint8
	ID, Seq    uint16
}

// ICMP types used by vrrpsim.
const (
	ICMPEchoReply    uint8 = 0
	ICMPUnreachable  uint8 = 3
	ICMPEchoRequest  uint8 = 8
	ICMPTimeExceeded uint8 = 11
)

// UDPHeader is the UDP ports of a datagram.
type UDPHeader struct {
	SrcPort, DstPort uint16
}

// Frame is a decoded frame. Which parts are valid is given by the Has* flags.
// Payload aliases the input bytes.
type Frame struct {
	Dst, Src  MAC
	EtherType uint16

	HasARP bool
	ARP    ARP

	HasIP bool
	IP    IPv4Header

	HasVRRP bool
	VRRP    VRRP // v2 or v3, checksum verified

	HasICMP bool
	ICMP    ICMPEcho

	HasUDP bool
	UDP    UDPHeader

	HasTCP bool
	TCP    TCPHeader

	// HasIPIP: the IPv4 packet carries an IPv4 packet (IP protocol 4,
	// RFC 2003), as LVS tunnelling sends; Payload is the inner packet,
	// undecoded (Decoder.DecodeIPv4 decodes it).
	HasIPIP bool

	Payload []byte // ICMP echo data, UDP or TCP payload, or the inner packet of IPIP
}

// TCPHeader holds the TCP fields vrrpsim sets or reads (RFC 9293 section
// 3.1). Options other than MSS are neither sent nor kept.
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8 // TCPFin | TCPSyn | ...
	Window           uint16
	MSS              uint16 // the MSS option (kind 2) of a SYN; 0: absent
}

// TCP flags (RFC 9293 section 3.1).
const (
	TCPFin uint8 = 1 << iota
	TCPSyn
	TCPRst
	TCPPsh
	TCPAck
	TCPUrg
)
