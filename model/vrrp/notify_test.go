package vrrp_test

import (
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// notifies returns "NODE KIND STATE ARGV" per notify record, in order.
func (l *lan) notifies() []string {
	var out []string
	for _, r := range l.trace {
		if r.Kind == sim.KindNote && r.Event == "notify" {
			out = append(out, r.Node+" "+r.From+" "+r.To+" "+r.Reason)
		}
	}
	return out
}

// vrrp_notify.c notify_script_exec and notify_fifo: the argv and line
// keepalived builds for each state.
func TestNotifyCallsFollowKeepalivedArgv(t *testing.T) {
	n := vrrp.Notify{
		Master:  []string{"/etc/keepalived/master.sh", "up"},
		Generic: []string{"/usr/bin/notify.sh"},
		FIFO:    "/run/keepalived.fifo",
	}
	tests := []struct {
		typ, name, state string
		prio             int
		want             []string // KIND: quoted argv
	}{
		{vrrp.NotifyInstance, "VI_1", "MASTER", 150, []string{
			"notify_master: /etc/keepalived/master.sh up",
			"notify: /usr/bin/notify.sh INSTANCE VI_1 MASTER 150",
			`notify_fifo: /run/keepalived.fifo 'INSTANCE "VI_1" MASTER 150'`,
		}},
		// No notify_backup: only the generic script and the fifo.
		{vrrp.NotifyInstance, "VI_1", "BACKUP", 100, []string{
			"notify: /usr/bin/notify.sh INSTANCE VI_1 BACKUP 100",
			`notify_fifo: /run/keepalived.fifo 'INSTANCE "VI_1" BACKUP 100'`,
		}},
		// A group's priority is always 0 (send_group_notifies).
		{vrrp.NotifyGroup, "G1", "STOP", 0, []string{
			"notify: /usr/bin/notify.sh GROUP G1 STOP 0",
			`notify_fifo: /run/keepalived.fifo 'GROUP "G1" STOP 0'`,
		}},
		// send_event_notify: no notify_master_rx_lower_pri here, and the
		// generic script is not run for the event; only the fifo line.
		{vrrp.NotifyInstance, "VI_1", vrrp.NotifyEventRxLowerPri, 150, []string{
			`notify_fifo: /run/keepalived.fifo 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150'`,
		}},
		// The event is an instance's: a group fires nothing for it.
		{vrrp.NotifyGroup, "G1", vrrp.NotifyEventRxLowerPri, 0, nil},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range n.NotifyCalls(tc.typ, tc.name, tc.state, tc.prio) {
			got = append(got, c.Kind+": "+vrrp.QuoteArgv(c.Argv))
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s %s %s: got\n%s\nwant\n%s", tc.typ, tc.name, tc.state, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// send_instance_notifies on each transition: BACKUP at start
// (vrrp_init_state), MASTER when the master-down timer fires, BACKUP when
// preempted; notify_stop after a graceful stop (notify_shutdown). A
// crash fires nothing (the process is gone).
func TestNotifyOnEveryTransitionInKeepalivedOrder(t *testing.T) {
	l := newLAN(t)
	mk := func(prio int) vrrp.Config {
		c := baseConfig(prio)
		c.Notify = vrrp.Notify{
			Master: []string{"m.sh"}, Backup: []string{"b.sh"}, Stop: []string{"s.sh"},
			Generic: []string{"n.sh"},
		}
		return c
	}
	r1 := l.add("r1", 1, mk(200))
	r2 := l.add("r2", 2, mk(100))
	r2.sp.Start()
	l.runUntil(10 * sim.Second) // r2 alone: master
	r1.sp.Start()               // r1 preempts after its Master_Down_Interval
	l.runUntil(20 * sim.Second)
	r1.sp.Halt() // crash: no notify from r1
	l.runUntil(30 * sim.Second)
	r2.sp.Shutdown()
	r2.sp.NotifyStop()
	want := []string{
		"r2 notify_backup BACKUP b.sh",
		"r2 notify BACKUP n.sh INSTANCE VI_1 BACKUP 100",
		"r2 notify_master MASTER m.sh",
		"r2 notify MASTER n.sh INSTANCE VI_1 MASTER 100",
		"r1 notify_backup BACKUP b.sh",
		"r1 notify BACKUP n.sh INSTANCE VI_1 BACKUP 200",
		"r1 notify_master MASTER m.sh",
		"r1 notify MASTER n.sh INSTANCE VI_1 MASTER 200",
		"r2 notify_backup BACKUP b.sh",
		"r2 notify BACKUP n.sh INSTANCE VI_1 BACKUP 100",
		"r2 notify_master MASTER m.sh",
		"r2 notify MASTER n.sh INSTANCE VI_1 MASTER 100",
		"r2 notify_stop STOP s.sh",
		"r2 notify STOP n.sh INSTANCE VI_1 STOP 100",
	}
	got := l.notifies()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Without notify commands nothing is traced (existing goldens unchanged).
func TestNotifyNothingWhenUnset(t *testing.T) {
	l, _, _ := pair(t, 200, 100, nil)
	if got := l.notifies(); len(got) != 0 {
		t.Errorf("got %d notify records, want 0: %v", len(got), got)
	}
}

// vrrp_sync.c vrrp_sync_master: the members move first (their own
// notifies), then the group's state and send_group_notifies.
func TestNotifySyncGroupAfterItsMembers(t *testing.T) {
	l := newLAN(t)
	c1 := baseConfig(100)
	c1.Notify.Generic = []string{"n.sh"}
	c2 := baseConfig(100)
	c2.Name, c2.VRID = "VI_2", 52
	c2.Notify.Generic = []string{"n.sh"}
	a := l.add("r1", 1, c1)
	b := l.add("r1", 1, c2)
	g := vrrp.NewSyncGroup("G1", a.sp, b.sp)
	g.SetNotify(vrrp.Notify{Master: []string{"gm.sh"}})
	a.sp.Start()
	b.sp.Start()
	l.runUntil(10 * sim.Second)
	got := l.notifies()
	want := []string{
		"r1 notify BACKUP n.sh INSTANCE VI_1 BACKUP 100",
		"r1 notify BACKUP n.sh INSTANCE VI_2 BACKUP 100",
		// VI_1's timer fires first but vrrp_sync_can_goto_master holds
		// it until VI_2 wants MASTER too; VI_2 then takes it along.
		"r1 notify MASTER n.sh INSTANCE VI_2 MASTER 100",
		"r1 notify MASTER n.sh INSTANCE VI_1 MASTER 100",
		"r1 notify_master MASTER gm.sh",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// vrrp.c vrrp_state_master_rx: a MASTER that hears a lower-priority
// advert (a split brain ending) runs notify_master_rx_lower_pri and
// writes MASTER_RX_LOWER_PRI to the fifo (send_event_notify); the
// generic notify script is not run for it.
func TestNotifyMasterRxLowerPri(t *testing.T) {
	l := newLAN(t)
	mk := func(prio int) vrrp.Config {
		c := baseConfig(prio)
		c.Notify = vrrp.Notify{RxLowerPri: []string{"/bin/lower"}, Generic: []string{"n.sh"}, FIFO: "/f"}
		return c
	}
	r1 := l.add("r1", 1, mk(200))
	r2 := l.add("r2", 2, mk(100))
	r1.sp.Start()
	r2.sp.Start()
	l.runUntil(10 * sim.Second)
	r1.cut = true // r2 hears nothing: both become master
	l.runUntil(20 * sim.Second)
	// Rejoin just after r1's advert, so r2's comes first and r1 hears
	// the lower priority (were r1's first, r2 would yield in silence).
	l.runUntil(r1.lastAdvertBefore(20*sim.Second) + sim.Second + sim.Millisecond)
	l.trace = nil
	r1.cut = false
	l.runUntil(l.k.Now() + 2*sim.Second)
	var got []string
	for _, n := range l.notifies() {
		if strings.HasPrefix(n, "r1 ") {
			got = append(got, n)
		}
	}
	want := []string{
		"r1 notify_master_rx_lower_pri MASTER_RX_LOWER_PRI /bin/lower",
		`r1 notify_fifo MASTER_RX_LOWER_PRI /f 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 200'`,
	}
	if len(got) < 2 || strings.Join(got[:2], "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant first\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, g := range got {
		if strings.Contains(g, "n.sh") && strings.Contains(g, "MASTER_RX_LOWER_PRI") {
			t.Errorf("the generic notify ran for the event: %s", g)
		}
	}
}
