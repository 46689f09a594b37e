package reports

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

func TestLatencyHistError(t *testing.T) {
	// Every value falls in a bucket whose middle is within 1/64 of it.
	for _, v := range []uint64{0, 1, 127, 128, 129, 1000, 65535, 1 << 20, 3609375000, 1<<41 + 12345} {
		i := histIndex(v)
		if i < 0 || i >= len(latencyHist{}.counts) {
			t.Fatalf("histIndex(%d) = %d out of range", v, i)
		}
		mid := histMid(i)
		if d := float64(max(mid, v) - min(mid, v)); d > float64(v)/64+0.5 {
			t.Errorf("value %d: bucket middle %d is off by %.0f (> 1/64)", v, mid, d)
		}
	}
}

func TestLatencyHistQuantilesNearestRank(t *testing.T) {
	var h latencyHist
	for v := int64(1); v <= 100; v++ { // 1..100 ns: exact buckets
		h.add(v)
	}
	for _, tc := range []struct {
		q    float64
		want sim.Time
	}{{0.5, 50}, {0.95, 95}, {0.99, 99}, {1, 100}, {0, 1}} {
		if got := h.quantile(tc.q); got != tc.want {
			t.Errorf("q%.2f = %d, want %d", tc.q, got, tc.want)
		}
	}
	// Large values: within 1/64, clamped to the exact max.
	var g latencyHist
	g.add(int64(10 * sim.Millisecond))
	g.add(int64(20 * sim.Millisecond))
	if got := g.quantile(1); got != 20*sim.Millisecond {
		t.Errorf("max quantile %d, want exact max", got)
	}
	if got := g.quantile(0.5); got < 10*sim.Millisecond || got > 10*sim.Millisecond+10*sim.Millisecond/64 {
		t.Errorf("median %d not within 1/64 of 10 ms", got)
	}
}

func TestSeriesStaysBounded(t *testing.T) {
	var s series
	total := 0
	for at := sim.Time(0); at < 3600*sim.Second; at += 100 * sim.Millisecond {
		s.add(at, 1)
		total++
	}
	if len(s.counts) > maxBuckets {
		t.Fatalf("%d buckets, want at most %d", len(s.counts), maxBuckets)
	}
	sum := 0
	for _, c := range s.counts {
		sum += c
	}
	if sum != total {
		t.Fatalf("series lost counts: %d of %d", sum, total)
	}
	if s.width != 8*sim.Second {
		t.Errorf("width %v, want 8 s (1 s doubled until 3600 s fits in 512 buckets)", s.width)
	}
}

