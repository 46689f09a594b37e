package wire

// VRRP version 2 (RFC 3768 section 5.1, auth from RFC 2338 section 5.3.6):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Adver Int   |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         IP Address (1)                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                            .                                  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         IP Address (n)                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Authentication Data (1)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Authentication Data (2)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// VRRP version 3 for IPv4 (RFC 5798 section 5.1): no authentication, and
// the Auth Type / Adver Int octets become 4 reserved bits and a 12-bit
// Max Adver Int in centiseconds:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|(rsvd) |     Max Adver Int     |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       IPvX Address(es)                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// VRRP is a VRRP advertisement, version 2 (RFC 3768 section 5.1) or
// version 3 (RFC 5798 section 5.1), usable as a gopacket layer: it
// implements gopacket.DecodingLayer and gopacket.SerializableLayer under
// layers.LayerTypeVRRP, so a gopacket.DecodingLayerParser hands it the
// payload of an IPv4 packet with protocol 112.
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

	// pseudo is the IPv4 layer whose addresses form the v3 checksum
	// pseudo-header (RFC 5798 section 5.2.8), set by
	// SetNetworkLayerForChecksum. Decoder and Encoder set it only on their
	// own scratch copies, never on values they hand out.
	pseudo *layers.IPv4
}

// VRRP is a gopacket layer both ways.
var (
	_ gopacket.DecodingLayer     = (*VRRP)(nil)
	_ gopacket.SerializableLayer = (*VRRP)(nil)
)

// VRRPAdvertisement is the only VRRP packet type (RFC 3768 section 5.3.2).
const VRRPAdvertisement uint8 = 1

// VRRP v2 authentication types (RFC 3768 section 5.3.6, RFC 2338 section 5.3.6).
const (
	VRRPAuthNone   uint8 = 0
	VRRPAuthSimple uint8 = 1 // simple text password, RFC 2338
	VRRPAuthAH     uint8 = 2 // IPsec AH, RFC 2338 (removed by RFC 3768)
)

const (
	vrrpHeaderLen = 8 // version .. checksum
	vrrpAuthLen   = 8 // v2 authentication data, always present (RFC 3768 section 5.3.10)
)

// vrrpLen is the length of a VRRP message of the given version carrying
// n IPv4 addresses.
func vrrpLen(version uint8, n int) int {
	l := vrrpHeaderLen + 4*n
	if version == 2 {
		l += vrrpAuthLen
	}
	return l
}

// AdverInterval returns the advertisement interval: AdverInt seconds for
// v2 (RFC 3768 section 5.3.7), centiseconds for v3 (RFC 5798 section 5.2.7).
func (v *VRRP) AdverInterval() time.Duration {
	if v.Version == 3 {
		return time.Duration(v.AdverInt) * 10 * time.Millisecond
	}
	return time.Duration(v.AdverInt) * time.Second
}

// VRRPAdverInt converts an advertisement interval to the wire field: whole
// seconds 1..255 for v2 (RFC 3768 section 5.3.7, an 8-bit field) and
// centiseconds 1..4095 for v3 (RFC 5798 section 5.2.7, a 12-bit field).
func VRRPAdverInt(version uint8, d time.Duration) (uint16, error) {
	switch version {
	case 2:
		if d%time.Second != 0 || d < time.Second || d > 255*time.Second {
			return 0, fmt.Errorf("wire: vrrp v2 advert interval %v: %w: want whole seconds 1s..255s", d, ErrBadLength)
		}
		return uint16(d / time.Second), nil
	case 3:
		const cs = 10 * time.Millisecond
		if d%cs != 0 || d < cs || d > 4095*cs {
			return 0, fmt.Errorf("wire: vrrp v3 advert interval %v: %w: want whole centiseconds 10ms..40.95s", d, ErrBadLength)
		}
		return uint16(d / cs), nil
	}
	return 0, fmt.Errorf("wire: vrrp version %d: %w", version, ErrBadVersion)
}

// LayerType returns layers.LayerTypeVRRP (gopacket.SerializableLayer).
func (v *VRRP) LayerType() gopacket.LayerType { return layers.LayerTypeVRRP }

