package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ipv4Frame frames an IPv4 packet (IHL 5, TOS 0xc0, TTL ttl) around
// payload with a correct header checksum, from r1 to 224.0.0.18.
func ipv4Frame(proto, ttl uint8, src, dst netip.Addr, payload []byte) []byte {
	b := make([]byte, 14+20+len(payload))
	putEthernet(b, MulticastMAC(VRRPGroup), r1MAC, EtherTypeIPv4)
	ip := b[14:]
	ip[0], ip[1] = 0x45, 0xc0
	binary.BigEndian.PutUint16(ip[2:4], uint16(20+len(payload)))
	ip[8], ip[9] = ttl, proto
	s, d := src.As4(), dst.As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], d[:])
	binary.BigEndian.PutUint16(ip[10:12], gopacket.FoldChecksum(gopacket.ComputeChecksum(ip[:20], 0)))
	copy(ip[20:], payload)
	return b
}

// vrrpMsg builds a VRRP message from its first octets, addresses and
// trailer (auth data for v2), with the checksum set right for version
// (v3 with the pseudo-header r1 -> 224.0.0.18) unless the caller breaks it.
func vrrpMsg(verType, vrid, prio, count, b4, b5 byte, addrs []string, trailer []byte) []byte {
	m := []byte{verType, vrid, prio, count, b4, b5, 0, 0}
	for _, a := range addrs {
		a4 := netip.MustParseAddr(a).As4()
		m = append(m, a4[:]...)
	}
	m = append(m, trailer...)
	var sum uint32
	if verType>>4 == 3 {
		s, d := r1IP.As4(), VRRPGroup.As4()
		sum = pseudoSum4(s[:], d[:], ProtoVRRP, len(m))
	}
	binary.BigEndian.PutUint16(m[6:8], gopacket.FoldChecksum(gopacket.ComputeChecksum(m, sum)))
	return m
}

var noAuth = make([]byte, 8)

