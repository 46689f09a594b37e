package reports

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// ngBlock is one pcapng block read back by readPcapng.
type ngIface struct {
	name, desc string
	linktype   uint16
	tsresol    byte
}

type ngPacket struct {
	iface    int
	ts       time.Time
	data     []byte
	comments []string
	flags    uint32
}

// readPcapng parses a little-endian pcapng file the way the pcapng draft
// (draft-ietf-opsawg-pcapng, sections 4.1-4.3) lays it out, independently
// of gopacket's writer: section header, interface description blocks and
// enhanced packet blocks with their options.
func readPcapng(b []byte) (ifaces []ngIface, pkts []ngPacket, err error) {
	le := binary.LittleEndian
	first := true
	for len(b) > 0 {
		if len(b) < 12 {
			return nil, nil, errors.New("short block header")
		}
		typ, n := le.Uint32(b), le.Uint32(b[4:])
		if n < 12 || n%4 != 0 || int(n) > len(b) || le.Uint32(b[n-4:]) != n {
			return nil, nil, fmt.Errorf("block %#x: bad length %d", typ, n)
		}
		body := b[8 : n-4]
		b = b[n:]
		if first != (typ == 0x0a0d0d0a) {
			return nil, nil, fmt.Errorf("block %#x: section header must come first, once", typ)
		}
		first = false
		switch typ {
		case 0x0a0d0d0a:
			if le.Uint32(body) != 0x1a2b3c4d {
				return nil, nil, errors.New("not little endian")
			}
		case 1: // IDB
			i := ngIface{linktype: le.Uint16(body)}
			for _, o := range ngOptions(body[8:]) {
				switch o.code {
				case 2:
					i.name = string(o.val)
				case 3:
					i.desc = string(o.val)
				case 9:
					i.tsresol = o.val[0]
				}
			}
			ifaces = append(ifaces, i)
		case 6: // EPB
			id := int(le.Uint32(body))
			if id >= len(ifaces) {
				return nil, nil, fmt.Errorf("packet on interface %d of %d", id, len(ifaces))
			}
			ts := uint64(le.Uint32(body[4:]))<<32 | uint64(le.Uint32(body[8:]))
			capl := int(le.Uint32(body[12:]))
			p := ngPacket{iface: id, ts: time.Unix(0, int64(ts)).UTC(), data: body[20 : 20+capl]}
			for _, o := range ngOptions(body[20+(capl+3)/4*4:]) {
				switch o.code {
				case 1:
					p.comments = append(p.comments, string(o.val))
				case 2:
					p.flags = le.Uint32(o.val)
				}
			}
			pkts = append(pkts, p)
		}
	}
	return ifaces, pkts, nil
}

type ngOpt struct {
	code uint16
	val  []byte
}

func ngOptions(b []byte) []ngOpt {
	var out []ngOpt
	for len(b) >= 4 {
		code, n := binary.LittleEndian.Uint16(b), int(binary.LittleEndian.Uint16(b[2:]))
		if code == 0 || 4+n > len(b) {
			break
		}
		out = append(out, ngOpt{code, b[4 : 4+n]})
		b = b[4+(n+3)/4*4:]
	}
	return out
}

var ngTestIfaces = []PcapngInterface{
	{Node: "r1", Iface: "eth0", Segment: "lan"},
	{Node: "r1", Iface: "eth1", Segment: "wan"},
	{Node: "r2", Iface: "eth0", Segment: "lan"},
}

func frameRec(at time.Duration, seg, port string, n int) *sim.Record {
	return &sim.Record{At: sim.Time(at), Kind: sim.KindFrame, Node: seg, Comp: port, Frame: bytes.Repeat([]byte{byte(n)}, 60)}
}

