package node_test

// Linux arp_ignore and arp_announce on an LVS-DR real server: the VIP sits
// on lo, so it is a local address (RTN_LOCAL) that arp_process would answer
// on any interface unless arp_ignore says otherwise, and that arp_solicit
// would put in its own requests unless arp_announce says otherwise.

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

var (
	rsEth0    = netip.MustParseAddr("10.0.0.11")
	rsEth1    = netip.MustParseAddr("10.0.1.11")
	rsVIP     = netip.MustParseAddr("10.0.0.100")
	rsFarVIP  = netip.MustParseAddr("172.16.0.100")
	rsGateway = netip.MustParseAddr("10.0.0.1")
	probeMAC  = wire.MAC{0x02, 0xee, 0, 0, 0, 9}
)

type rsLab struct {
	k     *sim.Kernel
	rs    *node.Node
	probe *dpProbe
	drops map[string]int
}

// newRSLab builds a real server rs (eth0 10.0.0.11/24 on lan, eth1
// 10.0.1.11/24 on srv, VIPs on lo) with a bare probe port on lan.
func newRSLab(t *testing.T, cfg node.Config, eth0Ignore, eth0Announce int, lo ...netip.Addr) *rsLab {
	t.Helper()
	k := sim.New(1)
	l := &rsLab{k: k, drops: map[string]int{}}
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindDrop {
			l.drops[r.Reason]++
		}
	})
	seg, srv := lan.New(k, "lan", lan.Config{}), lan.New(k, "srv", lan.Config{})
	cfg.Name, cfg.Kind = "rs", node.KindServer
	cfg.Routes = []node.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: rsGateway}}
	l.rs = node.New(k, cfg)
	eth0, err := l.rs.AddInterface("eth0", dpMAC(11, 1), dpPrefix("10.0.0.11/24"), seg, arp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := eth0.SetARPSysctls(eth0Ignore, eth0Announce); err != nil {
		t.Fatal(err)
	}
	if _, err := l.rs.AddInterface("eth1", dpMAC(11, 2), dpPrefix("10.0.1.11/24"), srv, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	var ps []netip.Prefix
	for _, a := range lo {
		ps = append(ps, netip.PrefixFrom(a, 32))
	}
	if err := l.rs.AddLoopback(ps); err != nil {
		t.Fatal(err)
	}
	l.probe = &dpProbe{mac: probeMAC}
	l.probe.port = seg.Attach("probe", "eth0", l.probe)
	l.rs.Start()
	return l
}

// ask sends a who-has tip from sip on lan and reports whether rs replied.
func (l *rsLab) ask(t *testing.T, sip, tip netip.Addr) (replied bool, mac wire.MAC) {
	t.Helper()
	enc := wire.NewEncoder()
	fr, err := enc.ARPFrame(wire.Broadcast, probeMAC, wire.ARP{Op: wire.ARPRequest, SenderMAC: probeMAC, SenderIP: sip, TargetIP: tip})
	if err != nil {
		t.Fatal(err)
	}
	l.probe.frames = nil
	l.probe.port.Send(append([]byte(nil), fr...))
	l.k.Run(l.k.Now().Add(time.Millisecond))
	dec := wire.NewDecoder()
	for _, b := range l.probe.frames {
		var f wire.Frame
		if dec.Decode(b, &f) == nil && f.HasARP && f.ARP.Op == wire.ARPReply && f.ARP.SenderIP == tip {
			return true, f.ARP.SenderMAC
		}
	}
	return false, wire.MAC{}
}

// TestArpIgnoreOnRealServer follows Linux arp_process (RTN_LOCAL branch)
// and arp_ignore(): which who-has requests arriving on eth0 rs answers.
func TestArpIgnoreOnRealServer(t *testing.T) {
	client := netip.MustParseAddr("10.0.0.50")
	offSubnet := netip.MustParseAddr("192.168.5.5")
	for _, tc := range []struct {
		name       string
		all, iface int // conf/all and conf/eth0 arp_ignore
		sip, tip   netip.Addr
		want       bool
	}{
		{"0: VIP on lo is answered on eth0 (the DR trap)", 0, 0, client, rsVIP, true},
		{"0: eth1's address is answered on eth0", 0, 0, client, rsEth1, true},
		{"0: eth0's own address", 0, 0, client, rsEth0, true},
		{"1: VIP on lo is not configured on eth0", 1, 0, client, rsVIP, false},
		{"1: eth1's address is not on eth0", 1, 0, client, rsEth1, false},
		{"1: eth0's own address", 1, 0, client, rsEth0, true},
		{"1 on the interface only: max(all, iface) applies", 0, 1, client, rsVIP, false},
		{"2: eth0's address, sender on its subnet", 2, 0, client, rsEth0, true},
		{"2: eth0's address, sender off its subnet", 2, 0, offSubnet, rsEth0, false},
		{"2: VIP on lo", 2, 0, client, rsVIP, false},
		{"8: never reply", 8, 0, client, rsEth0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newRSLab(t, node.Config{ArpIgnore: tc.all}, tc.iface, 0, rsVIP)
			got, mac := l.ask(t, tc.sip, tc.tip)
			if got != tc.want {
				t.Fatalf("rs replied = %v, want %v", got, tc.want)
			}
			if got && mac != dpMAC(11, 1) {
				t.Errorf("reply MAC %v, want eth0's %v (arp_send_dst uses dev->dev_addr)", mac, dpMAC(11, 1))
			}
			// An ignored request is consumed before the neighbour
			// update: rs must not learn the asker (out_consume_skb).
			eth0, _ := l.rs.Interface("eth0")
			_, learned := eth0.Cache().Lookup(tc.sip)
			if learned != tc.want {
				t.Errorf("rs learned %v = %v, want %v", tc.sip, learned, tc.want)
			}
			if !tc.want && l.drops["arp_ignore"] != 1 {
				t.Errorf("arp_ignore drops = %d, want 1", l.drops["arp_ignore"])
			}
		})
	}
}

