// Package wire encodes and decodes the frames that cross simulated segments:
// Ethernet II, ARP, IPv4, ICMP echo, UDP and VRRP v2/v3. Behaviour lives in
// the other model packages; this package only knows bytes.
package wire

import (
	"errors"
	"fmt"
	"net/netip"
)

// MAC is an IEEE 802 MAC-48 address as a comparable value.
type MAC [6]byte

// Broadcast is ff:ff:ff:ff:ff:ff.
var Broadcast = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// String formats m as "02:99:00:00:00:01".
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// IsGroup reports whether the I/G bit is set (multicast or broadcast).
func (m MAC) IsGroup() bool { return m[0]&1 == 1 }

// VirtualMAC returns the VRRP virtual router MAC 00-00-5E-00-01-{VRID}
// (RFC 3768 section 7.3, RFC 5798 section 7.3).
func VirtualMAC(vrid uint8) MAC { return MAC{0x00, 0x00, 0x5e, 0x00, 0x01, vrid} }

// MulticastMAC returns the Ethernet group address for an IPv4 multicast
// address (RFC 1112 section 6.4: 01-00-5E + low 23 bits).
func MulticastMAC(ip netip.Addr) MAC {
	b := ip.As4()
	return MAC{0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3]}
}

// EtherTypes and IP protocol numbers used in vrrpsim.
const (
	EtherTypeIPv4 uint16 = 0x0800
	EtherTypeARP  uint16 = 0x0806

	ProtoICMP uint8 = 1
	ProtoIPIP uint8 = 4 // IP in IP (RFC 2003), LVS tunnelling
	ProtoTCP  uint8 = 6
	ProtoUDP  uint8 = 17
	ProtoVRRP uint8 = 112
)

// VRRPGroup is the IPv4 multicast address of VRRP, 224.0.0.18
// (RFC 3768 section 5.2.2, RFC 5798 section 5.1.1.2).
var VRRPGroup = netip.AddrFrom4([4]byte{224, 0, 0, 18})

// Sentinel errors wrapped by every decoder, so callers can count drops by
// reason with errors.Is.
var (
	ErrTruncated   = errors.New("truncated")
	ErrBadVersion  = errors.New("bad version")
	ErrBadType     = errors.New("bad type")
	ErrBadLength   = errors.New("bad length")
	ErrBadChecksum = errors.New("bad checksum")
	ErrUnsupported = errors.New("unsupported")
)

// ErrTTLExpired is returned by Encoder.Forward when the TTL of the packet
// is 1 or 0, so forwarding would expire it (RFC 1812 section 5.3.1).
var ErrTTLExpired = errors.New("ttl expired")