func TestVRRPDecodeTable(t *testing.T) {
	twoAddrs := []string{"10.99.0.254", "10.99.0.253"}
	badSum := vrrpMsg(0x21, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, noAuth)
	badSum[7] ^= 0xff
	v3NoPseudo := vrrpMsg(0x31, 51, 150, 1, 0, 100, []string{"10.99.0.254"}, nil)
	// A v2-style checksum (no pseudo-header) on a v3 message is wrong.
	v3NoPseudo[6], v3NoPseudo[7] = 0, 0
	binary.BigEndian.PutUint16(v3NoPseudo[6:8], gopacket.FoldChecksum(gopacket.ComputeChecksum(v3NoPseudo, 0)))
	badIPSum := ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, noAuth))
	badIPSum[14+10] ^= 0x01

	tests := []struct {
		name    string
		rule    string
		frame   []byte
		wantErr error
		want    *VRRP
	}{
		{
			name: "v2 two addresses", rule: "RFC 3768 section 5.3.5",
			frame: ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 7, 100, 2, 0, 3, twoAddrs, noAuth)),
			want: &VRRP{Version: 2, Type: 1, VRID: 7, Priority: 100, AdverInt: 3,
				Addrs: []netip.Addr{netip.MustParseAddr("10.99.0.254"), netip.MustParseAddr("10.99.0.253")}},
		},
		{
			name: "v2 zero addresses", rule: "RFC 3768 section 5.3.5 (count may be 0 on the wire)",
			frame: ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 7, 100, 0, 0, 1, nil, noAuth)),
			want:  &VRRP{Version: 2, Type: 1, VRID: 7, Priority: 100, AdverInt: 1},
		},
		{
			name: "v3 reserved bits ignored", rule: "RFC 5798 section 5.2.6",
			frame: ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x31, 51, 150, 1, 0xf0, 100, []string{"10.99.0.254"}, nil)),
			want:  &VRRP{Version: 3, Type: 1, VRID: 51, Priority: 150, AdverInt: 100, Addrs: []netip.Addr{vip}},
		},
		{
			name: "v3 12-bit max adver int 4095cs", rule: "RFC 5798 section 5.2.7",
			frame: ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x31, 51, 150, 1, 0x0f, 0xff, []string{"10.99.0.254"}, nil)),
			want:  &VRRP{Version: 3, Type: 1, VRID: 51, Priority: 150, AdverInt: 4095, Addrs: []netip.Addr{vip}},
		},
		{
			name: "version 1", rule: "RFC 3768 section 5.3.1, 7.1",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x11, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, noAuth)),
			wantErr: ErrBadVersion,
		},
		{
			name: "version 4", rule: "RFC 5798 section 5.2.1",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x41, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, nil)),
			wantErr: ErrBadVersion,
		},
		{
			name: "type 2", rule: "RFC 3768 section 5.3.2: only Advertisement (1)",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x22, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, noAuth)),
			wantErr: ErrBadType,
		},
		{
			name: "count 2 with one address", rule: "RFC 3768 section 7.1: count consistent with length",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 51, 150, 2, 0, 1, []string{"10.99.0.254"}, noAuth)),
			wantErr: ErrBadLength,
		},
		{
			name: "v2 without auth data", rule: "RFC 3768 section 5.3.10: 8 octets always present",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 51, 150, 1, 0, 1, []string{"10.99.0.254"}, nil)),
			wantErr: ErrBadLength,
		},
		{
			name: "v3 with trailing auth data", rule: "RFC 5798 section 5.1: no authentication",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x31, 51, 150, 1, 0, 100, []string{"10.99.0.254"}, noAuth)),
			wantErr: ErrBadLength,
		},
		{
			name: "shorter than the header", rule: "RFC 3768 section 7.1: length >= header",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, []byte{0x21, 51, 150, 0, 0, 1}),
			wantErr: ErrTruncated,
		},
		{
			name: "v2 checksum wrong", rule: "RFC 3768 section 5.3.8",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, badSum),
			wantErr: ErrBadChecksum,
		},
		{
			name: "v3 checksum without pseudo-header", rule: "RFC 5798 section 5.2.8",
			frame:   ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, v3NoPseudo),
			wantErr: ErrBadChecksum,
		},
		{
			name: "v3 checksum for another source address", rule: "RFC 5798 section 5.2.8: pseudo-header has the IPv4 source",
			frame:   ipv4Frame(ProtoVRRP, 255, netip.MustParseAddr("10.99.0.2"), VRRPGroup, vrrpMsg(0x31, 51, 150, 1, 0, 100, []string{"10.99.0.254"}, nil)),
			wantErr: ErrBadChecksum,
		},
		{
			name: "IPv4 header checksum wrong", rule: "RFC 791 section 3.1",
			frame:   badIPSum,
			wantErr: ErrBadChecksum,
		},
	}
	d := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f Frame
			err := d.Decode(tc.frame, &f)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("%s: got error %v, want %v", tc.rule, err, tc.wantErr)
				}
				if f.HasVRRP {
					t.Errorf("%s: got HasVRRP true on error, want false", tc.rule)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: got error %v, want nil", tc.rule, err)
			}
			got := f.VRRP
			got.Checksum = 0
			if !f.HasVRRP || !reflect.DeepEqual(&got, tc.want) {
				t.Errorf("%s: got %+v, want %+v", tc.rule, got, *tc.want)
			}
		})
	}
}

// TestVRRPDecodeKeepsIPOnError checks that a receiver learns who sent a
// bad advert (for per-reason drop counters).
func TestVRRPDecodeKeepsIPOnError(t *testing.T) {
	b := mustHex(t, vrrpVectors[0].hex)
	b[len(b)-1] ^= 1 // auth data changes, checksum no longer verifies
	var f Frame
	err := NewDecoder().Decode(b, &f)
	if !errors.Is(err, ErrBadChecksum) {
		t.Fatalf("got %v, want ErrBadChecksum", err)
	}
	if !f.HasIP || f.IP.Src != r1IP || f.HasVRRP {
		t.Errorf("got HasIP %v src %v HasVRRP %v, want true %v false", f.HasIP, f.IP.Src, f.HasVRRP, r1IP)
	}
}

// TestVRRPLayerResetsAddrsOnReuse guards against gopacket's VRRPv2 bug:
// its layer appends addresses without clearing them on reuse.
func TestVRRPLayerResetsAddrsOnReuse(t *testing.T) {
	three := vrrpMsg(0x21, 1, 100, 3, 0, 1, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, noAuth)
	one := vrrpMsg(0x21, 1, 100, 1, 0, 1, []string{"10.0.0.9"}, noAuth)
	var v VRRP
	for _, m := range [][]byte{three, one} {
		if err := v.DecodeFromBytes(m, gopacket.NilDecodeFeedback); err != nil {
			t.Fatal(err)
		}
	}
	if want := []netip.Addr{netip.MustParseAddr("10.0.0.9")}; !reflect.DeepEqual(v.Addrs, want) {
		t.Errorf("got %v, want %v", v.Addrs, want)
	}
	// The same through Decoder into one Frame.
	d := NewDecoder()
	var f Frame
	for _, m := range [][]byte{three, one} {
		if err := d.Decode(ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, m), &f); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.VRRP.Addrs) != 1 {
		t.Errorf("got %d addresses, want 1", len(f.VRRP.Addrs))
	}
}

