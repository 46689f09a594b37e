package reports

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// flowRecords plays a ping flow the way model/node's Flow traces it
// (traffic.go: Flow.send, Flow.answered, Flow.onExpire): a packet every
// interval, each answered after rtt or declared lost at its timeout, in
// time order, so outcomes arrive out of send order. fate(seq) says what
// happens: 'r' received, 'l' lost, 'p' still pending at the end.
func flowRecords(n int, fate func(seq int64) byte) []sim.Record {
	const interval, rtt, timeout = 20 * time.Millisecond, 40 * time.Microsecond, time.Second
	type ev struct {
		at    sim.Time
		order int
		r     sim.Record
	}
	var evs []ev
	end := sim.Time(0)
	for seq := int64(1); seq <= int64(n); seq++ {
		sent := sim.Time(seq) * sim.Time(interval)
		end = sent
		evs = append(evs, ev{sent, len(evs), sim.Record{At: sent, Kind: sim.KindFlow, Node: "h1", Comp: "ping-1", Event: "sent", Value: seq}})
		switch fate(seq) {
		case 'r':
			evs = append(evs, ev{sent.Add(rtt), len(evs), sim.Record{At: sent.Add(rtt), Kind: sim.KindFlow, Node: "h1", Comp: "ping-1", Event: "received", Value: seq}})
		case 'l':
			evs = append(evs, ev{sent.Add(timeout), len(evs), sim.Record{At: sent.Add(timeout), Kind: sim.KindFlow, Node: "h1", Comp: "ping-1", Event: "lost", Value: seq}})
		}
	}
	var out []sim.Record
	for _, e := range evs {
		if e.at <= end {
			out = append(out, e.r)
		}
	}
	// Stable by time: equal times keep the order they were made in.
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// TestCollectorAggregateFlowsAsPerPacket: the streaming account of a flow
// (Options.Aggregate) gives the report the per-packet account gives, on
// outages that recover, that run to the end, and replies still in flight
// (the outage rules of Report.Flows).
func TestCollectorAggregateFlowsAsPerPacket(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 3001)
	for i := range random {
		switch x := rng.IntN(100); {
		case x < 80:
			random[i] = 'r'
		case x < 97:
			random[i] = 'l'
		default:
			random[i] = 'p'
		}
	}
	cases := []struct {
		name  string
		n     int
		fate  func(int64) byte
		lost  int
		outNo int
	}{
		{"all received", 500, func(int64) byte { return 'r' }, 0, 0},
		{"outage that recovers", 500, func(s int64) byte { return map[bool]byte{true: 'l', false: 'r'}[s >= 100 && s < 250] }, 150, 1},
		{"outage to the end", 500, func(s int64) byte { return map[bool]byte{true: 'l', false: 'r'}[s >= 400] }, -1, 1},
		{"one stuck in flight", 500, func(s int64) byte {
			switch {
			case s == 10:
				return 'p'
			case s > 20 && s < 30:
				return 'l'
			}
			return 'r'
		}, 9, 1},
		{"random", 3000, func(s int64) byte { return random[s] }, -1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs := flowRecords(tc.n, tc.fate)
			per, agg := NewCollector(), NewCollectorWith(Options{Aggregate: true})
			for i := range recs {
				r1, r2 := recs[i], recs[i]
				per.Trace(&r1)
				agg.Trace(&r2)
			}
			want := per.Report(Meta{Scenario: "t"}).Flows
			got := agg.Report(Meta{Scenario: "t"}).Flows
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("aggregate flows:\n got %+v\nwant %+v", got, want)
			}
			if len(got) != 1 {
				t.Fatalf("got %d flows, want 1", len(got))
			}
			if tc.lost >= 0 && got[0].Lost != tc.lost {
				t.Errorf("lost: got %d, want %d", got[0].Lost, tc.lost)
			}
			if tc.outNo >= 0 && len(got[0].Outages) != tc.outNo {
				t.Errorf("outages: got %d, want %d", len(got[0].Outages), tc.outNo)
			}
			// Memory: only the unresolved window is kept (a packet that
			// never resolves holds every later one behind it).
			if f := agg.flows[flowKey{"h1", "ping-1"}]; len(f.pending)-f.head > 60 && !bytes.Contains([]byte(tc.name), []byte("flight")) && tc.name != "random" {
				t.Errorf("pending window %d packets, want at most the 50 a 1 s timeout holds", len(f.pending)-f.head)
			}
		})
	}
}

