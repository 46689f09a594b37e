package node_test

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/wire"
)

// TestARPRequestsCarryZeroTargetMAC (issue 13 item 14): Linux arp_solicit
// calls arp_send_dst with no target_hw, and arp_create zeroes the target
// hardware address, so every request, the broadcast ones and the unicast
// PROBE-state ones sent to the cached MAC alike, carries
// 00:00:00:00:00:00 there.
func TestARPRequestsCarryZeroTargetMAC(t *testing.T) {
	w := newFidWorld(t)
	r1 := w.router("r1", 1, 0, vi(51, 150))
	h2 := w.host("h2", 20, fidVIP, 0)
	if _, err := h2.AddFlow(node.FlowConfig{Name: "p", Kind: node.FlowPing, To: fidVIP, Interval: 100 * time.Millisecond, Start: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r1.Start()
	h2.Start()
	w.run(80 * time.Second) // long enough for entries to go STALE and be probed
	var bcast, ucast int
	for _, fr := range w.frames {
		// keepalived's gratuitous ARPs (sender = target = VIP) are built
		// in userspace (vrrp_arp.c), not by arp_solicit.
		if !fr.f.HasARP || fr.f.ARP.Op != wire.ARPRequest || fr.f.ARP.SenderIP == fr.f.ARP.TargetIP {
			continue
		}
		if fr.f.Dst == wire.Broadcast {
			bcast++
		} else {
			ucast++
		}
		if fr.f.ARP.TargetMAC != (wire.MAC{}) {
			t.Errorf("request to %v for %v: target MAC %v, want 00:00:00:00:00:00", fr.f.Dst, fr.f.ARP.TargetIP, fr.f.ARP.TargetMAC)
		}
	}
	if bcast == 0 || ucast == 0 {
		t.Fatalf("saw %d broadcast and %d unicast requests, want some of each", bcast, ucast)
	}
}
