package reports

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// crashExpectations are the expect: entries of the master-crash example.
func crashExpectations() []Expectation {
	return []Expectation{
		{Text: "at 9s master VI_1: r1", File: "examples/master-crash.yaml", Line: 47, Col: 5,
			Kind: ExpectMasterAt, At: sec(9), Master: map[string]string{"VI_1": "r1"}},
		{Text: "after crash r1 within 3.7s master VI_1: r2", File: "examples/master-crash.yaml", Line: 49, Col: 5,
			Kind: ExpectMasterAfter, After: "crash r1", Within: 3700 * time.Millisecond, Master: map[string]string{"VI_1": "r2"}},
	}
}

func TestEvaluateExpectations(t *testing.T) {
	tests := []struct {
		name   string
		exp    Expectation
		ok     bool
		detail string
	}{
		{
			name:   "master at: holds",
			exp:    Expectation{Kind: ExpectMasterAt, At: sec(9), Master: map[string]string{"VI_1": "r1"}},
			ok:     true,
			detail: "VI_1 master at 9.000000 was r1",
		},
		{
			name:   "master at: wrong node",
			exp:    Expectation{Kind: ExpectMasterAt, At: sec(9), Master: map[string]string{"VI_1": "r2"}},
			detail: "VI_1 master at 9.000000 was r1, want r2",
		},
		{
			name:   "master at: nobody during the failover",
			exp:    Expectation{Kind: ExpectMasterAt, At: sec(12), Master: map[string]string{"VI_1": "r2"}},
			detail: "VI_1 master at 12.000000 was none, want r2",
		},
		{
			name:   "master at: the instant of a transition counts",
			exp:    Expectation{Kind: ExpectMasterAt, At: crashR2Master, Master: map[string]string{"VI_1": "r2"}},
			ok:     true,
			detail: "VI_1 master at 13.023437 was r2",
		},
		{
			name:   "master at: none while nobody is master",
			exp:    Expectation{Kind: ExpectMasterAt, At: sec(12), Master: map[string]string{"VI_1": NoMaster}},
			ok:     true,
			detail: "VI_1 master at 12.000000 was none",
		},
		{
			name:   "master at: none while r1 is master",
			exp:    Expectation{Kind: ExpectMasterAt, At: sec(9), Master: map[string]string{"VI_1": NoMaster}},
			detail: "VI_1 master at 9.000000 was r1, want none",
		},
		{
			name:   "master after: none, but r2 took over",
			exp:    Expectation{Kind: ExpectMasterAfter, After: "crash r1", Within: 3700 * time.Millisecond, Master: map[string]string{"VI_1": NoMaster}},
			detail: "VI_1 master at 13.700000 (3.7s after crash r1) was r2, want none",
		},
		{
			name:   "master after: none during the failover",
			exp:    Expectation{Kind: ExpectMasterAfter, After: "crash r1", Within: time.Second, Master: map[string]string{"VI_1": NoMaster}},
			ok:     true,
			detail: "VI_1 had no master at 11.000000 (1s after crash r1)",
		},
		{
			name:   "master at: unknown instance has no master",
			exp:    Expectation{Kind: ExpectMasterAt, At: sec(9), Master: map[string]string{"VI_9": "r1"}},
			detail: "VI_9 master at 9.000000 was none, want r1",
		},
		{
			name:   "master after: within",
			exp:    Expectation{Kind: ExpectMasterAfter, After: "crash r1", Within: 3700 * time.Millisecond, Master: map[string]string{"VI_1": "r2"}},
			ok:     true,
			detail: "r2 became master of VI_1 3.023437 s after crash r1 (at 13.023437), within 3.7s",
		},
		{
			name:   "master after: too slow",
			exp:    Expectation{Kind: ExpectMasterAfter, After: "crash r1", Within: 3 * time.Second, Master: map[string]string{"VI_1": "r2"}},
			detail: "VI_1 master at 13.000000 (3s after crash r1) was none, want r2; r2 became master only at 13.023437 (3.023437 s after crash r1)",
		},
		{
			name:   "master after: wrong node never becomes master",
			exp:    Expectation{Kind: ExpectMasterAfter, After: "crash r1", Within: 5 * time.Second, Master: map[string]string{"VI_1": "r1"}},
			detail: "VI_1 master at 15.000000 (5s after crash r1) was r2, want r1; r1 did not become master of VI_1 by the end of the run",
		},
		{
			name:   "master after: unknown action",
			exp:    Expectation{Kind: ExpectMasterAfter, After: "crash r9", Within: time.Second, Master: map[string]string{"VI_1": "r2"}},
			detail: `action "crash r9" never happened`,
		},
		{
			name:   "no split brain: holds",
			exp:    Expectation{Kind: ExpectNoSplitBrain},
			ok:     true,
			detail: "no split brain of any instance",
		},
		{
			name:   "lost at most: holds",
			exp:    Expectation{Kind: ExpectLostAtMost, Flow: "ping 10.0.0.254", N: 40},
			ok:     true,
			detail: "h1 ping 10.0.0.254 lost 31 of 260, at most 40",
		},
		{
			name:   "lost at most: node/name, fails",
			exp:    Expectation{Kind: ExpectLostAtMost, Flow: "h1/ping 10.0.0.254", N: 30},
			detail: "h1 ping 10.0.0.254 lost 31 of 260, more than 30",
		},
		{
			name:   "lost at most: unknown flow",
			exp:    Expectation{Kind: ExpectLostAtMost, Flow: "nope", N: 30},
			detail: `no flow named "nope" (flows: h1/ping 10.0.0.254)`,
		},
		{
			name:   "outage at most: every flow, holds",
			exp:    Expectation{Kind: ExpectOutageAtMost, D: 3500 * time.Millisecond},
			ok:     true,
			detail: "h1 ping 10.0.0.254 outage 3.100000 s in 1 window(s), at most 3.5s",
		},
		{
			name:   "outage at most: fails",
			exp:    Expectation{Kind: ExpectOutageAtMost, D: 3 * time.Second},
			detail: "h1 ping 10.0.0.254 outage 3.100000 s in 1 window(s), longer than 3s",
		},
		{
			name:   "transitions at most: whole run",
			exp:    Expectation{Kind: ExpectTransitionsAtMost, Instance: "VI_1", N: 4},
			ok:     true,
			detail: "4 transition(s) of VI_1, at most 4",
		},
		{
			name:   "transitions at most: after the crash, fails",
			exp:    Expectation{Kind: ExpectTransitionsAtMost, After: "crash r1", Within: 5 * time.Second, N: 0},
			detail: "1 transition(s) of all instances within 5s after crash r1, more than 0",
		},
		{
			name:   "arp points to: before the crash",
			exp:    Expectation{Kind: ExpectARPPointsTo, At: sec(9), Host: "h1", IP: vip, PointsTo: "r1"},
			ok:     true,
			detail: "h1 neighbour 10.0.0.254 at 9.000000 was 02:00:00:00:01:01 (r1), state REACHABLE",
		},
		{
			name:   "arp points to: still the dead master",
			exp:    Expectation{Kind: ExpectARPPointsTo, At: sec(13), Host: "h1", IP: vip, PointsTo: "r2"},
			detail: "h1 neighbour 10.0.0.254 at 13.000000 was 02:00:00:00:01:01 (r1), state REACHABLE, want r2",
		},
		{
			name:   "arp points to: after an action",
			exp:    Expectation{Kind: ExpectARPPointsTo, After: "crash r1", Within: 4 * time.Second, Host: "h1", IP: vip, PointsTo: "r2"},
			ok:     true,
			detail: "h1 neighbour 10.0.0.254 at 14.000000 (4s after crash r1) was 02:00:00:00:02:01 (r2), state STALE",
		},
		{
			name:   "arp points to: no entry yet",
			exp:    Expectation{Kind: ExpectARPPointsTo, At: sec(1), Host: "h1", IP: vip, PointsTo: "r1"},
			detail: "h1 had no entry for 10.0.0.254 at 1.000000, want r1",
		},
		{
			name:   "arp points to: incomplete entry",
			exp:    Expectation{Kind: ExpectARPPointsTo, At: sec(4), Host: "h1", IP: vip, PointsTo: "r1"},
			detail: "h1 had an entry in state INCOMPLETE without a link address for 10.0.0.254 at 4.000000, want r1",
		},
		{
			name:   "unknown kind",
			exp:    Expectation{},
			detail: "unknown expectation kind 0",
		},
	}
	r := masterCrash().collect().Report(crashMeta)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.Evaluate([]Expectation{tt.exp})
			got := r.Expectations[0]
			if got.OK != tt.ok {
				t.Errorf("ok: got %v, want %v (detail %q)", got.OK, tt.ok, got.Detail)
			}
			if got.Detail != tt.detail {
				t.Errorf("detail:\n got %q\nwant %q", got.Detail, tt.detail)
			}
			wantFailed := 0
			if !tt.ok {
				wantFailed = 1
			}
			if r.Failed() != wantFailed {
				t.Errorf("Failed: got %d, want %d", r.Failed(), wantFailed)
			}
		})
	}
}