// TestArpAnnounceWithVIPOnLoopback follows Linux arp_solicit: rs answers
// a ping sent to its VIP from an off-link client, so the reply (source =
// the VIP) goes to the gateway, which rs must resolve first. The sender IP
// of that request is the VIP under arp_announce 0, and under 1 when the VIP
// is on eth0's subnet (inet_addr_onlink); otherwise eth0's own address
// (inet_select_addr). A VIP in the request is what poisons the gateway's
// cache in the DR ARP trap.
func TestArpAnnounceWithVIPOnLoopback(t *testing.T) {
	farClient := netip.MustParseAddr("192.168.1.5")
	for _, tc := range []struct {
		name     string
		all, dev int
		vip      netip.Addr
		want     netip.Addr
	}{
		{"0, VIP in eth0's subnet", 0, 0, rsVIP, rsVIP},
		{"0, VIP off eth0's subnet", 0, 0, rsFarVIP, rsFarVIP},
		{"1, VIP in eth0's subnet", 1, 0, rsVIP, rsVIP},
		{"1, VIP off eth0's subnet", 1, 0, rsFarVIP, rsEth0},
		{"2, VIP in eth0's subnet", 2, 0, rsVIP, rsEth0},
		{"2 on eth0 only: max(all, iface)", 0, 2, rsVIP, rsEth0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newRSLab(t, node.Config{ArpAnnounce: tc.all, ArpIgnore: 1}, 0, tc.dev, tc.vip)
			l.probe.port.Send(icmpEcho(dpMAC(11, 1), probeMAC, farClient, tc.vip, 64, 1))
			l.k.Run(l.k.Now().Add(time.Millisecond))
			dec := wire.NewDecoder()
			var got []netip.Addr
			for _, b := range l.probe.frames {
				var f wire.Frame
				if dec.Decode(b, &f) == nil && f.HasARP && f.ARP.Op == wire.ARPRequest && f.ARP.TargetIP == rsGateway {
					got = append(got, f.ARP.SenderIP)
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("who-has %v tell %v, want tell %v", rsGateway, got, tc.want)
			}
		})
	}
}

