package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// runBuiltin runs a built-in scenario to its end and returns the trace.
func runBuiltin(t *testing.T, name string) (*Scenario, []sim.Record) {
	t.Helper()
	sc, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc, runScenario(t, sc)
}

// runScenario runs sc to its end and returns the trace (frames left out).
func runScenario(t *testing.T, sc *Scenario) []sim.Record {
	t.Helper()
	k := sim.New(sc.Seed)
	var recs []sim.Record
	k.AddTracer(func(r *sim.Record) {
		c := *r
		c.Frame = nil
		recs = append(recs, c)
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	return recs
}

func explainOf(t *testing.T, sc *Scenario) *Explanation {
	t.Helper()
	e, err := Explain(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func vridOf(t *testing.T, e *Explanation, vrid int) ExplainVRID {
	t.Helper()
	for _, v := range e.VRIDs {
		if v.VRID == vrid {
			return v
		}
	}
	t.Fatalf("no VRID %d in the explanation", vrid)
	return ExplainVRID{}
}

func instanceOf(t *testing.T, e *Explanation, id string) ExplainInstance {
	t.Helper()
	for _, n := range e.Nodes {
		for _, in := range n.Instances {
			if n.Node+"/"+in.Name == id {
				return in
			}
		}
	}
	t.Fatalf("no instance %s in the explanation", id)
	return ExplainInstance{}
}

// toMaster is the time of the n-th (from 0) entry of node into MASTER.
func toMaster(recs []sim.Record, node string, n int) (sim.Time, bool) {
	for _, r := range recs {
		if r.Kind == sim.KindState && r.Node == node && r.To == "MASTER" {
			if n == 0 {
				return r.At, true
			}
			n--
		}
	}
	return 0, false
}

// heardBefore is the last advert node accepted (KindAdvert rx) before t,
// with priority prio (-1: any).
func heardBefore(recs []sim.Record, node string, t sim.Time, prio int64) (sim.Time, bool) {
	var at sim.Time
	ok := false
	for _, r := range recs {
		if r.At >= t {
			break
		}
		if r.Kind == sim.KindAdvert && r.Event == "rx" && r.Node == node && (prio < 0 || r.Value == prio) {
			at, ok = r.At, true
		}
	}
	return at, ok
}

func wantSecs(t *testing.T, what string, predicted Secs, measured sim.Time) {
	t.Helper()
	if time.Duration(predicted) != time.Duration(measured) {
		t.Errorf("%s: explain predicts %v, the run measures %v", what, predicted, Secs(measured))
	}
}

// Master crash (RFC 3768 section 6.4.2, keepalived VRRP_MS_DOWN_TIMER):
// the initial master and when, the takeover counted from the last advert
// heard, its range after the crash, and the GARP bursts of the new
// master (vrrp_state_become_master, garp_master_delay).
func TestExplainMatchesRunMasterCrash(t *testing.T) {
	for _, name := range []string{"master-crash", "vrrpv3-fast"} {
		t.Run(name, func(t *testing.T) {
			sc, recs := runBuiltin(t, name)
			e := explainOf(t, sc)
			v := vridOf(t, e, 51)
			if v.Master != "r1/VI_1" || v.Next != "r2/VI_1" {
				t.Fatalf("master %s next %s, want r1/VI_1 then r2/VI_1", v.Master, v.Next)
			}
			at, _ := toMaster(recs, "r1", 0)
			wantSecs(t, "r1 master at", v.MasterAt, at)
			took, ok := toMaster(recs, "r2", 0)
			if !ok {
				t.Fatal("r2 never became master")
			}
			heard, _ := heardBefore(recs, "r2", took, -1)
			wantSecs(t, "r2 takeover after the last advert heard", v.AfterCrash, took-heard)
			crash := sc.Timeline[0].At
			hops := sim.Time(2 * DefaultLatency) // master -> switch -> r2
			if d := took - crash - hops; d < sim.Time(v.AfterCrashMin) || d > sim.Time(v.AfterCrash) {
				t.Errorf("takeover %v after the crash, outside the predicted [%v, %v]", Secs(d), v.AfterCrashMin, v.AfterCrash)
			}
			// GARP bursts after becoming master, counted from took.
			r2 := instanceOf(t, e, "r2/VI_1")
			var got []ExplainGARP
			for _, r := range recs {
				if r.Kind == sim.KindNote && r.Event == "garp" && r.Node == "r2" && r.At >= took {
					got = append(got, ExplainGARP{After: Secs(r.At - took), Count: int(r.Value), Why: r.Reason})
				}
			}
			for i, g := range r2.GARPs {
				if sim.Time(g.After) > sim.Time(sc.Duration)-took {
					break // after the end of the run
				}
				if i >= len(got) || got[i].After != g.After || got[i].Count != g.Count || got[i].Why != g.Why {
					t.Errorf("GARP burst %d: explain predicts %+v, the run has %+v", i, g, got)
				}
			}
		})
	}
}

// Graceful stop (RFC 3768 section 6.4.2): the backup takes over
// Skew_Time after the priority 0 advert.
func TestExplainMatchesRunGracefulStop(t *testing.T) {
	sc, recs := runBuiltin(t, "graceful-shutdown")
	v := vridOf(t, explainOf(t, sc), 51)
	took, ok := toMaster(recs, "r2", 0)
	if !ok {
		t.Fatal("r2 never became master")
	}
	zero, ok := heardBefore(recs, "r2", took, 0)
	if !ok {
		t.Fatal("r2 heard no priority 0 advert")
	}
	wantSecs(t, "takeover after the priority 0 advert", v.AfterStop, took-zero)
}

// preempt_delay (keepalived vrrp_state_backup, preempt_time): r1
// restarts and preempts PreemptAfter after the first lower-priority
// advert it hears.
func TestExplainMatchesRunPreemptDelay(t *testing.T) {
	sc, recs := runBuiltin(t, "preempt-delay")
	r1 := instanceOf(t, explainOf(t, sc), "r1/VI_1")
	if r1.PreemptAfter == 0 {
		t.Fatal("no preempt_after predicted for r1")
	}
	restart := sc.Timeline[1].At
	took, ok := toMaster(recs, "r1", 1)
	if !ok {
		t.Fatal("r1 did not become master again")
	}
	var first sim.Time
	for _, r := range recs {
		if r.At > restart && r.Kind == sim.KindAdvert && r.Event == "rx" && r.Node == "r1" {
			first = r.At
			break
		}
	}
	wantSecs(t, "preemption after the first lower-priority advert", r1.PreemptAfter, took-first)
}

// Tracked failures (vrrp_track.c): the priority after the failure (the
// speaker's "priority" note) and who is master once it played out.
func TestExplainMatchesRunTrackFailure(t *testing.T) {
	for _, tc := range []struct{ name, track string }{
		{"health-script-weight", "track_script chk_nginx"},
		{"uplink-tracking", "track_interface eth1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, recs := runBuiltin(t, tc.name)
			v := vridOf(t, explainOf(t, sc), 51)
			var f *ExplainFailure
			for i := range v.Failures {
				if v.Failures[i].Node == "r1" && v.Failures[i].Track == tc.track {
					f = &v.Failures[i]
				}
			}
			if f == nil {
				t.Fatalf("no failure of %s on r1 explained: %+v", tc.track, v.Failures)
			}
			fail := sc.Timeline[0].At
			recover := sc.Timeline[1].At
			prio := int64(-1)
			for _, r := range recs {
				if r.Kind == sim.KindNote && r.Event == "priority" && r.Node == "r1" && r.At >= fail && r.At < recover {
					prio = r.Value
					break
				}
			}
			if prio != int64(f.After) {
				t.Errorf("priority after the failure: explain %d, run %d", f.After, prio)
			}
			// Master just before the recovery.
			master := ""
			for _, r := range recs {
				if r.At >= recover {
					break
				}
				if r.Kind == sim.KindState && r.Comp == "VI_1" && r.To == "MASTER" {
					master = r.Node + "/VI_1"
				}
			}
			if master != f.Master {
				t.Errorf("master after the failure: explain %s, run %s", f.Master, master)
			}
		})
	}
}

// The fix-ups: keepalived's values, not the ones written.
func TestExplainEffectiveValues(t *testing.T) {
	src := `
name: fixups
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp:
      VI_1: {state: MASTER, interface: eth0, virtual_router_id: 51, nopreempt: true, preempt_delay: 10s, virtual_ipaddress: [10.0.0.254],
        notify_master: /etc/keepalived/master.sh, notify: [/bin/n, "a b"]}
  r2:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.2/24}}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, preempt_delay: 10s, garp_master_delay: 0, garp_master_refresh: 60s, virtual_ipaddress: [10.0.0.254, 10.0.0.253]}
`
	sc, err := Load("fixups.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e := explainOf(t, sc)
	r1 := instanceOf(t, e, "r1/VI_1")
	// vrrp_complete_instance: state MASTER without priority is 255, and
	// clears nopreempt and preempt_delay.
	if r1.Priority != 255 || r1.NoPreempt || r1.PreemptDelay != 0 || r1.State != "MASTER" {
		t.Errorf("r1: priority %d nopreempt %v preempt_delay %v state %s, want 255 false 0 MASTER", r1.Priority, r1.NoPreempt, r1.PreemptDelay, r1.State)
	}
	if v := vridOf(t, e, 51); v.MasterAt != Secs(time.Microsecond) {
		t.Errorf("address owner master at %v, want 1 us (vrrp_init_state)", v.MasterAt)
	}
	if len(r1.Notify) != 5 || r1.Notify[0].Kind != "notify_master" || len(r1.Notify[1].Argv) != 6 || r1.Notify[1].Argv[1] != "a b" {
		t.Errorf("r1 notify: %+v", r1.Notify)
	}
	r2 := instanceOf(t, e, "r2/VI_1")
	// garp_master_delay 0: one burst; refresh at the first advert after
	// 60 s (61 s), 1 GARP per VIP.
	want := []ExplainGARP{{After: 0, Count: 10, Why: "master"}, {After: Secs(61 * time.Second), Count: 2, Why: "refresh", Every: Secs(61 * time.Second)}}
	if len(r2.GARPs) != 2 || r2.GARPs[0] != want[0] || r2.GARPs[1] != want[1] {
		t.Errorf("r2 GARPs %+v, want %+v", r2.GARPs, want)
	}
	if v := vridOf(t, e, 51); len(v.Notes) == 0 {
		t.Error("no note for the differing virtual_ipaddress lists")
	}
}

// The health-check section gives the detection calculator's bounds
// (model/lb/check bounds.go) for each checker and each failure it
// notices; for the failure on the timeline they are the ones the
// report compares with the run (Scenario.HealthBounds).
func TestExplainHealthChecksAgreeWithHealthBounds(t *testing.T) {
	sc, err := Builtin("real-server-refuses")
	if err != nil {
		t.Fatal(err)
	}
	e := explainOf(t, sc)
	hb := sc.HealthBounds()
	if len(hb) == 0 {
		t.Fatal("no health bounds for the built-in's failure")
	}
	for _, b := range hb {
		found := false
		for _, c := range e.Checks {
			if c.Node == b.Director && c.Service == b.Service && c.Checker == b.Real+"/"+b.Checkers && c.Failure == "refuse" {
				found = true
				if time.Duration(c.RemoveBest) != b.RemoveBest || time.Duration(c.RemoveWorst) != b.RemoveWorst ||
					time.Duration(c.ReAddBest) != b.ReAddBest || time.Duration(c.ReAddWorst) != b.ReAddWorst {
					t.Errorf("%s %s: explain %+v, health bounds %+v", b.Director, b.Real, c, b)
				}
			}
		}
		if !found {
			t.Errorf("no explained checker for %+v in %+v", b, e.Checks)
		}
	}
}

// BenchmarkExplain: explaining a built-in (no run).
func BenchmarkExplain(b *testing.B) {
	sc, err := Builtin("health-script-weight")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Explain(sc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVMFreezeOneHour: the vm-freeze built-in run for an hour: its
// routers' timers go through the freeze wrapper (compare
// BenchmarkMasterCrashOneHour, same LAN without it).
func BenchmarkVMFreezeOneHour(b *testing.B) { benchScenario(b, "vm-freeze", time.Hour) }

// The timeline's first action against the master: the predicted takeover
// (and the old master's return after a freeze) is when the run has it.
func TestExplainTimelineMatchesRun(t *testing.T) {
	short := func() *Scenario {
		_, data, _ := BuiltinSource("vm-freeze")
		sc, err := Load("short.yaml", []byte(strings.Replace(string(data), "duration: 5s}", "duration: 3s}", 1)))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	for _, tc := range []struct {
		name string
		sc   func() *Scenario
	}{
		{"master-crash", nil}, {"graceful-shutdown", nil}, {"vm-freeze", nil}, {"preempt-delay", nil}, {"vrrpv3-fast", nil},
		{"vm-freeze for 3 s: no takeover", short},
		{"reload of the master for 5 s", func() *Scenario {
			src := strings.ReplaceAll(injectWorld, "AUTH", "")
			src = strings.Replace(src, "TIMELINE", "timeline:\n  - {at: 10s, reload: {node: r1, duration: 5s}}\n", 1)
			sc, err := Load("reload.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			return sc
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sc *Scenario
			if tc.sc != nil {
				sc = tc.sc()
			} else {
				var err error
				if sc, err = Builtin(tc.name); err != nil {
					t.Fatal(err)
				}
			}
			e := explainOf(t, sc)
			if len(e.Timeline) != 1 {
				t.Fatalf("timeline predictions: %+v, want one", e.Timeline)
			}
			p := e.Timeline[0]
			recs := runScenario(t, sc)
			var took, back sim.Time
			for _, r := range recs {
				if r.Kind != sim.KindState || r.Node != "r2" || r.At <= sim.Time(p.At) {
					continue
				}
				if r.To == "MASTER" && took == 0 {
					took = r.At
				}
				if r.From == "MASTER" && took != 0 && back == 0 {
					back = r.At
				}
			}
			if p.Master == "" {
				if took != 0 {
					t.Errorf("predicted no takeover (%s), the run has r2 master at %v", p.Why, Secs(took))
				}
				return
			}
			wantSecs(t, "takeover", p.TakeoverAt, took)
			if p.BackAt > 0 {
				wantSecs(t, "back to the old master", p.BackAt, back)
			}
		})
	}
}