func TestEvaluateMasterAfterWhenAlreadyMaster(t *testing.T) {
	s := masterCrash()
	s.action(sec(20), "partition", "", "partition lan")
	r := s.collect().Report(crashMeta)
	r.Evaluate([]Expectation{{Kind: ExpectMasterAfter, After: "partition lan", Within: time.Second, Master: map[string]string{"VI_1": "r2"}}})
	x := r.Expectations[0]
	want := "r2 was master of VI_1 since 13.023437, before partition lan at 20.000000, and still at 21.000000"
	if !x.OK || x.Detail != want {
		t.Errorf("got ok=%v %q, want ok=true %q", x.OK, x.Detail, want)
	}
}

func TestEvaluateSplitBrain(t *testing.T) {
	s := &story{}
	s.state(sec(3), "r1", "VI_1", "BACKUP", "MASTER", "master_down_expired", 150)
	s.state(sec(30), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
	s.action(sec(35), "heal", "", "heal lan")
	s.state(sec(40), "r2", "VI_1", "MASTER", "BACKUP", "higher_prio", 100)
	s.state(sec(45), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
	s.state(sec(46), "r2", "VI_1", "MASTER", "BACKUP", "higher_prio", 100)
	r := s.collect().Report(Meta{Duration: sec(60)})
	tests := []struct {
		exp    Expectation
		ok     bool
		detail string
	}{
		{Expectation{Kind: ExpectNoSplitBrain}, false,
			"2 split-brain interval(s) of any instance, 11.000000 s in total; longest 10.000000 s from 30.000000 to 40.000000 between r1, r2"},
		{Expectation{Kind: ExpectNoSplitBrain, Instance: "VI_2"}, true, "no split brain of VI_2"},
		{Expectation{Kind: ExpectSplitBrainAtMost, D: 10 * time.Second}, true,
			"2 split-brain interval(s) of any instance, 11.000000 s in total; longest 10.000000 s from 30.000000 to 40.000000 between r1, r2, at most 10s"},
		{Expectation{Kind: ExpectSplitBrainAtMost, Instance: "VI_1", D: 5 * time.Second}, false,
			"2 split-brain interval(s) of VI_1, 11.000000 s in total; longest 10.000000 s from 30.000000 to 40.000000 between r1, r2, longer than 5s"},
		// after: only what follows the action counts, clipped to it.
		{Expectation{Kind: ExpectSplitBrainAtMost, After: "heal lan", D: 5 * time.Second}, true,
			"2 split-brain interval(s) of any instance after heal lan, 6.000000 s in total; longest 5.000000 s from 35.000000 to 40.000000 between r1, r2, at most 5s"},
		{Expectation{Kind: ExpectNoSplitBrain, After: "heal lan"}, false,
			"2 split-brain interval(s) of any instance after heal lan, 6.000000 s in total; longest 5.000000 s from 35.000000 to 40.000000 between r1, r2"},
		{Expectation{Kind: ExpectNoSplitBrain, After: "crash r9"}, false, `action "crash r9" never happened`},
	}
	for _, tt := range tests {
		r.Evaluate([]Expectation{tt.exp})
		x := r.Expectations[0]
		if x.OK != tt.ok || x.Detail != tt.detail {
			t.Errorf("%s: got ok=%v %q, want ok=%v %q", tt.exp.Kind, x.OK, x.Detail, tt.ok, tt.detail)
		}
	}
}

// With use_vmac the host's entry keeps the virtual MAC across a failover
// (RFC 3768 section 7.3): the entry points at whoever is master of the VRID.
func TestEvaluateARPPointsToVirtualMACOwner(t *testing.T) {
	s := masterCrash()
	vip2 := netip.MustParseAddr("10.0.0.253")
	s.neigh(sec(5), "h1", vip2, vmac, "INCOMPLETE", "REACHABLE", "reply")
	r := s.collect().Report(crashMeta)
	tests := []struct {
		at     sim.Time
		node   string
		ok     bool
		detail string
	}{
		{sec(9), "r1", true, "h1 neighbour 10.0.0.253 at 9.000000 was 00:00:5e:00:01:33 (vmac:51, master: r1), state REACHABLE"},
		{sec(9), "r2", false, "h1 neighbour 10.0.0.253 at 9.000000 was 00:00:5e:00:01:33 (vmac:51, master: r1), state REACHABLE, want r2"},
		{sec(11), "r1", false, "h1 neighbour 10.0.0.253 at 11.000000 was 00:00:5e:00:01:33 (vmac:51, master: none), state REACHABLE, want r1"},
		{sec(20), "r2", true, "h1 neighbour 10.0.0.253 at 20.000000 was 00:00:5e:00:01:33 (vmac:51, master: r2), state REACHABLE"},
	}
	for _, tt := range tests {
		r.Evaluate([]Expectation{{Kind: ExpectARPPointsTo, At: tt.at, Host: "h1", IP: vip2, PointsTo: tt.node}})
		x := r.Expectations[0]
		if x.OK != tt.ok || x.Detail != tt.detail {
			t.Errorf("at %s points to %s: got ok=%v %q, want ok=%v %q", tt.at, tt.node, x.OK, x.Detail, tt.ok, tt.detail)
		}
	}
}

func TestEvaluateKeepsOrderAndLocation(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	r.Evaluate(crashExpectations())
	if len(r.Expectations) != 2 || r.Failed() != 0 {
		t.Fatalf("got %d results, %d failed, want 2 and 0: %+v", len(r.Expectations), r.Failed(), r.Expectations)
	}
	x := r.Expectations[1]
	if x.Line != 49 || x.Col != 5 || x.File != "examples/master-crash.yaml" || x.Kind != "master_after" || !strings.HasPrefix(x.Text, "after crash r1") {
		t.Errorf("got %+v, want line 49 col 5 of examples/master-crash.yaml, kind master_after", x)
	}
}
