package reports

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

func secs(s *Seconds) string {
	if s == nil {
		return "null"
	}
	return formatSeconds(sim.Time(*s))
}

func TestFormatSecondsHasNoExponentAndUpToNineDecimals(t *testing.T) {
	tests := []struct {
		in   sim.Time
		want string
	}{
		{0, "0"},
		{sim.Second, "1"},
		{sec(3.609375), "3.609375"},
		{1, "0.000000001"},
		{50 * sim.Microsecond, "0.00005"},
		{-sec(1.5), "-1.5"},
		{3600 * sim.Second, "3600"},
		{sim.Forever, "9223372036.854775807"},
	}
	for _, tt := range tests {
		if got := formatSeconds(tt.in); got != tt.want {
			t.Errorf("formatSeconds(%d) = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestReportMasterCrashTransitions(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	want := []Transition{
		{At: 0, Node: "r1", Instance: "VI_1", VRID: 51, From: "INIT", To: "BACKUP", Reason: "startup", Priority: 150},
		{At: 0, Node: "r2", Instance: "VI_1", VRID: 51, From: "INIT", To: "BACKUP", Reason: "startup", Priority: 100},
		{At: Seconds(crashR1Master), Node: "r1", Instance: "VI_1", VRID: 51, From: "BACKUP", To: "MASTER", Reason: "master_down_expired", Priority: 150},
		{At: Seconds(crashR2Master), Node: "r2", Instance: "VI_1", VRID: 51, From: "BACKUP", To: "MASTER", Reason: "master_down_expired", Priority: 100},
	}
	if !reflect.DeepEqual(r.Transitions, want) {
		t.Errorf("transitions: got %+v, want %+v", r.Transitions, want)
	}
	if got := r.FinalMasters; len(got) != 1 || !reflect.DeepEqual(got[0].Masters, []string{"r2"}) {
		t.Errorf("final masters: got %+v, want VI_1 [r2]", got)
	}
}

// TestReportConvergenceAfterMasterCrash checks the numbers RFC 3768
// section 6.1 predicts: r2 takes over Master_Down_Interval = 3.609375 s
// after r1's last advertisement, i.e. 3.0234375 s after the crash.
func TestReportConvergenceAfterMasterCrash(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	if len(r.Convergence) != 1 {
		t.Fatalf("convergence entries: got %d, want 1", len(r.Convergence))
	}
	cv := r.Convergence[0]
	checks := []struct{ name, got, want string }{
		{"action", cv.Action, "crash r1"},
		{"at_s", formatSeconds(sim.Time(cv.At)), "10"},
		{"instance", cv.Instance, "VI_1"},
		{"old_master", strings.Join(cv.OldMaster, ","), "r1"},
		{"new_master", strings.Join(cv.NewMaster, ","), "r2"},
		{"detect_node", cv.DetectNode, "r2"},
		{"detect_s", secs(cv.Detect), "3.0234375"},
		{"last_advert_s", secs(cv.LastAdvert), "9.4140625"},
		{"since_last_advert_s", secs(cv.SinceLastAdvert), "3.609375"},
		{"converged_s", secs(cv.Converged), "3.0234375"},
		{"window_end_s", formatSeconds(sim.Time(cv.WindowEnd)), "30"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}
	if cv.Transitions != 1 {
		t.Errorf("transitions: got %d, want 1", cv.Transitions)
	}
}

func TestReportConvergenceWindowEndsAtNextDisruptiveAction(t *testing.T) {
	s := masterCrash()
	// r1 comes back at 20 s and preempts at 23.4 s; r2 steps down when it
	// hears r1 50 us later.
	s.action(sec(20), "restart", "r1", "restart r1")
	s.state(sec(20), "r1", "VI_1", "INIT", "BACKUP", "startup", 150)
	s.state(sec(23.4), "r1", "VI_1", "BACKUP", "MASTER", "preempt", 150)
	s.state(sec(23.40005), "r2", "VI_1", "MASTER", "BACKUP", "higher_prio", 100)
	m := crashMeta
	m.Disruptive = []string{"crash r1", "restart r1"}
	r := s.collect().Report(m)
	if len(r.Convergence) != 2 {
		t.Fatalf("convergence entries: got %d, want 2", len(r.Convergence))
	}
	first, second := r.Convergence[0], r.Convergence[1]
	if got := formatSeconds(sim.Time(first.WindowEnd)); got != "20" {
		t.Errorf("first window end: got %s, want 20", got)
	}
	if first.Transitions != 1 || secs(first.Converged) != "3.0234375" {
		t.Errorf("first window: got %d transitions converged %s, want 1 and 3.0234375", first.Transitions, secs(first.Converged))
	}
	if got, want := strings.Join(second.OldMaster, ","), "r2"; got != want {
		t.Errorf("second old master: got %s, want %s", got, want)
	}
	if got, want := strings.Join(second.NewMaster, ","), "r1"; got != want {
		t.Errorf("second new master: got %s, want %s", got, want)
	}
	if second.Transitions != 3 || secs(second.Detect) != "3.4" || secs(second.Converged) != "3.40005" {
		t.Errorf("second window: got %d transitions, detect %s, converged %s; want 3, 3.4, 3.40005",
			second.Transitions, secs(second.Detect), secs(second.Converged))
	}
	// r2 was still advertising: its last advert before r1's takeover.
	if secs(second.LastAdvert) != "23.0234375" || secs(second.SinceLastAdvert) != "0.3765625" {
		t.Errorf("second last advert: got %s (%s before), want 23.0234375 (0.3765625 before)", secs(second.LastAdvert), secs(second.SinceLastAdvert))
	}
}

func TestReportConvergenceWithoutNewMasterIsNull(t *testing.T) {
	s := masterCrash()
	s.action(sec(25), "crash", "r2", "crash r2")
	m := crashMeta
	m.Disruptive = []string{"crash r1", "crash r2"}
	r := s.collect().Report(m)
	cv := r.Convergence[1]
	if cv.Detect != nil || cv.Converged != nil || cv.SinceLastAdvert != nil || len(cv.NewMaster) != 0 || cv.Transitions != 0 {
		t.Errorf("after crash r2: got detect %s converged %s new %v transitions %d, want null, null, [], 0",
			secs(cv.Detect), secs(cv.Converged), cv.NewMaster, cv.Transitions)
	}
}

// TestReportSinceLastAdvertIgnoresAdvertsHeardBeforeLastBackupEntry: a
// backup's Master_Down_Timer is started afresh when it enters BACKUP (RFC
// 3768 section 6.4.1), so an advert it accepted before it crashed and
// rebooted says nothing about when it took over. Here r1 heard r2 until
// its crash at 15 s, rebooted at 20 s, discarded r2's lower-priority
// adverts and took over 3.21875 s later: since_last_advert_s must not be
// measured from 14.8 s.
func TestReportSinceLastAdvertIgnoresAdvertsHeardBeforeLastBackupEntry(t *testing.T) {
	s := &story{}
	s.state(0, "r1", "VI_1", "INIT", "BACKUP", "startup", 50)
	s.state(0, "r2", "VI_1", "INIT", "BACKUP", "startup", 100)
	s.state(sec(3.609375), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
	s.adverts(sec(3.609375), sec(30), "r2", "VI_1", 100)
	for at := sec(4.609395); at < sec(15); at += sim.Second {
		s.add(sim.Record{At: at, Kind: sim.KindAdvert, Event: "rx", Node: "r1", Comp: "VI_1", Value: 100, Value2: 51, Addr: netip.MustParseAddr("10.0.0.2")})
	}
	s.action(sec(15), "crash", "r1", "crash r1")
	s.state(sec(15), "r1", "VI_1", "BACKUP", "INIT", "crash", 50)
	s.action(sec(20), "restart", "r1", "restart r1")
	s.state(sec(20), "r1", "VI_1", "INIT", "BACKUP", "startup", 200)
	s.state(sec(23.21875), "r1", "VI_1", "BACKUP", "MASTER", "lower_priority_master", 200)
	s.state(sec(23.21877), "r2", "VI_1", "MASTER", "BACKUP", "higher_priority_advert", 100)
	m := crashMeta
	m.Disruptive = []string{"crash r1", "restart r1"}
	r := s.collect().Report(m)
	cv := r.Convergence[1]
	if cv.Action != "restart r1" || cv.DetectNode != "r1" || secs(cv.Detect) != "3.21875" {
		t.Fatalf("got %s: %s master after %s, want restart r1: r1 after 3.21875", cv.Action, cv.DetectNode, secs(cv.Detect))
	}
	if cv.LastHeard != nil {
		t.Errorf("last_heard_s: got %s, want null (r1 heard nothing since it rebooted at 20)", secs(cv.LastHeard))
	}
	// Nothing heard: measured from r2's last advert, as when r1 never
	// heard one (r2 advertises at 23.609375 - 1 s = 22.609375).
	if secs(cv.LastAdvert) != "22.609375" || secs(cv.SinceLastAdvert) != "0.609375" {
		t.Errorf("since_last_advert_s: got %s after %s, want 0.609375 after 22.609375", secs(cv.SinceLastAdvert), secs(cv.LastAdvert))
	}
}

func TestReportFlowLossAndOutage(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	if len(r.Flows) != 1 {
		t.Fatalf("flows: got %d, want 1", len(r.Flows))
	}
	f := r.Flows[0]
	if f.Node != "h1" || f.Name != "ping 10.0.0.254" || f.Sent != 260 || f.Received != 229 || f.Lost != 31 || f.InFlight != 0 {
		t.Errorf("flow: got %+v, want h1 ping sent 260 received 229 lost 31", f)
	}
	want := []Outage{{Start: Seconds(sec(10)), End: Seconds(sec(13.1)), Lost: 31, FirstSeq: 60, LastSeq: 90, Recovered: true}}
	if !reflect.DeepEqual(f.Outages, want) {
		t.Errorf("outages: got %+v, want %+v", f.Outages, want)
	}
	if got := formatSeconds(sim.Time(f.Outage)); got != "3.1" {
		t.Errorf("outage_s: got %s, want 3.1", got)
	}
}

func TestFlowOutageEdgeCases(t *testing.T) {
	const (
		S = "sent"
		R = "received"
		L = "lost"
	)
	type ev struct {
		at    float64
		event string
		seq   int64
	}
	tests := []struct {
		name       string
		evs        []ev
		sent, recv int
		lost, fly  int
		outages    []Outage
		total      string
	}{
		{
			name: "no loss",
			evs:  []ev{{1, S, 1}, {1.1, R, 1}, {2, S, 2}, {2.1, R, 2}},
			sent: 2, recv: 2, outages: []Outage{}, total: "0",
		},
		{
			name: "loss at end of run ends at the last lost send time",
			evs:  []ev{{1, S, 1}, {1.1, R, 1}, {2, S, 2}, {3, S, 3}, {3, L, 2}, {4, L, 3}},
			sent: 3, recv: 1, lost: 2,
			outages: []Outage{{Start: Seconds(sec(2)), End: Seconds(sec(3)), Lost: 2, FirstSeq: 2, LastSeq: 3}},
			total:   "1",
		},
		{
			name: "single loss at end of run is a zero-length outage",
			evs:  []ev{{1, S, 1}, {1.1, R, 1}, {2, S, 2}, {3, L, 2}},
			sent: 2, recv: 1, lost: 1,
			outages: []Outage{{Start: Seconds(sec(2)), End: Seconds(sec(2)), Lost: 1, FirstSeq: 2, LastSeq: 2}},
			total:   "0",
		},
		{
			name: "packets in flight at the end close the outage unrecovered",
			evs:  []ev{{1, S, 1}, {2, S, 2}, {2, L, 1}, {2.5, S, 3}},
			sent: 3, lost: 1, fly: 2,
			outages: []Outage{{Start: Seconds(sec(1)), End: Seconds(sec(1)), Lost: 1, FirstSeq: 1, LastSeq: 1}},
			total:   "0",
		},
		{
			name: "loss from the first packet",
			evs:  []ev{{1, S, 1}, {2, S, 2}, {2, L, 1}, {2.1, R, 2}},
			sent: 2, recv: 1, lost: 1,
			outages: []Outage{{Start: Seconds(sec(1)), End: Seconds(sec(2)), Lost: 1, FirstSeq: 1, LastSeq: 1, Recovered: true}},
			total:   "1",
		},
		{
			name: "two outages add up",
			evs: []ev{{1, S, 1}, {2, S, 2}, {3, S, 3}, {4, S, 4}, {5, S, 5}, {6, S, 6},
				{2, L, 1}, {3.1, R, 3}, {3.5, L, 2}, {5, L, 4}, {6, L, 5}, {6.1, R, 6}},
			sent: 6, recv: 2, lost: 4,
			outages: []Outage{
				{Start: Seconds(sec(1)), End: Seconds(sec(3)), Lost: 2, FirstSeq: 1, LastSeq: 2, Recovered: true},
				{Start: Seconds(sec(4)), End: Seconds(sec(6)), Lost: 2, FirstSeq: 4, LastSeq: 5, Recovered: true},
			},
			total: "4",
		},
		{
			name: "a late reply after the give-up counts as received",
			evs:  []ev{{1, S, 1}, {2, S, 2}, {2, L, 1}, {2.1, R, 2}, {2.5, R, 1}},
			sent: 2, recv: 2, outages: []Outage{}, total: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &story{}
			for _, e := range tt.evs {
				s.flow(sec(e.at), "h1", "f", e.event, e.seq)
			}
			r := s.collect().Report(Meta{Duration: sec(10)})
			f := r.Flows[0]
			if f.Sent != tt.sent || f.Received != tt.recv || f.Lost != tt.lost || f.InFlight != tt.fly {
				t.Errorf("counts: got sent %d received %d lost %d in flight %d, want %d %d %d %d",
					f.Sent, f.Received, f.Lost, f.InFlight, tt.sent, tt.recv, tt.lost, tt.fly)
			}
			if !reflect.DeepEqual(f.Outages, tt.outages) {
				t.Errorf("outages: got %+v, want %+v", f.Outages, tt.outages)
			}
			if got := formatSeconds(sim.Time(f.Outage)); got != tt.total {
				t.Errorf("outage_s: got %s, want %s", got, tt.total)
			}
		})
	}
}

func TestReportARPConvergenceFollowsOwnerChange(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	if len(r.ARP) != 1 {
		t.Fatalf("arp entries: got %d, want 1", len(r.ARP))
	}
	e := r.ARP[0]
	if e.Host != "h1" || e.IP != "10.0.0.254" || !reflect.DeepEqual(e.Owners, []string{"r1", "r2"}) {
		t.Errorf("arp entry: got %s %s owners %v, want h1 10.0.0.254 [r1 r2]", e.Host, e.IP, e.Owners)
	}
	if len(e.Changes) != 3 {
		t.Errorf("changes: got %d, want 3", len(e.Changes))
	}
	wantMove := ARPMove{At: Seconds(crashGARP), From: "r1", To: "r2", MAC: "02:00:00:00:02:01", Action: "crash r1", AfterAction: secPtr(sec(3.0235))}
	if len(e.Moves) != 1 || !reflect.DeepEqual(e.Moves[0], wantMove) {
		t.Errorf("moves: got %+v, want [%+v]", e.Moves, wantMove)
	}
}

func TestReportARPSkipsEntriesThatNeverChangeOwner(t *testing.T) {
	s := masterCrash()
	gw := netip.MustParseAddr("10.0.0.1")
	s.neigh(sec(5), "h1", gw, macR1, "", "REACHABLE", "reply")
	s.neigh(sec(35), "h1", gw, macR1, "REACHABLE", "STALE", "timeout")
	r := s.collect().Report(crashMeta)
	for _, e := range r.ARP {
		if e.IP == "10.0.0.1" {
			t.Errorf("got an ARP entry for 10.0.0.1 whose MAC never changed owner, want none")
		}
	}
}

func TestReportFDBListsRouterAndVirtualMACsOnly(t *testing.T) {
	s := masterCrash()
	s.fdb(sec(14), "lan", vmac, "", "r2/eth0", "learn")
	r := s.collect().Report(crashMeta)
	if len(r.FDB) != 1 || r.FDB[0].Segment != "lan" {
		t.Fatalf("fdb: got %+v, want one segment lan", r.FDB)
	}
	var got []string
	for _, ch := range r.FDB[0].Changes {
		got = append(got, ch.Owner+"@"+ch.Port)
	}
	want := []string{"r1@r1/eth0", "r2@r2/eth0", "vmac:51@r2/eth0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fdb changes: got %v, want %v (h1's MAC is not a router MAC)", got, want)
	}
}

func TestReportDropsAndFramesAreCountedAndSorted(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	want := []Drop{
		{Node: "h1", Comp: "eth0", Reason: "arp_not_for_us", Count: 2},
		{Node: "r2", Comp: "VI_1", Reason: "vrrp_bad_ttl", Count: 1},
	}
	if !reflect.DeepEqual(r.Drops, want) {
		t.Errorf("drops: got %+v, want %+v", r.Drops, want)
	}
	if want := []FrameStats{{Segment: "lan", Frames: 2, Bytes: 120}}; !reflect.DeepEqual(r.Frames, want) {
		t.Errorf("frames: got %+v, want %+v", r.Frames, want)
	}
}

func TestSplitBrainIntervals(t *testing.T) {
	base := func() *story {
		s := &story{}
		s.state(0, "r1", "VI_1", "INIT", "BACKUP", "startup", 150)
		s.state(0, "r2", "VI_1", "INIT", "BACKUP", "startup", 100)
		s.state(sec(3), "r1", "VI_1", "BACKUP", "MASTER", "master_down_expired", 150)
		return s
	}
	tests := []struct {
		name  string
		more  func(s *story)
		want  []SplitBrain
		total string
	}{
		{
			name:  "single master",
			more:  func(*story) {},
			want:  []SplitBrain{},
			total: "0",
		},
		{
			name: "partition then heal",
			more: func(s *story) {
				s.action(sec(30), "partition", "", "partition lan")
				s.state(sec(33.609375), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
				s.action(sec(40), "heal", "", "heal lan")
				s.state(sec(40.5), "r2", "VI_1", "MASTER", "BACKUP", "higher_prio", 100)
			},
			want: []SplitBrain{{Instance: "VI_1", Start: Seconds(sec(33.609375)), End: Seconds(sec(40.5)),
				Duration: Seconds(sec(6.890625)), Masters: []string{"r1", "r2"}}},
			total: "6.890625",
		},
		{
			name: "never healed lasts until the end of the run",
			more: func(s *story) {
				s.state(sec(50), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
			},
			want: []SplitBrain{{Instance: "VI_1", Start: Seconds(sec(50)), End: Seconds(sec(60)),
				Duration: Seconds(sec(10)), Masters: []string{"r1", "r2"}, UntilEnd: true}},
			total: "10",
		},
		{
			name: "same-instant handover is not split brain",
			more: func(s *story) {
				s.state(sec(20), "r2", "VI_1", "BACKUP", "MASTER", "preempt", 100)
				s.state(sec(20), "r1", "VI_1", "MASTER", "BACKUP", "lower_prio", 150)
			},
			want:  []SplitBrain{},
			total: "0",
		},
		{
			name: "crashed master is no longer master",
			more: func(s *story) {
				s.action(sec(10), "crash", "r1", "crash r1")
				s.state(sec(13), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
			},
			want:  []SplitBrain{},
			total: "0",
		},
		{
			name: "third master joins the interval",
			more: func(s *story) {
				s.state(0, "r3", "VI_1", "INIT", "BACKUP", "startup", 50)
				s.state(sec(10), "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
				s.state(sec(11), "r3", "VI_1", "BACKUP", "MASTER", "master_down_expired", 50)
				s.state(sec(12), "r2", "VI_1", "MASTER", "BACKUP", "higher_prio", 100)
				s.state(sec(12.5), "r3", "VI_1", "MASTER", "BACKUP", "higher_prio", 50)
			},
			want: []SplitBrain{{Instance: "VI_1", Start: Seconds(sec(10)), End: Seconds(sec(12.5)),
				Duration: Seconds(sec(2.5)), Masters: []string{"r1", "r2", "r3"}}},
			total: "2.5",
		},
		{
			name: "instances are separate",
			more: func(s *story) {
				s.state(sec(10), "r2", "VI_2", "BACKUP", "MASTER", "master_down_expired", 100)
			},
			want:  []SplitBrain{},
			total: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.more(s)
			r := s.collect().Report(Meta{Duration: sec(60)})
			if !reflect.DeepEqual(r.SplitBrain, tt.want) {
				t.Errorf("split brain: got %+v, want %+v", r.SplitBrain, tt.want)
			}
			if got := formatSeconds(sim.Time(r.SplitBrainTotal)); got != tt.total {
				t.Errorf("total: got %s, want %s", got, tt.total)
			}
		})
	}
}

// TestSplitBrainOnlyWithinOneLAN: two pairs of routers on two LANs, each
// pair with an instance VI_1 and VRID 51, have one master per LAN: that
// is two virtual routers (a VRID is scoped to its LAN, RFC 3768 section
// 1), not a split brain. Two masters on the same LAN still are one.
func TestSplitBrainOnlyWithinOneLAN(t *testing.T) {
	s := &story{}
	seg := map[string]string{"r1": "lan1", "r2": "lan1", "r3": "lan2", "r4": "lan2"}
	for i, n := range []string{"r1", "r2", "r3", "r4"} {
		addr := netip.AddrFrom4([4]byte{10, 0, byte(i/2 + 1), byte(i%2 + 1)})
		s.iface(n, "eth0", [6]byte{2, 0, 0, 0, byte(i + 1), 1}, addr.String())
		s.add(sim.Record{At: 0, Kind: sim.KindState, Node: n, Comp: "VI_1", From: "INIT", To: "BACKUP", Reason: "startup", Value: 100, Value2: 51, Addr: addr})
		s.frame(sec(0.5), seg[n], n+"/eth0", 60)
	}
	master := func(at sim.Time, n string) {
		i := int(n[1] - '1')
		addr := netip.AddrFrom4([4]byte{10, 0, byte(i/2 + 1), byte(i%2 + 1)})
		s.add(sim.Record{At: at, Kind: sim.KindState, Node: n, Comp: "VI_1", From: "BACKUP", To: "MASTER", Reason: "master_down_expired", Value: 100, Value2: 51, Addr: addr})
	}
	master(sec(3), "r1")
	master(sec(3), "r3")
	master(sec(10), "r2") // a real split brain on lan1 from 10 s
	r := s.collect().Report(Meta{Scenario: "two-lans", Duration: sec(20)})
	want := []SplitBrain{{Instance: "VI_1", Start: Seconds(sec(10)), End: Seconds(sec(20)), Duration: Seconds(sec(10)), Masters: []string{"r1", "r2"}, UntilEnd: true}}
	if !reflect.DeepEqual(r.SplitBrain, want) {
		t.Errorf("split brain: got %+v, want %+v (r1 and r3 are masters of different LANs)", r.SplitBrain, want)
	}
	if got := formatSeconds(sim.Time(r.SplitBrainTotal)); got != "10" {
		t.Errorf("split brain total: got %s, want 10", got)
	}
}

func TestReportDurationDefaultsToLastRecord(t *testing.T) {
	s := &story{}
	s.flow(sec(7.25), "h1", "f", "sent", 1)
	r := s.collect().Report(Meta{})
	if got := formatSeconds(sim.Time(r.Duration)); got != "7.25" {
		t.Errorf("duration: got %s, want 7.25", got)
	}
}

func TestReportJSONIsDeterministic(t *testing.T) {
	var outs [][]byte
	for i := 0; i < 3; i++ {
		c := masterCrash().collect()
		r := c.Report(crashMeta)
		r.Evaluate(crashExpectations())
		var b bytes.Buffer
		if err := r.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		// A second report from the same collector must not differ either.
		r2 := c.Report(crashMeta)
		r2.Evaluate(crashExpectations())
		var b2 bytes.Buffer
		if err := r2.WriteJSON(&b2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), b2.Bytes()) {
			t.Fatalf("two reports of one collector differ")
		}
		outs = append(outs, b.Bytes())
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[0], outs[i]) {
			t.Fatalf("run %d JSON differs from run 0", i)
		}
	}
}

func TestReportJSONHasNoExponentsOrHTMLEscapes(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"e+", "e-0", `\u003e`} {
		if bytes.Contains(b.Bytes(), []byte(bad)) {
			t.Errorf("JSON contains %q", bad)
		}
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(got); return err }); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestReportGoldenJSON(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	r.Evaluate(crashExpectations())
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "master-crash.json", b.Bytes())
}

func TestReportGoldenText(t *testing.T) {
	r := masterCrash().collect().Report(crashMeta)
	r.Evaluate(crashExpectations())
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "master-crash.txt", b.Bytes())
}

func TestCollectorKeepsFramesOnlyWhenAsked(t *testing.T) {
	buf := []byte{1, 2, 3}
	rec := sim.Record{At: sec(1), Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: buf}
	c := NewCollector()
	c.Trace(&rec)
	if len(c.Frames()) != 0 {
		t.Errorf("default collector kept %d frames, want 0", len(c.Frames()))
	}
	c = NewCollectorWith(Options{Frames: true})
	c.Trace(&rec)
	buf[0] = 9 // the model reuses its buffer after the callback
	if got := c.Frames(); len(got) != 1 || got[0].Data[0] != 1 || got[0].Port != "r1/eth0" {
		t.Errorf("kept frames: got %+v, want one copy of [1 2 3] from r1/eth0", got)
	}
}

var _ = time.Second
