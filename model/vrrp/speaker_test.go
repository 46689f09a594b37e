package vrrp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

const us = sim.Microsecond

// RFC 3768 section 6.1, RFC 5798 section 6.1, keepalived vrrp.h
// VRRP_TIMER_SKEW_CALC (microseconds, truncated).
func TestMasterDownIntervalRFC3768Section61(t *testing.T) {
	tests := []struct {
		name     string
		version  int
		priority int
		interval time.Duration
		want     time.Duration
	}{
		{"v2 prio 100 1s", 2, 100, time.Second, 3609375 * time.Microsecond},
		{"v2 prio 150 1s", 2, 150, time.Second, 3414062 * time.Microsecond}, // 414062.5 truncated
		{"v2 prio 255 1s", 2, 255, time.Second, 3003906 * time.Microsecond},
		{"v2 prio 1 1s", 2, 1, time.Second, 3996093 * time.Microsecond},
		{"v2 skew ignores interval", 2, 100, 3 * time.Second, 9609375 * time.Microsecond},
		{"v3 prio 100 1s", 3, 100, time.Second, 3609375 * time.Microsecond},
		{"v3 prio 100 100ms (keepalived truncates 60937.5us)", 3, 100, 100 * time.Millisecond, 360937 * time.Microsecond},
		{"v3 prio 200 10ms", 3, 200, 10 * time.Millisecond, 30000*time.Microsecond + 2187*time.Microsecond},
		{"v3 prio 1 40.95s", 3, 1, 4095 * 10 * time.Millisecond, 3*40950*time.Millisecond + 40790039*time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vrrp.MasterDownInterval(tt.version, tt.priority, tt.interval); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// keepalived vrrp_scheduler.c vrrp_init_state: every instance starts in
// BACKUP and waits a full Master_Down_Interval.
func TestSpeakerStartsInBackupAndBecomesMasterAfterMasterDownInterval(t *testing.T) {
	l := newLAN(t)
	r := l.add("r1", 1, baseConfig(100))
	r.sp.Start()
	wantState(t, r, vrrp.StateBackup)
	l.runUntil(sim.Time(3609375*us - 1))
	wantState(t, r, vrrp.StateBackup)
	l.runFor(1)
	wantState(t, r, vrrp.StateMaster)
	at, why, _ := l.lastTransition("r1", vrrp.StateMaster)
	wantTime(t, "became master", at, 3609375*us)
	if why != "master_down_expired" {
		t.Errorf("reason: got %q, want master_down_expired", why)
	}
	if !r.master {
		t.Errorf("SetMaster: got false, want true")
	}
	if got := len(r.adverts); got != 1 {
		t.Errorf("adverts at takeover: got %d, want 1", got)
	}
	// keepalived vrrp_state_become_master: garp_master_repeat (5) GARPs at
	// once, another 5 garp_master_delay (5 s) later.
	if got := r.garpsBetween(at, at+1); got != 5 {
		t.Errorf("GARPs at takeover: got %d, want 5", got)
	}
	l.runFor(10 * time.Second)
	if got := r.garpsBetween(at+1, at.Add(5*time.Second)); got != 0 {
		t.Errorf("GARPs before garp_master_delay: got %d, want 0", got)
	}
	if got := r.garpsBetween(at.Add(5*time.Second), at.Add(5*time.Second)+1); got != 5 {
		t.Errorf("GARPs at garp_master_delay: got %d, want 5", got)
	}
	// Adverts every Advertisement_Interval (RFC 3768 section 6.4.3).
	for i, a := range r.adverts {
		if want := at.Add(time.Duration(i) * time.Second); a.at != want {
			t.Fatalf("advert %d: got %v, want %v", i, a.at, want)
		}
		if a.dst != wire.VRRPGroup || a.priority != 100 {
			t.Fatalf("advert %d: got dst %v prio %d, want %v prio 100", i, a.dst, a.priority, wire.VRRPGroup)
		}
	}
	if c := r.sp.Counters(); c.BecameMaster != 1 || c.GARPsSent != 10 {
		t.Errorf("counters: got became_master %d garps %d, want 1 and 10", c.BecameMaster, c.GARPsSent)
	}
}

func TestSpeakerGARPMasterDelayOffSendsOneBurst(t *testing.T) {
	l := newLAN(t)
	cfg := baseConfig(100)
	cfg.GARPMasterDelay = vrrp.GARPDelayOff
	cfg.GARPMasterRepeat = 3
	cfg.VIPs = append(cfg.VIPs, ip(10, 0, 0, 253))
	r := l.add("r1", 1, cfg)
	r.sp.Start()
	l.runFor(20 * time.Second)
	if got := len(r.garps); got != 6 {
		t.Errorf("GARPs: got %d, want 6 (3 rounds x 2 VIPs, no second burst)", got)
	}
}

// keepalived vrrp_init_state: "state MASTER" below 255 waits like BACKUP.
func TestSpeakerStateMasterBelowOwnerStillWaitsMasterDownInterval(t *testing.T) {
	l := newLAN(t)
	cfg := baseConfig(150)
	cfg.InitialState = vrrp.StateMaster
	cfg.NoPreempt = true
	r := l.add("r1", 1, cfg)
	if r.sp.Config().NoPreempt {
		t.Errorf("NoPreempt with state MASTER: got true, want cleared as keepalived does")
	}
	r.sp.Start()
	l.runFor(5 * time.Second)
	at, _, _ := l.lastTransition("r1", vrrp.StateMaster)
	wantTime(t, "became master", at, 3414062*us)
}

// keepalived vrrp_init_state: state MASTER + priority 255 times out of
// BACKUP after 1 us.
func TestSpeakerAddressOwnerBecomesMasterAtOnce(t *testing.T) {
	l := newLAN(t)
	cfg := baseConfig(255)
	r := l.add("r1", 1, cfg)
	if got := r.sp.Config().InitialState; got != vrrp.StateMaster {
		t.Fatalf("InitialState derived from priority 255: got %v, want MASTER", got)
	}
	r.sp.Start()
	l.runFor(time.Second)
	at, why, _ := l.lastTransition("r1", vrrp.StateMaster)
	wantTime(t, "became master", at, 1*us)
	if why != "address_owner" {
		t.Errorf("reason: got %q, want address_owner", why)
	}
	// Priority 255 with state BACKUP waits 3 s + 1/256 s.
	l2 := newLAN(t)
	cfg.InitialState = vrrp.StateBackup
	r2 := l2.add("r1", 1, cfg)
	r2.sp.Start()
	l2.runFor(5 * time.Second)
	at, _, _ = l2.lastTransition("r1", vrrp.StateMaster)
	wantTime(t, "owner with state BACKUP became master", at, 3003906*us)
}

// pair starts r1 (prio p1) and r2 (prio p2) at time 0 and runs 10 s.
func pair(t *testing.T, p1, p2 int, mod func(i int, c *vrrp.Config)) (*lan, *router, *router) {
	l := newLAN(t)
	c1, c2 := baseConfig(p1), baseConfig(p2)
	if mod != nil {
		mod(1, &c1)
		mod(2, &c2)
	}
	r1 := l.add("r1", 1, c1)
	r2 := l.add("r2", 2, c2)
	r1.sp.Start()
	r2.sp.Start()
	l.runUntil(10 * sim.Second)
	return l, r1, r2
}

// RFC 3768 section 6.4.2: the backup takes over Master_Down_Interval after
// the last advert it accepted.
func TestSpeakerBackupToMasterWhenMasterDownExpires(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
	r1.sp.Halt()
	wantState(t, r1, vrrp.StateInit)
	if r1.master {
		t.Errorf("crashed router still owns VIPs")
	}
	last := r1.lastAdvertBefore(l.k.Now())
	l.runFor(10 * time.Second)
	at, why, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup took over", at, last.Add(l.delay+3609375*time.Microsecond))
	if why != "master_down_expired" {
		t.Errorf("reason: got %q, want master_down_expired", why)
	}
	if _, why, _ := l.lastTransition("r1", vrrp.StateInit); why != "crash" {
		t.Errorf("crash reason: got %q, want crash", why)
	}
	if got := len(r1.advertsSince(10 * sim.Second)); got != 0 {
		t.Errorf("adverts after crash: got %d, want 0", got)
	}
}

// RFC 3768 section 6.4.2: a priority 0 advert sets Master_Down_Timer to
// Skew_Time; keepalived sends one on SIGTERM (restore_vrrp_interfaces).
func TestSpeakerShutdownSendsPriorityZeroAndBackupTakesOverAfterSkew(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	stop := l.k.Now()
	r1.sp.Shutdown()
	sent := r1.advertsSince(stop)
	if len(sent) != 1 || sent[0].priority != 0 {
		t.Fatalf("adverts on shutdown: got %+v, want one with priority 0", sent)
	}
	if r1.master {
		t.Errorf("VIPs after shutdown: still master")
	}
	l.runFor(5 * time.Second)
	at, why, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup took over", at, stop.Add(l.delay+609375*time.Microsecond))
	if why != "priority_zero_advert" {
		t.Errorf("reason: got %q, want priority_zero_advert", why)
	}
	if c := r2.sp.Counters(); c.PriorityZeroReceived != 1 {
		t.Errorf("priority zero received: got %d, want 1", c.PriorityZeroReceived)
	}
	// A backup shutting down sends nothing.
	l2, _, b := pair(t, 150, 100, nil)
	n := len(b.adverts)
	b.sp.Shutdown()
	l2.runFor(time.Second)
	if len(b.adverts) != n {
		t.Errorf("backup adverts on shutdown: got %d, want 0", len(b.adverts)-n)
	}
}

// RFC 3768 section 6.4.2 (preempt): a restarted higher-priority router
// discards the lower master's adverts from the start, takes over after its
// own Master_Down_Interval, and the old master yields silently.
func TestSpeakerHigherPriorityRestartPreemptsAfterMasterDownInterval(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	r1.sp.Halt()
	l.runFor(10 * time.Second) // r2 master
	wantState(t, r2, vrrp.StateMaster)
	start := l.k.Now()
	r1.sp.Start()
	l.runFor(10 * time.Second)
	at, why, _ := l.lastTransition("r1", vrrp.StateMaster)
	wantTime(t, "restarted router took over", at, start.Add(3414062*time.Microsecond))
	if why != "lower_priority_master" {
		t.Errorf("reason: got %q, want lower_priority_master", why)
	}
	wantState(t, r2, vrrp.StateBackup)
	yield, why, _ := l.lastTransition("r2", vrrp.StateBackup)
	wantTime(t, "old master yielded", yield, at.Add(l.delay))
	if why != "higher_priority_advert" {
		t.Errorf("yield reason: got %q, want higher_priority_advert", why)
	}
	if got := r2.advertsSince(yield); len(got) != 0 {
		t.Errorf("adverts from yielding master: got %d, want 0 (silent)", len(got))
	}
	if got := r2.garpsBetween(yield, sim.Forever); got != 0 {
		t.Errorf("GARPs from yielding master: got %d, want 0", got)
	}
	if c := r1.sp.Counters(); c.Drops[vrrp.DropLowerPriority] != 4 {
		t.Errorf("lower priority adverts discarded: got %d, want 4 (r2 adverts at 20.02, 21.02, 22.02, 23.02)", c.Drops[vrrp.DropLowerPriority])
	}
}

func TestSpeakerNoPreemptKeepsLowerMaster(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) { c.NoPreempt = i == 1 })
	r1.sp.Halt()
	l.runFor(10 * time.Second)
	r1.sp.Start()
	l.runFor(30 * time.Second)
	wantState(t, r1, vrrp.StateBackup)
	wantState(t, r2, vrrp.StateMaster)
}

// keepalived vrrp_state_backup: preempt_delay counts from the first
// lower-priority advert; after it the adverts are discarded and the
// takeover waits for the master-down timer.
func TestSpeakerPreemptDelayCountsFromFirstLowerAdvert(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		if i == 1 {
			c.PreemptDelay = 10 * time.Second
		}
	})
	r1.sp.Halt()
	l.runFor(10 * time.Second)
	start := l.k.Now()
	r1.sp.Start()
	l.runFor(30 * time.Second)
	var first sim.Time = -1
	for _, a := range r2.adverts {
		if a.at >= start {
			first = a.at.Add(l.delay)
			break
		}
	}
	deadline := first.Add(10 * time.Second)
	// Last advert accepted: received strictly before the deadline
	// (timercmp(preempt_time, now, >)).
	var lastAccepted sim.Time
	for _, a := range r2.adverts {
		if rx := a.at.Add(l.delay); rx >= first && rx < deadline {
			lastAccepted = rx
		}
	}
	at, _, _ := l.lastTransition("r1", vrrp.StateMaster)
	wantTime(t, "takeover after preempt_delay", at, lastAccepted.Add(3414062*time.Microsecond))
	wantState(t, r2, vrrp.StateBackup)
}

