package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A TCP handshake as a Linux client (10.0.0.10, port 40000) and server
// (the VIP 10.0.0.100, port 80) exchange it, and the SYN tunnelled by an
// LVS-TUN director (10.0.0.1) to a real server (10.0.0.11). The hex was
// built field by field outside vrrpsim (struct.pack and a hand-written
// RFC 1071 sum), so the checksums below are independent of checksum():
//
//	SYN   45 00 00 2c | 00 01 00 00 | 40 06 66 5e | 0a 00 00 0a | 0a 00 00 64
//	      9c 40 00 50 | 00 00 03 e8 | 00 00 00 00 | 60 02 fa f0 | e8 4f 00 00 | 02 04 05 b4
//	      ports 40000 > 80, seq 1000, offset 6 (24 octets), flags SYN, win 64240,
//	      tcp cksum 0xe84f, option MSS (kind 2, len 4) 1460
var (
	tcpClient = netip.MustParseAddr("10.0.0.10")
	tcpVIP    = netip.MustParseAddr("10.0.0.100")
	tcpRS     = netip.MustParseAddr("10.0.0.11")
	tcpDir    = netip.MustParseAddr("10.0.0.1")
	tcpMACa   = MAC{2, 0, 0, 0, 0, 1}
	tcpMACb   = MAC{2, 0, 0, 0, 0, 0x0a}
	httpReq   = []byte("GET / HTTP/1.0\r\nHost: 10.0.0.100\r\n\r\n")
)

type tcpVector struct {
	name string
	hex  string
	ip   IPv4Header
	tcp  TCPHeader
	data []byte
	sum  string
}

var tcpVectors = []tcpVector{
	{
		name: "SYN with MSS",
		hex:  "02000000000102000000000a08004500002c000100004006665e0a00000a0a0000649c400050000003e8000000006002faf0e84f0000020405b4",
		ip:   IPv4Header{ID: 1, TTL: 64, Protocol: ProtoTCP, Src: tcpClient, Dst: tcpVIP},
		tcp:  TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: TCPSyn, Window: 64240, MSS: 1460},
		sum:  "IP 10.0.0.10.40000 > 10.0.0.100.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0",
	},
	{
		name: "SYN-ACK with MSS",
		hex:  "02000000000102000000000a08004500002c000000004006665f0a0000640a00000a00509c40000007d0000003e96012fe88dcd60000020405b4",
		ip:   IPv4Header{ID: 0, TTL: 64, Protocol: ProtoTCP, Src: tcpVIP, Dst: tcpClient},
		tcp:  TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2000, Ack: 1001, Flags: TCPSyn | TCPAck, Window: 65160, MSS: 1460},
		sum:  "IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [S.], seq 2000, ack 1001, win 65160, options [mss 1460], length 0",
	},
	{
		name: "request with PSH",
		hex:  "02000000000102000000000a08004500004c000200004006663d0a00000a0a0000649c400050000003e9000007d15018faf02a600000474554202f20485454502f312e300d0a486f73743a2031302e302e302e3130300d0a0d0a",
		ip:   IPv4Header{ID: 2, TTL: 64, Protocol: ProtoTCP, Src: tcpClient, Dst: tcpVIP},
		tcp:  TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1001, Ack: 2001, Flags: TCPPsh | TCPAck, Window: 64240},
		data: httpReq,
		sum:  "IP 10.0.0.10.40000 > 10.0.0.100.80: Flags [P.], seq 1001:1037, ack 2001, win 64240, length 36: HTTP: GET / HTTP/1.0",
	},
	{
		name: "RST/ACK of a closed port",
		hex:  "02000000000102000000000a08004500002800000000400666630a0000640a00000a00509c4000000000000003e950140000fae90000",
		ip:   IPv4Header{ID: 0, TTL: 64, Protocol: ProtoTCP, Src: tcpVIP, Dst: tcpClient},
		tcp:  TCPHeader{SrcPort: 80, DstPort: 40000, Ack: 1001, Flags: TCPRst | TCPAck},
		sum:  "IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [R.], seq 0, ack 1001, win 0, length 0",
	},
}

// ipipHex is the SYN above inside an outer header 10.0.0.1 > 10.0.0.11,
// protocol 4, ID 7, TTL 64 (outer cksum 0x66a8).
const ipipHex = "02000000000102000000000a08004500004000070000400466a80a0000010a00000b" +
	"4500002c000100004006665e0a00000a0a0000649c400050000003e8000000006002faf0e84f0000020405b4"