// TestFrameDoesNotAliasDecoder: a Frame kept by a receiver must not change
// when the Decoder decodes the next frame into another Frame.
func TestFrameDoesNotAliasDecoder(t *testing.T) {
	d := NewDecoder()
	var f1, f2 Frame
	if err := d.Decode(ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 1, 100, 1, 0, 1, []string{"10.0.0.1"}, noAuth)), &f1); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(ipv4Frame(ProtoVRRP, 255, r1IP, VRRPGroup, vrrpMsg(0x21, 2, 100, 1, 0, 1, []string{"10.0.0.2"}, noAuth)), &f2); err != nil {
		t.Fatal(err)
	}
	if got := f1.VRRP.Addrs[0]; got != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("got first frame's address %v after the second decode, want 10.0.0.1", got)
	}
}

// TestVRRPInDecodingLayerParser uses the layer as gopacket users would:
// after layers.Ethernet and layers.IPv4, protocol 112 hands off to it.
func TestVRRPInDecodingLayerParser(t *testing.T) {
	var (
		eth  layers.Ethernet
		ip4  layers.IPv4
		vrrp VRRP
	)
	if err := vrrp.SetNetworkLayerForChecksum(&ip4); err != nil {
		t.Fatal(err)
	}
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &vrrp)
	var decoded []gopacket.LayerType
	for _, tc := range vrrpVectors {
		if err := p.DecodeLayers(mustHex(t, tc.hex), &decoded); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeVRRP}
		if !reflect.DeepEqual(decoded, want) {
			t.Fatalf("%s: got layers %v, want %v", tc.name, decoded, want)
		}
		got := vrrp
		got.pseudo = nil
		if !reflect.DeepEqual(got, tc.vrrp) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.vrrp)
		}
	}
}

// TestVRRPSerializeLayers uses gopacket.SerializeLayers with layers.IPv4.
func TestVRRPSerializeLayers(t *testing.T) {
	for _, tc := range vrrpVectors {
		ip4 := layers.IPv4{Version: 4, TOS: 0xc0, Id: tc.ipID, TTL: 255, Protocol: layers.IPProtocolVRRP,
			SrcIP: r1IP.AsSlice(), DstIP: VRRPGroup.AsSlice()}
		v := tc.vrrp
		v.Checksum = 0
		if err := v.SetNetworkLayerForChecksum(&ip4); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		if err := gopacket.SerializeLayers(buf, opts, &ip4, &v); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := mustHex(t, tc.hex)[14:]; !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s:\ngot  %x\nwant %x", tc.name, buf.Bytes(), want)
		}
	}
}

func TestVRRPV3NeedsPseudoHeader(t *testing.T) {
	v := VRRP{Version: 3, Type: 1, VRID: 1, AdverInt: 100}
	err := v.SerializeTo(gopacket.NewSerializeBuffer(), gopacket.SerializeOptions{ComputeChecksums: true})
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("encode: got %v, want ErrUnsupported", err)
	}
	m := vrrpMsg(0x31, 51, 150, 1, 0, 100, []string{"10.99.0.254"}, nil)
	if err := new(VRRP).DecodeFromBytes(m, gopacket.NilDecodeFeedback); !errors.Is(err, ErrUnsupported) {
		t.Errorf("decode: got %v, want ErrUnsupported", err)
	}
	if err := v.SetNetworkLayerForChecksum(&layers.IPv6{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SetNetworkLayerForChecksum(IPv6): got %v, want ErrUnsupported", err)
	}
}

