package proxy

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestClientClosed: a client that closes while its request waits for a
// slow upstream ends the request with 499
// (ngx_http_upstream_check_broken_connection, proxy_ignore_client_abort
// off): the upstream connection is dropped, the peer freed as not
// failed (ngx_http_upstream_finalize_request frees it with state 0), no
// response is sent, the client connection is closed. A client that
// closes after its response changes nothing.
func TestClientClosed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		closeAt  time.Duration
		want     string // the client's end: "closed" or a status
		response string // the proxy's response records
		tries    int    // upstream connections the proxy opened
	}{
		{"before the upstream answers", time.Second, "closed", "1s response 1 client_closed", 1},
		{"after the response", 6 * time.Second, "200", "5.002s response 1 ", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, e := newProxy(t, Config{Servers: servers(srvA+" max_fails=1", srvB)}, map[string]behaviour{srvA: {respond: 5 * time.Second}})
			x := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40000"), method: "GET", uri: "/"}
			e.k.At(0, func() { p.Handle(x) })
			e.k.At(sim.Time(tc.closeAt), func() { p.ClientClosed(x) })
			e.k.Run(sim.Time(100 * time.Second))
			got := "closed"
			if !x.closed {
				got = strconv.Itoa(x.status)
			}
			if got != tc.want {
				t.Errorf("client got %s, want %s", got, tc.want)
			}
			if ev := events(e, "response"); ev != tc.response {
				t.Errorf("responses %q, want %q", ev, tc.response)
			}
			peer := p.Upstreams()[0].Peers()[0]
			if peer.Fails != 0 || peer.Conns != 0 {
				t.Errorf("server A: %d fails, %d conns; want 0, 0 (freed, not failed)", peer.Fails, peer.Conns)
			}
			if c := p.Counters(); int(c.Tries) != tc.tries || len(p.reqs) != 0 {
				t.Errorf("counters %+v, %d requests left; want %d tries, none left", c, len(p.reqs), tc.tries)
			}
		})
	}
}