func TestTCPVectorsEncodeByteExact(t *testing.T) {
	e := NewEncoder()
	for _, tc := range tcpVectors {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.TCPPacket(tc.ip, tc.tcp, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			got := e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, p)
			if want := mustHex(t, tc.hex); !bytes.Equal(got, want) {
				t.Errorf("got  %x\nwant %x", got, want)
			}
		})
	}
}

func TestTCPVectorsDecode(t *testing.T) {
	d := NewDecoder()
	for _, tc := range tcpVectors {
		t.Run(tc.name, func(t *testing.T) {
			var f Frame
			if err := d.Decode(mustHex(t, tc.hex), &f); err != nil {
				t.Fatal(err)
			}
			if !f.HasIP || f.IP != tc.ip {
				t.Errorf("got IP %+v, want %+v", f.IP, tc.ip)
			}
			if !f.HasTCP || f.TCP != tc.tcp {
				t.Errorf("got TCP %+v (HasTCP %v), want %+v", f.TCP, f.HasTCP, tc.tcp)
			}
			if !bytes.Equal(f.Payload, tc.data) {
				t.Errorf("got payload %q, want %q", f.Payload, tc.data)
			}
			if f.HasUDP || f.HasIPIP || f.HasICMP {
				t.Errorf("got HasUDP %v HasIPIP %v HasICMP %v, want false", f.HasUDP, f.HasIPIP, f.HasICMP)
			}
		})
	}
}

// TestTCPSummary: tcp_print's flag letters and fields, -S (absolute) style.
func TestTCPSummary(t *testing.T) {
	for _, tc := range tcpVectors {
		if got := Summary(mustHex(t, tc.hex)); got != tc.sum {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.sum)
		}
	}
	e := NewEncoder()
	ip := IPv4Header{TTL: 64, Src: tcpVIP, Dst: tcpClient}
	resp := []byte("HTTP/1.0 200 OK\r\nX-Real-Server: rs1\r\n\r\nbody")
	for _, tc := range []struct {
		tcp  TCPHeader
		data []byte
		want string
	}{
		{TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2001, Ack: 1037, Flags: TCPAck, Window: 509}, nil,
			"IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [.], ack 1037, win 509, length 0"},
		{TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2001, Ack: 1037, Flags: TCPFin | TCPPsh | TCPAck, Window: 509}, resp,
			"IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [FP.], seq 2001:2044, ack 1037, win 509, length 43: HTTP: HTTP/1.0 200 OK"},
		{TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2045, Ack: 1038, Flags: TCPFin | TCPAck, Window: 509}, nil,
			"IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [F.], seq 2045, ack 1038, win 509, length 0"},
		{TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 5, Flags: TCPRst}, nil,
			"IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [R], seq 5, win 0, length 0"},
		{TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 7, Ack: 9, Window: 1}, nil,
			"IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [none], win 1, length 0"},
		// A body segment carries no HTTP line for tcpdump to print.
		{TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 3461, Ack: 1037, Flags: TCPAck, Window: 509}, []byte("xxxx\r\n"),
			"IP 10.0.0.100.80 > 10.0.0.10.40000: Flags [.], seq 3461:3467, ack 1037, win 509, length 6"},
	} {
		p, err := e.TCPPacket(ip, tc.tcp, tc.data)
		if err != nil {
			t.Fatal(err)
		}
		if got := Summary(e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, p)); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestIPIPVector(t *testing.T) {
	want := mustHex(t, ipipHex)
	e := NewEncoder()
	inner, err := e.TCPPacket(tcpVectors[0].ip, tcpVectors[0].tcp, nil)
	if err != nil {
		t.Fatal(err)
	}
	// inner aliases e's buffer: IPIPPacket must copy it first.
	p, err := e.IPIPPacket(IPv4Header{ID: 7, TTL: 64, Src: tcpDir, Dst: tcpRS}, inner)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, p); !bytes.Equal(got, want) {
		t.Errorf("encode:\ngot  %x\nwant %x", got, want)
	}
	d := NewDecoder()
	var f, in Frame
	if err := d.Decode(want, &f); err != nil {
		t.Fatal(err)
	}
	outer := IPv4Header{ID: 7, TTL: 64, Protocol: ProtoIPIP, Src: tcpDir, Dst: tcpRS}
	if !f.HasIPIP || f.IP != outer || f.HasTCP || !bytes.Equal(f.Payload, want[34:]) {
		t.Fatalf("got HasIPIP %v IP %+v HasTCP %v payload %x, want the outer header and the inner packet", f.HasIPIP, f.IP, f.HasTCP, f.Payload)
	}
	if err := d.DecodeIPv4(f.Payload, &in); err != nil {
		t.Fatal(err)
	}
	if !in.HasTCP || in.IP != tcpVectors[0].ip || in.TCP != tcpVectors[0].tcp {
		t.Errorf("inner: got %+v %+v, want %+v %+v", in.IP, in.TCP, tcpVectors[0].ip, tcpVectors[0].tcp)
	}
	sum := "IP 10.0.0.1 > 10.0.0.11: IP 10.0.0.10.40000 > 10.0.0.100.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0 (ipip-proto-4)"
	if got := Summary(want); got != sum {
		t.Errorf("summary:\ngot  %s\nwant %s", got, sum)
	}
	if _, err := e.IPIPPacket(outer, make([]byte, 19)); !errors.Is(err, ErrTruncated) {
		t.Errorf("short inner: got %v, want ErrTruncated", err)
	}
}