func TestVRRPEncodeOptionsForFaultInjection(t *testing.T) {
	d := NewDecoder()
	e := NewEncoder()
	base := vrrpVectors[0].vrrp

	v := base
	v.Checksum = 0xbeef
	pkt, err := e.VRRPPacket(vrrpIP(1), &v, EncodeOptions{KeepChecksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(pkt[20+6:]); got != 0xbeef {
		t.Errorf("KeepChecksum: got checksum %#x, want 0xbeef", got)
	}
	var f Frame
	if err := d.Decode(e.Ethernet(MulticastMAC(VRRPGroup), r1MAC, EtherTypeIPv4, pkt), &f); !errors.Is(err, ErrBadChecksum) {
		t.Errorf("KeepChecksum: decode got %v, want ErrBadChecksum", err)
	}

	for _, ver := range []uint8{2, 3} {
		v = base
		v.Version = ver
		pkt, err = e.VRRPPacket(vrrpIP(1), &v, EncodeOptions{KeepLength: true, Count: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got := pkt[20+3]; got != 2 {
			t.Errorf("v%d KeepLength: got count %d, want 2", ver, got)
		}
		if err := d.Decode(e.Ethernet(MulticastMAC(VRRPGroup), r1MAC, EtherTypeIPv4, pkt), &f); !errors.Is(err, ErrBadLength) {
			t.Errorf("v%d KeepLength count 2 with 1 address: decode got %v, want ErrBadLength (RFC 3768 section 7.1)", ver, err)
		}
	}
}

func TestVRRPEncodeRejects(t *testing.T) {
	many := make([]netip.Addr, 256)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	}
	tests := []struct {
		name string
		v    VRRP
		want error
	}{
		{"version 0 (unset)", VRRP{Type: 1}, ErrBadVersion},
		{"version 4", VRRP{Version: 4, Type: 1}, ErrBadVersion},
		{"type beyond 4 bits", VRRP{Version: 2, Type: 16}, ErrBadType},
		{"v2 adver int 256s (8 bits, RFC 3768 section 5.3.7)", VRRP{Version: 2, Type: 1, AdverInt: 256}, ErrBadLength},
		{"v3 max adver int 4096cs (12 bits, RFC 5798 section 5.2.7)", VRRP{Version: 3, Type: 1, AdverInt: 4096}, ErrBadLength},
		{"IPv6 address in IPv4 VRRP", VRRP{Version: 3, Type: 1, AdverInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("fe80::1")}}, ErrUnsupported},
		{"256 addresses (8-bit count)", VRRP{Version: 2, Type: 1, AdverInt: 1, Addrs: many}, ErrBadLength},
	}
	e := NewEncoder()
	for _, tc := range tests {
		if _, err := e.VRRPPacket(vrrpIP(1), &tc.v, EncodeOptions{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVRRPAdverInterval(t *testing.T) {
	tests := []struct {
		v    VRRP
		want time.Duration
	}{
		{VRRP{Version: 2, AdverInt: 1}, time.Second}, // RFC 3768 section 5.3.7: seconds
		{VRRP{Version: 2, AdverInt: 255}, 255 * time.Second},
		{VRRP{Version: 3, AdverInt: 100}, time.Second}, // RFC 5798 section 5.2.7: centiseconds
		{VRRP{Version: 3, AdverInt: 10}, 100 * time.Millisecond},
		{VRRP{Version: 3, AdverInt: 4095}, 40950 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := tc.v.AdverInterval(); got != tc.want {
			t.Errorf("v%d AdverInt %d: got %v, want %v", tc.v.Version, tc.v.AdverInt, got, tc.want)
		}
	}
}

func TestVRRPAdverInt(t *testing.T) {
	tests := []struct {
		version uint8
		d       time.Duration
		want    uint16
		wantErr error
	}{
		{2, time.Second, 1, nil},
		{2, 255 * time.Second, 255, nil},
		{2, 0, 0, ErrBadLength},
		{2, 1500 * time.Millisecond, 0, ErrBadLength}, // v2 has whole seconds only
		{2, 256 * time.Second, 0, ErrBadLength},
		{3, time.Second, 100, nil},
		{3, 100 * time.Millisecond, 10, nil},
		{3, 40950 * time.Millisecond, 4095, nil},
		{3, 40960 * time.Millisecond, 0, ErrBadLength},
		{3, 15 * time.Millisecond, 0, ErrBadLength},
		{3, 0, 0, ErrBadLength},
		{4, time.Second, 0, ErrBadVersion},
	}
	for _, tc := range tests {
		got, err := VRRPAdverInt(tc.version, tc.d)
		if !errors.Is(err, tc.wantErr) || got != tc.want {
			t.Errorf("VRRPAdverInt(%d, %v): got %d, %v, want %d, %v", tc.version, tc.d, got, err, tc.want, tc.wantErr)
		}
	}
}
