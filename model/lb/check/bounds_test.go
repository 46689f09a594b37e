package check

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// boundsRun runs one real server with one checker in the fake world,
// failing at fail and recovering at recover (never when 0), and returns
// the probe starts and when it was removed and re-added (-1: never).
func boundsRun(t *testing.T, kind Kind, tm Timing, how srvState, fail, recover time.Duration) (starts []sim.Time, removed, readded sim.Time) {
	t.Helper()
	f := newFake(1)
	cfg := ServiceConfig{Name: "TCP 10.0.0.100:80", Timing: tm,
		Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: kind, URLs: httpURL, MiscOK: true}}}}}
	s, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	if kind == KindMisc {
		f.k.At(sim.Time(fail), func() { s.SetMiscStatus(rs1, 1) })
		if recover > 0 {
			f.k.At(sim.Time(recover), func() { s.SetMiscStatus(rs1, 0) })
		}
	} else if fail > 0 {
		f.states[rs1] = []change{{fail, how}}
		if recover > 0 {
			f.states[rs1] = append(f.states[rs1], change{recover, up})
		}
	}
	s.Start()
	f.k.Run(sim.Time(400 * time.Second))
	removed, readded = -1, -1
	for _, c := range f.cmds {
		switch {
		case c.cmd == CmdDel && removed < 0:
			removed = c.at
		case c.cmd == CmdAdd && removed >= 0 && readded < 0:
			readded = c.at
		}
	}
	return f.starts, removed, readded
}

// TestPredictBoundsAttained runs the checker (not the calculator) with
// the failure at the phases the calculator names and confirms its
// bounds: the removal takes RemoveBest when the failure comes as a
// probe starts and RemoveWorst (less the 1 us margin) when it comes
// just after the previous probe started; over recoveries just before
// and just after each probe of the down schedule, the re-add takes at
// least ReAddBest and at most ReAddWorst, and both are reached. The
// rules are the checkers' own (tcp_epilog, epilog/timeout_epilog in
// check_http.c, misc_check_child_thread), through settings.next.
func TestPredictBoundsAttained(t *testing.T) {
	const eps = time.Microsecond
	for _, tc := range []struct {
		name    string
		kind    Kind
		setting Timing
		how     srvState
		fail    Failure
	}{
		{"TCP_CHECK A refuse", KindTCP, settingA, refuse, FailRefuse},
		{"TCP_CHECK A blackhole", KindTCP, settingA, blackhole, FailBlackhole},
		{"TCP_CHECK B refuse", KindTCP, settingB, refuse, FailRefuse},
		{"TCP_CHECK B blackhole", KindTCP, settingB, blackhole, FailBlackhole},
		{"HTTP_GET A refuse", KindHTTP, settingA, refuse, FailRefuse},
		{"HTTP_GET A blackhole", KindHTTP, settingA, blackhole, FailBlackhole},
		{"HTTP_GET B blackhole", KindHTTP, settingB, blackhole, FailBlackhole},
		{"HTTP_GET A slow", KindHTTP, settingA, slow, FailSlow},
		{"HTTP_GET B status", KindHTTP, settingB, badStatus, FailStatus},
		{"MISC_CHECK A script", KindMisc, settingA, up, FailScript},
		{"MISC_CHECK retry 0", KindMisc, timing(5, 1, 0, 1), up, FailScript},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Predict(ServiceConfig{Name: "x", Timing: tc.setting,
				Reals: []RealConfig{{Name: "rs1", Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: tc.kind, URLs: httpURL}}}}}, 0, 0, tc.fail, rtt)
			if err != nil || !b.Detected {
				t.Fatalf("Predict: %+v, %v", b, err)
			}
			healthy, _, _ := boundsRun(t, tc.kind, tc.setting, tc.how, 0, 0)
			k := 0
			for k < len(healthy) && healthy[k] < sim.Time(30*time.Second) {
				k++
			}
			sk, prev := time.Duration(healthy[k]), time.Duration(healthy[k-1])
			// The failure as probe k starts: the best case.
			starts, removed, _ := boundsRun(t, tc.kind, tc.setting, tc.how, sk, 0)
			if got := time.Duration(removed) - sk; got != b.RemoveBest {
				t.Errorf("failure at %v (a probe starts): removed after %v, want RemoveBest %v", sk, got, b.RemoveBest)
			}
			// Just after probe k-1 started: the worst case, less eps.
			_, removedW, _ := boundsRun(t, tc.kind, tc.setting, tc.how, prev+eps, 0)
			if got := time.Duration(removedW) - prev - eps; got != b.RemoveWorst-eps {
				t.Errorf("failure at %v (just after a probe started): removed after %v, want RemoveWorst-1us %v", prev+eps, got, b.RemoveWorst-eps)
			}
			// Recoveries around each probe of the down schedule.
			var down []time.Duration
			for _, s := range starts {
				if s > removed {
					down = append(down, time.Duration(s))
				}
			}
			minBest, maxWorst := time.Duration(-1), time.Duration(0)
			last := time.Duration(removed)
			for _, d := range down[:min(len(down), 8)] {
				_, _, re := boundsRun(t, tc.kind, tc.setting, tc.how, sk, d)
				if got := time.Duration(re) - d; minBest < 0 || got < minBest {
					minBest = got
				}
				_, _, re = boundsRun(t, tc.kind, tc.setting, tc.how, sk, last+eps)
				maxWorst = max(maxWorst, time.Duration(re)-last-eps)
				last = d
			}
			if minBest != b.ReAddBest {
				t.Errorf("fastest re-add over recoveries as a probe starts: %v, want ReAddBest %v", minBest, b.ReAddBest)
			}
			if maxWorst != b.ReAddWorst-eps {
				t.Errorf("slowest re-add over recoveries just after a probe started: %v, want ReAddWorst-1us %v", maxWorst, b.ReAddWorst-eps)
			}
		})
	}
}

