package stepper

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

func loadBuiltin(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func newStepper(t testing.TB, name string, end time.Duration) *Stepper {
	t.Helper()
	sc := loadBuiltin(t, name)
	s, err := New(sc, sc.Seed, sim.Time(end))
	if err != nil {
		t.Fatal(err)
	}
	s.SetFilterEnv(testFilterEnv())
	return s
}

// testFilterEnv classifies frames for filter tests (cmd passes the
// classifier of --trace-filter; this one knows the protocols the tests use).
func testFilterEnv() reports.FilterEnv {
	dec := wire.NewDecoder()
	var f wire.Frame
	return reports.FilterEnv{Classify: func(b []byte) reports.FrameFacts {
		_ = dec.Decode(b, &f)
		return reports.FrameFacts{VRRP: f.HasVRRP, ARP: f.HasARP, ICMP: f.HasICMP, UDP: f.HasUDP, TCP: f.HasTCP, VRID: int(f.VRRP.VRID)}
	}}
}

func exec(t testing.TB, s *Stepper, cmd string) string {
	t.Helper()
	out, err := s.Exec(cmd)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return out
}

// views is everything the stepper can show at the current event.
func views(t *testing.T, s *Stepper) string {
	var b strings.Builder
	b.WriteString(s.Where() + "\n" + s.EventText(s.Current()))
	for _, c := range []string{"show vrrp", "show interfaces", "show mac lan", "show ipvs", "events 10"} {
		b.WriteString(exec(t, s, c))
	}
	for _, n := range s.nodeNames() {
		b.WriteString(exec(t, s, "show arp "+n))
	}
	for k := range s.Frames() {
		out, err := s.FrameText(k + 1)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(out)
	}
	return b.String()
}

// TestBackGivesTheViewsOfForward: stepping back to event i (re-execution
// from the start with the same seed) shows byte for byte what stepping
// forward to i showed (DESIGN.md "Teaching": never a second model).
func TestBackGivesTheViewsOfForward(t *testing.T) {
	for _, c := range []struct {
		name    string
		targets []int
	}{
		{"master-crash", []int{0, 1, 3, 500, 1025, 1200}},
		{"split-brain-partition", []int{2, 1500, 2600, 3100}},
		{"tracked-uplink-split-brain", []int{5, 100, 150}},
		// An LVS director traces while it is built: those records are
		// event 0's, and show ipvs must match both ways.
		{"lvs-nat", []int{0, 7, 400, 1300}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fwd := newStepper(t, c.name, 0)
			want := map[int]string{}
			for _, i := range c.targets {
				if err := fwd.Goto(i); err != nil {
					t.Fatal(err)
				}
				if fwd.N() != i {
					t.Fatalf("forward: at event %d, want %d (run too short?)", fwd.N(), i)
				}
				want[i] = views(t, fwd)
			}
			// Now walk back from past the last target, by Back and Goto.
			last := c.targets[len(c.targets)-1]
			exec(t, fwd, "next 50")
			for j := len(c.targets) - 1; j >= 0; j-- {
				i := c.targets[j]
				if j%2 == 0 {
					if err := fwd.Back(fwd.N() - i); err != nil {
						t.Fatal(err)
					}
				} else if err := fwd.Goto(i); err != nil {
					t.Fatal(err)
				}
				if got := views(t, fwd); got != want[i] {
					t.Errorf("event %d: views after going back differ from forward (last target %d):\n--- back\n%s\n--- forward\n%s", i, last, got, want[i])
				}
			}
		})
	}
}

// TestNextCountsVisibleEvents: every event shown has at least one record,
// numbers follow one another, and time never goes back.
func TestNextCountsVisibleEvents(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	evs, hit := s.Next(300)
	if hit != nil || len(evs) != histLen {
		t.Fatalf("Next(300): %d events kept, hit %v; want %d, none", len(evs), hit, histLen)
	}
	if s.N() != 300 {
		t.Fatalf("at event %d, want 300", s.N())
	}
	for i, e := range evs {
		if len(e.Recs) == 0 {
			t.Errorf("event #%d has no record", e.N)
		}
		if i > 0 && (e.N != evs[i-1].N+1 || e.At < evs[i-1].At || e.Fired <= evs[i-1].Fired) {
			t.Errorf("event #%d at %v (fired %d) after #%d at %v (fired %d)", e.N, e.At, e.Fired, evs[i-1].N, evs[i-1].At, evs[i-1].Fired)
		}
	}
}

