package reports

import (
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestTakeovers: a director taking over a VIP counts the client
// connections open when the old master let go (started before, ended
// after) as survived or broken; a sync group's instances moving together
// are one takeover; the new master's backup sync daemon is named; a
// failback is a second takeover, from the moment both switch.
func TestTakeovers(t *testing.T) {
	c := NewCollector()
	rec := func(r sim.Record) { c.Trace(&r) }
	s := sim.Second
	svc := "TCP 10.0.0.100:80"
	for _, n := range []string{"lb1", "lb2"} {
		rec(sim.Record{Kind: sim.KindIPVS, Node: n, Comp: svc, Event: "dest", Reason: "add", To: "rs1", Value: 1})
	}
	rec(sim.Record{Kind: sim.KindIPVS, Node: "lb2", Comp: syncComp, Event: "start", To: "backup"})
	state := func(at sim.Time, node, inst, from, to string) {
		rec(sim.Record{At: at, Kind: sim.KindState, Node: node, Comp: inst, From: from, To: to})
	}
	conn := func(start, end sim.Time, ev string) {
		rec(sim.Record{At: end, Kind: sim.KindConn, Node: "c1", Comp: "c1/http-1", Event: ev, Value: int64(end - start)})
	}
	state(3*s, "lb1", "VI_1", "BACKUP", "MASTER") // the first election: no takeover
	state(3*s, "lb1", "VI_2", "BACKUP", "MASTER")
	conn(4*s, 5*s, "reset") // before any takeover: not counted
	rec(sim.Record{At: 9 * s, Kind: sim.KindIPVS, Node: "lb2", Comp: syncComp, Event: "recv", Value: 40})
	state(10*s, "lb1", "VI_1", "MASTER", "INIT") // crash
	state(10*s, "lb1", "VI_2", "MASTER", "INIT")
	conn(9*s, 11*s, "ok") // open at 10 s, done before the takeover: counted
	state(13*s, "lb2", "VI_1", "BACKUP", "MASTER")
	state(13*s, "lb2", "VI_2", "BACKUP", "MASTER")
	rec(sim.Record{At: 13 * s, Kind: sim.KindIPVS, Node: "lb2", Comp: syncComp, Event: "stop", To: "backup"})
	conn(8*s, 14*s, "http_error")                  // open at 10 s, survived (a whole answer, a 503)
	conn(9*s, 15*s, "timeout")                     // open at 10 s, broken
	conn(11*s, 15*s, "ok")                         // started while no master: not open at 10 s
	state(20*s, "lb1", "VI_1", "BACKUP", "MASTER") // failback
	state(20*s, "lb2", "VI_1", "MASTER", "BACKUP")
	conn(19*s, 22*s, "timeout")
	conn(8*s, 21*s, "ok") // spans both
	rep := c.Report(Meta{Scenario: "t", Duration: 30 * s})
	got := rep.LB.Takeovers
	want := []Takeover{
		{At: Seconds(13 * s), Left: Seconds(10 * s), Instance: "VI_1", From: "lb1", To: "lb2", Sync: true, SyncedEntries: 40, Open: 4, Survived: 3, Broken: 1},
		{At: Seconds(20 * s), Left: Seconds(20 * s), Instance: "VI_1", From: "lb2", To: "lb1", Open: 2, Survived: 1, Broken: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d takeovers %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("takeover %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	var b strings.Builder
	writeTakeoverText(&b, got)
	if !strings.Contains(b.String(), "takeover 13.000000 VI_1 lb1 -> lb2 (sync daemon: 40 entries received): 4 connections open when lb1 let go at 10.000000, 3 survived, 1 broken") {
		t.Errorf("text:\n%s", b.String())
	}
	for _, tc := range []struct {
		lo, hi float64
		ok     bool
	}{{0.66, 1, true}, {0.67, 1, false}, {0, 0.67, true}, {0, 0.66, false}} {
		if ok, detail := rep.checkSurvive(tc.lo, tc.hi); ok != tc.ok || !strings.Contains(detail, "4 of 6 connections") {
			t.Errorf("survive %v..%v: got %v (%s), want %v", tc.lo, tc.hi, ok, detail, tc.ok)
		}
	}
	if ok, detail := (&Report{}).checkSurvive(0, 1); ok || !strings.Contains(detail, "no director takeover") {
		t.Errorf("no takeover: %v %s", ok, detail)
	}
}
