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

// TestChecksDriveTheDirector: a director d probes rs1 over the LAN
// (delay_loop 6, connect_timeout 3, retry 3, delay_before_retry 1,
// warmup 0); rs1's service fails at 20 s and recovers at 60 s. The
// director's table follows docs/checks.md's derivations to within the
// LAN's round trips: TCP_CHECK (tcp_epilog) out at 28 s refused or 40 s
// black-holed, back at the first good probe; HTTP_GET (epilog) out at
// the same times, back at the second good probe, 70 s. With alpha
// (validate_check_config, init_service_rs) rs1 leaves the table at the
// start and enters at its first good probe.
func TestChecksDriveTheDirector(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  check.Kind
		alpha bool
		fault tcp.FaultKind
		want  string // director changes after the start: CHANGE@SECONDS
	}{
		{"TCP_CHECK refused", check.KindTCP, false, tcp.FaultRefuse, "[remove@28 add@61]"},
		{"TCP_CHECK blackhole", check.KindTCP, false, tcp.FaultBlackhole, "[remove@40 add@67]"},
		{"HTTP_GET refused", check.KindHTTP, false, tcp.FaultRefuse, "[remove@28 add@70]"},
		{"HTTP_GET blackhole", check.KindHTTP, false, tcp.FaultBlackhole, "[remove@40 add@70]"},
		{"TCP_CHECK alpha", check.KindTCP, true, tcp.FaultRefuse, "[remove@0 add@1 remove@28 add@61]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(1)
			var dests []string
			started := false
			k.AddTracer(func(r *sim.Record) {
				if r.Kind == sim.KindIPVS && r.Event == "dest" && started {
					// whole seconds: the LAN's round trips are microseconds
					dests = append(dests, fmt.Sprintf("%s@%d", r.Reason, time.Duration(r.At)/time.Second))
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
				DelayBeforeRetry: check.Some(time.Second), Warmup: check.Some(time.Duration(0)), Alpha: check.Some(tc.alpha)}
			svcs, err := d.AddChecks([]check.ServiceConfig{{Name: "TCP 10.0.0.100:80", Timing: tm,
				Reals: []check.RealConfig{{Name: "rs1", Addr: rsAddr, Weight: 1, Checkers: []check.CheckerConfig{{Kind: tc.kind, URLs: []check.URL{{Path: "/"}}}}}}}})
			if err != nil {
				t.Fatal(err)
			}
			started = true
			d.Start()
			rs.Start()
			k.At(sim.Time(20*time.Second), func() { _ = rs.SetServiceFault(80, tcp.Fault{Kind: tc.fault}) })
			k.At(sim.Time(60*time.Second), func() { _ = rs.SetServiceFault(80, tcp.Fault{}) })
			k.Run(sim.Time(80 * time.Second))
			if got := fmt.Sprint(dests); got != tc.want {
				t.Errorf("director changes %s, want %s", got, tc.want)
			}
			c := svcs[0].Reals()[0].Checkers()[0]
			if c.Probes < 10 || c.Failures < 4 {
				t.Errorf("%d probes, %d failures", c.Probes, c.Failures)
			}
			// Whoever closes first (the director for TCP_CHECK, rs1 for
			// HTTP_GET) waits in TIME_WAIT for 60 s: at most one entry per
			// probe of the last minute.
			if d.TCP().Live()+rs.TCP().Live() > 60/6+2 {
				t.Errorf("probe connections pile up: director %d, rs1 %d", d.TCP().Live(), rs.TCP().Live())
			}
		})
	}
}

// TestSetMiscCheck: the timeline drives MISC_CHECK's result
// (misc_check_child_thread with retry 0: the first failed run removes
// the server, the first good one re-adds it).
func TestSetMiscCheck(t *testing.T) {
	k := sim.New(1)
	var dests []string
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindIPVS && r.Event == "dest" && r.At > 0 {
			dests = append(dests, fmt.Sprintf("%s@%d", r.Reason, time.Duration(r.At)/time.Second))
		}
	})
	seg := lan.New(k, "lan", lan.Config{})
	d := node.New(k, node.Config{Name: "d", Kind: node.KindRouter, Forwarding: true})
	if _, err := d.AddInterface("eth0", dpMAC(1, 1), []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("10.0.0.100/24")}, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	rsAddr := netip.MustParseAddrPort("10.0.0.11:80")
	if _, err := d.AddDirector([]lb.ServiceConfig{{Proto: lb.ProtoTCP, VIP: netip.MustParseAddrPort("10.0.0.100:80"), Sched: "rr", Kind: lb.KindNAT,
		Reals: []lb.RealConfig{{Name: "rs1", Addr: rsAddr, Weight: 1}}}}); err != nil {
		t.Fatal(err)
	}
	tm := check.Timing{DelayLoop: check.Some(5 * time.Second), Warmup: check.Some(time.Duration(0))}
	if _, err := d.AddChecks([]check.ServiceConfig{{Name: "TCP 10.0.0.100:80", Timing: tm,
		Reals: []check.RealConfig{{Name: "rs1", Addr: rsAddr, Weight: 1, Checkers: []check.CheckerConfig{{Kind: check.KindMisc, MiscOK: true}}}}}}); err != nil {
		t.Fatal(err)
	}
	d.Start()
	k.At(sim.Time(3*time.Second), func() {
		if err := d.SetMiscCheck("TCP 10.0.0.100:80", rsAddr, 1); err != nil {
			t.Error(err)
		}
	})
	k.At(sim.Time(13*time.Second), func() { _ = d.SetMiscCheck("TCP 10.0.0.100:80", rsAddr, 0) })
	k.Run(sim.Time(20 * time.Second))
	// runs at 1, 6 (fails: removed), 11, 16 (ok: added)
	if got := fmt.Sprint(dests); got != "[remove@6 add@16]" {
		t.Errorf("director changes %s, want [remove@6 add@16]", got)
	}
	if err := d.SetMiscCheck("TCP 10.0.0.100:80", netip.MustParseAddrPort("10.0.0.99:80"), 0); err == nil {
		t.Error("no error for a real server without MISC_CHECK")
	}
}