// TestUntil: each condition stops at the first event that makes it true,
// checked against the records of that event.
func TestUntil(t *testing.T) {
	for _, c := range []struct {
		scenario, before, cond string
		want                   string // substring of the stopping event
		after                  string // and the state shown there
	}{
		// RFC 3768 6.4.2: r2 takes over Master_Down_Interval after r1's last advert.
		{"master-crash", "", "r2 master", "r2 VI_1 BACKUP -> MASTER (master_down_expired)", "r2 VRRP Instance = VI_1\n  State = MASTER"},
		{"master-crash", "", "r1/VI_1 master", "r1 VI_1 BACKUP -> MASTER", "State = MASTER"},
		{"master-crash", "", "h1 loses", "h1 h1/ping-1 lost seq", ""},
		{"master-crash", "", "action", "* crash r1", ""},
		{"master-crash", "", "frame arp", "ARP, Request who-has 10.0.0.254", ""},
		{"master-crash", "", "h1 neigh 10.0.0.254 reachable", "h1 eth0 neigh 10.0.0.254 02:00:00:00:01:01 INCOMPLETE -> REACHABLE (reply)", ""},
		{"master-crash", "", "vrid 51", "vrid 51", ""},
		{"split-brain-partition", "", "split-brain", "r2 VI_1 BACKUP -> MASTER", "r1 VRRP Instance = VI_1\n  State = MASTER"},
		// vrrp_track.c vrrp_set_effective_priority: the script's weight -60.
		{"health-script-weight", "", "r1 priority", "r1 VI_1 effective priority 150 -> 90 (chk_nginx down) vrid 51", "Effective priority = 90"},
		// After the heal r2 hears r1's higher priority (RFC 3768 6.4.3).
		{"split-brain-partition", "until split-brain", "r2 backup", "r2 VI_1 MASTER -> BACKUP", ""},
	} {
		t.Run(c.scenario+"/"+c.cond, func(t *testing.T) {
			s := newStepper(t, c.scenario, 0)
			if c.before != "" {
				exec(t, s, c.before)
			}
			out := exec(t, s, "until "+c.cond)
			if !strings.Contains(out, "stopped: "+c.cond) {
				t.Fatalf("until %s did not stop on it:\n%s", c.cond, out)
			}
			ev := s.EventText(s.Current())
			if !strings.Contains(ev, c.want) {
				t.Errorf("until %s stopped at\n%s\nwant an event with %q", c.cond, ev, c.want)
			}
			if c.after != "" {
				if v := exec(t, s, "show vrrp"); !strings.Contains(v, c.after) {
					t.Errorf("show vrrp after until %s:\n%s\nwant %q", c.cond, v, c.after)
				}
			}
			// One step back and the condition does not hold at the
			// event before (it stopped at the first one).
			prev := s.N()
			exec(t, s, "back")
			c2, _ := s.ParseCond(c.cond)
			if c2.Match(s, s.Current()) && s.N() > 0 {
				t.Errorf("until %s: event #%d before the stop (#%d) already matches", c.cond, s.N(), prev)
			}
		})
	}
}

func TestParseCondErrors(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	for _, c := range []struct{ cond, want string }{
		{"", "empty"},
		{"r9 master", `no node "r9"; nodes: r1, r2, h1`},
		{"r1 sleeps", `unknown verb "sleeps"`},
		{"frame smtp", `unknown word "smtp"`},
		{"vrid 300", "1..255"},
		{"match", "want match EXPR"},
		{"h1 neigh banana", "ParseAddr"},
		{"wibble", "unknown condition"},
	} {
		_, err := s.ParseCond(c.cond)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseCond(%q) = %v, want an error with %q", c.cond, err, c.want)
		}
	}
}

