package wire

import (
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Encoder builds packets into reusable buffers. The slices it returns are
// valid until its next call; callers that keep them must copy.
// The zero value is ready to use. Not safe for concurrent use.
type Encoder struct {
	buf []byte // Ethernet and Forward output
	pkt []byte // TCPPacket output (tcp.go)

	icmpPkt  []byte                      // ICMPPacket output (icmp.go)
	arpFrame [ethHeaderLen + arpLen]byte // ARPFrame output (arp.go)

	sb    gopacket.SerializeBuffer // VRRP and UDP packets
	ip4   layers.IPv4
	udp   layers.UDP
	inner []byte // IPIPPacket's copy of the inner packet (ipip.go)
	vrrp  VRRP   // scratch copy of the caller's VRRP, with pseudo = &ip4
	src   [4]byte
	dst   [4]byte
}

// NewEncoder returns an Encoder.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.init()
	return e
}

// init prepares the reusable layers once; later calls are free.
func (e *Encoder) init() {
	if e.sb != nil {
		return
	}
	// 14 octets of Ethernet + 20 of IPv4 + 8 of ICMP/UDP/VRRP header in
	// front; VRRP addresses and echo data behind.
	e.sb = gopacket.NewSerializeBufferExpectedSize(64, 128)
	e.ip4.SrcIP = e.src[:]
	e.ip4.DstIP = e.dst[:]
	_ = e.udp.SetNetworkLayerForChecksum(&e.ip4)
}

// EncodeOptions control encoding for fault injection. The zero value
// computes lengths and checksums.
type EncodeOptions struct {
	KeepChecksum bool // use VRRP.Checksum as given
	// KeepLength writes Count as the VRRP Count IP Addrs field (RFC 3768
	// section 5.3.5) instead of len(Addrs), so a count inconsistent with
	// the message length can be injected. The addresses written are still
	// Addrs and the IPv4 total length is still the true length, so the
	// count is the only fault (the IPv4Header has no length to keep).
	KeepLength bool
	Count      uint8 // Count IP Addrs when KeepLength is set
}

// fixAll makes gopacket compute IPv4/UDP lengths and checksums.
var fixAll = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// Decoder decodes frames with preallocated layers. Not safe for concurrent
// use. The zero value is ready to use.
type Decoder struct {
	parser  *gopacket.DecodingLayerParser // IPv4 and what it carries
	decoded []gopacket.LayerType
	arp     layers.ARP
	ip4     layers.IPv4
	vrrp    VRRP // pseudo = &ip4 for the v3 checksum
	icmp    layers.ICMPv4
	udp     layers.UDP
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.init()
	return d
}

func (d *Decoder) init() {
	if d.parser != nil {
		return
	}
	_ = d.vrrp.SetNetworkLayerForChecksum(&d.ip4)
	_ = d.udp.SetNetworkLayerForChecksum(&d.ip4)
	// The parser starts at IPv4: the Ethernet header is 14 fixed octets
	// read in place (see ethernet.go) and ARP ends the chain, so only the
	// IPv4 protocol hand-off (1, 17, 112) needs a parser. Layer types are
	// small integers, so the sparse container is the fastest lookup.
	d.parser = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4)
	d.parser.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	d.parser.AddDecodingLayer(&d.ip4)
	d.parser.AddDecodingLayer(&d.vrrp)
	d.parser.AddDecodingLayer(&d.icmp)
	d.parser.AddDecodingLayer(&d.udp)
	// Unknown protocols and ports end the chain quietly: only the layers
	// understood are flagged in the Frame.
	d.parser.IgnoreUnsupported = true
	// Our code must never panic; let the fuzzer see it if it does.
	d.parser.IgnorePanic = true
	d.decoded = make([]gopacket.LayerType, 0, 8)
}

// Decode parses b into f. Any malformed input gives an error wrapping one
// of the sentinel errors; it never panics. Unknown EtherTypes and IP
// protocols are not errors: only the layers understood are flagged in f.
//
// On error, f keeps the layers decoded before the failing one (for
// example HasIP with the addresses of a VRRP packet whose checksum is
// bad), so a receiver can count drops by reason and source.
// f.VRRP.Addrs reuses f's previous backing array: decoding into the same
// Frame again allocates nothing, and a Frame never shares memory with the
// Decoder. Payload aliases b.
func (d *Decoder) Decode(b []byte, f *Frame) error {
	d.init()
	addrs := f.VRRP.Addrs[:0]
	*f = Frame{}
	f.VRRP.Addrs = addrs
	payload, err := decodeEthernet(b, f)
	if err != nil {
		return err
	}
	switch f.EtherType {
	case EtherTypeARP:
		return d.decodeARP(payload, f)
	case EtherTypeIPv4:
		return d.decodeIPv4(payload, f)
	}
	return nil
}

