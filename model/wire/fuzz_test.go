package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

var sentinels = []error{ErrTruncated, ErrBadVersion, ErrBadType, ErrBadLength, ErrBadChecksum, ErrUnsupported}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func addSeeds(f *testing.F) {
	for _, tc := range vrrpVectors {
		f.Add(mustHex(f, tc.hex))
	}
	f.Add(mustHex(f, garpHex))
	e := NewEncoder()
	p, _ := e.ICMPPacket(IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 2}, []byte("ping"))
	f.Add(append([]byte(nil), e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, p)...))
	p, _ = e.UDPPacket(IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}, UDPHeader{SrcPort: 1, DstPort: 9}, []byte("data"))
	f.Add(append([]byte(nil), e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, p)...))
	for _, tc := range tcpVectors {
		f.Add(mustHex(f, tc.hex))
	}
	f.Add(mustHex(f, ipipHex))
}

// FuzzDecode: any bytes decode without panic to a sentinel error or a
// Frame; what decoded re-encodes to a frame that decodes to the same
// Frame. Summary and Forward never panic either.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Summary(b)
		e := NewEncoder()
		_, _ = e.Forward(b, hostMAC, r1MAC)
		d := NewDecoder()
		var fr Frame
		err := d.Decode(b, &fr)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		var again []byte
		switch {
		case fr.HasARP:
			out, err := e.ARPFrame(fr.Dst, fr.Src, fr.ARP)
			if err != nil {
				t.Fatalf("re-encode ARP: %v", err)
			}
			if !bytes.Equal(out, b[:14+arpLen]) {
				t.Fatalf("ARP: got %x, want %x", out, b[:14+arpLen])
			}
			return
		case fr.HasVRRP:
			v := fr.VRRP
			p, err := e.VRRPPacket(fr.IP, &v, EncodeOptions{})
			if err != nil {
				t.Fatalf("re-encode VRRP: %v", err)
			}
			again = e.Ethernet(fr.Dst, fr.Src, fr.EtherType, p)
		case fr.HasICMP:
			p, err := e.ICMPPacket(fr.IP, fr.ICMP, fr.Payload)
			if err != nil {
				t.Fatalf("re-encode ICMP: %v", err)
			}
			again = e.Ethernet(fr.Dst, fr.Src, fr.EtherType, p)
		case fr.HasUDP:
			p, err := e.UDPPacket(fr.IP, fr.UDP, fr.Payload)
			if err != nil {
				t.Fatalf("re-encode UDP: %v", err)
			}
			again = e.Ethernet(fr.Dst, fr.Src, fr.EtherType, p)
		case fr.HasTCP:
			if fr.TCP.Flags&TCPSyn == 0 {
				fr.TCP.MSS = 0 // the encoder writes MSS in SYNs only
			}
			p, err := e.TCPPacket(fr.IP, fr.TCP, fr.Payload)
			if err != nil {
				t.Fatalf("re-encode TCP: %v", err)
			}
			again = e.Ethernet(fr.Dst, fr.Src, fr.EtherType, p)
		case fr.HasIPIP:
			p, err := e.IPIPPacket(fr.IP, fr.Payload)
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("re-encode IPIP: error %v wraps no sentinel", err)
				}
				return
			}
			again = e.Ethernet(fr.Dst, fr.Src, fr.EtherType, p)
		default:
			return
		}
		var fr2 Frame
		if err := NewDecoder().Decode(again, &fr2); err != nil {
			t.Fatalf("re-encoded frame does not decode: %v\n%x", err, again)
		}
		if fr2.HasVRRP {
			// The decoder reports the checksum it read; re-encoding may
			// compute the same value differently (0x0000 vs 0xffff).
			fr2.VRRP.Checksum = fr.VRRP.Checksum
		}
		if !reflect.DeepEqual(fr, fr2) {
			t.Fatalf("round trip:\ngot  %+v\nwant %+v", fr2, fr)
		}
	})
}

// FuzzVRRP: every advert the encoder accepts decodes to the same fields,
// for v2 and v3, through the Encoder and Decoder.
func FuzzVRRP(f *testing.F) {
	f.Add(uint8(2), uint8(51), uint8(150), uint8(0), uint16(1), []byte{10, 99, 0, 254}, []byte{})
	f.Add(uint8(3), uint8(51), uint8(150), uint8(0), uint16(100), []byte{10, 99, 0, 254}, []byte{})
	f.Add(uint8(2), uint8(1), uint8(255), uint8(1), uint16(3), []byte{10, 0, 0, 1, 10, 0, 0, 2}, []byte("pass"))
	f.Fuzz(func(t *testing.T, version, vrid, prio, auth uint8, adv uint16, addrs, authData []byte) {
		v := VRRP{Version: version, Type: VRRPAdvertisement, VRID: vrid, Priority: prio, AdverInt: adv}
		for i := 0; i+4 <= len(addrs); i += 4 {
			v.Addrs = append(v.Addrs, netip.AddrFrom4([4]byte(addrs[i:i+4])))
		}
		if version == 2 {
			v.AuthType = auth
			copy(v.AuthData[:], authData)
		}
		e := NewEncoder()
		p, err := e.VRRPPacket(IPv4Header{TOS: 0xc0, TTL: 255, Src: r1IP, Dst: VRRPGroup}, &v, EncodeOptions{})
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("encode error %v wraps no sentinel", err)
			}
			return
		}
		var fr Frame
		if err := NewDecoder().Decode(e.Ethernet(MulticastMAC(VRRPGroup), r1MAC, EtherTypeIPv4, p), &fr); err != nil {
			t.Fatalf("decode of encoded %+v: %v", v, err)
		}
		got := fr.VRRP
		got.Checksum = 0
		if len(v.Addrs) == 0 {
			v.Addrs = nil
		}
		if !fr.HasVRRP || !reflect.DeepEqual(got, v) {
			t.Fatalf("got %+v, want %+v", got, v)
		}
		if want := binary.BigEndian.Uint16(p[20+6:]); fr.VRRP.Checksum != want {
			t.Fatalf("got checksum %#x, want %#x", fr.VRRP.Checksum, want)
		}
	})
}