func TestSetARPSysctlsRejectsUnmodelledValues(t *testing.T) {
	k := sim.New(1)
	n := node.New(k, node.Config{Name: "rs", Kind: node.KindServer})
	i, err := n.AddInterface("eth0", dpMAC(1, 1), dpPrefix("10.0.0.1/24"), lan.New(k, "lan", lan.Config{}), arp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ ignore, announce int }{{3, 0}, {9, 0}, {-1, 0}, {0, 3}, {0, -1}} {
		if err := i.SetARPSysctls(v.ignore, v.announce); err == nil {
			t.Errorf("SetARPSysctls(%d, %d) accepted", v.ignore, v.announce)
		}
	}
}

// TestIPIPNeedsTunl0: an IPIP packet for the node is decapsulated only if
// tunl0 is up (ipip_rcv finds the fallback tunnel), and its inner packet
// is taken only for a local address; then rs answers the inner ping from
// the VIP (so it resolves its gateway). Each case says which counter moves.
func TestIPIPNeedsTunl0(t *testing.T) {
	client := netip.MustParseAddr("192.168.1.5")
	director := netip.MustParseAddr("10.0.0.2")
	for _, tc := range []struct {
		name      string
		tunnel    []netip.Addr // nil: no tunl0
		inner     netip.Addr
		wantDrop  string
		wantReply bool
	}{
		{"no tunl0", nil, rsVIP, "ipip_no_tunnel", false},
		{"tunl0, inner for another address", []netip.Addr{rsVIP}, netip.MustParseAddr("10.0.0.99"), "not_for_us", false},
		{"tunl0 holds the VIP", []netip.Addr{rsVIP}, rsVIP, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newRSLab(t, node.Config{ArpIgnore: 1, ArpAnnounce: 2}, 0, 0)
			if tc.tunnel != nil {
				var ps []netip.Prefix
				for _, a := range tc.tunnel {
					ps = append(ps, netip.PrefixFrom(a, 32))
				}
				if err := l.rs.AddTunnel(ps); err != nil {
					t.Fatal(err)
				}
			}
			enc := wire.NewEncoder()
			inner, err := enc.ICMPPacket(wire.IPv4Header{ID: 1, TTL: 64, Protocol: wire.ProtoICMP, Src: client, Dst: tc.inner},
				wire.ICMPEcho{Type: wire.ICMPEchoRequest, ID: 7, Seq: 1}, []byte("tun"))
			if err != nil {
				t.Fatal(err)
			}
			inner = append([]byte(nil), inner...)
			outer, err := enc.IPIPPacket(wire.IPv4Header{ID: 2, TTL: 64, Protocol: wire.ProtoIPIP, Src: director, Dst: rsEth0}, inner)
			if err != nil {
				t.Fatal(err)
			}
			outer = append([]byte(nil), outer...)
			l.probe.port.Send(append([]byte(nil), enc.Ethernet(dpMAC(11, 1), probeMAC, wire.EtherTypeIPv4, outer)...))
			l.k.Run(l.k.Now().Add(time.Millisecond))
			for _, reason := range []string{"ipip_no_tunnel", "not_for_us"} {
				want := 0
				if reason == tc.wantDrop {
					want = 1
				}
				if l.drops[reason] != want {
					t.Errorf("%s drops = %d, want %d", reason, l.drops[reason], want)
				}
			}
			replied := false
			dec := wire.NewDecoder()
			for _, b := range l.probe.frames {
				var f wire.Frame
				if dec.Decode(b, &f) == nil && f.HasARP && f.ARP.TargetIP == rsGateway {
					replied = true // the echo reply from the VIP needs the gateway first
				}
			}
			if replied != tc.wantReply {
				t.Errorf("rs answered the inner ping = %v, want %v", replied, tc.wantReply)
			}
		})
	}
}