// TestLBCollector feeds the records a director, a client and real servers
// emit, and checks the report: shares against weights, failures, bypass
// packets told apart from the director's by the sender MAC, and the ARP
// entry of a VIP that moved to a real server.
func TestLBCollector(t *testing.T) {
	c := NewCollector()
	lbMAC, rs1MAC, gwMAC := [6]byte{2, 0, 0, 0, 1, 1}, [6]byte{2, 0, 0, 0, 2, 1}, [6]byte{2, 0, 0, 0, 9, 1}
	vip := netip.MustParseAddr("10.0.0.100")
	rec := func(r sim.Record) { c.Trace(&r) }
	for _, n := range []struct {
		node string
		mac  [6]byte
	}{{"lb1", lbMAC}, {"rs1", rs1MAC}, {"gw", gwMAC}} {
		rec(sim.Record{Kind: sim.KindNote, Node: n.node, Comp: "eth0", Event: "iface", MAC: n.mac})
	}
	svc := "TCP 10.0.0.100:80"
	rec(sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "dest", Reason: "add", To: "rs1", Value: 3})
	rec(sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "dest", Reason: "add", To: "rs2", Value: 1})
	for i := 0; i < 6; i++ {
		rec(sim.Record{At: sim.Time(i) * sim.Second, Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "new", To: "rs1"})
	}
	for i := 0; i < 2; i++ {
		rec(sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "new", To: "rs2"})
	}
	rec(sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "nodest"})
	rec(sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "dest", Reason: "weight", To: "rs2", Value: 0})
	for _, v := range []int64{int64(2 * sim.Millisecond), int64(3 * sim.Millisecond), int64(4 * sim.Millisecond)} {
		rec(sim.Record{Kind: sim.KindConn, Node: "c1", Comp: "c1/http-1", Event: "ok", To: "rs1", Value: v})
	}
	rec(sim.Record{Kind: sim.KindConn, Node: "c1", Comp: "c1/http-1", Event: "timeout", Reason: "syn_timeout"})
	rec(sim.Record{Kind: sim.KindServe, Node: "rs1", Comp: "eth0", Event: "vip", MAC: lbMAC})
	rec(sim.Record{Kind: sim.KindServe, Node: "rs1", Comp: "eth0", Event: "vip", MAC: gwMAC})
	rec(sim.Record{Kind: sim.KindServe, Node: "rs1", Comp: "eth0", Event: "vip", MAC: gwMAC})
	// rs1 asks for the gateway from its VIP; the gateway's entry for the
	// VIP then moves to rs1.
	arpReq := make([]byte, 42)
	copy(arpReq, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 2, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1})
	copy(arpReq[22:28], rs1MAC[:])
	copy(arpReq[28:32], vip.AsSlice())
	copy(arpReq[38:42], []byte{10, 0, 0, 1})
	rec(sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "rs1/eth0", Frame: arpReq})
	rec(sim.Record{At: 5 * sim.Second, Kind: sim.KindNeigh, Node: "gw", Comp: "eth1", Addr: vip, MAC: rs1MAC, From: "REACHABLE", To: "STALE", Reason: "request"})
	rep := c.Report(Meta{Scenario: "t", Duration: 10 * sim.Second})
	lb := rep.LB
	if lb == nil || len(lb.Services) != 1 {
		t.Fatalf("LB report %+v", lb)
	}
	vs := lb.Services[0]
	if vs.Connections != 9 || vs.NoDest != 1 {
		t.Errorf("connections %d nodest %d, want 9 and 1", vs.Connections, vs.NoDest)
	}
	if r := vs.Reals[0]; r.Name != "rs1" || r.Connections != 6 || r.Share != 0.75 || r.WeightShare != 0.75 {
		t.Errorf("rs1 %+v, want 6 conns, share 0.75 = weight share", r)
	}
	if r := vs.Reals[1]; r.Weight != 1 || r.FinalWeight != 0 {
		t.Errorf("rs2 weight %d -> %d, want 1 -> 0", r.Weight, r.FinalWeight)
	}
	if vs.Imbalance != 1.5 {
		t.Errorf("imbalance %v, want 6/(8/2) = 1.5", vs.Imbalance)
	}
	cs := lb.Clients[0]
	if cs.Connections != 4 || cs.OK != 3 || cs.Timeout != 1 {
		t.Errorf("client %+v", cs)
	}
	if p50 := sim.Time(*cs.P50); p50 < 3*sim.Millisecond-3*sim.Millisecond/64 || p50 > 3*sim.Millisecond+3*sim.Millisecond/64 {
		t.Errorf("p50 %v, want 3 ms within 1/64", p50)
	}
	if lb.BypassPackets != 2 || lb.Servers[0].VIPPackets != 3 || lb.Servers[0].BypassFrom[0].Name != "gw" {
		t.Errorf("bypass %d, servers %+v; want 2 from gw of 3 VIP packets", lb.BypassPackets, lb.Servers)
	}
	if len(lb.Poisoned) != 1 || lb.Poisoned[0].Host != "gw" || lb.Poisoned[0].Owner != "rs1" ||
		!strings.Contains(lb.Poisoned[0].Frame, "who-has 10.0.0.1 tell 10.0.0.100") {
		t.Errorf("poisoned %+v", lb.Poisoned)
	}
	ok, detail := rep.checkShare("lb1", "10.0.0.100 80", 0.01)
	if !ok {
		t.Errorf("share check failed: %s", detail)
	}
	if ok, _ := rep.checkNoBypass(); ok {
		t.Error("no_bypass passed with 2 bypass packets")
	}
	if ok, _ := rep.checkFailed("", 0); ok {
		t.Error("failed_connections_at_most 0 passed with a timeout")
	}
	var b strings.Builder
	writeLBText(&b, lb)
	for _, want := range []string{"lb1 TCP 10.0.0.100:80: 9 connections, 1 with no destination", "2 packets for the VIP bypassed the director (from gw 2)", "gw's ARP entry for 10.0.0.100 -> rs1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
