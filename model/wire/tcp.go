package wire

// TCP header (RFC 9293 section 3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Acknowledgment Number                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Data |       |C|E|U|A|P|R|S|F|                               |
//	| Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//	|       |       |R|E|G|K|H|T|N|N|                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Checksum            |         Urgent Pointer        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           [Options]                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                             data                              |
//
// The checksum covers the IPv4 pseudo-header (source, destination, zero,
// protocol 6, TCP length), the header and the data. vrrpsim sends one
// option, MSS (kind 2, length 4), in SYNs only, as Linux tcp_syn_options
// does when no timestamps, SACK or window scaling are negotiated; 4 octets
// need no padding.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
)

const tcpOptMSS = 2 // TCPOPT_MSS

// TCPPacket returns an IPv4 packet carrying a TCP segment with data, with
// the IPv4 and TCP checksums computed. The MSS option is written when
// t.MSS is not 0 and the segment is a SYN.
//
// The octets are written here directly rather than through gopacket's
// serializers: every segment of every simulated connection goes through
// this, and the layers' generic path (and their two-octet checksum loop)
// cost several times more. The output is the one gopacket gives
// (TestTCPPacketMatchesGopacket): IHL 5, flags 0, the six flags of t,
// urgent pointer 0.
func (e *Encoder) TCPPacket(ip IPv4Header, t TCPHeader, data []byte) ([]byte, error) {
	if err := checkIPv4Addrs(ip); err != nil {
		return nil, err
	}
	if len(data) > 0xffff-ipv4HeaderLen-tcpHeaderLen-4 {
		return nil, fmt.Errorf("wire: tcp encode: %w: %d bytes of data do not fit in one IPv4 packet", ErrBadLength, len(data))
	}
	proto := ip.Protocol
	if proto == 0 {
		proto = ProtoTCP
	}
	hl := tcpHeaderLen
	if t.MSS != 0 && t.Flags&TCPSyn != 0 {
		hl += 4
	}
	total := ipv4HeaderLen + hl + len(data)
	if cap(e.pkt) < total {
		e.pkt = make([]byte, total, max(total, 128))
	}
	b := e.pkt[:total]
	putIPv4Header(b, ip, proto)

	g := b[ipv4HeaderLen:]
	binary.BigEndian.PutUint16(g[0:2], t.SrcPort)
	binary.BigEndian.PutUint16(g[2:4], t.DstPort)
	binary.BigEndian.PutUint32(g[4:8], t.Seq)
	binary.BigEndian.PutUint32(g[8:12], t.Ack)
	g[12] = byte(hl/4) << 4
	g[13] = t.Flags & (TCPFin | TCPSyn | TCPRst | TCPPsh | TCPAck | TCPUrg)
	binary.BigEndian.PutUint16(g[14:16], t.Window)
	g[16], g[17] = 0, 0 // checksum, below
	g[18], g[19] = 0, 0 // urgent pointer
	if hl > tcpHeaderLen {
		g[20], g[21] = tcpOptMSS, 4
		binary.BigEndian.PutUint16(g[22:24], t.MSS)
	}
	copy(g[hl:], data)
	binary.BigEndian.PutUint16(g[16:18], checksum(g, pseudoSum4(b[12:16], b[16:20], ProtoTCP, len(g))))
	return b, nil
}

// decodeTCPOrIPIP decodes the IPv4 header of pkt (checked by checkIPv4 and
// cut to its total length) and then the TCP segment or the IPIP inner
// packet it carries. A fragment gives the IPv4 header only: the segment
// needs reassembly, which vrrpsim never has to do (it sends no fragments).
//
// A header without options (IHL 5, all vrrpsim sends) is read in place:
// checkIPv4 has already made every check gopacket's IPv4 decoder would,
// and this runs for every TCP segment on every hop. Options still go
// through gopacket, which refuses malformed ones.
func (d *Decoder) decodeTCPOrIPIP(pkt []byte, f *Frame) error {
	hl := int(pkt[0]&0x0f) * 4
	if hl == ipv4HeaderLen {
		f.HasIP = true
		f.IP = IPv4Header{
			TOS:      pkt[1],
			ID:       binary.BigEndian.Uint16(pkt[4:6]),
			TTL:      pkt[8],
			Protocol: pkt[9],
			Src:      netip.AddrFrom4([4]byte(pkt[12:16])),
			Dst:      netip.AddrFrom4([4]byte(pkt[16:20])),
		}
	} else {
		if err := d.ip4.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
			return fmt.Errorf("wire: ipv4: %w: %v", ErrBadLength, err)
		}
		d.fillIP(f)
	}
	if binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 { // MF or an offset
		return nil
	}
	if pkt[9] == ProtoIPIP {
		f.HasIPIP = true
		f.Payload = pkt[hl:]
		return nil
	}
	return decodeTCP(pkt, hl, f)
}