// CanDecode returns layers.LayerTypeVRRP (gopacket.DecodingLayer): that is
// the type layers.IPv4 names for protocol 112, so a DecodingLayerParser
// holding this layer picks it after IPv4.
func (v *VRRP) CanDecode() gopacket.LayerClass { return layers.LayerTypeVRRP }

// NextLayerType returns gopacket.LayerTypeZero: nothing follows VRRP.
func (v *VRRP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// LayerPayload returns nil: the v2 authentication data is part of the
// VRRP message, not a payload.
func (v *VRRP) LayerPayload() []byte { return nil }

// SetNetworkLayerForChecksum gives the IPv4 layer whose source and
// destination form the v3 checksum pseudo-header (RFC 5798 section 5.2.8),
// like gopacket's TCP and UDP layers. v2 does not need it.
func (v *VRRP) SetNetworkLayerForChecksum(l gopacket.NetworkLayer) error {
	ip, ok := l.(*layers.IPv4)
	if !ok {
		return fmt.Errorf("wire: vrrp: %w: checksum pseudo-header needs *layers.IPv4, got %T", ErrUnsupported, l)
	}
	v.pseudo = ip
	return nil
}

// pseudoSum is the one's complement sum of the IPv4 pseudo-header for a
// VRRP message of length n (RFC 5798 section 5.2.8 refers to the upper-layer
// checksum of RFC 2460 section 8.1; for IPv4 that is the header of RFC 768 /
// RFC 793: source, destination, zero, protocol, length).
func (v *VRRP) pseudoSum(n int) (uint32, error) {
	if v.pseudo == nil {
		return 0, fmt.Errorf("wire: vrrp v3: %w: checksum needs the IPv4 pseudo-header (SetNetworkLayerForChecksum)", ErrUnsupported)
	}
	src, dst := v.pseudo.SrcIP.To4(), v.pseudo.DstIP.To4()
	if src == nil || dst == nil {
		return 0, fmt.Errorf("wire: vrrp v3: %w: pseudo-header addresses are not IPv4", ErrUnsupported)
	}
	return pseudoSum4(src, dst, ProtoVRRP, n), nil
}

// DecodeFromBytes decodes a VRRP v2 or v3 advertisement and verifies its
// checksum: v2 over the VRRP message (RFC 3768 section 5.3.8), v3 over the
// message and the IPv4 pseudo-header (RFC 5798 section 5.2.8), which
// requires SetNetworkLayerForChecksum first (Decoder does this).
// Addrs is reused: it is truncated, never appended to across calls.
// Errors wrap ErrTruncated, ErrBadVersion, ErrBadType, ErrBadLength,
// ErrBadChecksum or ErrUnsupported.
func (v *VRRP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	v.Addrs = v.Addrs[:0]
	if len(data) < vrrpHeaderLen {
		df.SetTruncated()
		return fmt.Errorf("wire: vrrp: %w: %d bytes, header needs %d", ErrTruncated, len(data), vrrpHeaderLen)
	}
	// RFC 3768 section 7.1 / RFC 5798 section 7.1: the version must be
	// the one we speak (2 or 3) and the type must be Advertisement.
	version, typ := data[0]>>4, data[0]&0x0f
	if version != 2 && version != 3 {
		return fmt.Errorf("wire: vrrp: %w: version %d, want 2 or 3", ErrBadVersion, version)
	}
	if typ != VRRPAdvertisement {
		return fmt.Errorf("wire: vrrp: %w: type %d, want 1 (Advertisement)", ErrBadType, typ)
	}
	// RFC 3768 section 7.1: the packet length must agree with Count IP
	// Addrs (plus the 8 octets of auth data for v2).
	count := int(data[3])
	want := vrrpLen(version, count)
	if len(data) != want {
		return fmt.Errorf("wire: vrrp v%d: %w: %d bytes, count %d addresses needs %d", version, ErrBadLength, len(data), count, want)
	}
	var sum uint32
	if version == 3 {
		s, err := v.pseudoSum(want)
		if err != nil {
			return err
		}
		sum = s
	}
	if got := checksum(data[:want], sum); got != 0 {
		return fmt.Errorf("wire: vrrp v%d: %w: checksum 0x%04x does not verify", version, ErrBadChecksum, binary.BigEndian.Uint16(data[6:8]))
	}

	v.Version, v.Type = version, typ
	v.VRID = data[1]
	v.Priority = data[2]
	v.Checksum = binary.BigEndian.Uint16(data[6:8])
	if version == 2 {
		v.AuthType = data[4]
		v.AdverInt = uint16(data[5])
		copy(v.AuthData[:], data[want-vrrpAuthLen:want])
	} else {
		// RFC 5798 section 5.2.6: rsvd is ignored on reception.
		v.AuthType = 0
		v.AdverInt = uint16(data[4]&0x0f)<<8 | uint16(data[5])
		v.AuthData = [8]byte{}
	}
	for i := 0; i < count; i++ {
		o := vrrpHeaderLen + 4*i
		v.Addrs = append(v.Addrs, netip.AddrFrom4([4]byte(data[o:o+4])))
	}
	return nil
}

// SerializeTo prepends the VRRP message to b (gopacket.SerializableLayer).
// Count IP Addrs is always len(Addrs): the struct has no other count, so
// opts.FixLengths changes nothing. With opts.ComputeChecksums the checksum
// is computed (v3 needs SetNetworkLayerForChecksum), else Checksum is used.
func (v *VRRP) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	return v.serialize(b, opts.ComputeChecksums, -1)
}

