package tcp

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// relay answers each request with a probe to the real server, as a
// proxy does: status, server and body size copied from the upstream's
// response; a failed upstream gives 502 or, with reset set, a RST.
type relay struct {
	s      *Stack
	to     netip.AddrPort
	reset  bool
	resets int
}

func (r *relay) Request(ex *Exchange) {
	if !strings.HasPrefix(string(ex.Header()), "GET / HTTP/1.0\r\n") {
		panic("request header not kept: " + string(ex.Header()))
	}
	req := []byte("GET / HTTP/1.0\r\nHost: backend\r\nConnection: close\r\n\r\n")
	_, err := r.s.StartProbe(ProbeConfig{To: r.to, Timeout: time.Second, ReadTimeout: 2 * time.Second, HTTP: true, Request: req}, func(res ProbeResult) {
		switch {
		case res.Outcome == ProbeOK:
			ex.Respond(res.Status, res.Server, res.Body)
		case r.reset:
			ex.Reset()
		default:
			ex.Respond(502, "", 0)
		}
	})
	if err != nil {
		panic(err)
	}
}

func (r *relay) Reset() { r.resets++ }

func (r *relay) Closed(ex *Exchange) {}

// TestHandlerRelaysResponse: a handler service answers when the
// application has the response; the client sees the status line, the
// upstream's X-Real-Server and the body, or a RST.
func TestHandlerRelaysResponse(t *testing.T) {
	pAddr := netip.MustParseAddr("10.0.0.50")
	for _, tc := range []struct {
		name    string
		fault   FaultKind
		reset   bool
		outcome string
		server  string
		status  string
	}{
		// nginx's header filter names itself, relayed or not
		// (ngx_http_header_filter, ngx_http_special_response.c).
		{"upstream answers", FaultNone, false, "ok", "rs1", "HTTP/1.0 200 OK\r\nServer: nginx\r\n"},
		// the client got a response, but a 502 fails the request (curl --fail)
		{"upstream refuses: 502", FaultRefuse, false, "http_error", "", "HTTP/1.0 502 Bad Gateway\r\nServer: nginx\r\n"},
		{"upstream refuses: reset", FaultRefuse, true, "reset", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			ps := w.stack("proxy", pAddr)
			rl := &relay{s: ps, to: netip.AddrPortFrom(sAddr, 80), reset: tc.reset}
			if _, err := ps.AddHandler(80, rl); err != nil {
				t.Fatal(err)
			}
			ss := w.stack("rs1", sAddr)
			if _, err := ss.AddService(web); err != nil {
				t.Fatal(err)
			}
			if err := ss.SetFault(80, Fault{Kind: tc.fault}); err != nil {
				t.Fatal(err)
			}
			cs := w.stack("c1", cAddr)
			if _, err := cs.AddClient(ClientConfig{Name: "http-1", To: netip.AddrPortFrom(pAddr, 80), Rate: 1, Stop: time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			cs.Start()
			w.k.Run(w.k.Now() + 200e9)
			c := w.conns()
			if len(c) != 1 || c[0].Event != tc.outcome || c[0].To != tc.server {
				t.Fatalf("client records %+v, want one %q from %q", c, tc.outcome, tc.server)
			}
			if tc.status != "" {
				found := false
				for _, s := range w.segs {
					found = found || s.dst == cAddr && strings.HasPrefix(s.data, tc.status)
				}
				if !found {
					t.Errorf("no response starting %q to the client", tc.status)
				}
			}
			if ps.Live() != 0 && tc.reset {
				t.Errorf("%d connections left on the proxy after the reset", ps.Live())
			}
			ps.Reset()
			if rl.resets != 1 {
				t.Errorf("handler Reset called %d times, want 1", rl.resets)
			}
		})
	}
}
