package wire

import "net/netip"

// VRRP is a VRRP advertisement, version 2 (RFC 3768 section 5.1) or
// version 3 (RFC 5798 section 5.1), usable as a gopacket layer.
type VRRP struct {
	Version  uint8 // 2 or 3
	Type     uint8 // 1 = Advertisement
	VRID     uint8
	Priority uint8
	// AuthType is v2 only: 0 none, 1 simple text password (RFC 2338).
	AuthType uint8
	// AdverInt is in seconds for v2 (8 bits) and in centiseconds for v3
	// (12 bits, RFC 5798 section 5.2.7).
	AdverInt uint16
	Checksum uint16
	Addrs    []netip.Addr
	// AuthData is the v2 authentication data (8 octets, RFC 3768 section
	// 5.3.10); for AuthType 1 the password, NUL padded.
	AuthData [8]byte
}

// VRRPAdvertisement is the only VRRP packet type (RFC 3768 section 5.3.2).
const VRRPAdvertisement uint8 = 1
