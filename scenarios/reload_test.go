package scenarios

import (
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// In the inject world r1 (150) is master from 3.414062 s and advertises
// every second, last before 10 s at 9.414062 s; r2 (100) hears it 20 us
// later (two switch hops of 10 us).
const (
	lastHeard = sim.Time(9414082 * time.Microsecond)
	hop       = sim.Time(20 * time.Microsecond)
)

// masterTimes returns when each router entered MASTER after 5 s (times
// of VI_1 BACKUP->MASTER), "node@seconds" in trace order.
func masterTimes(recs []sim.Record) []sim.Time {
	var out []sim.Time
	for _, r := range recs {
		if r.Kind == sim.KindState && r.Comp == "VI_1" && r.To == "MASTER" && r.At > sim.Time(5*time.Second) {
			out = append(out, r.At)
		}
	}
	return out
}

// TestReloadAndFreezeTakeover: each expected time is derived from the
// speaker's own Master_Down_Interval (vrrp.MasterDownInterval), the reload
// rules of keepalived (vrrp_daemon.c reload_vrrp_thread, vrrp_scheduler.c
// vrrp_init_state: a MASTER stays MASTER and advertises at once, a BACKUP
// waits a fresh Master_Down_Interval) and the freeze rule (expired timers
// run at the thaw, in deadline order).
func TestReloadAndFreezeTakeover(t *testing.T) {
	mdi := func(prio int) sim.Time { return sim.Time(vrrp.MasterDownInterval(2, prio, time.Second)) }
	at := func(s float64) sim.Time { return sim.Time(s * float64(time.Second)) }
	for _, tc := range []struct {
		name, timeline string
		want           []sim.Time // r2's (or r1's) entries into MASTER after 5 s
		masters15      string
	}{
		// 2 s < r2's Master_Down_Interval after r1's last advert: r1
		// resumes as MASTER at 12 s and advertises at once; no takeover.
		{"short reload of the master", "{at: 10s, reload: {node: r1, duration: 2s}}", nil, "r1"},
		// 5 s: r2 takes over, r1 resumes MASTER at 15 s and r2 yields.
		{"long reload of the master", "{at: 10s, reload: {node: r1, duration: 5s}}", []sim.Time{lastHeard + mdi(100)}, "r1"},
		{"freeze of the master", "{at: 10s, freeze: {node: r1, duration: 5s}}", []sim.Time{lastHeard + mdi(100)}, "r1"},
		// The frozen backup's master-down timer expired at 13.02 s; it
		// runs at the thaw (15 s): r2 is MASTER at once, then r1's answer
		// to its lower-priority advert sends it back.
		{"freeze of the backup", "{at: 10s, freeze: {node: r2, duration: 5s}}", []sim.Time{at(15)}, "r1"},
		// A reload to priority 200: r2 resumes at 10.5 s in BACKUP with
		// Master_Down_Interval(200), discards r1's lower adverts and
		// preempts when it runs out.
		{"reload raises the backup's priority", "{at: 10s, reload: {node: r2, duration: 500ms, vrrp: {VI_1: {interface: eth0, virtual_router_id: 51, priority: 200, virtual_ipaddress: [10.0.0.254]}}}}",
			[]sim.Time{at(10.5) + mdi(200)}, "r2"},
		// Another VIP list on r2 only: it discards r1's adverts (vrrp.c
		// vrrp_check_packet) and takes over a Master_Down_Interval after
		// its resume; r1 discards r2's: two masters.
		{"reload with another VIP list", "{at: 10s, reload: {node: r2, duration: 1s, vrrp: {VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.254, 10.0.0.253]}}}}",
			[]sim.Time{at(11) + mdi(100)}, "r1+r2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _ := injectRun(t, "", "timeline:\n  - "+tc.timeline+"\n", nil)
			masters := map[string]bool{}
			for _, r := range recs {
				if r.Kind == sim.KindDrop && r.Comp == "timeline" {
					t.Errorf("action failed: %s", r.Reason)
				}
				if r.Kind == sim.KindState && r.Comp == "VI_1" && r.At <= sim.Time(15*time.Second)+2*hop {
					masters[r.Node] = r.To == "MASTER"
				}
			}
			got := masterTimes(recs)
			if len(got) != len(tc.want) {
				t.Fatalf("entries into MASTER after 5 s: got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("MASTER #%d at %v, want %v", i, got[i], tc.want[i])
				}
			}
			var m []string
			for _, n := range []string{"r1", "r2"} {
				if masters[n] {
					m = append(m, n)
				}
			}
			if strings.Join(m, "+") != tc.masters15 {
				t.Errorf("masters just after 15 s: got %q, want %q", strings.Join(m, "+"), tc.masters15)
			}
		})
	}
}