// TestPcapngInterfacePerNodeInterface: every node interface gets its own
// IDB named node:iface with its segment as description; frames land on the
// sender's interface, flagged outbound (pcapng epb_flags direction 10);
// state changes and actions ride as comments on the next frame.
func TestPcapngInterfacePerNodeInterface(t *testing.T) {
	recs := []*sim.Record{
		frameRec(time.Second, "lan", "r1/eth0", 1),
		{At: sim.Time(2 * time.Second), Kind: sim.KindAction, Event: "crash r1"},
		{At: sim.Time(3 * time.Second), Kind: sim.KindState, Node: "r2", Comp: "VI_1", From: "BACKUP", To: "MASTER", Reason: "master_down_expired"},
		frameRec(3*time.Second, "lan", "r2/eth0", 2),
		frameRec(4*time.Second, "wan", "r1/eth1", 3),
		frameRec(5*time.Second, "lan", "h9/eth0", 4), // not listed: added on the fly
	}
	tests := []struct {
		segment    string
		wantIfaces []ngIface
		wantPkts   []ngPacket
	}{
		{"", []ngIface{
			{"r1:eth0", "segment lan", 1, 9}, {"r1:eth1", "segment wan", 1, 9}, {"r2:eth0", "segment lan", 1, 9}, {"h9:eth0", "segment lan", 1, 9},
		}, []ngPacket{
			{iface: 0, ts: PcapEpoch.Add(time.Second), data: recs[0].Frame, flags: 2},
			{iface: 2, ts: PcapEpoch.Add(3 * time.Second), data: recs[3].Frame, flags: 2,
				comments: []string{"2.000000 action: crash r1", "3.000000 r2 VI_1 BACKUP -> MASTER (master_down_expired)"}},
			{iface: 1, ts: PcapEpoch.Add(4 * time.Second), data: recs[4].Frame, flags: 2},
			{iface: 3, ts: PcapEpoch.Add(5 * time.Second), data: recs[5].Frame, flags: 2},
		}},
		{"wan", []ngIface{{"r1:eth1", "segment wan", 1, 9}}, []ngPacket{
			{iface: 0, ts: PcapEpoch.Add(4 * time.Second), data: recs[4].Frame, flags: 2,
				comments: []string{"2.000000 action: crash r1", "3.000000 r2 VI_1 BACKUP -> MASTER (master_down_expired)"}},
		}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		p, err := NewPcapngWriter(&buf, PcapEpoch, ngTestIfaces, tt.segment)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			p.Trace(r)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		ifaces, pkts, err := readPcapng(buf.Bytes())
		if err != nil {
			t.Fatalf("segment %q: %v", tt.segment, err)
		}
		if !reflect.DeepEqual(ifaces, tt.wantIfaces) {
			t.Errorf("segment %q: interfaces\ngot  %+v\nwant %+v", tt.segment, ifaces, tt.wantIfaces)
		}
		if !reflect.DeepEqual(pkts, tt.wantPkts) {
			t.Errorf("segment %q: packets\ngot  %+v\nwant %+v", tt.segment, pkts, tt.wantPkts)
		}
	}
}

func TestPcapngErrors(t *testing.T) {
	for _, tt := range []struct {
		ifaces  []PcapngInterface
		segment string
		want    string
	}{
		{nil, "", "no interfaces"},
		{ngTestIfaces, "dmz", `no interface on segment "dmz"`},
		{append(ngTestIfaces[:1:1], ngTestIfaces[0]), "", "r1:eth0 listed twice"},
	} {
		_, err := NewPcapngWriter(&bytes.Buffer{}, PcapEpoch, tt.ifaces, tt.segment)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
			t.Errorf("%v %q: got %v, want %q", tt.ifaces, tt.segment, err, tt.want)
		}
	}
}

// TestPcapngDeterministic: the same records give the same bytes (no host
// name, OS or wall clock in the file).
func TestPcapngDeterministic(t *testing.T) {
	write := func() []byte {
		var buf bytes.Buffer
		p, err := NewPcapngWriter(&buf, PcapEpoch, ngTestIfaces, "")
		if err != nil {
			t.Fatal(err)
		}
		p.Trace(frameRec(time.Second, "lan", "r1/eth0", 1))
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if a, b := write(), write(); !bytes.Equal(a, b) {
		t.Fatal("two writes of the same records differ")
	}
	if bytes.Contains(write(), []byte("linux")) {
		t.Error("the file names the build OS")
	}
}

// BenchmarkPcapngFrame: writing one 60-byte frame (the writer buffers).
func BenchmarkPcapngFrame(b *testing.B) {
	p, err := NewPcapngWriter(io.Discard, PcapEpoch, ngTestIfaces, "")
	if err != nil {
		b.Fatal(err)
	}
	r := frameRec(time.Second, "lan", "r1/eth0", 1)
	b.ReportAllocs()
	for b.Loop() {
		p.Trace(r)
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
}

// TestPcapngRealServerComments: a director's real-server changes (IPVS
// "dest" records) are comments too; its per-connection records are not.
func TestPcapngRealServerComments(t *testing.T) {
	var buf bytes.Buffer
	p, err := NewPcapngWriter(&buf, PcapEpoch, ngTestIfaces, "")
	if err != nil {
		t.Fatal(err)
	}
	p.Trace(&sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: "TCP 10.0.0.100:80", Event: "dest", To: "rs1", Reason: "weight", Value: 0})
	p.Trace(&sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: "TCP 10.0.0.100:80", Event: "new", To: "rs2"})
	p.Trace(frameRec(time.Second, "lan", "r1/eth0", 1))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	_, pkts, err := readPcapng(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0.000000 lb1 TCP 10.0.0.100:80: real server rs1 (weight, weight 0)"}
	if len(pkts) != 1 || !reflect.DeepEqual(pkts[0].comments, want) {
		t.Errorf("comments %q, want %q", pkts[0].comments, want)
	}
}
