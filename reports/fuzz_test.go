package reports

import (
	"bytes"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// recordsFromBytes turns fuzz input into a plausible run: small vocabularies
// of nodes, instances, states and events, times that never go backwards.
func recordsFromBytes(data []byte) []sim.Record {
	nodes := []string{"r1", "r2", "r3", "h1", ""}
	insts := []string{"VI_1", "VI_2"}
	states := []string{"INIT", "BACKUP", "MASTER", "FAULT", ""}
	flowEvents := []string{"sent", "received", "lost", "bogus"}
	verbs := []string{"crash", "stop", "partition", "heal"}
	macs := [][6]byte{macR1, macR2, macH1, vmac, {}}
	var recs []sim.Record
	var at sim.Time
	for len(data) >= 4 {
		b0, b1, b2, b3 := data[0], data[1], data[2], data[3]
		data = data[4:]
		at += sim.Time(b3) * 10 * sim.Millisecond
		r := sim.Record{At: at, Kind: sim.Kind(b0 % 10), Node: nodes[int(b1)%len(nodes)]}
		switch r.Kind {
		case sim.KindState:
			r.Comp, r.From, r.To, r.Value2 = insts[int(b2)%2], states[int(b2>>1)%5], states[int(b2>>4)%5], int64(b2%3)
		case sim.KindAdvert:
			r.Comp, r.Value = insts[int(b2)%2], int64(b2)
		case sim.KindAction:
			r.Comp = verbs[int(b2)%len(verbs)]
			r.Event = r.Comp + " " + r.Node
		case sim.KindNeigh:
			r.Comp, r.Addr, r.MAC, r.To = "eth0", vip, macs[int(b2)%len(macs)], states[int(b2>>3)%5]
		case sim.KindFDB:
			r.MAC, r.To = macs[int(b2)%len(macs)], nodes[int(b2>>3)%len(nodes)]+"/eth0"
		case sim.KindFlow:
			r.Comp, r.Event, r.Value = "f", flowEvents[int(b2)%4], int64(b2>>2)
		case sim.KindNote:
			r.Event, r.Comp, r.MAC, r.Addr = "iface", "eth0", macs[int(b2)%len(macs)], netip.MustParseAddr("10.0.0.1")
		case sim.KindFrame:
			r.Frame = bytes.Repeat([]byte{b2}, int(b2))
		}
		recs = append(recs, r)
	}
	return recs
}

// FuzzCollector: any sequence of records yields a report without panicking,
// and the same records give byte-identical JSON and text.
func FuzzCollector(f *testing.F) {
	f.Add([]byte{2, 0, 4, 1, 2, 1, 4, 1, 4, 0, 0, 100, 7, 3, 0, 5, 7, 3, 2, 100})
	f.Add([]byte{6, 3, 3, 0, 4, 0, 1, 1, 5, 2, 3, 1, 9, 0, 3, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := recordsFromBytes(data)
		exps := []Expectation{
			{Kind: ExpectMasterAt, At: sec(1), Master: map[string]string{"VI_1": "r1"}},
			{Kind: ExpectMasterAfter, After: "crash r1", Within: time.Second, Master: map[string]string{"VI_1": "r2"}},
			{Kind: ExpectNoSplitBrain},
			{Kind: ExpectSplitBrainAtMost, D: time.Second},
			{Kind: ExpectLostAtMost, N: 1},
			{Kind: ExpectOutageAtMost, D: time.Second},
			{Kind: ExpectTransitionsAtMost, After: "crash r2", N: 1},
			{Kind: ExpectARPPointsTo, At: sec(2), Host: "h1", IP: vip, PointsTo: "r2"},
		}
		render := func() []byte {
			c := NewCollectorWith(Options{Frames: true})
			g := NewGoldenTrace(io.Discard)
			tt := NewTextTrace(io.Discard, nil)
			p, _ := NewPcapWriter(io.Discard, PcapEpoch)
			for i := range recs {
				r := recs[i]
				c.Trace(&r)
				g.Trace(&r)
				tt.Trace(&r)
				p.Trace(&r)
			}
			rep := c.Report(Meta{Disruptive: []string{"crash r1", "partition r2"}})
			rep.Evaluate(exps)
			var b bytes.Buffer
			if err := rep.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		if a, b := render(), render(); !bytes.Equal(a, b) {
			t.Fatalf("same records, different output")
		}
	})
}

func BenchmarkCollectorTrace(b *testing.B) {
	frame := sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: make([]byte, 60)}
	advert := sim.Record{Kind: sim.KindAdvert, Node: "r1", Comp: "VI_1", Value: 150, Value2: 51}
	c := NewCollector()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		frame.At = sim.Time(i) * sim.Millisecond
		c.Trace(&frame)
		if i%100 == 0 {
			advert.At = frame.At
			c.Trace(&advert)
		}
	}
}

func BenchmarkReportMasterCrash(b *testing.B) {
	c := masterCrash().collect()
	b.ReportAllocs()
	for b.Loop() {
		r := c.Report(crashMeta)
		r.Evaluate(crashExpectations())
		if err := r.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