// A thaw runs the expired timers and says how many (keepalived's "thread
// timer expired" lines); frames to the frozen node are dropped.
func TestFreezeThawRunsExpiredTimers(t *testing.T) {
	recs, _ := injectRun(t, "", "timeline:\n  - {at: 10s, freeze: {node: r1, duration: 5s}}\n", nil)
	thawed, frozenDrops := int64(-1), 0
	for _, r := range recs {
		if r.Kind == sim.KindNote && r.Event == "thaw" && r.Node == "r1" {
			thawed = r.Value
			if r.At != sim.Time(15*time.Second) {
				t.Errorf("thaw at %v, want 15s", r.At)
			}
		}
		if r.Kind == sim.KindDrop && r.Node == "r1" && r.Reason == "frozen" {
			frozenDrops++
			if r.At < sim.Time(10*time.Second) || r.At >= sim.Time(15*time.Second) {
				t.Errorf("frozen drop at %v, outside the freeze", r.At)
			}
		}
	}
	// At least the advert timer (due 10.414 s) expired while frozen.
	if thawed < 1 {
		t.Errorf("thaw ran %d expired timers, want >= 1", thawed)
	}
	if frozenDrops == 0 {
		t.Error("no frame dropped while r1 was frozen; r2's adverts and h1's pings reach it")
	}
}

// A timer stopped and restarted during a freeze (a reload suspends the
// instances and restarts their timers) that expires again while frozen is
// one late timer, not two: the thaw counts it once and runs it once, in
// the place of its last expiry (keepalived's timer thread holds a timer
// once in its list, thread_timer_expired). The master's advert timer is
// r1's only late timer either way; its one run at the thaw sends one
// advert.
func TestFreezeCountsATimerRestartedMeanwhileOnce(t *testing.T) {
	for _, tc := range []struct{ name, timeline string }{
		{"freeze", "timeline:\n  - {at: 10s, freeze: {node: r1, duration: 5s}}\n"},
		{"reload during the freeze", "timeline:\n  - {at: 10s, freeze: {node: r1, duration: 5s}}\n  - {at: 11s, reload: {node: r1, duration: 1s}}\n"},
		{"two reloads during the freeze", "timeline:\n  - {at: 10s, freeze: {node: r1, duration: 5s}}\n  - {at: 11s, reload: {node: r1, duration: 1s}}\n  - {at: 13s, reload: {node: r1, duration: 500ms}}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _ := injectRun(t, "", tc.timeline, nil)
			thawed, adverts := int64(-1), 0
			for _, r := range recs {
				if r.Kind == sim.KindDrop && r.Comp == "timeline" {
					t.Errorf("action failed: %s", r.Reason)
				}
				if r.Kind == sim.KindNote && r.Event == "thaw" && r.Node == "r1" {
					thawed = r.Value
				}
				if r.Kind == sim.KindAdvert && r.Node == "r1" && r.Event != "rx" && r.At == sim.Time(15*time.Second) {
					adverts++
				}
			}
			if thawed != 1 {
				t.Errorf("thaw ran %d late timers, want 1 (r1's advert timer)", thawed)
			}
			if adverts != 1 {
				t.Errorf("r1 sent %d adverts at the thaw, want 1", adverts)
			}
		})
	}
}

// Loader errors name the action and what would be valid.
func TestReloadFreezeLoadErrors(t *testing.T) {
	for _, tc := range []struct{ timeline, want string }{
		{"{at: 10s, freeze: {node: r1}}", `missing key "duration"`},
		{"{at: 10s, freeze: {node: r1, duration: 0s}}", "not positive"},
		{"{at: 10s, freeze: {node: r9, duration: 1s}}", "r9"},
		{"{at: 10s, reload: {node: r1, config: a.conf, vrrp: {}}}", "both config and vrrp"},
		{"{at: 10s, reload: {node: r1, config_id: x}}", "config_id without config"},
		{"{at: 10s, reload: {node: r1, duration: -1s}}", "negative"},
		{"{at: 10s, reload: {node: r1, vrrp: {VI_1: {interface: eth9, virtual_router_id: 51, virtual_ipaddress: [10.0.0.254]}}}}", "eth9"},
	} {
		src := strings.ReplaceAll(injectWorld, "AUTH", "")
		src = strings.Replace(src, "TIMELINE", "timeline:\n  - "+tc.timeline+"\n", 1)
		_, err := Load("r.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.timeline, err, tc.want)
		}
	}
}

