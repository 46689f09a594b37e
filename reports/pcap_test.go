package reports

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// pcapPacket is one packet read back from a pcap file.
type pcapPacket struct {
	ts       time.Time
	origLen  int
	captured []byte
}

// readPcap parses a little-endian nanosecond pcap file as pcap-savefile(5)
// describes it: independent of the writer, so a wrong field shows up.
// (gopacket's pcapgo reader needs modules go.sum does not list.)
func readPcap(b []byte) (snaplen, linktype uint32, pkts []pcapPacket, err error) {
	if len(b) < 24 {
		return 0, 0, nil, errors.New("short file header")
	}
	le := binary.LittleEndian
	if m := le.Uint32(b); m != 0xa1b23c4d {
		return 0, 0, nil, fmt.Errorf("magic %#x, want 0xa1b23c4d (nanosecond pcap)", m)
	}
	if maj, min := le.Uint16(b[4:]), le.Uint16(b[6:]); maj != 2 || min != 4 {
		return 0, 0, nil, fmt.Errorf("version %d.%d, want 2.4", maj, min)
	}
	snaplen, linktype = le.Uint32(b[16:]), le.Uint32(b[20:])
	b = b[24:]
	for len(b) > 0 {
		if len(b) < 16 {
			return 0, 0, nil, errors.New("short packet header")
		}
		sec, nsec := le.Uint32(b), le.Uint32(b[4:])
		incl, orig := le.Uint32(b[8:]), le.Uint32(b[12:])
		if nsec >= 1e9 {
			return 0, 0, nil, fmt.Errorf("nanoseconds %d out of range", nsec)
		}
		b = b[16:]
		if uint32(len(b)) < incl {
			return 0, 0, nil, errors.New("short packet data")
		}
		pkts = append(pkts, pcapPacket{ts: time.Unix(int64(sec), int64(nsec)).UTC(), origLen: int(orig), captured: b[:incl]})
		b = b[incl:]
	}
	return snaplen, linktype, pkts, nil
}

func TestPcapWriterStampsEpochPlusVirtualTime(t *testing.T) {
	var buf bytes.Buffer
	p, err := NewPcapWriter(&buf, PcapEpoch)
	if err != nil {
		t.Fatal(err)
	}
	frame := []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0x08, 0x00}
	big := make([]byte, 70000)
	recs := []sim.Record{
		{At: 0, Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: frame},
		{At: sec(1), Kind: sim.KindState, Node: "r1"}, // not a frame: skipped
		{At: sec(13.0234375) + 1, Kind: sim.KindFrame, Node: "lan", Comp: "r2/eth0", Frame: frame},
		{At: 3600*sim.Second + 999_999_999, Kind: sim.KindFrame, Node: "lan", Comp: "r2/eth0", Frame: big},
	}
	for i := range recs {
		p.Trace(&recs[i])
	}
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
	snaplen, linktype, pkts, err := readPcap(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if snaplen != 65535 || linktype != 1 {
		t.Errorf("header: got snaplen %d link type %d, want 65535 and 1 (Ethernet)", snaplen, linktype)
	}
	want := []struct {
		ts        time.Time
		orig, cap int
	}{
		{PcapEpoch, len(frame), len(frame)},
		{PcapEpoch.Add(13023437501 * time.Nanosecond), len(frame), len(frame)},
		{PcapEpoch.Add(3600*time.Second + 999_999_999), 70000, 65535},
	}
	if len(pkts) != len(want) {
		t.Fatalf("packets: got %d, want %d", len(pkts), len(want))
	}
	for i, w := range want {
		if !pkts[i].ts.Equal(w.ts) || pkts[i].origLen != w.orig || len(pkts[i].captured) != w.cap {
			t.Errorf("packet %d: got %s orig %d cap %d, want %s orig %d cap %d",
				i, pkts[i].ts.Format(time.RFC3339Nano), pkts[i].origLen, len(pkts[i].captured), w.ts.Format(time.RFC3339Nano), w.orig, w.cap)
		}
	}
	if !bytes.Equal(pkts[0].captured, frame) {
		t.Errorf("packet 0 bytes: got % x, want % x", pkts[0].captured, frame)
	}
}

func TestPcapEpochIsNewYear2026(t *testing.T) {
	if got, want := PcapEpoch.Unix(), int64(1767225600); got != want {
		t.Errorf("PcapEpoch: got %d, want %d", got, want)
	}
}

// failAfter accepts n writes, then fails every one.
type failAfter struct{ n int }

func (f *failAfter) Write(b []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(b), nil
}

func TestPcapWriterReportsFirstWriteError(t *testing.T) {
	if _, err := NewPcapWriter(&failAfter{0}, PcapEpoch); err == nil {
		t.Errorf("header write to a failing writer: got nil error, want one")
	}
	w := &failAfter{3} // header, then one packet (pcapgo writes its record header and data separately)
	p, err := NewPcapWriter(w, PcapEpoch)
	if err != nil {
		t.Fatal(err)
	}
	rec := sim.Record{At: sec(2), Kind: sim.KindFrame, Frame: []byte{1}}
	p.Trace(&rec)
	if p.Err() != nil {
		t.Fatalf("first packet: got %v, want nil", p.Err())
	}
	p.Trace(&rec)
	p.Trace(&rec)
	if p.Err() == nil {
		t.Errorf("after a failed write: got nil Err, want the write error")
	}
}

func BenchmarkPcapWriter(b *testing.B) {
	var buf bytes.Buffer
	p, err := NewPcapWriter(&buf, PcapEpoch)
	if err != nil {
		b.Fatal(err)
	}
	rec := sim.Record{Kind: sim.KindFrame, Frame: make([]byte, 60)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if buf.Len() > 1<<20 {
			buf.Reset()
		}
		rec.At = sim.Time(i) * sim.Millisecond
		p.Trace(&rec)
	}
}
