package node_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestChecksDriveTheDirector: a director d probes rs1 with TCP_CHECK
// (delay_loop 6, connect_timeout 3, retry 3, delay_before_retry 1,
// warmup 0) over the LAN; rs1's service fails at 20 s and recovers at
// 60 s. The director's table follows docs/checks.md's derivation
// (tcp_epilog) to within the LAN's round trips: out at 28 s (refused) or
// 40 s (black hole), back at 61 s or 67 s.
func TestChecksDriveTheDirector(t *testing.T) {
	for _, tc := range []struct {
		fault     tcp.FaultKind
		out, back time.Duration
	}{
		{tcp.FaultRefuse, 28 * time.Second, 61 * time.Second},
		{tcp.FaultBlackhole, 40 * time.Second, 67 * time.Second},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			k := sim.New(1)
			var dests []string
			k.AddTracer(func(r *sim.Record) {
				if r.Kind == sim.KindIPVS && r.Event == "dest" && r.At > 0 { // the director's own setup at 0 aside
					dests = append(dests, fmt.Sprintf("%s %s", r.Reason, r.To))
					if r.Reason == "remove" && !near(r.At, tc.out) || r.Reason == "add" && !near(r.At, tc.back) {
						t.Errorf("%s %s at %v, want near %v / %v", r.Reason, r.To, time.Duration(r.At), tc.out, tc.back)
					}
				}
			})
			seg := lan.New(k, "lan", lan.Config{})
			d := node.New(k, node.Config{Name: "d", Kind: node.KindRouter, Forwarding: true})
			rs := node.New(k, node.Config{Name: "rs1", Kind: node.KindServer})
			if _, err := d.AddInterface("eth0", dpMAC(1, 1), []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("10.0.0.100/24")}, seg, arp.Config{}); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.AddInterface("eth0", dpMAC(11, 1), []netip.Prefix{netip.MustParsePrefix("10.0.0.11/24")}, seg, arp.Config{}); err != nil {
				t.Fatal(err)
			}
			if err := rs.AddService(tcpWeb); err != nil {
				t.Fatal(err)
			}
			rsAddr := netip.MustParseAddrPort("10.0.0.11:80")
			if _, err := d.AddDirector([]lb.ServiceConfig{{Proto: lb.ProtoTCP, VIP: netip.MustParseAddrPort("10.0.0.100:80"), Sched: "rr", Kind: lb.KindNAT,
				Reals: []lb.RealConfig{{Name: "rs1", Addr: rsAddr, Weight: 1}}}}); err != nil {
				t.Fatal(err)
			}
			tm := check.Timing{DelayLoop: check.Some(6 * time.Second), ConnectTimeout: check.Some(3 * time.Second), Retry: check.Some(3),
				DelayBeforeRetry: check.Some(time.Second), Warmup: check.Some(time.Duration(0))}
			svcs, err := d.AddChecks([]check.ServiceConfig{{Name: "TCP 10.0.0.100:80", Timing: tm,
				Reals: []check.RealConfig{{Name: "rs1", Addr: rsAddr, Weight: 1, Checkers: []check.CheckerConfig{{Kind: check.KindTCP}}}}}})
			if err != nil {
				t.Fatal(err)
			}
			d.Start()
			rs.Start()
			k.At(sim.Time(20*time.Second), func() { _ = rs.SetServiceFault(80, tcp.Fault{Kind: tc.fault}) })
			k.At(sim.Time(60*time.Second), func() { _ = rs.SetServiceFault(80, tcp.Fault{}) })
			k.Run(sim.Time(80 * time.Second))
			if fmt.Sprint(dests) != "[remove rs1 add rs1]" {
				t.Errorf("director changes %v, want [remove rs1 add rs1]", dests)
			}
			c := svcs[0].Reals()[0].Checkers()[0]
			if c.Probes < 10 || c.Failures < 4 {
				t.Errorf("%d probes, %d failures", c.Probes, c.Failures)
			}
			// The director closes first, so its side waits in TIME_WAIT
			// (60 s): at most one per probe of the last minute.
			if d.TCP().Live() > 60/6+1 || rs.TCP().Live() > 1 {
				t.Errorf("probe connections pile up: director %d, rs1 %d", d.TCP().Live(), rs.TCP().Live())
			}
		})
	}
}

func near(at sim.Time, want time.Duration) bool {
	d := time.Duration(at) - want
	return d >= 0 && d < 50*time.Millisecond
}
