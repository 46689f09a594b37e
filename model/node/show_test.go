package node_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestShowAccessorsOnADriftingClock: on a node whose clock drifts, the
// speaker's timers are local-clock timers; the show views still read their
// deadline in virtual time (sim.Deadline). A master holds its VIP on the
// interface (VIPs) and StopDaemon releases it (keepalived's shutdown
// removes the addresses, vrrp_restore_interface).
func TestShowAccessorsOnADriftingClock(t *testing.T) {
	k := sim.New(1)
	seg := lan.New(k, "lan", lan.Config{})
	n := node.New(k, node.Config{Name: "r1", Kind: node.KindRouter, Forwarding: true, ClockDrift: 1000})
	pfx := netip.MustParsePrefix("10.0.0.1/24")
	if _, err := n.AddInterface("eth0", wire.MAC{2, 0, 0, 0, 1, 1}, []netip.Prefix{pfx}, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	vip := netip.MustParseAddr("10.0.0.254")
	if _, err := n.AddVRRP(vrrp.Config{Name: "VI_1", Interface: "eth0", VRID: 51, Priority: 150, VIPs: []netip.Addr{vip}, PrimaryIP: pfx.Addr()}); err != nil {
		t.Fatal(err)
	}
	n.Start()
	k.Run(sim.D(10 * time.Second))
	st := n.Speakers()[0].Status()
	now := k.Now()
	if st.State != vrrp.StateMaster || !st.AdvertArmed || st.AdvertAt <= now || st.AdvertAt.Sub(now) > time.Second {
		t.Errorf("status %v, advert armed %v at %v (now %v): want MASTER, advert due within 1 s", st.State, st.AdvertArmed, st.AdvertAt, now)
	}
	if !n.DaemonUp() {
		t.Error("DaemonUp() = false for a started router")
	}
	if got := n.Interfaces()[0].VIPs(); len(got) != 1 || got[0].IP != vip || got[0].MAC != (wire.MAC{2, 0, 0, 0, 1, 1}) {
		t.Errorf("VIPs() = %+v, want %v with the interface MAC", got, vip)
	}
	n.StopDaemon()
	k.Run(sim.D(11 * time.Second))
	if n.DaemonUp() || len(n.Interfaces()[0].VIPs()) != 0 {
		t.Errorf("after StopDaemon: DaemonUp %v, VIPs %+v; want false, none", n.DaemonUp(), n.Interfaces()[0].VIPs())
	}
}
