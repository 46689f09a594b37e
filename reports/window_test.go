package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// partRec is one record of a part, numbered in its part's order.
type partRec struct {
	part, n int
	r       sim.Record
}

// winSite is one LAN of the two-part run: routers PFX-r1 (priority p1)
// and PFX-r2 (100) run instance inst for the VIP 10.NET.0.254; PFX-h
// pings it every 100 ms from 4 s. PFX-r1 crashes at crash and restarts at
// restart. Times follow RFC 3768 section 6.1 as in the master-crash story:
// Master_Down_Interval = 3 x 1 s + (256 - priority)/256 s.
type winSite struct {
	pfx, inst      string
	net            byte
	p1             int64
	crash, restart sim.Time
	track          sim.Time // a priority change of r2, 100 ms long
	flowNo         int64    // KindFlow Value2
}

// mdi is the Master_Down_Interval of a priority with a 1 s advert interval.
func mdi(prio int64) sim.Time {
	return 3*sim.Second + sim.Time(256-prio)*sim.Second/256
}

// records builds the site's records in its part's order (by time; records
// of one instant in the order written).
func (w winSite) records() []sim.Record {
	s := &story{}
	r1, r2, h := w.pfx+"-r1", w.pfx+"-r2", w.pfx+"-h"
	seg := w.pfx + "-lan"
	mac := func(host byte) [6]byte { return [6]byte{0x02, 0, 0, w.net, host, 1} }
	addr := func(host byte) netip.Addr { return netip.AddrFrom4([4]byte{10, w.net, 0, host}) }
	vip := addr(254)
	// A state change and the notify command keepalived would run for it
	// (a KindNote "notify", as the speaker traces it).
	state := func(at sim.Time, node, from, to, reason string, prio int64, host byte) {
		s.add(sim.Record{At: at, Kind: sim.KindState, Node: node, Comp: w.inst, From: from, To: to, Reason: reason, Value: prio, Value2: 51, Addr: addr(host)})
		s.add(sim.Record{At: at, Kind: sim.KindNote, Event: "notify", Node: node, Comp: w.inst, From: "notify_" + strings.ToLower(to), To: to,
			Reason: "/etc/keepalived/notify.sh " + to, Value: prio})
	}
	// tx adverts of node every second from first while before end, each
	// a frame on the segment and, when rx is named, accepted there 20 us
	// later. It returns the last one's time.
	adverts := func(first, end sim.Time, node string, port int64, prio int64, host byte, rx string) sim.Time {
		last := sim.Time(0)
		for t := first; t < end; t += sim.Second {
			s.add(sim.Record{At: t, Kind: sim.KindAdvert, Node: node, Comp: w.inst, Value: prio, Value2: 51, Addr: addr(host)})
			s.add(sim.Record{At: t, Kind: sim.KindFrame, Node: seg, Comp: node + "/eth0", Value: port, Frame: make([]byte, 60)})
			if rx != "" {
				s.add(sim.Record{At: t + 20*sim.Microsecond, Kind: sim.KindAdvert, Event: "rx", Node: rx, Comp: w.inst, Value: prio, Value2: 51, Addr: addr(host)})
			}
			last = t
		}
		return last
	}
	neigh := func(at sim.Time, m [6]byte, from, to, reason string) {
		s.add(sim.Record{At: at, Kind: sim.KindNeigh, Node: h, Comp: "eth0", Addr: vip, MAC: m, From: from, To: to, Reason: reason})
	}

	for _, n := range []struct {
		name string
		host byte
	}{{r1, 1}, {r2, 2}, {h, 10}} {
		s.add(sim.Record{Kind: sim.KindNote, Event: "iface", Node: n.name, Comp: "eth0", MAC: mac(n.host), Addr: addr(n.host)})
	}
	state(0, r1, "INIT", "BACKUP", "startup", w.p1, 1)
	state(0, r2, "INIT", "BACKUP", "startup", 100, 2)
	up := mdi(w.p1)
	state(up, r1, "BACKUP", "MASTER", "master_down_expired", w.p1, 1)
	s.fdb(up, seg, mac(1), "", r1+"/eth0", "learn")
	lastTx := adverts(up, w.crash, r1, 1, w.p1, 1, r2)

	// A track_script lowers r2's priority for a while (KindNote
	// "priority"); part 1's comes first within the window.
	s.add(sim.Record{At: w.track, Kind: sim.KindNote, Event: "priority", Node: r2, Comp: w.inst, From: "100", Value: 90, Value2: 51, Reason: "track_script chk"})
	s.add(sim.Record{At: w.track + 100*sim.Millisecond, Kind: sim.KindNote, Event: "priority", Node: r2, Comp: w.inst, From: "90", Value: 100, Value2: 51, Reason: "track_script chk"})
	s.fdb(4*sim.Second, seg, mac(10), "", h+"/eth0", "learn")
	neigh(4*sim.Second, [6]byte{}, "", "INCOMPLETE", "resolve")
	neigh(4*sim.Second+100*sim.Microsecond, mac(1), "INCOMPLETE", "REACHABLE", "reply")

	// The crash: r2 takes over one Master_Down_Interval after the last
	// advert it accepted, then sends a gratuitous ARP.
	s.action(w.crash, "crash", r1, "crash "+r1)
	s.drop(w.crash+300*sim.Millisecond, h, "eth0", "arp_not_for_us")
	takeover := lastTx + 20*sim.Microsecond + mdi(100)
	state(takeover, r2, "BACKUP", "MASTER", "master_down_expired", 100, 2)
	s.fdb(takeover, seg, mac(2), "", r2+"/eth0", "learn")
	garp := takeover + 50*sim.Microsecond
	neigh(garp, mac(2), "REACHABLE", "STALE", "garp")

	// The restart: r1 starts in BACKUP, ignores r2's lower-priority
	// adverts and takes over after its Master_Down_Interval; r2 yields
	// when it hears r1, and r1's gratuitous ARP moves h back.
	s.action(w.restart, "restart", r1, "restart "+r1)
	state(w.restart, r1, "INIT", "BACKUP", "startup", w.p1, 1)
	back := w.restart + mdi(w.p1)
	adverts(takeover, back, r2, 2, 100, 2, "")
	state(back, r1, "BACKUP", "MASTER", "master_down_expired", w.p1, 1)
	state(back+50*sim.Microsecond, r2, "MASTER", "BACKUP", "higher_prio", 100, 2)
	neigh(back+60*sim.Microsecond, mac(1), "STALE", "REACHABLE", "garp")
	adverts(back, winEnd, r1, 1, w.p1, 1, r2)
	s.drop(back+sim.Millisecond, r2, w.inst, "vrrp_lower_prio")

	s.ping(h, fmt.Sprintf("ping %s", vip), 4*sim.Second, winEnd, 100*time.Millisecond, time.Millisecond, time.Second,
		[2]sim.Time{w.crash, garp})
	recs := s.records()
	for i := range recs {
		if recs[i].Kind == sim.KindFlow {
			recs[i].Value2 = w.flowNo
		}
	}
	return recs
}