// RFC 3768 section 6.4.3 tie-break and keepalived: with equal priority the
// backup whose timer fires first wins; two masters meeting: the lower
// primary IP yields.
func TestSpeakerEqualPriorityTieBreak(t *testing.T) {
	// Started together: both time out at the same instant, then r1
	// (10.0.0.1) yields to r2 (10.0.0.2).
	l, r1, r2 := pair(t, 100, 100, nil)
	wantState(t, r1, vrrp.StateBackup)
	wantState(t, r2, vrrp.StateMaster)
	if _, why, _ := l.lastTransition("r1", vrrp.StateBackup); why != "equal_priority_higher_ip" {
		t.Errorf("reason: got %q, want equal_priority_higher_ip", why)
	}
	// r1 started first: r2 hears an equal-priority master and stays backup
	// although its IP is higher.
	l = newLAN(t)
	r1 = l.add("r1", 1, baseConfig(100))
	r2 = l.add("r2", 2, baseConfig(100))
	r1.sp.Start()
	l.runFor(time.Second)
	r2.sp.Start()
	l.runFor(20 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
}

// keepalived vrrp_state_master_rx: a master hearing a lower-priority advert
// answers at once with its own advert and a GARP burst (split brain heal).
func TestSpeakerSplitBrainHealsWithAdvertAndGARPs(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	r1.cut = true
	l.runFor(10 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateMaster)
	r1.cut = false
	heal := l.k.Now()
	l.runFor(2 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
	yield, _, _ := l.lastTransition("r2", vrrp.StateBackup)
	if yield < heal {
		t.Fatalf("r2 yielded at %v, before the heal %v", yield, heal)
	}
	if got := r2.advertsSince(yield.Add(l.delay)); len(got) != 0 {
		t.Errorf("adverts from r2 after yielding: got %d, want 0", len(got))
	}
}

// Deterministic version of the split-brain answer, driving the master
// directly.
func TestSpeakerMasterAnswersLowerPriorityAdvert(t *testing.T) {
	l := newLAN(t)
	r := l.add("r1", 1, baseConfig(150))
	r.sp.Start()
	l.runFor(5 * time.Second)
	wantState(t, r, vrrp.StateMaster)
	now := l.k.Now()
	n, g := len(r.adverts), len(r.garps)
	r.sp.HandleAdvertisement(ip(10, 0, 0, 2), wire.VRRPGroup, 255, advert(100))
	if got := len(r.adverts) - n; got != 1 {
		t.Errorf("adverts answering lower priority: got %d, want 1", got)
	}
	if got := len(r.garps) - g; got != 5 {
		t.Errorf("GARPs answering lower priority: got %d, want 5", got)
	}
	l.runFor(5*time.Second + 1)
	if got := r.garpsBetween(now.Add(5*time.Second), now.Add(5*time.Second)+1); got != 5 {
		t.Errorf("delayed GARPs after lower priority advert: got %d, want 5", got)
	}
	// Equal priority from a lower IP is "lower" too (RFC 3768 section 6.4.3).
	n = len(r.adverts)
	r.sp.HandleAdvertisement(ip(10, 0, 0, 0), wire.VRRPGroup, 255, advert(150))
	if got := len(r.adverts) - n; got != 1 {
		t.Errorf("adverts answering equal priority lower IP: got %d, want 1", got)
	}
	// Priority 0: answer with an advert (RFC 3768 section 6.4.3), no GARPs.
	n, g = len(r.adverts), len(r.garps)
	r.sp.HandleAdvertisement(ip(10, 0, 0, 2), wire.VRRPGroup, 255, advert(0))
	if got, gg := len(r.adverts)-n, len(r.garps)-g; got != 1 || gg != 0 {
		t.Errorf("answer to priority 0: got %d adverts %d GARPs, want 1 and 0", got, gg)
	}
	wantState(t, r, vrrp.StateMaster)
}

func advert(prio uint8) *wire.VRRP {
	return &wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: prio, AdverInt: 1, Addrs: baseConfig(1).VIPs}
}

// keepalived vrrp_track.c: a weight -W track lowers the master's priority;
// it keeps advertising the lower priority until the preempting backup's
// master-down timer runs out, then yields silently.
func TestSpeakerTrackWeightLowersMasterBelowBackup(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.TrackInterfaces = []vrrp.Track{{Name: "eth1", Weight: -60, HasWeight: true}}
	})
	down := l.k.Now()
	r1.sp.SetInterfaceUp("eth1", false)
	if got := r1.sp.EffectivePriority(); got != 90 {
		t.Fatalf("effective priority: got %d, want 90", got)
	}
	wantState(t, r1, vrrp.StateMaster)
	l.runFor(10 * time.Second)
	wantState(t, r1, vrrp.StateBackup)
	wantState(t, r2, vrrp.StateMaster)
	// r2's last accepted advert is r1's last one at priority 150.
	var last sim.Time
	for _, a := range r1.adverts {
		if a.at < down && a.priority == 150 {
			last = a.at
		}
	}
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup preempted", at, last.Add(l.delay+3609375*time.Microsecond))
	for _, a := range r1.advertsSince(down) {
		if a.at < at && a.priority != 90 {
			t.Errorf("master advert at %v: got priority %d, want 90", a.at, a.priority)
		}
		if a.at > at.Add(l.delay) {
			t.Errorf("advert at %v after yielding", a.at)
		}
	}
	// Interface back: 150 again, r1 preempts.
	r1.sp.SetInterfaceUp("eth1", true)
	l.runFor(10 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
}

