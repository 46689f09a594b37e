package node_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/proxy"
	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestProxyKeepAlive: keep-alive clients through nginx, real frames end
// to end. nginx picks a server per request, so one client connection's
// requests alternate between rs1 and rs2 under round robin
// (ngx_http_upstream_get_round_robin_peer per request; each upstream
// connection is HTTP/1.0, new per request, with no keepalive
// directive). A client whose response_timeout fires before a slow
// upstream answers closes, and nginx logs 499 and frees the server
// without counting a failure (ngx_http_upstream_check_broken_connection,
// ngx_http_upstream_finalize_request).
func TestProxyKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name      string
		slow      time.Duration // rs1's response time; 0: 5 ms
		served    string        // per client request: the server, or the failure
		responses string        // nginx's statuses, in order
		accepted  uint64        // client connections nginx accepted
		keepalive int           // the upstream's keepalive N
		rsConns   uint64        // connections each real server accepted
	}{
		{"round robin per request", 0, "rs1 rs2 rs1 rs2 rs1 rs2", "200 200 200 200 200 200", 2, 0, 3},
		// the same picks over one cached connection per server
		// (ngx_http_upstream_get_keepalive_peer)
		{"upstream keepalive 2", 0, "rs1 rs2 rs1 rs2 rs1 rs2", "200 200 200 200 200 200", 2, 2, 1},
		// rs1 takes 5 s: the first request's client gives up after 1 s and
		// closes its connection; the second connection starts on rs2 (rr
		// moved on) and meets rs1 again on its second request
		{"client leaves a slow upstream: 499", 5 * time.Second, "response_timeout rs2 response_timeout", "499 200 499", 2, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(1)
			var conns, resp []string
			k.AddTracer(func(r *sim.Record) {
				switch {
				case r.Kind == sim.KindConn && r.Event == "ok":
					conns = append(conns, r.To)
				case r.Kind == sim.KindConn:
					conns = append(conns, r.Reason)
				case r.Kind == sim.KindProxy && r.Event == "response":
					resp = append(resp, strconv.FormatInt(r.Value, 10))
				}
			})
			seg := lan.New(k, "lan", lan.Config{})
			mk := func(name string, kind node.Kind, i byte) *node.Node { return lanNode(t, k, seg, name, kind, i) }
			c1, px := mk("c1", node.KindHost, 10), mk("px1", node.KindServer, 5)
			rs1, rs2 := mk("rs1", node.KindServer, 11), mk("rs2", node.KindServer, 12)
			for _, rs := range []*node.Node{rs1, rs2} {
				if err := rs.AddService(tcp.ServiceConfig{Port: 80, ResponseTime: 5 * time.Millisecond, ResponseSize: 500}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.slow > 0 {
				if err := rs1.SetServiceFault(80, tcp.Fault{Kind: tcp.FaultSlow, ResponseTime: tc.slow}); err != nil {
					t.Fatal(err)
				}
			}
			s1, _ := proxy.ParseServer("10.0.0.11:80")
			s2, _ := proxy.ParseServer("10.0.0.12:80")
			if _, err := px.AddProxy(proxy.Config{Listen: netip.MustParseAddrPort("10.0.0.5:80"), Servers: []upstream.Server{s1, s2}, Keepalive: tc.keepalive}); err != nil {
				t.Fatal(err)
			}
			if _, err := c1.AddClient(tcp.ClientConfig{Name: "c1/http", To: netip.MustParseAddrPort("10.0.0.5:80"), Rate: 0.5, Stop: 3 * time.Second,
				Requests: 3, RequestGap: 100 * time.Millisecond, ResponseTimeout: time.Second}); err != nil {
				t.Fatal(err)
			}
			for _, n := range []*node.Node{c1, px, rs1, rs2} {
				n.Start()
			}
			k.Run(sim.Time(30 * time.Second))
			if g := strings.Join(conns, " "); g != tc.served {
				t.Errorf("client saw %q, want %q", g, tc.served)
			}
			if g := strings.Join(resp, " "); g != tc.responses {
				t.Errorf("nginx answered %q, want %q", g, tc.responses)
			}
			peers := px.Proxy().Upstreams()[0].Peers()
			if peers[0].Fails != 0 || peers[0].Conns != 0 {
				t.Errorf("rs1: %d fails, %d conns; want 0, 0", peers[0].Fails, peers[0].Conns)
			}
			if svc := px.TCP().Service(80); svc == nil || svc.Accepted != tc.accepted {
				t.Errorf("nginx accepted %v connections, want %d", svc, tc.accepted)
			}
			if tc.rsConns > 0 {
				for _, rs := range []*node.Node{rs1, rs2} {
					if svc := rs.TCP().Service(80); svc.Accepted != tc.rsConns || svc.Served != 3 {
						t.Errorf("%s accepted %d connections for %d requests, want %d for 3", rs.Name(), svc.Accepted, svc.Served, tc.rsConns)
					}
				}
			}
		})
	}
}
