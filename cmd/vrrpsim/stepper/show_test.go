package stepper

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestShowIPVSListsServicesAsIpvsadm: show ipvs prints what ipvsadm -Ln
// prints: the service with its scheduler, then the real servers in the
// kernel's list order (newest first, as DESIGN.md states for
// ip_vs_add_dest) with the forwarding method as fwd_name (ipvsadm.c) names it,
// weight and active/inactive counters.
func TestShowIPVSListsServicesAsIpvsadm(t *testing.T) {
	k := sim.New(1)
	seg := lan.New(k, "lan", lan.Config{})
	n := node.New(k, node.Config{Name: "lb1", Kind: node.KindRouter, Forwarding: true})
	if _, err := n.AddInterface("eth0", wire.MAC{2, 0, 0, 0, 9, 1}, []netip.Prefix{netip.MustParsePrefix("10.0.0.5/24")}, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	_, err := n.AddDirector([]lb.ServiceConfig{{
		Proto: lb.ProtoTCP, VIP: netip.MustParseAddrPort("10.0.0.100:80"), Sched: "wrr", Kind: lb.KindDR,
		Reals: []lb.RealConfig{
			{Name: "s1", Addr: netip.MustParseAddrPort("10.0.0.11:80"), Weight: 3},
			{Name: "s2", Addr: netip.MustParseAddrPort("10.0.0.12:80"), Weight: 1},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	(&Stepper{}).showIPVS(&b, n, false)
	out := b.String()
	i1, i2 := strings.Index(out, "-> 10.0.0.11:80"), strings.Index(out, "-> 10.0.0.12:80")
	if !strings.Contains(out, "TCP 10.0.0.100:80 wrr") || i1 < 0 || i2 < 0 {
		t.Fatalf("show ipvs:\n%s", out)
	}
	for _, want := range []string{"-> 10.0.0.11:80          Route   3      0          0", "-> 10.0.0.12:80          Route   1      0          0"} {
		if !strings.Contains(out, want) {
			t.Errorf("show ipvs lacks %q:\n%s", want, out)
		}
	}
	if i2 > i1 {
		t.Errorf("s2 (added last) should head the list, as in the kernel:\n%s", out)
	}
	b.Reset()
	(&Stepper{}).showIPVS(&b, node.New(k, node.Config{Name: "h1"}), false)
	if b.String() != "no LVS director on h1\n" {
		t.Errorf("a node without a director: %q", b.String())
	}
}

// TestShowIPVSSyncDaemon: like ipvsadm -L --daemon, the sync daemons that
// run: keepalived starts the backup one with lvs_sync_daemon.
func TestShowIPVSSyncDaemon(t *testing.T) {
	k := sim.New(1)
	seg := lan.New(k, "lan", lan.Config{})
	n := node.New(k, node.Config{Name: "lb1", Kind: node.KindRouter, Forwarding: true})
	if _, err := n.AddInterface("eth1", wire.MAC{2, 0, 0, 0, 9, 1}, []netip.Prefix{netip.MustParsePrefix("10.0.0.5/24")}, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	vip := netip.MustParseAddr("10.0.0.100")
	if _, err := n.AddVRRP(vrrp.Config{Name: "VI_1", Interface: "eth1", VRID: 51, Priority: 100, VIPs: []netip.Addr{vip}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.AddDirector([]lb.ServiceConfig{{Proto: lb.ProtoTCP, VIP: netip.AddrPortFrom(vip, 80),
		Reals: []lb.RealConfig{{Name: "s1", Addr: netip.MustParseAddrPort("10.0.0.11:80"), Weight: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if err := n.AddSyncDaemon(node.SyncDaemonConfig{Interface: "eth1", Instance: "VI_1", SyncID: 51}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	(&Stepper{}).showIPVS(&b, n, false)
	if !strings.Contains(b.String(), "  backup sync daemon (mcast=eth1, syncid=51)\n") || strings.Contains(b.String(), "master sync") {
		t.Fatalf("show ipvs:\n%s", b.String())
	}
}

// TestForwardName: the Forward column names the method as ipvsadm's
// fwd_name does (IP_VS_CONN_F_MASQ "Masq", _DROUTE "Route", _TUNNEL
// "Tunnel"); FULLNAT, absent from mainline ipvsadm, keeps its lb_kind.
func TestForwardName(t *testing.T) {
	for _, tc := range []struct {
		k    lb.Kind
		want string
	}{
		{lb.KindNAT, "Masq"},
		{lb.KindDR, "Route"},
		{lb.KindTUN, "Tunnel"},
		{lb.KindFULLNAT, "FULLNAT"},
	} {
		if got := forwardName(tc.k); got != tc.want {
			t.Errorf("forwardName(%v) = %q, want %q", tc.k, got, tc.want)
		}
	}
}
