package vrrp_test

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// RFC 5798 section 6.4.2 and keepalived vrrp_state_backup: a v3 backup that
// hears priority 0 sets its timer to Skew_Time computed with the learned
// Master_Adver_Interval (VRRP_TIMER_SKEW uses master_adver_int): 100 ms and
// priority 100 give (256-100) * 10 cs * 625/16 = 60937 us, not the 609375 us
// its own 1 s interval would give.
func TestSpeakerV3PriorityZeroSkewUsesLearnedInterval(t *testing.T) {
	l, r1, _ := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.Version = 3
		if i == 1 {
			c.AdvertInt = 100 * time.Millisecond
		}
	})
	wantState(t, r1, vrrp.StateMaster)
	stop := l.k.Now()
	r1.sp.Shutdown()
	l.runFor(2 * time.Second)
	at, why, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "v3 backup took over", at, stop.Add(l.delay+60937*time.Microsecond))
	if why != "priority_zero_advert" {
		t.Errorf("reason: got %q, want priority_zero_advert", why)
	}
}

// keepalived down_instance -> vrrp_state_leave_fault and try_up_instance:
// a BACKUP entering FAULT sends nothing (only a master sends priority 0),
// and leaving FAULT it sends nothing either: it goes to BACKUP with a full
// Master_Down_Interval from that instant (master_adver_int reset to its own).
func TestSpeakerBackupFaultEntryAndExitSendNothing(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		c.TrackScripts = []vrrp.Track{{Name: "chk"}}
	})
	wantState(t, r2, vrrp.StateBackup)
	fail := l.k.Now()
	r2.sp.SetScriptOK("chk", false)
	wantState(t, r2, vrrp.StateFault)
	l.runFor(3 * time.Second)
	r1.sp.Halt() // nobody advertises from now on
	clear := l.k.Now()
	r2.sp.SetScriptOK("chk", true)
	wantState(t, r2, vrrp.StateBackup)
	if got := r2.advertsSince(fail); len(got) != 0 {
		t.Errorf("adverts from a backup entering and leaving FAULT: got %+v, want none", got)
	}
	if len(r2.garps) != 0 {
		t.Errorf("GARPs from the backup: got %d, want 0", len(r2.garps))
	}
	l.runFor(5 * time.Second)
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "took over after leaving FAULT", at, clear.Add(3609375*time.Microsecond))
}

// keepalived process_if_status_change: a tracked interface with weight
// W > 0 adds W while up; on a master its failure lowers the advertised
// priority from the next advert, with no state change (vrrp_track.c
// vrrp_set_effective_priority only moves the timer of a BACKUP).
func TestSpeakerPositiveWeightInterfaceTrack(t *testing.T) {
	l, r1, r2 := pair(t, 100, 120, func(i int, c *vrrp.Config) {
		if i == 1 {
			c.TrackInterfaces = []vrrp.Track{{Name: "eth1", Weight: 50, HasWeight: true}}
		}
	})
	if got := r1.sp.EffectivePriority(); got != 150 {
		t.Fatalf("effective priority with eth1 up: got %d, want 150", got)
	}
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
	down := l.k.Now()
	r1.sp.SetInterfaceUp("eth1", false)
	if got := r1.sp.EffectivePriority(); got != 100 {
		t.Fatalf("effective priority with eth1 down: got %d, want 100", got)
	}
	wantState(t, r1, vrrp.StateMaster)
	if got := r1.advertsSince(down); len(got) != 0 {
		t.Errorf("adverts at the priority change: got %d, want 0 (next one on the Adver_Timer)", len(got))
	}
	l.runFor(10 * time.Second)
	// r2 (120) discards r1's adverts at 100 and takes over Master_Down_Interval
	// after the last one it accepted (priority 150).
	var last sim.Time
	for _, a := range r1.adverts {
		if a.at < down {
			last = a.at
		}
	}
	at, why, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup preempted", at, last.Add(l.delay+vrrp.MasterDownInterval(2, 120, time.Second)))
	if why != "lower_priority_master" {
		t.Errorf("reason: got %q, want lower_priority_master", why)
	}
	wantState(t, r1, vrrp.StateBackup)
}

// keepalived vrrp_state_backup + vrrp_set_effective_priority: a backup whose
// tracked script (weight +60) recovers rises above the master, discards the
// master's adverts from then on (counted), and takes over Master_Down_Interval
// for its new priority after the last advert it accepted.
func TestSpeakerBackupRiseByTrackDiscardsMasterAdverts(t *testing.T) {
	l, r1, r2 := pair(t, 150, 100, func(i int, c *vrrp.Config) {
		if i == 2 {
			c.TrackScripts = []vrrp.Track{{Name: "chk", Weight: 60, HasWeight: true}}
		}
	})
	// r2 starts at 160 and preempts; fail its script first so that r1 leads.
	r2.sp.SetScriptOK("chk", false)
	l.runFor(20 * time.Second)
	wantState(t, r1, vrrp.StateMaster)
	wantState(t, r2, vrrp.StateBackup)
	l.runFor(300 * time.Millisecond)
	rise := l.k.Now()
	last := r1.lastAdvertBefore(rise).Add(l.delay)
	before := r2.sp.Counters().Drops[vrrp.DropLowerPriority]
	r2.sp.SetScriptOK("chk", true)
	if got := r2.sp.EffectivePriority(); got != 160 {
		t.Fatalf("effective priority: got %d, want 160", got)
	}
	l.runFor(10 * time.Second)
	at, _, _ := l.lastTransition("r2", vrrp.StateMaster)
	wantTime(t, "backup took over", at, last.Add(vrrp.MasterDownInterval(2, 160, time.Second)))
	// r1's adverts at rise+0.7, +1.7, +2.7 s arrive before the takeover.
	if got := r2.sp.Counters().Drops[vrrp.DropLowerPriority] - before; got != 3 {
		t.Errorf("master adverts discarded after the rise: got %d, want 3", got)
	}
	wantState(t, r1, vrrp.StateBackup)
}
