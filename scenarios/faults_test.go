package scenarios

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestFaultActionsMoveTheMaster runs one action (or a pair) against the
// inject world (r1 150 master from 3.414 s, r2 100) and checks who is
// master of VI_1 at 15 s, and that no action failed.
func TestFaultActionsMoveTheMaster(t *testing.T) {
	for _, tc := range []struct {
		name, timeline, want string
	}{
		{"crash", "{at: 10s, crash: r1}", "r2"},
		{"crash and restart: r1 preempts again", "{at: 6s, crash: r1}\n  - {at: 8s, restart: r1}", "r1"},
		{"stop sends priority 0", "{at: 10s, stop: r1}", "r2"},
		{"link_down puts the instance in FAULT", "{at: 10s, link_down: {node: r1, interface: eth0}}", "r2"},
		// The switch port dies but r1's NIC keeps carrier: VRRP on r1 does
		// not notice and stays master of its own island.
		{"port_down: both masters", "{at: 10s, port_down: {segment: lan, node: r1}}", "r1+r2"},
		{"block vrrp from r1 to r2", "{at: 10s, block: {segment: lan, class: vrrp, from: r1, to: r2}}", "r1+r2"},
		{"block vrrp from r2 to r1 changes nothing", "{at: 10s, block: {segment: lan, class: vrrp, from: r2, to: r1}}", "r1"},
		{"block arp changes nothing for VRRP", "{at: 10s, block: {segment: lan, class: arp}}", "r1"},
		{"total loss", "{at: 10s, impair: {segment: lan, loss: 1}}", "r1+r2"},
		{"set_priority below the backup", "{at: 10s, set_priority: {node: r1, instance: VI_1, priority: 90}}", "r2"},
		{"partition", "{at: 10s, partition: {segment: lan, groups: [[r1, h1], [r2]]}}", "r1+r2"},
		{"partition healed", "{at: 6s, partition: {segment: lan, groups: [[r1, h1], [r2]]}}\n  - {at: 12s, heal: lan}", "r1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _ := injectRun(t, "", "timeline:\n  - "+tc.timeline+"\n", nil)
			masters := map[string]bool{}
			for _, r := range recs {
				if r.Kind == sim.KindDrop && r.Comp == "timeline" {
					t.Errorf("action failed: %s", r.Reason)
				}
				if r.Kind == sim.KindState && r.Comp == "VI_1" && r.At <= sim.Time(15*time.Second) {
					masters[r.Node] = r.To == "MASTER"
				}
			}
			got := ""
			for _, n := range []string{"r1", "r2"} {
				if masters[n] {
					if got != "" {
						got += "+"
					}
					got += n
				}
			}
			if got != tc.want {
				t.Errorf("masters at 15s: got %q, want %q", got, tc.want)
			}
		})
	}
}