// keepalived vrrp_set_effective_priority: a backup whose priority rises
// above the master's takes over Master_Down_Interval (new priority) after
// the last advert it accepted.
func TestSpeakerBackupPriorityRiseTakesOverFromLastAcceptedAdvert(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	l.runFor(300 * time.Millisecond)
	last := r1.lastAdvertBefore(l.k.Now()).Add(l.delay)
	r2.sp.SetBasePriority(200)
	l.runFor(10 * time.Second)
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup took over", at, last.Add(vrrp.MasterDownInterval(2, 200, time.Second)))
	wantState(t, r1, vrrp.StateBackup)
}

func TestSpeakerEffectivePriorityClampAndOwner(t *testing.T) {
	tests := []struct {
		base   int
		tracks []vrrp.Track
		ok     bool
		want   int
	}{
		{100, []vrrp.Track{{Name: "s", Weight: 50, HasWeight: true}}, true, 150},
		{100, []vrrp.Track{{Name: "s", Weight: 50, HasWeight: true}}, false, 100},
		{100, []vrrp.Track{{Name: "s", Weight: -50, HasWeight: true}}, true, 100},
		{100, []vrrp.Track{{Name: "s", Weight: -50, HasWeight: true}}, false, 50},
		{100, []vrrp.Track{{Name: "s", Weight: -200, HasWeight: true}}, false, 1},
		{200, []vrrp.Track{{Name: "s", Weight: 100, HasWeight: true}}, true, 254},
		{255, []vrrp.Track{{Name: "s", Weight: -100, HasWeight: true}}, false, 255},
	}
	for _, tt := range tests {
		l := newLAN(t)
		cfg := baseConfig(tt.base)
		cfg.TrackScripts = tt.tracks
		r := l.add("r1", 1, cfg)
		r.sp.SetScriptOK("s", tt.ok)
		if got := r.sp.EffectivePriority(); got != tt.want {
			t.Errorf("base %d track %+v ok=%v: got %d, want %d", tt.base, tt.tracks[0], tt.ok, got, tt.want)
		}
	}
}