// TestTCPDecodeErrors: what tcp_v4_rcv drops (short header, data offset
// below 20 or past the segment, bad checksum), each with its sentinel; the
// IPv4 header stays decoded so the receiver can count the drop.
func TestTCPDecodeErrors(t *testing.T) {
	syn := mustHex(t, tcpVectors[0].hex)
	tcpAt := 34
	for _, tc := range []struct {
		name string
		mod  func(b []byte) []byte
		want error
	}{
		{"bad checksum", func(b []byte) []byte { b[tcpAt+16] ^= 1; return b }, ErrBadChecksum},
		{"one data bit flipped", func(b []byte) []byte { b[tcpAt+4] ^= 0x80; return b }, ErrBadChecksum},
		{"pseudo-header: other destination", func(b []byte) []byte {
			b[33] = 101 // 10.0.0.101: IPv4 header checksum fixed, TCP not
			fixIPSum(b[14:34])
			return b
		}, ErrBadChecksum},
		{"data offset 4", func(b []byte) []byte { b[tcpAt+12] = 0x40; return b }, ErrBadLength},
		{"data offset 28 > 24 octets", func(b []byte) []byte { b[tcpAt+12] = 0x70; return b }, ErrTruncated},
		{"segment of 19 octets", func(b []byte) []byte {
			b = b[:tcpAt+19]
			binary.BigEndian.PutUint16(b[16:18], 20+19)
			fixIPSum(b[14:34])
			return b
		}, ErrTruncated},
		{"frame cut in the IPv4 payload", func(b []byte) []byte { return b[:len(b)-1] }, ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mod(append([]byte(nil), syn...))
			var f Frame
			err := NewDecoder().Decode(b, &f)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if f.HasTCP {
				t.Errorf("got HasTCP true on error")
			}
			if tc.want != ErrTruncated || tc.name == "segment of 19 octets" {
				if !f.HasIP {
					t.Errorf("got HasIP false, want the IPv4 header kept for drop counters")
				}
			}
		})
	}
}

func fixIPSum(h []byte) {
	h[10], h[11] = 0, 0
	binary.BigEndian.PutUint16(h[10:12], checksum(h, 0))
}

