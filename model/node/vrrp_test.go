package node_test

import (
	"maps"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// RFC 3768 section 7.3 and keepalived use_vmac: adverts and gratuitous
// ARPs leave from the virtual MAC 00:00:5e:00:01:VRID (Ethernet source and
// ARP sender hardware address); without use_vmac both carry the
// interface's own MAC, as in the frames captured from keepalived 2.2.7.
func TestVRRPGlueSourceMACOfAdvertsAndGARPs(t *testing.T) {
	for _, c := range []struct {
		name    string
		useVMAC bool
	}{{"use_vmac", true}, {"real MAC", false}} {
		t.Run(c.name, func(t *testing.T) {
			w := newFidWorld(t)
			r1 := w.router("r1", 1, 0, vi(51, 150, func(cfg *vrrp.Config) { cfg.UseVMAC = c.useVMAC }))
			r1.Start()
			w.run(10 * time.Second)
			want := r1.Interfaces()[0].MAC()
			if c.useVMAC {
				want = wire.VirtualMAC(51)
			}
			adverts, garps := w.sent(want, 0, 10*time.Second)
			// Master at 3.414 s: adverts at 3.414 + k s (7), GARPs 5 + 5.
			if len(adverts) != 7 || len(garps) != 10 {
				t.Fatalf("from %v: got %d adverts and %d GARPs, want 7 and 10", want, len(adverts), len(garps))
			}
			for _, g := range garps {
				if g.f.ARP.SenderMAC != want {
					t.Errorf("GARP sender MAC: got %v, want %v", g.f.ARP.SenderMAC, want)
				}
			}
			for _, a := range adverts {
				if a.f.Dst != wire.MulticastMAC(wire.VRRPGroup) || a.f.IP.TTL != 255 {
					t.Errorf("advert: got dst %v TTL %d, want %v TTL 255", a.f.Dst, a.f.IP.TTL, wire.MulticastMAC(wire.VRRPGroup))
				}
			}
		})
	}
}

// keepalived's vrrp_dispatcher_read: an advert whose VRID has no instance
// on the interface it came in on is dropped and counted (vrrp_unknown_vrid)
// by a running keepalived; a router with no instance runs no VRRP socket
// and a host has none, so neither counts anything, and a stopped daemon
// counts nothing either. The counts are the same whether the segment
// delivers every advert to every port or takes the advert path (one tally
// per interface at the end, FlushAdvertDrops).
func TestUnknownVRIDCountedByRunningInstancesOnly(t *testing.T) {
	for _, path := range []bool{false, true} {
		w := newFidWorld(t)
		w.seg.SetAdvertPath(path)
		r1 := w.router("r1", 1, 0, vi(51, 100))
		r2 := w.router("r2", 2, 0)
		h := w.host("h", 10, fidVIP, 0)
		for _, n := range []*node.Node{r1, r2, h} {
			n.Start()
		}
		for _, s := range []time.Duration{1, 2, 3} {
			w.at(s*time.Second, func() { w.inject(52, 100) }) // unknown to r1
		}
		w.at(2500*time.Millisecond, func() { w.inject(51, 200) }) // r1's own VRID
		w.at(3500*time.Millisecond, func() { r1.StopDaemon() })
		w.at(4*time.Second, func() { w.inject(52, 100) })
		w.run(5 * time.Second)
		for _, n := range []*node.Node{r1, r2, h} {
			n.FlushAdvertDrops()
		}
		got := map[string]int64{}
		for _, r := range w.recs {
			if r.Kind == sim.KindDrop && r.Reason == "vrrp_unknown_vrid" {
				got[r.Node] += max(r.Value, 1) // a tally, or one drop
			}
		}
		if want := map[string]int64{"r1": 3}; !maps.Equal(got, want) {
			t.Errorf("advert path %v: unknown-VRID drops %v, want %v", path, got, want)
		}
	}
}