// keepalived down_instance/vrrp_state_leave_master: an unweighted track
// failing puts a master in FAULT; it sends two priority 0 adverts and
// releases the VIPs; when the track recovers it returns to BACKUP.
func TestSpeakerUnweightedTrackFailureMasterToFault(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.TrackScripts = []vrrp.Track{{Name: "chk"}}
	})
	fail := l.k.Now()
	r1.sp.SetScriptOK("chk", false)
	wantState(t, r1, vrrp.StateFault)
	if r1.master {
		t.Errorf("VIPs in FAULT: still master")
	}
	sent := r1.advertsSince(fail)
	if len(sent) != 2 || sent[0].priority != 0 || sent[1].priority != 0 {
		t.Fatalf("adverts entering FAULT: got %+v, want two with priority 0", sent)
	}
	l.runFor(5 * time.Second)
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup took over", at, fail.Add(l.delay+609375*time.Microsecond))
	if got := len(r1.advertsSince(fail)); got != 2 {
		t.Errorf("adverts in FAULT: got %d, want none after the two", got-2)
	}
	if c := r1.sp.Counters(); c.Drops[vrrp.DropNotRunning] == 0 {
		t.Errorf("adverts received in FAULT: got 0 ignored, want > 0")
	}
	r1.sp.SetScriptOK("chk", true)
	wantState(t, r1, vrrp.StateBackup)
	if _, why, _ := l.lastTransition("r1", vrrp.StateBackup); why != "fault_cleared" {
		t.Errorf("reason: got %q, want fault_cleared", why)
	}
	l.runFor(10 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
}

