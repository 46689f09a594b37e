package node_test

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
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
