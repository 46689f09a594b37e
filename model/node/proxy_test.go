package node_test

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/proxy"
	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestProxyEndToEnd: a client, nginx on px1 and two real servers on one
// LAN; every request is two real TCP connections. Round robin
// alternates per request; a refused upstream costs one more round trip
// and a black hole the whole proxy_connect_timeout before the next
// server answers (ngx_http_upstream_next, error and timeout); with
// proxy_next_upstream off the client sees nginx's 502, a failed
// request (http_502).
func TestProxyEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  tcp.FaultKind
		next   proxy.NextUpstream
		served string // the X-Real-Server each client connection saw, or its failure
		minLat time.Duration
	}{
		{"healthy", tcp.FaultNone, 0, "rs1 rs2 rs1 rs2", 0},
		{"rs1 refuses: retried on rs2, rs1 out", tcp.FaultRefuse, 0, "rs2 rs2 rs2 rs2", 0},
		{"rs1 black hole: retried after the connect timeout", tcp.FaultBlackhole, 0, "rs2 rs2 rs2 rs2", time.Second}, // the second request passes the first,
		{"rs1 refuses, next_upstream off: 502 once, then rs1 is out", tcp.FaultRefuse, proxy.NextOff, "http_502 rs2 rs2 rs2", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(1)
			var recs []sim.Record
			k.AddTracer(func(r *sim.Record) {
				if r.Kind == sim.KindConn || r.Kind == sim.KindProxy {
					recs = append(recs, *r)
				}
			})
			seg := lan.New(k, "lan", lan.Config{})
			mk := func(name string, kind node.Kind, i byte) *node.Node { return lanNode(t, k, seg, name, kind, i) }
			c1 := mk("c1", node.KindHost, 10)
			px := mk("px1", node.KindServer, 5)
			rs1 := mk("rs1", node.KindServer, 11)
			rs2 := mk("rs2", node.KindServer, 12)
			for _, rs := range []*node.Node{rs1, rs2} {
				if err := rs.AddService(tcp.ServiceConfig{Port: 80, ResponseTime: 5 * time.Millisecond, ResponseSize: 500}); err != nil {
					t.Fatal(err)
				}
			}
			if err := rs1.SetServiceFault(80, tcp.Fault{Kind: tc.fault}); err != nil {
				t.Fatal(err)
			}
			s1, _ := proxy.ParseServer("10.0.0.11:80")
			s2, _ := proxy.ParseServer("10.0.0.12:80")
			if _, err := px.AddProxy(proxy.Config{Listen: netip.MustParseAddrPort("10.0.0.5:80"), Servers: []upstream.Server{s1, s2}, ConnectTimeout: time.Second, NextUpstream: tc.next}); err != nil {
				t.Fatal(err)
			}
			if _, err := c1.AddClient(tcp.ClientConfig{Name: "c1/http", To: netip.MustParseAddrPort("10.0.0.5:80"), Rate: 1, Stop: 4 * time.Second}); err != nil {
				t.Fatal(err)
			}
			for _, n := range []*node.Node{c1, px, rs1, rs2} {
				n.Start()
			}
			k.Run(sim.Time(30 * time.Second))
			var got []string
			var first time.Duration // the slowest
			for _, r := range recs {
				if r.Kind != sim.KindConn {
					continue
				}
				if r.Event != "ok" && r.Event != "http_error" {
					t.Errorf("client connection %s (%s)", r.Event, r.Reason)
				}
				first = max(first, time.Duration(r.Value))
				got = append(got, cmp.Or(r.To, r.Reason, "-"))
			}
			if g := strings.Join(got, " "); g != tc.served {
				t.Errorf("served %q, want %q", g, tc.served)
			}
			if first < tc.minLat || first > tc.minLat+100*time.Millisecond {
				t.Errorf("slowest request took %v, want %v plus round trips", first, tc.minLat)
			}
			if px.Proxy().Counters().Requests != 4 {
				t.Errorf("proxy counters %+v", px.Proxy().Counters())
			}
		})
	}
}

// TestProxyStopCrashRestart: stop_proxy refuses new connections (RST)
// and start_proxy serves again; a crash of the nginx node drops its
// state and nginx serves again after the restart.
func TestProxyStopCrashRestart(t *testing.T) {
	k := sim.New(1)
	var conns []string
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindConn {
			conns = append(conns, fmt.Sprintf("%.1f:%s", time.Duration(r.At).Seconds(), r.Event))
		}
	})
	seg := lan.New(k, "lan", lan.Config{})
	mk := func(name string, kind node.Kind, i byte) *node.Node { return lanNode(t, k, seg, name, kind, i) }
	c1, px, rs1 := mk("c1", node.KindHost, 10), mk("px1", node.KindServer, 5), mk("rs1", node.KindServer, 11)
	if err := rs1.AddService(tcp.ServiceConfig{Port: 80, ResponseTime: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	s1, _ := proxy.ParseServer("10.0.0.11:80")
	if _, err := px.AddProxy(proxy.Config{Listen: netip.MustParseAddrPort("10.0.0.5:80"), Servers: []upstream.Server{s1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.AddClient(tcp.ClientConfig{Name: "c1/http", To: netip.MustParseAddrPort("10.0.0.5:80"), Rate: 1, Stop: 6 * time.Second, ConnectTimeout: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node.Node{c1, px, rs1} {
		n.Start()
	}
	k.At(sim.Time(1500*time.Millisecond), func() {
		if err := px.StopProxy(); err != nil {
			t.Error(err)
		}
	})
	k.At(sim.Time(2500*time.Millisecond), func() {
		if err := px.StartProxy(); err != nil {
			t.Error(err)
		}
	})
	k.At(sim.Time(3500*time.Millisecond), px.Crash)
	k.At(sim.Time(4500*time.Millisecond), px.Restart)
	k.Run(sim.Time(10 * time.Second))
	// 0, 1 ok; 2 refused (stopped); 3 ok (started); 4 times out (crashed:
	// nothing answers); 5 ok (restarted)
	want := "0.0:ok 1.0:ok 2.0:refused 3.0:ok 4.5:timeout 5.0:ok"
	if got := strings.Join(conns, " "); got != want {
		t.Errorf("client saw %s, want %s", got, want)
	}
	if px.Proxy() == nil || !px.Proxy().Running() {
		t.Error("nginx not running after the restart")
	}
}

// lanNode is a node with eth0 at 10.0.0.I/24 on seg.
func lanNode(t *testing.T, k *sim.Kernel, seg *lan.Segment, name string, kind node.Kind, i byte) *node.Node {
	t.Helper()
	n := node.New(k, node.Config{Name: name, Kind: kind})
	if _, err := n.AddInterface("eth0", dpMAC(i, 1), []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.0.0.%d/24", i))}, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	return n
}