// TestAdvertLogKeepsWhatConvergenceAsks: the advert logs keep, for every
// state change, the last advert before it (what analysis.lastAdvert and
// lastHeard answer: the convergence of an action runs from the last advert
// its first transition followed, RFC 3768 section 6.4.2), plus the count,
// the first and the last, and stay small over a long run.
func TestAdvertLogKeepsWhatConvergenceAsks(t *testing.T) {
	c := NewCollector()
	type sent struct {
		seq pos
		at  sim.Time
	}
	var all []sent
	var states []pos
	feed := func(r sim.Record) {
		c.Trace(&r)
	}
	src := netip.MustParseAddr("10.0.0.1")
	for i := 1; i <= 3600; i++ {
		at := sim.Time(i) * sim.Time(time.Second)
		feed(sim.Record{At: at, Kind: sim.KindAdvert, Node: "r1", Comp: "VI_1", Value: 150, Value2: 51, Addr: src})
		all = append(all, sent{c.cur, at})
		feed(sim.Record{At: at + 20000, Kind: sim.KindAdvert, Node: "r2", Comp: "VI_1", Event: "rx", Value: 150, Value2: 51, Addr: src})
		if i%700 == 3 {
			feed(sim.Record{At: at + 30000, Kind: sim.KindState, Node: "r3", Comp: "VI_1", From: "INIT", To: "BACKUP", Value2: 51})
			states = append(states, c.cur)
		}
	}
	l := c.adverts[nodeInst{"r1", "VI_1"}]
	if l.count != 3600 || l.at[0] != all[0].at || l.at[len(l.at)-1] != all[len(all)-1].at {
		t.Fatalf("count %d first %v last %v, want 3600 %v %v", l.count, l.at[0], l.at[len(l.at)-1], all[0].at, all[len(all)-1].at)
	}
	if len(l.at) > 2+len(states) {
		t.Errorf("log holds %d adverts, want at most %d (first, last, one per state change)", len(l.at), 2+len(states))
	}
	a := &analysis{c: c}
	for _, s := range states {
		var want sim.Time
		for _, x := range all {
			if x.seq.before(s) {
				want = x.at
			}
		}
		got, ok := a.lastAdvert("VI_1", []string{"r1"}, s)
		if !ok || got != want {
			t.Errorf("last advert before record %v: got %v %v, want %v", s, got, ok, want)
		}
	}
	h := c.heard[nodeInst{"r2", "VI_1"}]
	if h.count != 3600 || len(h.at) > 2+len(states) || len(h.from) != len(h.at) {
		t.Errorf("heard log: count %d, %d kept, %d senders", h.count, len(h.at), len(h.from))
	}
}

// TestCollectorFlowNumbersAreOnlyAKey: the flow number in KindFlow's
// Value2 (and the port number in KindFrame's Value) only saves hashing
// names: interleaved flows give the same report with numbers, without
// them, and with one number wrongly shared by two flows.
func TestCollectorFlowNumbersAreOnlyAKey(t *testing.T) {
	a := flowRecords(400, func(s int64) byte { return "rrrl"[s%4] })
	b := flowRecords(400, func(s int64) byte { return "rlrp"[s%4] })
	for i := range b {
		b[i].Node, b[i].At = "h2", b[i].At+1
	}
	recs := append(a, b...)
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].At < recs[j].At })
	frame := func(port string, n int64) sim.Record {
		return sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: port, Frame: make([]byte, 60), Value: n}
	}
	cases := []struct {
		name   string
		number func(node string) int64
		port   func(port string) int64
	}{
		{"numbered", func(n string) int64 { return map[string]int64{"h1": 1, "h2": 2}[n] }, func(p string) int64 { return map[string]int64{"h1/eth0": 1, "h2/eth0": 2}[p] }},
		{"none", func(string) int64 { return 0 }, func(string) int64 { return 0 }},
		{"shared", func(string) int64 { return 7 }, func(string) int64 { return 3 }},
	}
	var want []byte
	for _, tc := range cases {
		for _, agg := range []bool{false, true} {
			c := NewCollectorWith(Options{Aggregate: agg})
			for i := range recs {
				r := recs[i]
				r.Value2 = tc.number(r.Node)
				c.Trace(&r)
				port := r.Node + "/eth0"
				f := frame(port, tc.port(port))
				c.Trace(&f)
			}
			var out bytes.Buffer
			if err := c.Report(Meta{Scenario: "t"}).WriteJSON(&out); err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = out.Bytes()
				if !bytes.Contains(want, []byte(`"h2"`)) {
					t.Fatalf("the report has no flow of h2:\n%s", want)
				}
				continue
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s (aggregate %v): the report differs from the first one", tc.name, agg)
			}
		}
	}
}