const winEnd = 30 * sim.Second

// runOrder is the run's order of a group's records: by time, then part,
// then order within the part (sim.Group lockstep).
func runOrder(parts ...[]sim.Record) []partRec {
	var out []partRec
	for p, recs := range parts {
		for i, r := range recs {
			out = append(out, partRec{part: p, n: i, r: r})
		}
	}
	slices.SortFunc(out, func(x, y partRec) int {
		return cmp.Or(cmp.Compare(x.r.At, y.r.At), cmp.Compare(x.part, y.part), cmp.Compare(x.n, y.n))
	})
	return out
}

// windowOrder is the order the records come in when the group runs each
// part through windows of w in turn (sim.Group.Windows): the first window
// ends at w, each takes what is at or before its end. flush is called at
// each window's end.
func windowOrder(w sim.Time, feed func(partRec), flush func(), parts ...[]sim.Record) {
	next := make([]int, len(parts))
	for end := w; ; end += w {
		left := false
		for p, recs := range parts {
			for ; next[p] < len(recs) && recs[next[p]].At <= end; next[p]++ {
				feed(partRec{part: p, n: next[p], r: recs[next[p]]})
			}
			left = left || next[p] < len(recs)
		}
		flush()
		if !left {
			return
		}
	}
}

// feeder hands records to c's part tracers through one record that is
// overwritten after each call, as sim.Kernel.Emit reuses its own: a held
// record must be a copy.
func feeder(c *Collector) func(partRec) {
	var scratch sim.Record
	return func(pr partRec) {
		scratch = pr.r
		c.Part(pr.part)(&scratch)
		scratch = sim.Record{Kind: sim.KindNote, Node: "overwritten", Comp: "overwritten", Event: "overwritten"}
	}
}

