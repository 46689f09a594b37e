package reports

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// fakeSummary stands in for wire.Summary, which reports must not import.
func fakeSummary(b []byte) string { return fmt.Sprintf("frame of %d bytes", len(b)) }

func traceStory(t *testing.T, s *story, tr func(*sim.Record)) {
	t.Helper()
	recs := s.records()
	for i := range recs {
		tr(&recs[i])
	}
}

func TestTextTraceGolden(t *testing.T) {
	var b bytes.Buffer
	tt := NewTextTrace(&b, fakeSummary)
	traceStory(t, masterCrash(), tt.Trace)
	if tt.Err() != nil {
		t.Fatal(tt.Err())
	}
	golden(t, "master-crash.trace", b.Bytes())
}

func TestTextTraceLineFormats(t *testing.T) {
	tests := []struct {
		rec  sim.Record
		want string
	}{
		{sim.Record{At: 0, Kind: sim.KindFrame, Frame: []byte{1, 2}}, "  0.000000 frame of 2 bytes\n"},
		{sim.Record{At: sec(10), Kind: sim.KindState, Node: "r2", Comp: "VI_1", From: "BACKUP", To: "MASTER", Reason: "master_down_expired"},
			" 10.000000 r2 VI_1 BACKUP -> MASTER (master_down_expired)\n"},
		{sim.Record{At: sec(10), Kind: sim.KindAction, Comp: "crash", Node: "r1", Event: "crash r1"}, " 10.000000 * crash r1\n"},
		{sim.Record{At: sec(13.0235), Kind: sim.KindNeigh, Node: "h1", Comp: "eth0", Addr: vip, MAC: macR2, From: "REACHABLE", To: "STALE", Reason: "garp"},
			" 13.023500 h1 eth0 neigh 10.0.0.254 02:00:00:00:02:01 REACHABLE -> STALE (garp)\n"},
		{sim.Record{At: sec(14), Kind: sim.KindFDB, Node: "lan", MAC: vmac, From: "r1/eth0", To: "r2/eth0", Reason: "move"},
			" 14.000000 lan fdb 00:00:5e:00:01:33 r1/eth0 -> r2/eth0 (move)\n"},
		{sim.Record{At: sec(11), Kind: sim.KindFlow, Node: "h1", Comp: "ping", Event: "lost", Value: 7}, " 11.000000 h1 ping lost seq 7\n"},
		{sim.Record{At: sec(11), Kind: sim.KindFlow, Node: "h1", Comp: "ping", Event: "sent", Value: 8}, ""},
		{sim.Record{At: sec(11), Kind: sim.KindAdvert, Node: "r1", Comp: "VI_1"}, ""},
		{sim.Record{At: sec(12), Kind: sim.KindDrop, Node: "r2", Comp: "VI_1", Reason: "vrrp_bad_ttl"}, " 12.000000 r2 VI_1 drop vrrp_bad_ttl\n"},
		// A tally (sim.KindDrop Value): the advert path's unknown-VRID drops.
		{sim.Record{At: sec(30), Kind: sim.KindDrop, Node: "g2a", Comp: "eth0", Reason: "vrrp_unknown_vrid", Value: 294}, " 30.000000 g2a eth0 drop vrrp_unknown_vrid x294\n"},
		{sim.Record{At: sec(12), Kind: sim.KindNote, Node: "r1", Event: "crashed"}, " 12.000000 r1 crashed\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		NewTextTrace(&b, fakeSummary).Trace(&tt.rec)
		if b.String() != tt.want {
			t.Errorf("%s record: got %q, want %q", tt.rec.Kind, b.String(), tt.want)
		}
	}
	var b bytes.Buffer
	rec := sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: make([]byte, 60)}
	NewTextTrace(&b, nil).Trace(&rec)
	if want := "  0.000000 lan r1/eth0 frame, length 60\n"; b.String() != want {
		t.Errorf("frame without summary: got %q, want %q", b.String(), want)
	}
}

func TestGoldenTraceGolden(t *testing.T) {
	var b bytes.Buffer
	g := NewGoldenTrace(&b)
	traceStory(t, masterCrash(), g.Trace)
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
	golden(t, "master-crash.golden", b.Bytes())
}

func TestGoldenTraceShowsOutageStartAndEndOnly(t *testing.T) {
	var b bytes.Buffer
	g := NewGoldenTrace(&b)
	traceStory(t, masterCrash(), g.Trace)
	var flowLines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, " flow ") {
			flowLines = append(flowLines, strings.Join(strings.Fields(l), " "))
		}
	}
	want := []string{
		`11.000000 flow h1 "ping 10.0.0.254" outage_start seq=60 sent=10.000000`,
		`14.000000 flow h1 "ping 10.0.0.254" outage_end seq=91 sent=13.100000 lost=31 since=10.000000`,
	}
	if strings.Join(flowLines, "\n") != strings.Join(want, "\n") {
		t.Errorf("flow lines:\n got %q\nwant %q", flowLines, want)
	}
	if strings.Contains(b.String(), "advert") {
		t.Errorf("golden trace mentions adverts, want them left out as per-packet noise")
	}
}

func TestGoldenTraceIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	traceStory(t, masterCrash(), NewGoldenTrace(&a).Trace)
	traceStory(t, masterCrash(), NewGoldenTrace(&b).Trace)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two golden traces of the same records differ")
	}
}

func TestTracesStopAtFirstWriteError(t *testing.T) {
	rec := sim.Record{Kind: sim.KindAction, Event: "crash r1"}
	tt := NewTextTrace(&failAfter{0}, nil)
	tt.Trace(&rec)
	g := NewGoldenTrace(&failAfter{0})
	g.Trace(&rec)
	for name, err := range map[string]error{"text": tt.Err(), "golden": g.Err()} {
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s trace: got %v, want the write error", name, err)
		}
	}
	_ = errors.New
}

// Every consumer of the trace plugs into the kernel as a sim.Tracer.
var (
	_ sim.Tracer = NewCollector().Trace
	_ sim.Tracer = (&PcapWriter{}).Trace
	_ sim.Tracer = NewTextTrace(nil, nil).Trace
	_ sim.Tracer = NewGoldenTrace(nil).Trace
)

func TestCollectorRunsUnderTheKernel(t *testing.T) {
	k := sim.New(1)
	c := NewCollector()
	k.AddTracer(c.Trace)
	k.At(sec(10), func() { k.Trace(sim.Record{Kind: sim.KindAction, Comp: "crash", Node: "r1", Event: "crash r1"}) })
	k.Run(sec(20))
	r := c.Report(Meta{Duration: sec(20)})
	if len(r.Actions) != 1 || r.Actions[0].At != Seconds(sec(10)) {
		t.Errorf("actions: got %+v, want crash r1 at 10 s", r.Actions)
	}
}
