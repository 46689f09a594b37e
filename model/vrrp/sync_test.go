package vrrp_test

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
)

// syncPair builds one router with two instances VI_1 (VRID 51) and VI_2
// (VRID 52) in a vrrp_sync_group, both tracking script "chk" unweighted.
func syncPair(t *testing.T) (*lan, *router, *router) {
	l := newLAN(t)
	c1, c2 := baseConfig(150), baseConfig(120)
	c2.Name, c2.VRID = "VI_2", 52
	c2.VIPs = []netipAddr{ip(10, 0, 52, 254)}
	for _, c := range []*vrrp.Config{&c1, &c2} {
		c.TrackScripts = []vrrp.Track{{Name: "chk"}}
	}
	a := l.add("r1", 1, c1)
	b := l.add("r1", 1, c2)
	vrrp.NewSyncGroup("G", a.sp, b.sp)
	return l, a, b
}

// vrrp_sync.c keeps a sync group in FAULT while a member has a fault
// (num_member_fault). A member that stops on its own is left out of the
// group: its fault must stop holding the others in FAULT, and a member
// starting with a fault must put the group in FAULT. Before this rule a
// member halted in FAULT whose fault cleared while it was stopped left
// both members in FAULT for good.
func TestSyncGroupMemberStoppedInFaultDoesNotHoldTheGroup(t *testing.T) {
	for _, stop := range []struct {
		name string
		fn   func(*vrrp.Speaker)
	}{{"halt", (*vrrp.Speaker).Halt}, {"shutdown", (*vrrp.Speaker).Shutdown}} {
		t.Run(stop.name, func(t *testing.T) {
			l, a, b := syncPair(t)
			a.sp.Start()
			b.sp.Start()
			l.runFor(5 * time.Second)
			wantState(t, a, vrrp.StateMaster)
			wantState(t, b, vrrp.StateMaster)
			b.sp.SetScriptOK("chk", false)
			wantState(t, b, vrrp.StateFault)
			wantState(t, a, vrrp.StateFault) // taken by the group
			stop.fn(b.sp)
			// b no longer counts: a comes back to BACKUP and, alone on
			// the LAN, to MASTER after its Master_Down_Interval.
			wantState(t, a, vrrp.StateBackup)
			l.runFor(5 * time.Second)
			wantState(t, a, vrrp.StateMaster)
			// b's script recovers while it is stopped; b starts again and
			// joins the master group as a BACKUP, then MASTER.
			b.sp.SetScriptOK("chk", true)
			b.sp.Start()
			wantState(t, b, vrrp.StateBackup)
			l.runFor(5 * time.Second)
			wantState(t, a, vrrp.StateMaster)
			wantState(t, b, vrrp.StateMaster)
			// b fails while stopped and starts with the fault: the group
			// goes to FAULT with it, and recovers with it.
			stop.fn(b.sp)
			b.sp.SetScriptOK("chk", false)
			b.sp.Start()
			wantState(t, b, vrrp.StateFault)
			wantState(t, a, vrrp.StateFault)
			b.sp.SetScriptOK("chk", true)
			wantState(t, a, vrrp.StateBackup)
			wantState(t, b, vrrp.StateBackup)
			l.runFor(5 * time.Second)
			wantState(t, a, vrrp.StateMaster)
			wantState(t, b, vrrp.StateMaster)
			// Both stop; b fails; a starts first and the group start counts
			// b's fault (a goes to FAULT); b's fault clears before b starts:
			// a is released.
			stop.fn(a.sp)
			stop.fn(b.sp)
			b.sp.SetScriptOK("chk", false)
			a.sp.Start()
			wantState(t, a, vrrp.StateFault)
			b.sp.SetScriptOK("chk", true)
			wantState(t, a, vrrp.StateBackup)
			b.sp.Start()
			l.runFor(5 * time.Second)
			wantState(t, a, vrrp.StateMaster)
			wantState(t, b, vrrp.StateMaster)
		})
	}
}
