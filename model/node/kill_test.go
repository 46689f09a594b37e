package node_test

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestKillDaemonLeavesVIPsAndStopsAdverts (issue 13 item 15): kill -9 of
// keepalived is not a crash (the node keeps running) and not a stop (no
// priority-0 advert, no clean-up): the VIP stays on the interface while
// no advert leaves, so the backup takes over and two nodes hold the VIP.
// Starting keepalived again removes the leftover VIP first
// (vrrp_restore_interfaces_startup).
func TestKillDaemonLeavesVIPsAndStopsAdverts(t *testing.T) {
	w := newFidWorld(t)
	r1 := w.router("r1", 1, 0, vi(51, 150))
	r2 := w.router("r2", 2, 0, vi(51, 100))
	r1.Start()
	r2.Start()
	var at11r1, at15r2, at21r1 int
	w.at(10*time.Second, r1.KillDaemon)
	w.at(11*time.Second, func() { at11r1 = len(r1.Interfaces()[0].VIPs()) })
	w.at(15*time.Second, func() { at15r2 = len(r2.Interfaces()[0].VIPs()) })
	w.at(20*time.Second, r1.StartDaemon)
	w.at(21*time.Second, func() { at21r1 = len(r1.Interfaces()[0].VIPs()) })
	w.run(22 * time.Second)
	if at11r1 != 1 {
		t.Errorf("r1 holds %d VIPs 1 s after kill -9, want 1 (the kernel keeps the address)", at11r1)
	}
	if at15r2 != 1 {
		t.Errorf("r2 holds %d VIPs at 15 s, want 1 (it took over after Master_Down_Interval)", at15r2)
	}
	if at21r1 != 0 {
		t.Errorf("r1 holds %d VIPs after keepalived restarted as backup, want 0", at21r1)
	}
	r1mac := r1.Interfaces()[0].MAC()
	for _, fr := range w.frames {
		if fr.f.HasVRRP && fr.f.Src == r1mac && fr.at > sim.Time(10*time.Second) && fr.at < sim.Time(20*time.Second) {
			t.Errorf("r1 sent a VRRP advert (priority %d) at %v after kill -9, want none", fr.f.VRRP.Priority, fr.at)
		}
	}
}