// TestBreakpointStopsRun: run, next and continue stop at a breakpoint.
func TestBreakpointStopsRun(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	if out := exec(t, s, "break r2 master"); out != "breakpoint 1: r2 master\n" {
		t.Fatalf("break: %q", out)
	}
	out := exec(t, s, "run 25s")
	if !strings.Contains(out, "stopped at breakpoint 1: r2 master") || s.Now() >= sim.Time(25*time.Second) {
		t.Fatalf("run 25s did not stop at the breakpoint (now %v):\n%s", s.Now(), out)
	}
	exec(t, s, "delete 1")
	out = exec(t, s, "run 25s")
	if strings.Contains(out, "breakpoint") || s.Now() != sim.Time(25*time.Second) {
		t.Errorf("after delete, run 25s: now %v, output\n%s", s.Now(), out)
	}
	if _, err := s.Exec("delete 7"); err == nil {
		t.Error("delete of a missing breakpoint succeeded")
	}
}

// TestFilter: a filter (the --trace-filter language) hides records from
// the event text, not events from the count.
func TestFilter(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	if out := exec(t, s, "filter not vrrp"); out != "filter: not vrrp\n" {
		t.Errorf("filter not vrrp printed %q", out)
	}
	out := exec(t, s, "next 2")
	if strings.Contains(out, "VRRPv2") || strings.Contains(out, "BACKUP -> MASTER") ||
		!strings.Contains(out, "ARP, Request who-has 10.0.0.254") || !strings.Contains(out, "lan fdb 02:00:00:00:01:01 none -> r1/eth0 (learn)") {
		t.Errorf("filter not vrrp, next 2:\n%s", out)
	}
	if s.N() != 2 {
		t.Errorf("at event %d, want 2", s.N())
	}
	exec(t, s, "filter off")
	exec(t, s, "filter vrid 7")
	if out := s.EventText(s.History(2)[0]); strings.Contains(out, "vrid 51") || !strings.Contains(out, "hidden by the filter") {
		t.Errorf("filter vrid 7 shows:\n%s", out)
	}
	exec(t, s, "filter vrid 51 and node r1")
	if out := s.EventText(s.History(2)[0]); !strings.Contains(out, "r1 VI_1 BACKUP -> MASTER") || strings.Contains(out, "ARP, Request") {
		t.Errorf("filter vrid 51 and node r1 shows:\n%s", out)
	}
	for _, bad := range []string{"filter (vrrp", "filter vrid 0", "filter colour red"} {
		if _, err := s.Exec(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestExecErrors(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	for _, c := range []struct{ cmd, want string }{
		{"jump", `unknown command "jump"`},
		{"next 0", "want a count of 1 or more"},
		{"back x", "want a count"},
		{"run soon", "want a virtual time"},
		{"show arp", "want a node; nodes: r1, r2, h1"},
		{"show mac", "want a segment; segments: lan"},
		{"show mac wan", `no segment "wan"`},
		{"show vrrp r7", `no node "r7"`},
		{"show routes", `unknown "routes"`},
		{"frame", "has no frame"},
	} {
		_, err := s.Exec(c.cmd)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.cmd, err, c.want)
		}
	}
}

// TestShowIPVSWithoutDirector: a node with no LVS director says so.
func TestShowIPVSWithoutDirector(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	if out := exec(t, s, "show ipvs r1"); out != "no LVS director on r1\n" {
		t.Errorf("show ipvs r1 = %q", out)
	}
}

// TestRunEndsAtTheScenarioEnd: nothing runs after the end of the run.
func TestRunEndsAtTheScenarioEnd(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	exec(t, s, "continue")
	if s.Now() != s.End() || s.Current().At > s.End() {
		t.Fatalf("continue: now %v, last event at %v, end %v", s.Now(), s.Current().At, s.End())
	}
	n := s.N()
	out := exec(t, s, "next")
	if s.N() != n || !strings.Contains(out, "no more events") {
		t.Errorf("next at the end moved to %d:\n%s", s.N(), out)
	}
}

// BenchmarkBackFromEndToMiddle: a one-hour master-crash run, paused at its
// last event, goes back to its middle event, and (end-1) one event back
// from the end: both re-execute from the start.
func BenchmarkBackFromEndToMiddle(b *testing.B) {
	s := newStepper(b, "master-crash", time.Hour)
	s.RunTo(s.End())
	last := s.N()
	for _, c := range []struct {
		name   string
		target int
	}{{"middle", last / 2}, {"end-1", last - 1}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				if err := s.Goto(last); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := s.Goto(c.target); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(last), "events")
		})
	}
}