func reportJSON(t *testing.T, c *Collector, m Meta) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := c.Report(m).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCollectorWindowsReportAsRunOrder checks reports/window.go against
// sim.Group's two ways of running parts: records fed in windows (all of
// part 0's records of a window, then part 1's) with HoldWindows and a
// Flush at each window's end give the report byte for byte that the run's
// order ((time, part, order within the part), lockstep) gives. Both LANs'
// masters crash at the same instant mid-window; the restarts and the
// takeovers cross between parts inside a window, so held records
// (transitions, actions, neighbour changes, first adverts, interfaces)
// are read in another order than they came. Without HoldWindows the same
// window order gives another convergence (the check can fail).
func TestCollectorWindowsReportAsRunOrder(t *testing.T) {
	cases := []struct {
		name   string
		insts  [2]string
		window sim.Time
		// detected: "action -> node" that the convergence of the run's
		// order names as the first new master of an instance: each
		// part's own actions and takeovers (analysis.convergence).
		// oneKernel: the same for every record traced as part 0, a
		// world in one part, where an action's window ends at the next
		// action anywhere.
		detected, oneKernel []string
	}{
		// Sites with their own instance names, and two sites that both
		// call theirs VI_1 (in one part, one report instance whose first
		// new master after an action is whichever site's comes first).
		{"own instance names", [2]string{"VI_A", "VI_B"}, sim.Second, ownTakeovers,
			[]string{"crash b-r1 -> a-r2", "crash b-r1 -> b-r2", "restart a-r1 -> a-r1", "restart a-r1 -> b-r1"}},
		{"same instance name", [2]string{"VI_1", "VI_1"}, sim.Second, ownTakeovers,
			[]string{"crash b-r1 -> b-r2", "restart a-r1 -> b-r1"}},
		{"windows of 5s", [2]string{"VI_A", "VI_B"}, 5 * sim.Second, ownTakeovers,
			[]string{"crash b-r1 -> a-r2", "crash b-r1 -> b-r2", "restart a-r1 -> a-r1", "restart a-r1 -> b-r1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Part 1's r1 has the higher priority: it becomes master
			// and comes back earlier than part 0's, inside the same
			// windows. Both crash at 10.5 s.
			a := winSite{pfx: "a", inst: tc.insts[0], net: 1, p1: 150, crash: sec(10.5), restart: sec(20.6), track: sec(7.7), flowNo: 1}.records()
			b := winSite{pfx: "b", inst: tc.insts[1], net: 2, p1: 200, crash: sec(10.5), restart: sec(20.2), track: sec(7.3), flowNo: 2}.records()
			meta := Meta{Scenario: "two-lans", Seed: 1, Duration: winEnd,
				Disruptive: []string{"crash a-r1", "crash b-r1", "restart a-r1", "restart b-r1"}}

			lock := NewCollector()
			feedLock := feeder(lock)
			for _, pr := range runOrder(a, b) {
				feedLock(pr)
			}
			want := reportJSON(t, lock, meta)

			// The report of the run's order says what the records are
			// meant to show: both crashes at one instant, each site's
			// own takeover, and the restarts in time order.
			rep := lock.Report(meta)
			var acts []string
			for _, ac := range rep.Actions {
				acts = append(acts, fmt.Sprintf("%s@%s", ac.Text, formatSeconds(sim.Time(ac.At))))
			}
			if got, w := fmt.Sprint(acts), "[crash a-r1@10.5 crash b-r1@10.5 restart b-r1@20.2 restart a-r1@20.6]"; got != w {
				t.Fatalf("actions: got %s, want %s", got, w)
			}
			if got := detectedBy(rep); !slices.Equal(got, tc.detected) {
				t.Errorf("convergence: detected %v, want %v", got, tc.detected)
			}
			if len(rep.ARP) != 2 || len(rep.Flows) != 2 || rep.Flows[0].Lost == 0 || rep.Flows[1].Lost == 0 {
				t.Fatalf("ARP moves on %d hosts and %d flows %+v, want 2 each with losses", len(rep.ARP), len(rep.Flows), rep.Flows)
			}

			// One kernel's tracer (part 0 for every record) in the same
			// order: a world in one part, where each action is measured
			// against every instance up to the next action anywhere.
			one := NewCollector()
			for _, pr := range runOrder(a, b) {
				r := pr.r
				one.Trace(&r)
			}
			if got := detectedBy(one.Report(meta)); !slices.Equal(got, tc.oneKernel) {
				t.Errorf("one part: convergence detected %v, want %v", got, tc.oneKernel)
			}

			win := NewCollector()
			win.HoldWindows()
			windowOrder(tc.window, feeder(win), win.Flush, a, b)
			if got := reportJSON(t, win, meta); !bytes.Equal(got, want) {
				t.Errorf("windows of %s with HoldWindows: report differs from the run's order:\n%s", tc.window, firstDiff(got, want))
			}

			// Kept frames (Options.Frames) come out in the run's order
			// too: the collector holds them when it keeps them.
			keepLock := NewCollectorWith(Options{Frames: true})
			feedKeep := feeder(keepLock)
			for _, pr := range runOrder(a, b) {
				feedKeep(pr)
			}
			keepWin := NewCollectorWith(Options{Frames: true})
			keepWin.HoldWindows()
			windowOrder(tc.window, feeder(keepWin), keepWin.Flush, a, b)
			keepWin.Flush()
			if got, w := keepWin.Frames(), keepLock.Frames(); len(w) == 0 || !reflect.DeepEqual(got, w) {
				t.Errorf("windows of %s: %d kept frames, want the run order's %d in that order", tc.window, len(got), len(w))
			}

			// Report reads what the last window still holds: a caller
			// that never flushed gets the same report.
			late := NewCollector()
			late.HoldWindows()
			windowOrder(tc.window, feeder(late), func() {}, a, b)
			if got := reportJSON(t, late, meta); !bytes.Equal(got, want) {
				t.Errorf("windows of %s never flushed: Report did not read the held records:\n%s", tc.window, firstDiff(got, want))
			}

			// Without holding, the window order reaches the report: the
			// restarts come part 0 first (a-r1's at 20.6 s before
			// b-r1's at 20.2 s), and the report lists them so.
			raw := NewCollector()
			windowOrder(tc.window, feeder(raw), raw.Flush, a, b)
			rawRep := raw.Report(meta)
			if got := reportJSON(t, raw, meta); bytes.Equal(got, want) {
				t.Errorf("windows without HoldWindows gave the run's report: the records do not exercise holding")
			}
			if got, w := convergenceOf(rawRep), convergenceOf(rep); got == w {
				t.Errorf("windows without HoldWindows: same convergence as the run's order:\n%s", got)
			}
		})
	}
}

