package stepper

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Frames returns the frame records of the current event.
func (s *Stepper) Frames() []*sim.Record {
	var out []*sim.Record
	e := s.Current()
	for i := range e.Recs {
		if e.Recs[i].Kind == sim.KindFrame {
			out = append(out, &e.Recs[i])
		}
	}
	return out
}

// FrameText renders the k-th frame (1-based) of the current event layer by
// layer, as the decoder a receiving node uses sees it (wire.Decoder), with
// the header fields a network engineer reads in Wireshark, then the bytes
// as `hexdump -C` prints them.
func (s *Stepper) FrameText(k int) (string, error) {
	fs := s.Frames()
	if len(fs) == 0 {
		return "", fmt.Errorf("frame: event #%d has no frame; 'until frame' steps to the next one", s.n)
	}
	if k < 1 || k > len(fs) {
		return "", fmt.Errorf("frame %d: event #%d has %d frame(s)", k, s.n, len(fs))
	}
	r := fs[k-1]
	raw := r.Frame
	var b strings.Builder
	fmt.Fprintf(&b, "frame %d of %d, event #%d at %s, sent on %s by %s, %d bytes\n", k, len(fs), s.n, r.At, r.Node, r.Comp, len(raw))
	fmt.Fprintf(&b, "  %s\n", wire.Summary(raw))
	f := &s.fr
	err := s.dec.Decode(raw, f)
	if len(raw) >= 14 {
		fmt.Fprintf(&b, "Ethernet II\n  Destination: %s\n  Source: %s\n  Type: 0x%04x (%s)\n", f.Dst, f.Src, f.EtherType, etherName(f.EtherType))
	}
	if f.HasARP {
		a := &f.ARP
		op := "request"
		if a.Op == wire.ARPReply {
			op = "reply"
		}
		if a.IsGratuitous() {
			op += ", gratuitous"
		}
		fmt.Fprintf(&b, "ARP\n  Opcode: %d (%s)\n  Sender MAC: %s\n  Sender IP: %s\n  Target MAC: %s\n  Target IP: %s\n",
			a.Op, op, a.SenderMAC, a.SenderIP, a.TargetMAC, a.TargetIP)
	}
	if f.HasIP {
		ip := raw[14:]
		ihl := int(ip[0]&0x0f) * 4
		fmt.Fprintf(&b, "IPv4\n  Version: %d, Header length: %d\n  TOS: 0x%02x\n  Total length: %d\n  ID: %d\n  Flags/Fragment: 0x%04x\n  TTL: %d\n  Protocol: %d (%s)\n  Header checksum: 0x%04x\n  Source: %s\n  Destination: %s\n",
			ip[0]>>4, ihl, f.IP.TOS, binary.BigEndian.Uint16(ip[2:4]), f.IP.ID, binary.BigEndian.Uint16(ip[6:8]), f.IP.TTL,
			f.IP.Protocol, protoName(f.IP.Protocol), binary.BigEndian.Uint16(ip[10:12]), f.IP.Src, f.IP.Dst)
	}
	if f.HasVRRP {
		v := &f.VRRP
		fmt.Fprintf(&b, "VRRPv%d\n  Type: %d (advertisement)\n  Virtual Router ID: %d\n  Priority: %d\n  Count IP addrs: %d\n", v.Version, v.Type, v.VRID, v.Priority, len(v.Addrs))
		if v.Version == 2 {
			fmt.Fprintf(&b, "  Auth type: %d\n  Advertisement interval: %d s\n", v.AuthType, v.AdverInt)
		} else {
			fmt.Fprintf(&b, "  Max advertisement interval: %d cs\n", v.AdverInt&0x0fff)
		}
		fmt.Fprintf(&b, "  Checksum: 0x%04x (verified)\n  IP addresses: %s\n", v.Checksum, addrs(v.Addrs))
		if v.Version == 2 && v.AuthType == 1 {
			fmt.Fprintf(&b, "  Authentication data: %q\n", strings.TrimRight(string(v.AuthData[:]), "\x00"))
		}
	}
	if f.HasICMP {
		fmt.Fprintf(&b, "ICMP\n  Type: %d, Code: %d\n  Identifier: %d\n  Sequence: %d\n", f.ICMP.Type, f.ICMP.Code, f.ICMP.ID, f.ICMP.Seq)
	}
	if f.HasUDP {
		fmt.Fprintf(&b, "UDP\n  Source port: %d\n  Destination port: %d\n", f.UDP.SrcPort, f.UDP.DstPort)
	}
	if f.HasTCP {
		t := &f.TCP
		fmt.Fprintf(&b, "TCP\n  Source port: %d\n  Destination port: %d\n  Sequence: %d\n  Acknowledgment: %d\n  Flags: %s\n  Window: %d\n", t.SrcPort, t.DstPort, t.Seq, t.Ack, tcpFlags(t.Flags), t.Window)
		if t.MSS > 0 {
			fmt.Fprintf(&b, "  MSS option: %d\n", t.MSS)
		}
	}
	if f.HasIPIP {
		fmt.Fprintf(&b, "IPIP: inner packet of %d bytes\n", len(f.Payload))
	}
	if len(f.Payload) > 0 && !f.HasIPIP {
		fmt.Fprintf(&b, "Payload: %d bytes\n", len(f.Payload))
	}
	if err != nil {
		fmt.Fprintf(&b, "Malformed: %v\n", err)
	}
	b.WriteString(hex.Dump(raw))
	return b.String(), nil
}

func etherName(t uint16) string {
	switch t {
	case wire.EtherTypeARP:
		return "ARP"
	case wire.EtherTypeIPv4:
		return "IPv4"
	}
	return "unknown"
}

func protoName(p uint8) string {
	switch p {
	case 1:
		return "ICMP"
	case 4:
		return "IPIP"
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 112:
		return "VRRP"
	}
	return "unknown"
}

func tcpFlags(f uint8) string {
	var out []string
	for i, n := range []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG"} {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
