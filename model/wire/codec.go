package wire

// Encoder builds packets into reusable buffers. The slices it returns are
// valid until its next call; callers that keep them must copy.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an Encoder.
func NewEncoder() *Encoder { return &Encoder{} }

// EncodeOptions control encoding for fault injection. The zero value
// computes lengths and checksums.
type EncodeOptions struct {
	KeepChecksum bool // use VRRP.Checksum as given
	KeepLength   bool // do not fix lengths/counts (Addrs count as given)
}

// Ethernet returns an Ethernet II frame dst|src|type|payload (no padding,
// as Linux hands frames to a veth/bridge).
func (e *Encoder) Ethernet(dst, src MAC, etherType uint16, payload []byte) []byte {
	panic("wire: Ethernet not implemented yet")
}

// ARPFrame returns a complete Ethernet+ARP frame.
func (e *Encoder) ARPFrame(dst, src MAC, a ARP) ([]byte, error) {
	panic("wire: ARPFrame not implemented yet")
}

// VRRPPacket returns an IPv4 packet (no Ethernet header) carrying v; the
// checksum is computed (v3 with the pseudo-header from ip).
func (e *Encoder) VRRPPacket(ip IPv4Header, v *VRRP, opt EncodeOptions) ([]byte, error) {
	panic("wire: VRRPPacket not implemented yet")
}

// ICMPPacket returns an IPv4 packet carrying an ICMP echo with data.
func (e *Encoder) ICMPPacket(ip IPv4Header, m ICMPEcho, data []byte) ([]byte, error) {
	panic("wire: ICMPPacket not implemented yet")
}

// UDPPacket returns an IPv4 packet carrying a UDP datagram with data.
func (e *Encoder) UDPPacket(ip IPv4Header, u UDPHeader, data []byte) ([]byte, error) {
	panic("wire: UDPPacket not implemented yet")
}

// Decoder decodes frames with preallocated layers. Not safe for concurrent use.
type Decoder struct{}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return &Decoder{} }

// Decode parses b into f. Any malformed input gives an error wrapping one
// of the sentinel errors; it never panics. Unknown EtherTypes and IP
// protocols are not errors: only the layers understood are flagged in f.
func (d *Decoder) Decode(b []byte, f *Frame) error {
	panic("wire: Decode not implemented yet")
}

// Forward returns a copy of the IPv4 packet inside frame with the TTL
// decremented and the header checksum fixed, re-framed from src to dst. It
// returns ErrBadLength for a frame that is not IPv4 and an error if the TTL
// would reach 0.
func (e *Encoder) Forward(frame []byte, dst, src MAC) ([]byte, error) {
	panic("wire: Forward not implemented yet")
}

// Summary describes a frame on one line in the style of `tcpdump -n`
// (without the timestamp), e.g.
// "IP 10.0.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20"
// or "ARP, Request who-has 10.0.0.254 (ff:ff:ff:ff:ff:ff) tell 10.0.0.254, length 28".
// Malformed frames are described, never a panic.
func Summary(b []byte) string {
	panic("wire: Summary not implemented yet")
}