// ownTakeovers: each site's crash hands its instance to its r2, each
// restart back to its r1.
var ownTakeovers = []string{"crash a-r1 -> a-r2", "crash b-r1 -> b-r2", "restart a-r1 -> a-r1", "restart b-r1 -> b-r1"}

// detectedBy lists "action -> node" for every convergence entry that names
// a first new master, sorted.
func detectedBy(r *Report) []string {
	var out []string
	for _, cv := range r.Convergence {
		if cv.DetectNode != "" {
			out = append(out, cv.Action+" -> "+cv.DetectNode)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// convergenceOf prints a report's convergence entries, one a line.
func convergenceOf(r *Report) string {
	var b bytes.Buffer
	for _, cv := range r.Convergence {
		fmt.Fprintf(&b, "%s %s old %v new %v detect %s by %s converged %s transitions %d\n",
			cv.Action, cv.Instance, cv.OldMaster, cv.NewMaster, secs(cv.Detect), cv.DetectNode, secs(cv.Converged), cv.Transitions)
	}
	return b.String()
}

// firstDiff shows where two reports part, a few lines around.
func firstDiff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(g) || i < len(w); i++ {
		if i < len(g) && i < len(w) && bytes.Equal(g[i], w[i]) {
			continue
		}
		lo := max(i-3, 0)
		return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1,
			bytes.Join(g[lo:min(i+4, len(g))], []byte("\n      ")), bytes.Join(w[lo:min(i+4, len(w))], []byte("\n      ")))
	}
	return "(same lines)"
}
