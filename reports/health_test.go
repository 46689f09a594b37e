package reports

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// healthRun feeds a Collector the records of one director checking rs2,
// which fails at 10 s and is removed at 18 s (ipwrapper.c
// perform_svr_state after tcp_epilog's last retry), recovers at 30 s and
// is re-added at 31 s; two connections go to it in the window (one
// fails, one was served before the failure took hold) and one after.
func healthRun(t *testing.T) *Report {
	t.Helper()
	c := NewCollector()
	vip := netip.MustParseAddr("10.0.0.100")
	svc := "TCP 10.0.0.100:80"
	rec := func(at float64, r sim.Record) {
		r.At = sim.Time(at * float64(sim.Second))
		c.Trace(&r)
	}
	chk := func(at float64, ev, why string, w int64) {
		rec(at, sim.Record{Kind: sim.KindNote, Node: "lb1", Comp: "check/" + svc + "/rs2", Event: ev, Reason: why, From: svc, To: "rs2", Value: w})
	}
	conn := func(at float64, port int64, outcome string) {
		rec(at, sim.Record{Kind: sim.KindConn, Node: "c1", Comp: "http-1", Event: outcome, Addr: vip, Value2: port})
	}
	newConn := func(at float64, port int64) {
		rec(at, sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "new", To: "rs2", Addr: netip.MustParseAddr("192.168.1.10"), Value: port})
	}
	chk(0, "ipvs_add", "weight=1", 1)
	rec(0, sim.Record{Kind: sim.KindIPVS, Node: "lb1", Comp: svc, Event: "dest", To: "rs2", Reason: "add", Value: 1})
	chk(7, "probe_ok", "TCP_CHECK ok", 0)
	newConn(9, 40000) // before the failure: not counted
	rec(10, sim.Record{Kind: sim.KindAction, Node: "rs2", Comp: "fail_service", Event: "fail_service rs2:80 refuse"})
	newConn(11, 40001)
	conn(11, 40000, "ok")
	conn(11.1, 40001, "refused")
	newConn(12, 40002)
	conn(12.5, 40002, "ok")
	chk(13, "probe_fail", "TCP_CHECK refused", 0)
	chk(18, "probe_fail", "TCP_CHECK refused", 0)
	chk(18, "checker_down", "rs2/TCP_CHECK", 0)
	chk(18, "ipvs_remove", "weight=1", 1)
	chk(18, "notify_down", "", 0)
	rec(18, sim.Record{Kind: sim.KindNote, Node: "lb1", Comp: "check/" + svc, Event: "quorum_down", Reason: "weight=0 threshold=1", From: svc})
	rec(30, sim.Record{Kind: sim.KindAction, Node: "rs2", Comp: "recover_service", Event: "recover_service rs2:80"})
	chk(31, "probe_ok", "TCP_CHECK ok", 0)
	chk(31, "ipvs_add", "weight=1", 1)
	rec(35, sim.Record{Kind: sim.KindAction, Node: "lb1", Comp: "crash", Event: "crash lb1"})
	chk(35.5, "probe_ok", "TCP_CHECK ok", 0)
	// The last action, with no checker record after it, still counts.
	rec(39, sim.Record{Kind: sim.KindAction, Node: "rs2", Comp: "fail_service", Event: "fail_service rs2:80 blackhole"})
	return c.Report(Meta{Duration: 40 * sim.Second})
}

