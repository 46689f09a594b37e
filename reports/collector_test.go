package reports

import (
	"bytes"
	"math/rand/v2"
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
