package vrrp_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestStatusTimersAndMaster: Status shows what keepalived's data dump
// (vrrp_print.c vrrp_print_data) shows: the master's Adver_Timer due within
// one advert_int, the backup's Master_Down_Timer deadline (sands) within
// Master_Down_Interval, and the master address learned from the adverts
// (vrrp.c vrrp_state_backup sets master_saddr).
func TestStatusTimersAndMaster(t *testing.T) {
	l := newLAN(t)
	r1 := l.add("r1", 1, baseConfig(150))
	r2 := l.add("r2", 2, baseConfig(100))
	r1.sp.Start()
	r2.sp.Start()
	l.runFor(10 * time.Second)
	now := l.k.Now()

	m, b := r1.sp.Status(), r2.sp.Status()
	if m.State != vrrp.StateMaster || b.State != vrrp.StateBackup {
		t.Fatalf("states %v/%v, want MASTER/BACKUP", m.State, b.State)
	}
	if !m.AdvertArmed || m.AdvertAt <= now || m.AdvertAt.Sub(now) > m.AdvertInt {
		t.Errorf("master advert timer armed %v at %v (now %v), want within %v", m.AdvertArmed, m.AdvertAt, now, m.AdvertInt)
	}
	if m.DownArmed {
		t.Error("master's Master_Down_Timer is armed")
	}
	if !b.DownArmed || b.MasterDownAt <= now || b.MasterDownAt.Sub(now) > b.DownInterval {
		t.Errorf("backup down timer armed %v at %v (now %v), want within %v", b.DownArmed, b.MasterDownAt, now, b.DownInterval)
	}
	if b.AdvertArmed {
		t.Error("backup's Adver_Timer is armed")
	}
	if b.MasterIP != ip(10, 0, 0, 1) || b.MasterPriority != 150 {
		t.Errorf("backup sees master %v prio %d, want 10.0.0.1 prio 150", b.MasterIP, b.MasterPriority)
	}
	if m.Counters.AdvertsSent == 0 || b.Counters.AdvertsReceived == 0 {
		t.Errorf("counters sent %d received %d, want both > 0", m.Counters.AdvertsSent, b.Counters.AdvertsReceived)
	}
}

// TestStatusTrackContribution follows vrrp_track.c
// vrrp_set_effective_priority: a positive weight counts while the object
// is up, a negative one while it is down, no weight never (it faults).
func TestStatusTrackContribution(t *testing.T) {
	for _, c := range []struct {
		name      string
		weight    int
		hasWeight bool
		ok        bool
		want      int // contribution
		effective int
		state     vrrp.State
	}{
		{"negative weight, script fails", -60, true, false, -60, 40, vrrp.StateBackup},
		{"negative weight, script ok", -60, true, true, 0, 100, vrrp.StateBackup},
		{"positive weight, script ok", 20, true, true, 20, 120, vrrp.StateBackup},
		{"positive weight, script fails", 20, true, false, 0, 100, vrrp.StateBackup},
		{"no weight, script fails", 0, false, false, 0, 100, vrrp.StateFault},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLAN(t)
			cfg := baseConfig(100)
			cfg.TrackScripts = []vrrp.Track{{Name: "chk", Weight: c.weight, HasWeight: c.hasWeight}}
			r := l.add("r1", 1, cfg)
			r.sp.Start()
			r.sp.SetScriptOK("chk", c.ok)
			st := r.sp.Status()
			if len(st.Tracks) != 1 {
				t.Fatalf("%d tracks, want 1", len(st.Tracks))
			}
			tr := st.Tracks[0]
			if tr.Kind != "script" || tr.Name != "chk" || tr.OK != c.ok || tr.Contribution != c.want {
				t.Errorf("got %+v, want script chk ok=%v contribution %d", tr, c.ok, c.want)
			}
			if st.Effective != c.effective || st.BasePriority != 100 || st.State != c.state {
				t.Errorf("effective %d base %d state %v, want %d 100 %v", st.Effective, st.BasePriority, st.State, c.effective, c.state)
			}
		})
	}
}

// TestSpeakerTracesEffectivePriorityChanges: every change of the effective
// priority (vrrp_track.c vrrp_set_effective_priority after a weighted
// track or a new base priority) leaves a "priority" note with the old and
// new value and why, so the report can show priority over time.
func TestSpeakerTracesEffectivePriorityChanges(t *testing.T) {
	l := newLAN(t)
	cfg := baseConfig(100)
	cfg.TrackScripts = []vrrp.Track{{Name: "chk", Weight: -60, HasWeight: true}}
	r := l.add("r1", 1, cfg)
	r.sp.Start()
	r.sp.SetScriptOK("chk", false)
	r.sp.SetScriptOK("chk", false) // no change, no record
	r.sp.SetBasePriority(120)
	r.sp.SetScriptOK("chk", true)
	type note struct{ from, to, why string }
	var got []note
	for _, rec := range l.trace {
		if rec.Kind == sim.KindNote && rec.Event == "priority" {
			if rec.Value2 != 51 || rec.Comp != "VI_1" || rec.To != strconv.FormatInt(rec.Value, 10) {
				t.Errorf("record %+v: want VRID 51, instance VI_1, To = Value", rec)
			}
			got = append(got, note{rec.From, rec.To, rec.Reason})
		}
	}
	want := []note{{"100", "40", "chk down"}, {"40", "60", "set_priority"}, {"60", "120", "chk up"}}
	if !slices.Equal(got, want) {
		t.Errorf("priority notes %v, want %v", got, want)
	}
}