// TestPredictNotDetected: a TCP_CHECK only connects, so a slow server or
// a bad HTTP status passes it; a MISC_CHECK does not look at the
// service, a TCP or HTTP check not at a script.
func TestPredictNotDetected(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		f    Failure
	}{{KindTCP, FailSlow}, {KindTCP, FailStatus}, {KindMisc, FailRefuse}, {KindHTTP, FailScript}} {
		b, err := Predict(ServiceConfig{Name: "x", Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: tc.kind, URLs: httpURL}}}}}, 0, 0, tc.f, rtt)
		if err != nil || b.Detected {
			t.Errorf("%v %v: %+v %v, want not detected", tc.kind, tc.f, b, err)
		}
	}
	if _, err := Predict(ServiceConfig{Name: "x"}, 0, 0, FailRefuse, rtt); err == nil {
		t.Error("no real server: no error")
	}
}

// TestPredictTable pins the numbers docs/checks.md derives by hand
// (setting A and B, refused and black-holed), so the docs and the
// calculator cannot drift apart.
func TestPredictTable(t *testing.T) {
	for _, tc := range []struct {
		kind                                           Kind
		setting                                        Timing
		f                                              Failure
		removeBest, removeWorst, readdBest, readdWorst float64
	}{
		{KindTCP, settingA, FailRefuse, 3.004, 9.005, 0.001, 6.002},
		{KindTCP, settingA, FailBlackhole, 15.0, 21.001, 0.001, 9.001},
		{KindTCP, settingB, FailRefuse, 3.002, 8.003, 0.001, 5.002},
		{KindTCP, settingB, FailBlackhole, 23.0, 28.001, 0.001, 15.001},
		{KindHTTP, settingA, FailRefuse, 3.004, 9.005, 6.002, 12.003},
		{KindHTTP, settingA, FailBlackhole, 15.0, 21.001, 6.002, 15.002},
		{KindHTTP, settingB, FailRefuse, 3.002, 8.003, 5.002, 10.003},
		{KindHTTP, settingB, FailBlackhole, 23.0, 28.001, 5.002, 20.002},
	} {
		b, err := Predict(ServiceConfig{Name: "x", Timing: tc.setting, Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: tc.kind, URLs: httpURL}}}}}, 0, 0, tc.f, rtt)
		if err != nil {
			t.Fatal(err)
		}
		got := []time.Duration{b.RemoveBest, b.RemoveWorst, b.ReAddBest, b.ReAddWorst}
		want := []time.Duration{sec(tc.removeBest), sec(tc.removeWorst), sec(tc.readdBest), sec(tc.readdWorst)}
		for i := range got {
			if (got[i] - want[i]).Abs() > time.Microsecond {
				t.Errorf("%v %v %v: got %v, want %v", tc.kind, tc.f, []string{"RemoveBest", "RemoveWorst", "ReAddBest", "ReAddWorst"}[i], got[i], want[i])
			}
		}
	}
}