// TestHealthTimeline: the timeline keeps each probe, the verdicts and
// table changes, and times the failure: removal 8 s after
// fail_service, 2 connections sent meanwhile of which 1 failed, re-add 1
// s after the recovery.
func TestHealthTimeline(t *testing.T) {
	r := healthRun(t)
	if r.LB == nil || len(r.LB.Health) != 1 {
		t.Fatalf("health: %+v", r.LB)
	}
	h := r.LB.Health[0]
	if h.Director != "lb1" || h.Real != "rs2" || h.ProbesOK != 3 || h.ProbesFailed != 2 || len(h.Probes) != 5 {
		t.Errorf("timeline %+v", h)
	}
	if len(h.Failures) != 2 || h.Failures[1].Action != "fail_service rs2:80 blackhole" || h.Failures[1].Removed != nil {
		t.Fatalf("failures %+v, want the refusal and the late black hole (never removed)", h.Failures)
	}
	if !slices.ContainsFunc(h.Events, func(e HealthEvent) bool { return e.Event == "quorum_down" && e.At == Seconds(18*sim.Second) }) {
		t.Errorf("events %+v lack the quorum going down at 18 s", h.Events)
	}
	if last := h.Events[len(h.Events)-1]; last.Event != "director_crash" || last.At != Seconds(35*sim.Second) {
		t.Errorf("last event %+v, want director_crash at 35 s", last)
	}
	f := h.Failures[0]
	if f.Action != "fail_service rs2:80 refuse" || f.Removed == nil || *f.Detection != Seconds(8*sim.Second) {
		t.Errorf("failure %+v, want removal 8 s after fail_service", f)
	}
	if f.Connections != 2 || f.Failed != 1 {
		t.Errorf("window: %d connections, %d failed; want 2 and 1", f.Connections, f.Failed)
	}
	if f.Restore == nil || *f.Restore != Seconds(sim.Second) {
		t.Errorf("restore %v, want 1 s", f.Restore)
	}
	r.SetHealthBounds([]HealthBound{{Director: "lb1", Service: "10.0.0.100 80", Real: "rs2", Action: "fail_service rs2:80 refuse", Checkers: "TCP_CHECK",
		Detected: true, RemoveBest: ptrSec(3), RemoveWorst: ptrSec(9), ReAddBest: ptrSec(0), ReAddWorst: ptrSec(6)}})
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	text := sb.String()
	for _, want := range []string{"fail_service rs2:80 refuse: out of the table at 18.000000, 8.000000 s later; 2 connections sent to it meanwhile, 1 failed",
		"removal  3.000000..9.000000 s, measured 8.000000 s\n", "recover_service rs2:80: back in the table at 31.000000, 1.000000 s later"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

func ptrSec(s float64) *Seconds {
	v := Seconds(sim.Time(s * float64(sim.Second)))
	return &v
}

// TestRemovedRestoredWithin: "rs2 removed within 8s after fail_service
// rs2:80 refuse" passes at 8 s and fails at 7 s; restored likewise.
func TestRemovedRestoredWithin(t *testing.T) {
	r := healthRun(t)
	for _, tc := range []struct {
		kind   ExpectKind
		within time.Duration
		after  string
		ok     bool
		detail string
	}{
		{ExpectRemovedWithin, 8 * time.Second, "fail_service rs2:80 refuse", true, "removed at 18.000000, 8.000000 s after"},
		{ExpectRemovedWithin, 7 * time.Second, "fail_service rs2:80 refuse", false, "later than 7s"},
		{ExpectRestoredWithin, time.Second, "recover_service rs2:80", true, "restored at 31.000000"},
		{ExpectRestoredWithin, time.Second, "recover_service rs2:80 @30s", true, "restored at 31.000000"},
		{ExpectRestoredWithin, time.Second, "recover_service rs2:80 @31s", false, "never happened"},
		{ExpectRestoredWithin, 500 * time.Millisecond, "recover_service rs2:80", false, "later than 500ms"},
		{ExpectRemovedWithin, 8 * time.Second, "crash lb2", false, "never happened"},
	} {
		r.Evaluate([]Expectation{{Kind: tc.kind, Real: "rs2", After: tc.after, Within: tc.within}})
		got := r.Expectations[0]
		if got.OK != tc.ok || !strings.Contains(got.Detail, tc.detail) {
			t.Errorf("%v within %v after %s: ok %v %q, want ok %v and %q", tc.kind, tc.within, tc.after, got.OK, got.Detail, tc.ok, tc.detail)
		}
	}
	r.Evaluate([]Expectation{{Kind: ExpectRemovedWithin, Real: "rs9", After: "fail_service rs2:80 refuse", Within: time.Second}})
	if x := r.Expectations[0]; x.OK || !strings.Contains(x.Detail, "checked: rs2") {
		t.Errorf("unknown server: %+v", x)
	}
}

// TestTableChange: keepalived takes a real server out by removing it or,
// with inhibit_on_failure, by setting its weight to 0 (ipvs_cmd ->
// ip_vs_edit_dest keeps the destination, ip_vs_wrr/rr schedule nothing
// to weight 0); it is back when added or reweighted above 0.
func TestTableChange(t *testing.T) {
	for _, tc := range []struct {
		event     string
		weight    int64
		out, back bool
	}{
		{"ipvs_remove", 0, true, false},
		{"ipvs_weight", 0, true, false},
		{"ipvs_weight", 3, false, true},
		{"ipvs_add", 1, false, true},
		{"ipvs_add", 0, false, false},
		{"checker_down", 0, false, false},
	} {
		out, back := tableChange(tc.event, tc.weight)
		if out != tc.out || back != tc.back {
			t.Errorf("tableChange(%q, %d) = %v, %v; want %v, %v", tc.event, tc.weight, out, back, tc.out, tc.back)
		}
	}
}