// decodeTCP checks and reads the segment after the IPv4 header, with the
// checks of Linux tcp_v4_rcv: at least 20 octets, a data offset of at
// least 20 within the segment (else TCP_MIB_INERRS), and a checksum that
// verifies over the pseudo-header (else TCP_MIB_CSUMERRORS); either way
// the segment is dropped.
func decodeTCP(pkt []byte, hl int, f *Frame) error {
	seg := pkt[hl:]
	if len(seg) < tcpHeaderLen {
		return fmt.Errorf("wire: tcp: %w: %d bytes, header needs %d", ErrTruncated, len(seg), tcpHeaderLen)
	}
	off := int(seg[12]>>4) * 4
	if off < tcpHeaderLen {
		return fmt.Errorf("wire: tcp: %w: data offset %d < 20", ErrBadLength, off)
	}
	if off > len(seg) {
		return fmt.Errorf("wire: tcp: %w: data offset %d, %d bytes", ErrTruncated, off, len(seg))
	}
	if checksum(seg, pseudoSum4(pkt[12:16], pkt[16:20], ProtoTCP, len(seg))) != 0 {
		return fmt.Errorf("wire: tcp: %w: checksum 0x%04x does not verify", ErrBadChecksum, binary.BigEndian.Uint16(seg[16:18]))
	}
	f.HasTCP = true
	f.TCP = TCPHeader{
		SrcPort: binary.BigEndian.Uint16(seg[0:2]),
		DstPort: binary.BigEndian.Uint16(seg[2:4]),
		Seq:     binary.BigEndian.Uint32(seg[4:8]),
		Ack:     binary.BigEndian.Uint32(seg[8:12]),
		Flags:   seg[13] & 0x3f,
		Window:  binary.BigEndian.Uint16(seg[14:16]),
		MSS:     tcpMSS(seg[tcpHeaderLen:off]),
	}
	f.Payload = seg[off:]
	return nil
}

// tcpMSS returns the MSS option among opts, or 0. Like Linux
// tcp_parse_options it stops quietly at a malformed option (a length
// below 2 or past the end) and reads MSS only when its length is 4.
func tcpMSS(opts []byte) uint16 {
	for len(opts) > 0 {
		switch opts[0] {
		case 0: // TCPOPT_EOL
			return 0
		case 1: // TCPOPT_NOP
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 {
			return 0
		}
		n := int(opts[1])
		if n < 2 || n > len(opts) {
			return 0
		}
		if opts[0] == tcpOptMSS && n == 4 {
			return binary.BigEndian.Uint16(opts[2:4])
		}
		opts = opts[n:]
	}
	return 0
}

// tcpFlagNames are tcpdump's tcp_flag_values (print-tcp.c) in its order.
var tcpFlagNames = [...]struct {
	bit  uint8
	name byte
}{{TCPFin, 'F'}, {TCPSyn, 'S'}, {TCPRst, 'R'}, {TCPPsh, 'P'}, {TCPAck, '.'}, {TCPUrg, 'U'}, {0x40, 'E'}, {0x80, 'W'}}

// summaryTCP follows tcp_print (print-tcp.c) with -n -S: absolute
// sequence numbers, so a line needs no per-connection state.
// "Flags [S.], seq 2000, ack 1001, win 65160, options [mss 1460], length 0".
func summaryTCP(s *strings.Builder, p, src, dst []byte) {
	if len(p) < tcpHeaderLen {
		s.WriteString("[|tcp]")
		return
	}
	hl := int(p[12]>>4) * 4
	if hl < tcpHeaderLen {
		fmt.Fprintf(s, "tcp %d [bad hdr length %d - too short, < 20]", len(p), hl)
		return
	}
	if hl > len(p) {
		fmt.Fprintf(s, "tcp %d [bad hdr length %d - too long, > %d]", len(p), hl, len(p))
		return
	}
	flags := p[13]
	s.WriteString("Flags [")
	if flags == 0 {
		s.WriteString("none")
	}
	for _, f := range tcpFlagNames {
		if flags&f.bit != 0 {
			s.WriteByte(f.name)
		}
	}
	s.WriteString("]")
	seq, ack := binary.BigEndian.Uint32(p[4:8]), binary.BigEndian.Uint32(p[8:12])
	n := len(p) - hl
	if n > 0 || flags&(TCPSyn|TCPFin|TCPRst) != 0 {
		fmt.Fprintf(s, ", seq %d", seq)
		if n > 0 {
			fmt.Fprintf(s, ":%d", seq+uint32(n))
		}
	}
	if flags&TCPAck != 0 {
		fmt.Fprintf(s, ", ack %d", ack)
	}
	fmt.Fprintf(s, ", win %d", binary.BigEndian.Uint16(p[14:16]))
	if flags&TCPUrg != 0 {
		fmt.Fprintf(s, ", urg %d", binary.BigEndian.Uint16(p[18:20]))
	}
	if mss := tcpMSS(p[tcpHeaderLen:hl]); mss != 0 {
		fmt.Fprintf(s, ", options [mss %d]", mss)
	}
	if checksum(p, pseudoSum4(src, dst, ProtoTCP, len(p))) != 0 {
		fmt.Fprintf(s, ", (bad tcp cksum %x)", binary.BigEndian.Uint16(p[16:18]))
	}
	fmt.Fprintf(s, ", length %d", n)
	sport, dport := binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])
	if n > 0 && (sport == 80 || dport == 80) {
		summaryHTTP(s, p[hl:])
	}
}

// summaryHTTP prints the first line of a request or response as
// tcpdump's http_print/txtproto_print does at default verbosity: only when
// the line starts with a method or "HTTP/" and ends within the segment.
func summaryHTTP(s *strings.Builder, data []byte) {
	line, _, ok := bytes.Cut(data, []byte("\r\n"))
	if !ok {
		return
	}
	for _, w := range []string{"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "HTTP/"} {
		if bytes.HasPrefix(line, []byte(w)) {
			s.WriteString(": HTTP: ")
			for _, c := range line {
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				s.WriteByte(c)
			}
			return
		}
	}
}