// serialize writes the message; count >= 0 overrides Count IP Addrs (for
// fault injection, EncodeOptions.KeepLength).
func (v *VRRP) serialize(b gopacket.SerializeBuffer, computeChecksum bool, count int) error {
	if v.Version != 2 && v.Version != 3 {
		return fmt.Errorf("wire: vrrp encode: %w: version %d, want 2 or 3", ErrBadVersion, v.Version)
	}
	// The type is 4 bits; any value is encodable so that a scenario can
	// inject a bad type (RFC 3768 section 5.3.2: only 1 is defined).
	if v.Type > 0x0f {
		return fmt.Errorf("wire: vrrp encode: %w: type %d does not fit in 4 bits", ErrBadType, v.Type)
	}
	if count < 0 {
		if len(v.Addrs) > 255 {
			return fmt.Errorf("wire: vrrp encode: %w: %d addresses, count field holds 255", ErrBadLength, len(v.Addrs))
		}
		count = len(v.Addrs)
	}
	if v.Version == 2 && v.AdverInt > 0xff {
		return fmt.Errorf("wire: vrrp v2 encode: %w: adver int %d does not fit in 8 bits", ErrBadLength, v.AdverInt)
	}
	if v.Version == 3 && v.AdverInt > 0x0fff {
		return fmt.Errorf("wire: vrrp v3 encode: %w: max adver int %d does not fit in 12 bits", ErrBadLength, v.AdverInt)
	}
	n := vrrpLen(v.Version, len(v.Addrs))
	bytes, err := b.PrependBytes(n)
	if err != nil {
		return err
	}
	bytes[0] = v.Version<<4 | v.Type
	bytes[1] = v.VRID
	bytes[2] = v.Priority
	bytes[3] = uint8(count)
	if v.Version == 2 {
		bytes[4] = v.AuthType
		bytes[5] = uint8(v.AdverInt)
	} else {
		// RFC 5798 section 5.2.6: rsvd MUST be zero on transmission.
		bytes[4] = uint8(v.AdverInt >> 8)
		bytes[5] = uint8(v.AdverInt)
	}
	bytes[6], bytes[7] = 0, 0
	for i, a := range v.Addrs {
		if !a.Is4() {
			return fmt.Errorf("wire: vrrp encode: %w: address %d (%v) is not IPv4", ErrUnsupported, i, a)
		}
		a4 := a.As4()
		copy(bytes[vrrpHeaderLen+4*i:], a4[:])
	}
	if v.Version == 2 {
		// RFC 3768 section 5.3.10: the 8 octets are always sent; with auth
		// type 0 they are zero (AuthData's zero value).
		copy(bytes[n-vrrpAuthLen:], v.AuthData[:])
	}
	csum := v.Checksum
	if computeChecksum {
		var sum uint32
		if v.Version == 3 {
			if sum, err = v.pseudoSum(n); err != nil {
				return err
			}
		}
		csum = checksum(bytes, sum)
	}
	binary.BigEndian.PutUint16(bytes[6:8], csum)
	return nil
}