// Own interface down: FAULT, nothing can be sent; the backup waits the
// full Master_Down_Interval.
func TestSpeakerOwnInterfaceDownGoesFault(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	down := l.k.Now()
	r1.sp.SetInterfaceUp("eth0", false)
	wantState(t, r1, vrrp.StateFault)
	if _, why, _ := l.lastTransition("r1", vrrp.StateFault); why != "interface_down" {
		t.Errorf("reason: got %q, want interface_down", why)
	}
	if got := len(r1.advertsSince(down)); got != 0 {
		t.Errorf("adverts with interface down: got %d, want 0", got)
	}
	last := r1.lastAdvertBefore(down)
	l.runFor(5 * time.Second)
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup took over", at, last.Add(l.delay+3609375*time.Microsecond))
	wantState(t, r2, vrrp.StateMaster)
	// Starting with the interface down: FAULT.
	r1.sp.Halt()
	r1.sp.Start()
	wantState(t, r1, vrrp.StateFault)
}

// RFC 3768 section 7.1 receive checks and keepalived vrrp_check_packet.
func TestSpeakerReceiveChecksDropAndCount(t *testing.T) {
	vips := baseConfig(1).VIPs
	tests := []struct {
		name string
		mod  func(c *vrrp.Config)
		ttl  uint8
		dst  bool // unicast destination
		adv  wire.VRRP
		drop vrrp.Drop
	}{
		{"vrid", nil, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 52, Priority: 200, AdverInt: 1, Addrs: vips}, vrrp.DropVRIDMismatch},
		{"ttl not 255 (RFC 3768 section 7.1)", nil, 254, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1, Addrs: vips}, vrrp.DropTTL},
		{"version", nil, 255, false, wire.VRRP{Version: 3, Type: 1, VRID: 51, Priority: 200, AdverInt: 100, Addrs: vips}, vrrp.DropVersionMismatch},
		{"invalid auth type", nil, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1, AuthType: 3, Addrs: vips}, vrrp.DropInvalidAuthType},
		{"auth type mismatch", func(c *vrrp.Config) { c.AuthPass = "1111" }, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1, Addrs: vips}, vrrp.DropAuthTypeMismatch},
		{"auth PASS mismatch", func(c *vrrp.Config) { c.AuthPass = "1111" }, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1, AuthType: 1, AuthData: [8]byte{'2', '2'}, Addrs: vips}, vrrp.DropAuthMismatch},
		{"v2 interval mismatch", nil, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 2, Addrs: vips}, vrrp.DropIntervalMismatch},
		{"type", nil, 255, false, wire.VRRP{Version: 2, Type: 2, VRID: 51, Priority: 200, AdverInt: 1, Addrs: vips}, vrrp.DropInvalidType},
		{"addr count", nil, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1}, vrrp.DropAddrListMismatch},
		{"addr list (even from owner)", nil, 255, false, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 255, AdverInt: 1, Addrs: []netipAddr{ip(10, 0, 0, 9)}}, vrrp.DropAddrListMismatch},
		{"unicast advert on multicast instance", nil, 255, true, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1, Addrs: vips}, vrrp.DropCastMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLAN(t)
			cfg := baseConfig(100)
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			r := l.add("r1", 1, cfg)
			r.sp.Start()
			l.runFor(time.Second)
			dst := wire.VRRPGroup
			if tt.dst {
				dst = ip(10, 0, 0, 1)
			}
			adv := tt.adv
			r.sp.HandleAdvertisement(ip(10, 0, 0, 2), dst, tt.ttl, &adv)
			c := r.sp.Counters()
			if c.Drops[tt.drop] != 1 {
				t.Errorf("%s drops: got %d, want 1 (counters %+v)", tt.drop, c.Drops[tt.drop], c.Drops)
			}
			// A dropped advert does not hold the backup: it takes over on time.
			l.runFor(3 * time.Second)
			at, _, _ := l.lastTransition("r1", vrrp.StateMaster)
			wantTime(t, "took over despite the dropped advert", at, 3609375*us)
			found := false
			for _, rec := range l.trace {
				if rec.Kind == sim.KindDrop && rec.Reason == tt.drop.String() {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s drop trace record", tt.drop)
			}
		})
	}
}

