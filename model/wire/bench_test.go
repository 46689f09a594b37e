package wire

import "testing"

// Benchmarks of the steady state: one Encoder/Decoder reused, one Frame
// reused, as a simulated segment does.

func benchEncodeVRRP(b *testing.B, v VRRP) {
	e := NewEncoder()
	ip := vrrpIP(1)
	dst := MulticastMAC(VRRPGroup)
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.VRRPPacket(ip, &v, EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		e.Ethernet(dst, r1MAC, EtherTypeIPv4, p)
	}
}

func BenchmarkEncodeVRRPv2(b *testing.B) { benchEncodeVRRP(b, vrrpVectors[0].vrrp) }
func BenchmarkEncodeVRRPv3(b *testing.B) { benchEncodeVRRP(b, vrrpVectors[2].vrrp) }

func BenchmarkEncodeARP(b *testing.B) {
	e := NewEncoder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.ARPFrame(Broadcast, r1MAC, garp); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, frame []byte) {
	d := NewDecoder()
	var f Frame
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(frame, &f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeVRRP(b *testing.B)   { benchDecode(b, mustHex(b, vrrpVectors[0].hex)) }
func BenchmarkDecodeVRRPv3(b *testing.B) { benchDecode(b, mustHex(b, vrrpVectors[2].hex)) }
func BenchmarkDecodeARP(b *testing.B)    { benchDecode(b, mustHex(b, garpHex)) }

func BenchmarkDecodeICMP(b *testing.B) {
	e := NewEncoder()
	p, err := e.ICMPPacket(IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 1}, make([]byte, 56))
	if err != nil {
		b.Fatal(err)
	}
	benchDecode(b, append([]byte(nil), e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, p)...))
}

func BenchmarkForward(b *testing.B) {
	e := NewEncoder()
	p, err := e.ICMPPacket(IPv4Header{TTL: 64, Src: hostIP, Dst: farIP}, ICMPEcho{Type: ICMPEchoRequest, ID: 1, Seq: 1}, make([]byte, 56))
	if err != nil {
		b.Fatal(err)
	}
	in := append([]byte(nil), e.Ethernet(r1MAC, hostMAC, EtherTypeIPv4, p)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Forward(in, hostMAC, r1MAC); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeTCP(b *testing.B) {
	e := NewEncoder()
	v := tcpVectors[2]
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.TCPPacket(v.ip, v.tcp, v.data)
		if err != nil {
			b.Fatal(err)
		}
		e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, p)
	}
}

func BenchmarkEncodeTCPSyn(b *testing.B) {
	e := NewEncoder()
	v := tcpVectors[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.TCPPacket(v.ip, v.tcp, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTCP(b *testing.B)    { benchDecode(b, mustHex(b, tcpVectors[2].hex)) }
func BenchmarkDecodeTCPSyn(b *testing.B) { benchDecode(b, mustHex(b, tcpVectors[0].hex)) }
func BenchmarkDecodeIPIP(b *testing.B)   { benchDecode(b, mustHex(b, ipipHex)) }

func BenchmarkEncodeIPIP(b *testing.B) {
	e := NewEncoder()
	inner := mustHex(b, tcpVectors[0].hex)[14:]
	outer := IPv4Header{TTL: 64, Src: tcpDir, Dst: tcpRS}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.IPIPPacket(outer, inner); err != nil {
			b.Fatal(err)
		}
	}
}
