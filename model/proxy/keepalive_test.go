package proxy

import (
	"cmp"
	"strings"
	"testing"
	"time"
)

// TestUpstreamKeepalive: with `keepalive N` each worker caches up to N
// idle upstream connections; the method still picks the server first
// and a cached connection to it is then reused
// (ngx_http_upstream_get_keepalive_peer); a full cache closes its least
// recently used one, and a connection that carried keepalive_requests
// requests is closed (ngx_http_upstream_free_keepalive_peer). Round
// robin over two servers with keepalive 1 thus never reuses: each
// request evicts the other server's connection.
func TestUpstreamKeepalive(t *testing.T) {
	for _, tc := range []struct {
		name            string
		keepalive, reqs int
		tries           string // new or reused, per try
		closed          int
		cached          int
	}{
		{"no keepalive", 0, 0, "new new new new", 0, 0},
		{"keepalive 1: rr evicts", 1, 0, "new new new new", 3, 1},
		{"keepalive 2", 2, 0, "new new keepalive keepalive", 0, 2},
		{"keepalive_requests 2", 2, 2, "new new keepalive keepalive new new", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, e := newProxy(t, Config{Servers: servers(srvA, srvB), Keepalive: tc.keepalive, KeepaliveRequests: tc.reqs}, nil)
			n := strings.Count(tc.tries, " ") + 1
			xs := send(p, e, n, time.Second)
			if got := served(xs); got != strings.TrimSpace(strings.Repeat("1 2 ", n/2)) {
				t.Errorf("served %q: the picks must not change", got)
			}
			var tries []string
			for _, r := range e.recs {
				if r.Event == "try" {
					tries = append(tries, cmp.Or(r.From, "new"))
				}
			}
			if g := strings.Join(tries, " "); g != tc.tries {
				t.Errorf("tries %q, want %q", g, tc.tries)
			}
			if e.closed != tc.closed || p.IdleConns(0) != tc.cached {
				t.Errorf("%d closed, %d cached; want %d, %d", e.closed, p.IdleConns(0), tc.closed, tc.cached)
			}
			wantProto := " HTTP/1.0\r\nHost: backend\r\nConnection: close\r\n\r\n"
			if tc.keepalive > 0 {
				wantProto = " HTTP/1.1\r\nHost: backend\r\n\r\n" // proxy_http_version 1.1, Connection ""
			}
			if req := string(e.dials[0].Request); !strings.HasSuffix(req, wantProto) {
				t.Errorf("forwarded %q, want it to end %q", req, wantProto)
			}
			p.Stop() // nginx exits: its idle connections close
			if p.IdleConns(0) != 0 || e.closed != tc.closed+tc.cached {
				t.Errorf("after stop: %d cached, %d closed; want 0, %d", p.IdleConns(0), e.closed, tc.closed+tc.cached)
			}
		})
	}
}