func TestSpeakerAuthPassAcceptedAndTTLIgnoredForUnicast(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.AuthPass = "1111"
		c.UnicastPeers = []netipAddr{ip(10, 0, 0, byte(3-i))}
	})
	r1.ttl = 64 // keepalived skips the TTL check for unicast instances
	l.runFor(10 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
	if c := r2.sp.Counters(); c.AdvertsReceived == 0 || c.Drops[vrrp.DropTTL] != 0 {
		t.Errorf("unicast receive: got %d received %d ttl drops, want >0 and 0", c.AdvertsReceived, c.Drops[vrrp.DropTTL])
	}
	for _, a := range r1.adverts {
		if a.dst != ip(10, 0, 0, 2) {
			t.Fatalf("unicast advert dst: got %v, want 10.0.0.2", a.dst)
		}
	}
}

// keepalived drops a v2 advert whose interval differs: both routers end up
// master (the documented misconfiguration split brain).
func TestSpeakerIntervalMismatchGivesTwoMasters(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.AdvertInt = time.Duration(i) * time.Second
	})
	l.runFor(10 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateMaster)
	if c := r2.sp.Counters(); c.Drops[vrrp.DropIntervalMismatch] == 0 {
		t.Errorf("interval mismatch drops: got 0, want > 0")
	}
}

// RFC 5798 section 6.4.2: a v3 backup learns Master_Adver_Interval from the
// adverts and uses it in Master_Down_Interval.
func TestSpeakerV3BackupLearnsMasterAdverInterval(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.Version = 3
		if i == 1 {
			c.AdvertInt = 100 * time.Millisecond
		}
	})
	wantState(t, r1, vrrp.StateMaster)
	if got, want := r2.sp.MasterDownInterval(), 360937*time.Microsecond; got != want {
		t.Errorf("learned master down interval: got %v, want %v", got, want)
	}
	r1.sp.Halt()
	last := r1.lastAdvertBefore(l.k.Now())
	l.runFor(5 * time.Second)
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "v3 backup took over", at, last.Add(l.delay+360937*time.Microsecond))
}

// keepalived vrrp_state_master_rx: two address owners - the receiver lowers
// its priority to 254.
func TestSpeakerOwnerConflictLowersPriority(t *testing.T) {
	l := newLAN(t)
	r := l.add("r1", 1, baseConfig(255))
	r.sp.Start()
	l.runFor(time.Second)
	r.sp.HandleAdvertisement(ip(10, 0, 0, 2), wire.VRRPGroup, 255, advert(255))
	if got := r.sp.EffectivePriority(); got != 254 {
		t.Errorf("priority after owner conflict: got %d, want 254", got)
	}
	wantState(t, r, vrrp.StateBackup)
}

// keepalived vrrp_state_master_tx: garp_master_refresh is checked when an
// advert is sent and fires on the first advert strictly after the deadline.
func TestSpeakerGARPRefreshOnAdvertAfterDeadline(t *testing.T) {
	l := newLAN(t)
	cfg := baseConfig(100)
	cfg.GARPMasterRefresh = 10 * time.Second
	cfg.GARPMasterRefreshRepeat = 2
	cfg.GARPMasterDelay = vrrp.GARPDelayOff
	r := l.add("r1", 1, cfg)
	r.sp.Start()
	l.runFor(30 * time.Second)
	m := sim.Time(3609375 * us)
	if got := r.garpsBetween(m+1, m.Add(11*time.Second)); got != 0 {
		t.Errorf("refresh GARPs before deadline+1 advert: got %d, want 0", got)
	}
	if got := r.garpsBetween(m.Add(11*time.Second), m.Add(11*time.Second)+1); got != 2 {
		t.Errorf("refresh GARPs: got %d, want 2", got)
	}
	if got := r.garpsBetween(m.Add(22*time.Second), m.Add(22*time.Second)+1); got != 2 {
		t.Errorf("second refresh GARPs: got %d, want 2", got)
	}
}

// keepalived vrrp_arp.c queue_garp: with vrrp_garp_interval, GARPs for one
// VIP asked for during the gap collapse into one pending GARP.
func TestSpeakerGARPIntervalCollapsesBurst(t *testing.T) {
	l := newLAN(t)
	cfg := baseConfig(100)
	cfg.GARPInterval = 10 * time.Millisecond
	cfg.GARPMasterDelay = vrrp.GARPDelayOff
	r := l.add("r1", 1, cfg)
	r.sp.Start()
	l.runFor(5 * time.Second)
	m := sim.Time(3609375 * us)
	if len(r.garps) != 2 || r.garps[0] != m || r.garps[1] != m.Add(10*time.Millisecond) {
		t.Errorf("GARPs with garp_interval 10ms: got %v, want [%v %v]", r.garps, m, m.Add(10*time.Millisecond))
	}
}