// The canonical action text (expectations' after: matches it).
func TestReloadFreezeActionString(t *testing.T) {
	a := Action{Kind: ActReload, Node: "r1", Duration: 2 * time.Second, Reload: &Reload{Config: "new.conf"}}
	if a.String() != "reload r1" || a.Detail() != "duration=2s config=new.conf" {
		t.Errorf("got %q / %q", a.String(), a.Detail())
	}
	f := Action{Kind: ActFreeze, Node: "r2", Duration: 4 * time.Second}
	if f.String() != "freeze r2" || f.Detail() != "duration=4s" {
		t.Errorf("got %q / %q", f.String(), f.Detail())
	}
}

// FuzzReloadFreeze plays random sequences of reload, freeze, crash,
// restart, stop and start on the inject world's two routers (reloads
// with the same, a new priority or a new VIP list; overlapping freezes
// and reloads) and checks that nothing panics, no action fails and every
// freeze ends in a thaw. Each 4 input bytes are one action: kind, node,
// time (100 ms units), duration (50 ms units).
func FuzzReloadFreeze(f *testing.F) {
	f.Add([]byte{0, 0, 100, 100})                          // freeze r1 at 10 s for 5 s
	f.Add([]byte{1, 1, 100, 20, 0, 1, 105, 40})            // reload r2, freeze it during the reload
	f.Add([]byte{3, 1, 100, 20, 3, 0, 150, 20})            // the rolling VIP change
	f.Add([]byte{0, 0, 60, 100, 4, 0, 80, 0, 5, 0, 90, 0}) // crash and restart while frozen
	f.Add([]byte{2, 0, 60, 0, 6, 0, 61, 0, 7, 0, 62, 0})   // reload, stop, start at once
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4*16 {
			data = data[:4*16]
		}
		var extra []*Event
		freezes := 0
		for i := 0; i+3 < len(data); i += 4 {
			node := []string{"r1", "r2"}[data[i+1]%2]
			at := sim.Time(data[i+2]) * sim.Time(100*time.Millisecond)
			d := time.Duration(data[i+3]) * 50 * time.Millisecond
			a := Action{Node: node, Duration: d}
			switch data[i] % 8 {
			case 0:
				a.Kind = ActFreeze
				a.Duration = max(d, time.Millisecond)
				freezes++
			case 1:
				a.Kind = ActReload
			case 2, 3:
				a.Kind = ActReload
				in := &Instance{Name: "VI_1", Interface: "eth0", VRID: 51, Priority: 1 + int(data[i+3])%254,
					AdvertInt: time.Second, Version: 2, State: "BACKUP",
					VirtualIPs:      []netip.Prefix{netip.MustParsePrefix("10.0.0.254/32")},
					GARPMasterDelay: DefaultGARPMasterDelay, GARPMasterRepeat: DefaultGARPMasterRepeat, GARPMasterRefreshRepeat: 1}
				if data[i]%8 == 3 {
					in.VirtualIPs = append(in.VirtualIPs, netip.MustParsePrefix("10.0.0.253/32"))
				}
				a.Reload = &Reload{Inline: true, VRRP: []*Instance{in}}
			case 4:
				a.Kind = ActCrash
			case 5:
				a.Kind = ActRestart
			case 6:
				a.Kind = ActStop
			case 7:
				a.Kind = ActStart
			}
			extra = append(extra, &Event{At: at, Action: a})
		}
		sort.SliceStable(extra, func(i, j int) bool { return extra[i].At < extra[j].At })
		recs, _ := injectRun(t, "", "", extra)
		thaws := 0
		for _, r := range recs {
			if r.Kind == sim.KindDrop && r.Comp == "timeline" {
				t.Fatalf("action failed: %s", r.Reason)
			}
			if r.Kind == sim.KindNote && r.Comp == "timeline" && r.Event == "freeze_end" {
				thaws++
			}
		}
		// Every freeze that started before 20 s ends (its end is traced
		// even when the node crashed meanwhile).
		want := 0
		for _, ev := range extra {
			if ev.Action.Kind == ActFreeze && ev.At+sim.Time(ev.Action.Duration) <= sim.Time(20*time.Second) {
				want++
			}
		}
		if thaws != want {
			t.Errorf("%d freeze ends traced, want %d", thaws, want)
		}
	})
}
