package node_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestFidelityVMACAnswersOnlyOnTheMacvlan: with use_vmac the VIP lives on
// keepalived's macvlan, which receives broadcasts and frames for the
// virtual MAC and answers from the virtual MAC; a request sent to the
// master's real MAC reaches the base interface, where keepalived sets
// arp_ignore 1 (vrrp_if_config.c set_interface_parameters) and the VIP is
// not configured, so Linux arp_process consumes it unanswered.
func TestFidelityVMACAnswersOnlyOnTheMacvlan(t *testing.T) {
	vmac := wire.VirtualMAC(51)
	r1MAC := wire.MAC{2, 0, 0, 0, 1, 1}
	for _, c := range []struct {
		dst  wire.MAC
		want int // replies for the VIP, all from the virtual MAC
	}{
		{wire.Broadcast, 1},
		{vmac, 1},
		{r1MAC, 0},
	} {
		t.Run(fmt.Sprint(c.dst), func(t *testing.T) {
			w := newFidWorld(t)
			r1 := w.router("r1", 1, 0, vi(51, 150, func(c *vrrp.Config) { c.UseVMAC = true }))
			r1.Start()
			w.run(5 * time.Second) // master at 3.61 s
			frame, err := wire.NewEncoder().ARPFrame(c.dst, fidPMAC, wire.ARP{Op: wire.ARPRequest, SenderMAC: fidPMAC, SenderIP: fidProbe, TargetIP: fidVIP})
			if err != nil {
				t.Fatal(err)
			}
			w.at(5*time.Second, func() { w.probe.Send(frame) })
			w.run(6 * time.Second)
			got := 0
			for _, fr := range w.frames {
				if fr.f.HasARP && fr.f.ARP.Op == wire.ARPReply && fr.f.ARP.SenderIP == fidVIP && fr.f.Dst == fidPMAC {
					got++
					if fr.f.Src != vmac || fr.f.ARP.SenderMAC != vmac {
						t.Errorf("reply from %v is-at %v, want the virtual MAC %v", fr.f.Src, fr.f.ARP.SenderMAC, vmac)
					}
				}
			}
			if got != c.want {
				t.Errorf("request to %v: %d replies, want %d", c.dst, got, c.want)
			}
		})
	}
}

// TestFidelityVMACEntryEndsOnTheRealMACThenDead is issue 13 item 12 end to
// end. With use_vmac a master's adverts, GARPs and ARP replies come from
// the virtual MAC, but the kernel resolves a host for the master's own
// reply out of the base interface (the connected route), from its real
// MAC; with arp_announce 0 arp_solicit puts the reply's source, the VIP,
// in the request, and the host's arp_process updates its entry for the
// VIP to that MAC (STALE). A host that then goes quiet keeps it:
//
//   - r1 (150) is master; h2 pings the VIP from 5 s and resolves it to
//     the virtual MAC;
//   - r1 crashes at 10 s, r2 (100) takes over at 13.02 s; its advert
//     moves the virtual MAC in the FDB, h2's ping at 13.1 s reaches it,
//     and r2 ARPs for h2 from the VIP with its real MAC: h2's entry goes
//     STALE on r2's real MAC. h2 then goes quiet (its last ping is that
//     one), so nothing moves the entry to DELAY and PROBE: it stays;
//   - r2 crashes at 20 s, r3 (50) takes over at 23.4 s. The switch drops
//     every GARP (as in the no-garp lab), so only h2's neighbour timers
//     can move its entry;
//   - h2 pings again from 30 s: to r2's dead MAC, lost through DELAY (5 s)
//     and PROBE until the entry fails, although r3's adverts keep the
//     virtual MAC on r3's port.
//
// With arp_announce 2 on r2 the request carries r2's own address, h2's
// entry stays on the virtual MAC, and its pings at 30 s reach r3 at once.
func TestFidelityVMACEntryEndsOnTheRealMACThenDead(t *testing.T) {
	for _, c := range []struct {
		name      string
		announce  int
		wantReal  bool // h2's entry for the VIP on r2's real MAC after r2's crash
		wantAlive bool // h2's pings answered from 30 s to 35 s
	}{
		{"arp_announce 0", 0, true, false},
		{"arp_announce 2", 2, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			vmac := func(c *vrrp.Config) { c.UseVMAC = true }
			w := newFidWorld(t)
			w.seg.Block(lan.Rule{Class: lan.ClassGARP})
			r1 := w.router("r1", 1, 2, vi(51, 150, vmac))
			r2 := w.router("r2", 2, c.announce, vi(51, 100, vmac))
			r3 := w.router("r3", 3, 2, vi(51, 50, vmac))
			h2 := w.host("h2", 20, fidVIP, 0)
			for _, f := range []node.FlowConfig{
				{Name: "before", Kind: node.FlowPing, To: fidVIP, Interval: 100 * time.Millisecond, Start: 5 * time.Second, Stop: 13150 * time.Millisecond},
				{Name: "after", Kind: node.FlowPing, To: fidVIP, Interval: 100 * time.Millisecond, Start: 30 * time.Second},
			} {
				if _, err := h2.AddFlow(f); err != nil {
					t.Fatal(err)
				}
			}
			for _, n := range []*node.Node{r1, r2, r3, h2} {
				n.Start()
			}
			w.at(10*time.Second, r1.Crash)
			w.at(20*time.Second, r2.Crash)
			var dead arp.Entry
			w.at(29*time.Second, func() { dead, _ = h2.Interfaces()[0].Cache().Lookup(fidVIP) })
			w.run(35 * time.Second)

			if m := w.masterAt("r3"); len(m) != 1 || m[0] < sim.Time(20*time.Second) || m[0] > sim.Time(24*time.Second) {
				t.Fatalf("r3 master at %v, want once, between 20 s and 24 s", m)
			}
			want := wire.VirtualMAC(51)
			if c.wantReal {
				want = r2.Interfaces()[0].MAC()
			}
			if c.wantReal && dead.State != arp.StateStale {
				t.Errorf("h2's entry for %v at 29 s: state %v, want STALE (nothing sent since the drift)", fidVIP, dead.State)
			}
			if dead.MAC != want {
				t.Errorf("h2's entry for %v at 29 s: got %v (%v), want %v", fidVIP, dead.MAC, dead.State, want)
			}
			replies := 0
			for _, fr := range w.frames {
				if fr.at >= sim.Time(30*time.Second) && fr.f.HasICMP && fr.f.ICMP.Type == 0 && fr.f.IP.Dst == fidH2 {
					replies++
				}
			}
			// 50 pings from 30 s to 35 s: all answered, or none while the
			// entry goes through DELAY.
			if alive := replies >= 45; alive != c.wantAlive || (!alive && replies != 0) {
				t.Errorf("echo replies to h2 from 30 s to 35 s: %d, want answered %v", replies, c.wantAlive)
			}
		})
	}
}