// vrrp_sync.c: members of a sync group fail over together.
func TestSyncGroupFaultTakesOtherMembers(t *testing.T) {
	l := newLAN(t)
	mk := func(name string, n byte, prio int, vrid uint8, inst string) *router {
		cfg := baseConfig(prio)
		cfg.Name, cfg.VRID = inst, vrid
		cfg.VIPs = []netipAddr{ip(10, 0, vrid, 254)}
		cfg.TrackInterfaces = []vrrp.Track{{Name: "eth1"}}
		return l.add(name, n, cfg)
	}
	a1, a2 := mk("r1", 1, 150, 51, "VI_1"), mk("r1", 1, 150, 52, "VI_2")
	b1, b2 := mk("r2", 2, 100, 51, "VI_1"), mk("r2", 2, 100, 52, "VI_2")
	ga := vrrp.NewSyncGroup("G", a1.sp, a2.sp)
	vrrp.NewSyncGroup("G", b1.sp, b2.sp)
	for _, r := range []*router{a1, a2, b1, b2} {
		r.sp.Start()
	}
	l.runFor(10 * time.Second)
	for _, r := range []*router{a1, a2} {
		wantState(t, r, vrrp.StateMaster)
	}
	for _, r := range []*router{b1, b2} {
		wantState(t, r, vrrp.StateBackup)
	}
	// Both instances track eth1; report its failure to VI_1 only.
	fail := l.k.Now()
	a1.sp.SetInterfaceUp("eth1", false)
	wantState(t, a1, vrrp.StateFault)
	wantState(t, a2, vrrp.StateFault)
	if ga.State() != vrrp.StateFault {
		t.Errorf("group state: got %v, want FAULT", ga.State())
	}
	if got := a2.advertsSince(fail); len(got) != 1 || got[0].priority != 0 {
		t.Errorf("sync member adverts entering FAULT: got %+v, want one priority 0", got)
	}
	if _, why, _ := l.lastTransition("r1", vrrp.StateFault); why != "sync_group" {
		t.Errorf("last r1 FAULT reason: got %q, want sync_group", why)
	}
	l.runFor(5 * time.Second)
	wantState(t, b1, vrrp.StateMaster)
	wantState(t, b2, vrrp.StateMaster)
	// Recovery: both back to BACKUP, then preempt together.
	a1.sp.SetInterfaceUp("eth1", true)
	wantState(t, a1, vrrp.StateBackup)
	wantState(t, a2, vrrp.StateBackup)
	l.runFor(10 * time.Second)
	for _, r := range []*router{a1, a2} {
		wantState(t, r, vrrp.StateMaster)
	}
	for _, r := range []*router{b1, b2} {
		wantState(t, r, vrrp.StateBackup)
	}
}

// vrrp_sync.c vrrp_sync_backup: a member preempted to BACKUP takes the
// others with it, even though their peer has lower priority.
func TestSyncGroupBackupTakesOtherMembers(t *testing.T) {
	l := newLAN(t)
	mk := func(name string, n byte, prio int, vrid uint8) *router {
		cfg := baseConfig(prio)
		cfg.Name, cfg.VRID = "VI_"+string(rune('0'+vrid-50)), vrid
		cfg.VIPs = []netipAddr{ip(10, 0, vrid, 254)}
		return l.add(name, n, cfg)
	}
	a1, a2 := mk("r1", 1, 150, 51), mk("r1", 1, 150, 52)
	vrrp.NewSyncGroup("G", a1.sp, a2.sp)
	b1 := mk("r2", 2, 100, 51)
	for _, r := range []*router{a1, a2, b1} {
		r.sp.Start()
	}
	l.runFor(10 * time.Second)
	wantState(t, a1, vrrp.StateMaster)
	wantState(t, a2, vrrp.StateMaster)
	b1.sp.SetBasePriority(200)
	l.runFor(10 * time.Second)
	wantState(t, b1, vrrp.StateMaster)
	wantState(t, a1, vrrp.StateBackup)
	// a2 followed a1 to BACKUP with reason sync_group. Nobody else serves
	// VRID 52, yet a2 stays BACKUP: when its master-down timer fires it is
	// held (vrrp_sync_can_goto_master) because a1 hears b1 and does not want
	// MASTER. That is keepalived's sync group semantics.
	wantState(t, a2, vrrp.StateBackup)
	found := false
	for _, rec := range l.transitions("r1") {
		if rec.Comp == "VI_2" && rec.To == "BACKUP" && rec.Reason == "sync_group" {
			found = true
		}
	}
	if !found {
		t.Errorf("VI_2 did not follow VI_1 to BACKUP with reason sync_group: %v", l.transitions("r1"))
	}
}