// FuzzARP: any ARP payload decodes without panic; an accepted one
// re-encodes to the same 42 octets.
func FuzzARP(f *testing.F) {
	f.Add(mustHex(f, garpHex)[14:])
	f.Add(make([]byte, 28))
	f.Fuzz(func(t *testing.T, p []byte) {
		b := make([]byte, 14+len(p))
		putEthernet(b, Broadcast, r1MAC, EtherTypeARP)
		copy(b[14:], p)
		_ = Summary(b)
		var fr Frame
		if err := NewDecoder().Decode(b, &fr); err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		out, err := NewEncoder().ARPFrame(Broadcast, r1MAC, fr.ARP)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, b[:14+arpLen]) {
			t.Fatalf("got %x, want %x", out, b[:14+arpLen])
		}
	})
}

// FuzzTCP: any segment after a valid IPv4 header decodes without panic to
// a sentinel error or a TCPHeader that re-encodes (checksums recomputed)
// to a segment decoding to the same fields; Summary never panics.
func FuzzTCP(f *testing.F) {
	for _, tc := range tcpVectors {
		f.Add(mustHex(f, tc.hex)[34:])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, seg []byte) {
		if len(seg) > 1400 {
			return
		}
		pkt := make([]byte, 20+len(seg))
		copy(pkt, mustHex(t, tcpVectors[0].hex)[14:34])
		binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
		fixIPSum(pkt[:20])
		copy(pkt[20:], seg)
		if len(seg) >= 18 {
			_ = SetChecksums(pkt) // a valid checksum half the time, so decoding goes on
			if seg[0]&1 == 1 {
				pkt[36] ^= 0xff
			}
		}
		frame := NewEncoder().Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, pkt)
		_ = Summary(frame)
		var fr Frame
		d := NewDecoder()
		if err := d.DecodeIPv4(pkt, &fr); err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if !fr.HasTCP {
			t.Fatalf("valid segment not flagged HasTCP")
		}
		if fr.TCP.Flags&TCPSyn == 0 {
			fr.TCP.MSS = 0
		}
		p, err := NewEncoder().TCPPacket(fr.IP, fr.TCP, fr.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var fr2 Frame
		if err := d.DecodeIPv4(p, &fr2); err != nil {
			t.Fatalf("re-encoded segment does not decode: %v", err)
		}
		if fr2.TCP != fr.TCP || !bytes.Equal(fr2.Payload, fr.Payload) {
			t.Fatalf("got %+v, want %+v", fr2.TCP, fr.TCP)
		}
	})
}

// FuzzIPIP: any inner bytes in a valid outer header decode to HasIPIP with
// the inner bytes as Payload; DecodeIPv4 of them never panics and fails
// only with a sentinel; Summary never panics.
func FuzzIPIP(f *testing.F) {
	f.Add(mustHex(f, ipipHex)[34:])
	f.Add(mustHex(f, vrrpVectors[0].hex)[14:])
	f.Add([]byte{0x45})
	f.Fuzz(func(t *testing.T, inner []byte) {
		if len(inner) > 1400 {
			return
		}
		e := NewEncoder()
		var frame []byte
		if len(inner) >= 20 {
			p, err := e.IPIPPacket(IPv4Header{TTL: 64, Src: tcpDir, Dst: tcpRS}, inner)
			if err != nil {
				t.Fatal(err)
			}
			frame = e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, p)
		} else {
			pkt := append(append([]byte(nil), mustHex(t, ipipHex)[14:34]...), inner...)
			binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
			fixIPSum(pkt[:20])
			frame = e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, pkt)
		}
		_ = Summary(frame)
		d := NewDecoder()
		var fr, in Frame
		if err := d.Decode(frame, &fr); err != nil {
			t.Fatalf("outer: %v", err)
		}
		if !fr.HasIPIP || !bytes.Equal(fr.Payload, inner) {
			t.Fatalf("got HasIPIP %v payload %x, want %x", fr.HasIPIP, fr.Payload, inner)
		}
		if err := d.DecodeIPv4(fr.Payload, &in); err != nil && !isSentinel(err) {
			t.Fatalf("inner: error %v wraps no sentinel", err)
		}
	})
}