// DecodeIPv4 decodes a bare IPv4 packet (no Ethernet header) into f, as
// Decode does for the packet of a frame: the inner packet of IPIP. f's
// Ethernet fields stay zero.
func (d *Decoder) DecodeIPv4(b []byte, f *Frame) error {
	d.init()
	addrs := f.VRRP.Addrs[:0]
	*f = Frame{EtherType: EtherTypeIPv4}
	f.VRRP.Addrs = addrs
	return d.decodeIPv4(b, f)
}

// decodeIPv4 checks the IPv4 header (the checks of Linux ip_rcv), then
// runs the layer parser over the packet.
func (d *Decoder) decodeIPv4(b []byte, f *Frame) error {
	n, err := checkIPv4(b)
	if err != nil {
		return err
	}
	if p := b[9]; p == ProtoTCP || p == ProtoIPIP {
		return d.decodeTCPOrIPIP(b[:n], f) // tcp.go: no gopacket layer after IPv4
	}
	// Trailing octets beyond the total length are Ethernet padding.
	if decodeICMPFast(b[:n], f) {
		return nil
	}
	return d.decodeIPv4Layers(b[:n], f)
}

// decodeIPv4Layers runs gopacket's layer parser over pkt (a checked IPv4
// packet cut to its total length) and fills f.
func (d *Decoder) decodeIPv4Layers(b []byte, f *Frame) error {
	n := len(b)
	err := d.parser.DecodeLayers(b, &d.decoded)
	if len(d.decoded) == 0 {
		// checkIPv4 accepted the header, so only malformed options remain.
		return fmt.Errorf("wire: ipv4: %w: %v", ErrBadLength, err)
	}
	d.fillIP(f)
	if err != nil {
		return upperError(d.ip4.NextLayerType(), err, d.parser.Truncated)
	}
	for _, t := range d.decoded[1:] {
		switch t {
		case layers.LayerTypeVRRP:
			f.HasVRRP = true
			copyVRRP(&f.VRRP, &d.vrrp)
		case layers.LayerTypeICMPv4:
			if err := d.checkICMP(b[:n], f); err != nil {
				return err
			}
		case layers.LayerTypeUDP:
			if err := d.checkUDP(b[:n], f); err != nil {
				return err
			}
		}
	}
	return nil
}

// fillIP copies the decoded IPv4 header into f.
func (d *Decoder) fillIP(f *Frame) {
	f.HasIP = true
	f.IP = IPv4Header{
		TOS:      d.ip4.TOS,
		ID:       d.ip4.Id,
		TTL:      d.ip4.TTL,
		Protocol: uint8(d.ip4.Protocol),
		Src:      addr4(d.ip4.SrcIP),
		Dst:      addr4(d.ip4.DstIP),
	}
}

// upperError wraps an error from the layer after IPv4. Our VRRP layer
// already wraps a sentinel; gopacket's ICMP and UDP layers return plain
// errors, classified by whether they reported truncation.
func upperError(t gopacket.LayerType, err error, truncated bool) error {
	if t == layers.LayerTypeVRRP {
		return err
	}
	if truncated {
		return fmt.Errorf("wire: %v: %w: %v", t, ErrTruncated, err)
	}
	return fmt.Errorf("wire: %v: %w: %v", t, ErrBadLength, err)
}

// copyVRRP copies the exported fields of src into dst, reusing dst.Addrs;
// dst never shares memory with src and never carries src's pseudo-header.
func copyVRRP(dst, src *VRRP) {
	addrs := append(dst.Addrs[:0], src.Addrs...)
	*dst = VRRP{
		Version:  src.Version,
		Type:     src.Type,
		VRID:     src.VRID,
		Priority: src.Priority,
		AuthType: src.AuthType,
		AdverInt: src.AdverInt,
		Checksum: src.Checksum,
		Addrs:    addrs,
		AuthData: src.AuthData,
	}
}