func TestSpeakerStringsAreSnakeCase(t *testing.T) {
	for r := vrrp.ReasonStartup; r <= vrrp.ReasonSyncGroup; r++ {
		if s := r.String(); s == "" || s == "?" || strings.ToLower(s) != s || strings.Contains(s, " ") {
			t.Errorf("Reason(%d).String() = %q", r, s)
		}
	}
	for d := vrrp.Drop(0); d < vrrp.NumDrops; d++ {
		if s := d.String(); s == "" || s == "?" {
			t.Errorf("Drop(%d).String() = %q", d, s)
		}
	}
	if vrrp.ReasonPreempted.String() != "higher_priority_advert" {
		t.Errorf("ReasonPreempted: got %q, want higher_priority_advert", vrrp.ReasonPreempted)
	}
}

// vrrp_sync.c vrrp_sync_can_goto_master: a member whose timer fires first is
// held in BACKUP until the other wants MASTER too; then both go together.
func TestSyncGroupHoldsMemberUntilAllWantMaster(t *testing.T) {
	l := newLAN(t)
	c1, c2 := baseConfig(100), baseConfig(100)
	c2.Name, c2.VRID = "VI_2", 52
	c2.PrimaryIP = ip(10, 0, 0, 1)
	c2.AdvertInt = 2 * time.Second // VI_2 times out later
	a1 := l.add("r1", 1, c1)
	a2 := l.add("r1", 1, c2)
	vrrp.NewSyncGroup("G", a1.sp, a2.sp)
	a1.sp.Start()
	a2.sp.Start()
	l.runUntil(3609375 * us)
	wantState(t, a1, vrrp.StateBackup) // held: VI_2 does not want MASTER yet
	wantState(t, a2, vrrp.StateBackup)
	l.runFor(5 * time.Second)
	wantState(t, a1, vrrp.StateMaster)
	wantState(t, a2, vrrp.StateMaster)
	tr := l.transitions("r1")
	// VI_2 (2 s interval) times out at 6.609375 s, sees VI_1 wanting
	// MASTER, goes master and takes VI_1 with it.
	if len(tr) != 4 || tr[2].Comp != "VI_2" || tr[2].Reason != "master_down_expired" || tr[3].Comp != "VI_1" ||
		tr[3].Reason != "sync_group" || tr[2].At != 6609375*us || tr[3].At != tr[2].At {
		t.Errorf("transitions: got %+v, want VI_2 master_down_expired then VI_1 sync_group at 6.609375", tr[2:])
	}
}

// keepalived vrrp_dispatcher_read re-arms the master's Adver_Timer after
// every packet it reads, even a dropped one.
func TestSpeakerMasterAdverTimerRestartsOnAnyPacket(t *testing.T) {
	l := newLAN(t)
	r := l.add("r1", 1, baseConfig(150))
	r.sp.Start()
	l.runFor(5 * time.Second)
	// Adverts at 3.414062 + k s; a dropped packet at 5 s moves the next
	// advert from 5.414062 to 6.
	rx := l.k.Now()
	bad := advert(200)
	bad.AdverInt = 7
	r.sp.HandleAdvertisement(ip(10, 0, 0, 2), wire.VRRPGroup, 255, bad)
	l.runFor(2 * time.Second)
	next := r.advertsSince(rx)
	if len(next) == 0 || next[0].at != rx.Add(time.Second) {
		t.Errorf("next advert: got %+v, want one at %v", next, rx.Add(time.Second))
	}
}

func TestSpeakerTracesEveryAdvertAndGARPBurst(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, nil)
	adverts, garps := 0, int64(0)
	for _, rec := range l.trace {
		switch {
		case rec.Kind == sim.KindAdvert && rec.Node == "r1":
			adverts++
			if rec.Value != 150 || rec.Value2 != 51 || rec.Addr != r1.sp.Config().PrimaryIP || rec.Comp != "VI_1" {
				t.Fatalf("advert record: got %+v", rec)
			}
		case rec.Kind == sim.KindNote && rec.Event == "garp" && rec.Node == "r1":
			garps += rec.Value
		case rec.Kind == sim.KindState && rec.Node == "r1" && rec.To == "MASTER":
			if rec.Value != 150 || rec.Value2 != 51 || rec.From != "BACKUP" {
				t.Fatalf("state record: got %+v", rec)
			}
		}
	}
	if adverts != len(r1.adverts) || garps != int64(len(r1.garps)) {
		t.Errorf("trace: got %d adverts %d GARPs, want %d and %d", adverts, garps, len(r1.adverts), len(r1.garps))
	}
	_ = r2
}

// BenchmarkPairOneHour runs a master/backup pair for one simulated hour.
func BenchmarkPairOneHour(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		l := &lan{k: sim.New(1), delay: 100 * time.Microsecond}
		for i, p := range []int{150, 100} {
			r := &router{lan: l, name: "r"}
			cfg := baseConfig(p)
			cfg.PrimaryIP = ip(10, 0, 0, byte(i+1))
			sp, err := vrrp.New(cfg, r)
			if err != nil {
				b.Fatal(err)
			}
			r.sp = sp
			l.routers = append(l.routers, r)
			sp.Start()
		}
		l.k.Run(3600 * sim.Second)
	}
}
