package vrrp_test

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// keepalived reload (vrrp_daemon.c reload_vrrp_thread): Suspend stops
// every timer, Reload keeps the state; vrrp_scheduler.c vrrp_init_state
// and vrrp_init_instance_sands: a MASTER advertises at once
// (reload_master), a BACKUP waits a fresh Master_Down_Interval with the
// new priority; vrrp.c restore_vrrp_state: a VIP added while MASTER gets
// a GARP burst.
func TestSpeakerReload(t *testing.T) {
	at := func(s float64) sim.Time { return sim.Time(s * float64(time.Second)) }
	for _, tc := range []struct {
		name       string
		who        int // 1: the master r1 (200), 2: the backup r2 (100)
		mod        func(c *vrrp.Config)
		resume     sim.Time
		wantState1 vrrp.State // r1 at resume + 5 s
		wantAdvert bool       // the reloaded master advertises at resume
		wantGARPs  int        // GARPs of the reloaded node at resume
		r2Master   sim.Time   // r2 becomes master then (0: never)
	}{
		{name: "master, same config", who: 1, resume: at(11), wantState1: vrrp.StateMaster, wantAdvert: true},
		// r2 still has one VIP: it discards r1's adverts from now
		// (vrrp_check_packet) and takes over; r1 discards r2's: two
		// masters, as in a rolling reload.
		{name: "master, a VIP added", who: 1, resume: at(11), wantState1: vrrp.StateMaster, wantAdvert: true, wantGARPs: 5 * 2,
			mod: func(c *vrrp.Config) { c.VIPs = append(c.VIPs, ip(10, 0, 0, 253)) }, r2Master: -1},
		// A reload longer than r2's Master_Down_Interval after the last
		// advert (9.xx + 3.609375 s) is a takeover; r1 resumes MASTER and
		// r2 yields to its advert.
		{name: "master, long reload", who: 1, resume: at(15), wantState1: vrrp.StateMaster, wantAdvert: true, r2Master: -1},
		// r2 reloads to priority 250: it preempts a fresh
		// Master_Down_Interval(250) after the resume, discarding r1's.
		{name: "backup, higher priority", who: 2, resume: at(11), wantState1: vrrp.StateBackup,
			mod:      func(c *vrrp.Config) { c.Priority = 250 },
			r2Master: at(11) + sim.Time(vrrp.MasterDownInterval(2, 250, time.Second))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, r1, r2 := pair(t, 200, 100, nil)
			r := []*router{nil, r1, r2}[tc.who]
			l.runUntil(at(10))
			r.sp.Suspend()
			l.runUntil(tc.resume)
			cfg := r.sp.Config()
			if tc.mod != nil {
				tc.mod(&cfg)
			}
			if err := r.sp.Reload(cfg); err != nil {
				t.Fatal(err)
			}
			l.runUntil(tc.resume + sim.Time(5*time.Second))
			wantState(t, r1, tc.wantState1)
			if got := len(r1.advertsSince(tc.resume)) > 0 && r1.advertsSince(tc.resume)[0].at == tc.resume; tc.who == 1 && got != tc.wantAdvert {
				t.Errorf("advert at the resume: %v, want %v", got, tc.wantAdvert)
			}
			if got := r.garpsBetween(tc.resume, tc.resume+1); got != tc.wantGARPs {
				t.Errorf("GARPs at the resume: %d, want %d", got, tc.wantGARPs)
			}
			took, _, ok := l.lastTransition("r2", vrrp.StateMaster)
			switch {
			case tc.r2Master == 0 && ok && took > at(10):
				t.Errorf("r2 became master at %v, want never", took)
			case tc.r2Master > 0:
				wantTime(t, "r2 master", took, tc.r2Master)
			case tc.r2Master < 0 && (!ok || took < at(10)):
				t.Error("r2 did not take over during the long reload")
			}
		})
	}
	// A reload names the same instance.
	_, r1, _ := pair(t, 200, 100, nil)
	cfg := r1.sp.Config()
	cfg.Name = "VI_9"
	if err := r1.sp.Reload(cfg); err == nil {
		t.Error("reload with another instance name: no error")
	}
}

// A reload keeps a failed unweighted track's result by name and counts it
// again (vrrp_track.c: a failed track without weight holds FAULT): the
// instance stays in FAULT and leaves it (try_up_instance) when the script
// recovers after the reload.
func TestSpeakerReloadKeepsFault(t *testing.T) {
	at := func(s float64) sim.Time { return sim.Time(s * float64(time.Second)) }
	l, r1, _ := pair(t, 200, 100, func(i int, c *vrrp.Config) {
		if i == 1 {
			c.TrackScripts = []vrrp.Track{{Name: "chk"}}
		}
	})
	r1.sp.SetScriptOK("chk", false)
	wantState(t, r1, vrrp.StateFault)
	r1.sp.Suspend()
	l.runUntil(at(11))
	if err := r1.sp.Reload(r1.sp.Config()); err != nil {
		t.Fatal(err)
	}
	l.runUntil(at(12))
	wantState(t, r1, vrrp.StateFault)
	r1.sp.SetScriptOK("chk", true)
	l.runUntil(at(20))
	wantState(t, r1, vrrp.StateMaster)
}