// TestTCPOptions: tcp_parse_options reads MSS only with length 4, skips
// NOPs and unknown options, and stops at EOL or a malformed length.
func TestTCPOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []byte
		want uint16
	}{
		{"mss", []byte{2, 4, 0x05, 0xb4}, 1460},
		{"nop nop sackok ... mss", []byte{1, 1, 4, 2, 2, 4, 0x02, 0x18}, 536},
		{"eol first", []byte{0, 2, 4, 5, 0xb4}, 0},
		{"mss with length 3", []byte{2, 3, 5, 0}, 0},
		{"length 1 stops", []byte{8, 1, 2, 4, 5, 0xb4}, 0},
		{"length past the end", []byte{8, 10, 2, 4}, 0},
		{"lone kind", []byte{2}, 0},
		{"none", nil, 0},
	} {
		if got := tcpMSS(tc.opts); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestTCPRoundTrip: every flag combination, with and without MSS and data,
// decodes to what was encoded; MSS is written for SYNs only.
func TestTCPRoundTrip(t *testing.T) {
	e, d := NewEncoder(), NewDecoder()
	ip := IPv4Header{TOS: 0x10, ID: 77, TTL: 63, Protocol: ProtoTCP, Src: tcpClient, Dst: tcpVIP}
	for flags := uint8(0); flags < 64; flags++ {
		for _, data := range [][]byte{nil, httpReq, make([]byte, 1460)} {
			h := TCPHeader{SrcPort: 32768, DstPort: 80, Seq: 0xfffffff0, Ack: 7, Flags: flags, Window: 65535, MSS: 1460}
			p, err := e.TCPPacket(ip, h, data)
			if err != nil {
				t.Fatal(err)
			}
			var f Frame
			if err := d.DecodeIPv4(p, &f); err != nil {
				t.Fatalf("flags %#x: %v", flags, err)
			}
			want := h
			if flags&TCPSyn == 0 {
				want.MSS = 0
			}
			if f.TCP != want || !bytes.Equal(f.Payload, data) || f.IP != ip {
				t.Errorf("flags %#x: got %+v %+v, want %+v %+v", flags, f.IP, f.TCP, ip, want)
			}
			if err := VerifyChecksums(p); err != nil {
				t.Errorf("flags %#x: VerifyChecksums: %v", flags, err)
			}
		}
	}
}

// TestTCPAndIPIPInTshark writes a pcap of a whole HTTP/1.0 exchange (the
// handshake, request, response in two segments with FIN, the client's
// FIN, RST and RST/ACK) and IPIP frames, and has tshark dissect it with
// checksum validation on: no malformed packet, no bad checksum.
func TestTCPAndIPIPInTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed (.ci/run installs it)")
		}
		t.Skip("tshark not installed")
	}
	e := NewEncoder()
	var frames [][]byte
	add := func(src, dst netip.Addr, h TCPHeader, data []byte, tunnel bool) {
		p, err := e.TCPPacket(IPv4Header{ID: uint16(len(frames)), TTL: 64, Src: src, Dst: dst}, h, data)
		if err != nil {
			t.Fatal(err)
		}
		if tunnel {
			if p, err = e.IPIPPacket(IPv4Header{TTL: 64, Src: tcpDir, Dst: tcpRS}, p); err != nil {
				t.Fatal(err)
			}
		}
		frames = append(frames, append([]byte(nil), e.Ethernet(tcpMACa, tcpMACb, EtherTypeIPv4, p)...))
	}
	c, v := tcpClient, tcpVIP
	body := bytes.Repeat([]byte("x"), 1500)
	resp := append([]byte("HTTP/1.0 200 OK\r\nX-Real-Server: rs1\r\nContent-Length: 1500\r\n\r\n"), body...)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: TCPSyn, Window: 64240, MSS: 1460}, nil, false)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: TCPSyn, Window: 64240, MSS: 1460}, nil, true)
	add(v, c, TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2000, Ack: 1001, Flags: TCPSyn | TCPAck, Window: 65160, MSS: 1460}, nil, false)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1001, Ack: 2001, Flags: TCPAck, Window: 64240}, nil, false)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1001, Ack: 2001, Flags: TCPPsh | TCPAck, Window: 64240}, httpReq, false)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1001, Ack: 2001, Flags: TCPPsh | TCPAck, Window: 64240}, httpReq, true)
	add(v, c, TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2001, Ack: 1037, Flags: TCPAck, Window: 509}, resp[:1460], false)
	add(v, c, TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 3461, Ack: 1037, Flags: TCPFin | TCPPsh | TCPAck, Window: 509}, resp[1460:], false)
	fin := 3461 + uint32(len(resp)-1460)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1037, Ack: fin + 1, Flags: TCPAck, Window: 63000}, nil, false)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1037, Ack: fin + 1, Flags: TCPFin | TCPAck, Window: 63000}, nil, false)
	add(v, c, TCPHeader{SrcPort: 80, DstPort: 40000, Seq: fin + 1, Ack: 1038, Flags: TCPAck, Window: 509}, nil, false)
	add(v, c, TCPHeader{SrcPort: 80, DstPort: 40002, Ack: 1001, Flags: TCPRst | TCPAck}, nil, false)
	add(c, v, TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1038, Flags: TCPRst}, nil, false)

	pcap := filepath.Join(t.TempDir(), "tcp.pcap")
	if err := os.WriteFile(pcap, pcapFile(frames), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-r", pcap, "-n",
		"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE",
		"-T", "fields", "-e", "frame.number", "-e", "frame.protocols",
		"-e", "_ws.malformed", "-e", "_ws.expert.message")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s%s", err, out, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(frames) {
		t.Fatalf("tshark shows %d frames, want %d:\n%s", len(lines), len(frames), out)
	}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 2 || !strings.HasPrefix(f[1], "eth:ethertype:ip:") || !strings.Contains(f[1], "tcp") {
			t.Errorf("tshark line %q: want eth:ethertype:ip:...tcp", l)
			continue
		}
		rest := strings.ToLower(strings.Join(f[2:], " "))
		if strings.Contains(rest, "malformed") || strings.Contains(rest, "bad checksum") || strings.Contains(rest, "incorrect") {
			t.Errorf("frame %s: %s", f[0], rest)
		}
	}
}

// pcapFile is a classic pcap (LINKTYPE_ETHERNET) of frames one ms apart.
func pcapFile(frames [][]byte) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1)
	for i, f := range frames {
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(i*1000))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}
