package tcp

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestKeepAliveDecision: whether a response leaves the connection open,
// as ngx_http_handler (HTTP/1.1 unless Connection: close, HTTP/1.0 only
// with Connection: keep-alive) and ngx_http_update_location_config (not
// the keepalive_requests-th request) decide.
func TestKeepAliveDecision(t *testing.T) {
	for _, tc := range []struct {
		req    string
		served int
		want   bool
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, true},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0, false},
		{"GET / HTTP/1.1\r\nHost: a\r\nconnection: Close\r\n\r\n", 0, false},
		{"GET / HTTP/1.0\r\nHost: a\r\n\r\n", 0, false},
		{"GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", 0, true},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", KeepaliveRequests - 2, true},  // the 999th request
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", KeepaliveRequests - 1, false}, // the 1000th closes
		{"GET /HTTP/1.1 HTTP/1.0\r\n\r\n", 0, false},
		{"GET / HTTP/1.\r\n\r\n", 0, false},
		{"", 0, false},
	} {
		if got := keepAlive([]byte(tc.req), tc.served); got != tc.want {
			t.Errorf("keepAlive(%q, %d) = %v, want %v", tc.req, tc.served, got, tc.want)
		}
	}
}

// TestKeepAliveClient: a client with Requests 3 sends its three
// requests on one connection, each once the previous response is whole,
// the last with Connection: close; the stream's sequence numbers run on
// from request to request and from response to response; the server
// closes after the third response (ngx_http_set_keepalive keeps the
// connection between them).
func TestKeepAliveClient(t *testing.T) {
	w := newWorld(t)
	ss := w.stack("rs1", sAddr)
	svc, err := ss.AddService(web)
	if err != nil {
		t.Fatal(err)
	}
	cs := w.stack("c1", cAddr)
	cl, err := cs.AddClient(ClientConfig{Name: "ka", To: netip.AddrPortFrom(sAddr, 80), Rate: 1, Stop: time.Millisecond, Requests: 3})
	if err != nil {
		t.Fatal(err)
	}
	cs.Start()
	w.k.Run(w.k.Now() + 200e9)

	recs := w.conns()
	if len(recs) != 3 {
		t.Fatalf("%d request records, want 3: %+v", len(recs), recs)
	}
	for i, r := range recs {
		wantFrom := "keepalive"
		if i == 0 {
			wantFrom = ""
		}
		if r.Event != "ok" || r.From != wantFrom || r.To != "rs1" || r.Value2 != recs[0].Value2 {
			t.Errorf("request %d: %+v; want ok from rs1 on port %d, From %q", i, r, recs[0].Value2, wantFrom)
		}
	}
	if svc.Accepted != 1 || svc.Served != 3 || cl.Opened != 1 || cl.Outcomes[OutcomeOK] != 3 || cl.Active != 0 {
		t.Errorf("accepted %d served %d opened %d ok %d active %d; want 1 3 1 3 0", svc.Accepted, svc.Served, cl.Opened, cl.Outcomes[OutcomeOK], cl.Active)
	}
	// Data segments, per direction, must follow each other without gap
	// or overlap: each starts where the previous one ended.
	next := map[bool]uint32{}
	var reqs, resps []string
	for _, s := range w.segs {
		fromC := s.src == cAddr
		if s.h.Flags&wire.TCPSyn != 0 {
			next[fromC] = s.h.Seq + 1
			continue
		}
		if s.n == 0 {
			continue
		}
		if s.h.Seq != next[fromC] {
			t.Errorf("segment at %v from client=%v: seq %d, want %d", s.at, fromC, s.h.Seq, next[fromC])
		}
		next[fromC] = s.h.Seq + uint32(s.n)
		if fromC {
			reqs = append(reqs, s.data)
		} else if strings.HasPrefix(s.data, "HTTP/") {
			resps = append(resps, s.data)
		}
	}
	if len(reqs) != 3 || !strings.HasPrefix(reqs[0], "GET / HTTP/1.1\r\n") || strings.Contains(reqs[1], "Connection: close") || !strings.Contains(reqs[2], "Connection: close") {
		t.Errorf("requests %q; want three HTTP/1.1, only the last with Connection: close", reqs)
	}
	if len(resps) != 3 || !strings.HasPrefix(resps[0], "HTTP/1.1 200 OK\r\n") || !strings.Contains(resps[0], "Connection: keep-alive") || !strings.Contains(resps[2], "Connection: close") {
		t.Errorf("responses %q; want three HTTP/1.1, keep-alive, keep-alive, close", resps)
	}
	if cs.Live() != 0 && ss.Live() != 0 {
		t.Errorf("live connections: client %d, server %d; one side must have gone", cs.Live(), ss.Live())
	}
}

// TestKeepAliveIdleTimeout: a server closes a kept-alive connection
// with no next request after keepalive_timeout (ngx_http_set_keepalive,
// ngx_http_keepalive_handler); a client that sends HTTP/1.1 without
// Connection: close is the case (a hand-made request here).
func TestKeepAliveIdleTimeout(t *testing.T) {
	w := newWorld(t)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		t.Fatal(err)
	}
	cs := w.stack("c1", cAddr)
	cl, err := cs.AddClient(ClientConfig{Name: "ka", To: netip.AddrPortFrom(sAddr, 80), Rate: 1, Stop: time.Millisecond, Requests: 2})
	if err != nil {
		t.Fatal(err)
	}
	cl.reqLast = cl.reqKA // the client never says close: it sends two and then idles
	cs.Start()
	w.k.Run(w.k.Now() + 200e9)
	var fin *seg
	for i := range w.segs {
		if s := &w.segs[i]; s.src == sAddr && s.h.Flags&wire.TCPFin != 0 {
			fin = s
			break
		}
	}
	if fin == nil {
		t.Fatal("the server never closed the idle connection")
	}
	recs := w.conns()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	// the timer starts when the server queues the response, a one-way
	// delay before the client's record
	idle := time.Duration(fin.at - recs[1].At)
	if idle < KeepaliveTimeout-10*time.Millisecond || idle > KeepaliveTimeout {
		t.Errorf("the server's FIN came %v after the client had the last response, want keepalive_timeout %v less a one-way delay", idle, KeepaliveTimeout)
	}
}

// TestResponseTimeoutCloses: a client whose response timeout fires
// closes its socket with a FIN (curl --max-time), and a handler service
// hears of it (Closed) while its exchange waits, as nginx does in
// ngx_http_upstream_check_broken_connection.
func TestResponseTimeoutCloses(t *testing.T) {
	w := newWorld(t)
	ps := w.stack("proxy", sAddr)
	h := &waiter{}
	if _, err := ps.AddHandler(80, h); err != nil {
		t.Fatal(err)
	}
	cs := w.stack("c1", cAddr)
	if _, err := cs.AddClient(ClientConfig{Name: "c", To: netip.AddrPortFrom(sAddr, 80), Rate: 1, Stop: time.Millisecond, ResponseTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	cs.Start()
	w.k.Run(w.k.Now() + 200e9)
	recs := w.conns()
	if len(recs) != 1 || recs[0].Event != "timeout" || recs[0].Reason != "response_timeout" {
		t.Fatalf("records %+v, want one response_timeout", recs)
	}
	if h.closed != 1 || h.closedAt < time.Second || h.closedAt > time.Second+10*time.Millisecond {
		t.Errorf("handler heard %d closes, the first at %v; want 1 just after 1s", h.closed, h.closedAt)
	}
	if cs.Live() != 0 || ps.Live() != 0 {
		t.Errorf("live: client %d, proxy %d; want both closed", cs.Live(), ps.Live())
	}
}

// waiter never answers; on Closed it closes too (nginx's 499).
type waiter struct {
	closed   int
	closedAt time.Duration
	ex       *Exchange
}

func (h *waiter) Request(ex *Exchange) { h.ex = ex }
func (h *waiter) Reset()               {}
func (h *waiter) Closed(ex *Exchange) {
	h.closed++
	if h.closed == 1 {
		h.closedAt = time.Duration(ex.s.env.Now())
	}
	if ex != h.ex {
		panic("Closed with another exchange than Request's")
	}
	ex.Close()
}

// TestKeepAliveRequestGap: with a request gap the next request leaves
// that long after the previous response, and its latency counts from
// the request, not from the connection's SYN.
func TestKeepAliveRequestGap(t *testing.T) {
	w := newWorld(t)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		t.Fatal(err)
	}
	cs := w.stack("c1", cAddr)
	if _, err := cs.AddClient(ClientConfig{Name: "ka", To: netip.AddrPortFrom(sAddr, 80), Rate: 1, Stop: time.Millisecond, Requests: 3, RequestGap: time.Second}); err != nil {
		t.Fatal(err)
	}
	cs.Start()
	w.k.Run(w.k.Now() + 200e9)
	recs := w.conns()
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for i := 1; i < 3; i++ {
		gap := time.Duration(recs[i].At - recs[i-1].At)
		lat := time.Duration(recs[i].Value)
		// one request's round trip and the 5 ms response time after the gap
		if gap != time.Second+lat || lat < web.ResponseTime || lat > web.ResponseTime+20*time.Millisecond {
			t.Errorf("request %d: %v after the previous, latency %v; want 1s + its latency, latency 5 ms plus round trips", i, gap, lat)
		}
	}
}

// FuzzKeepAliveRequest: reading a request for keep-alive never panics;
// Connection: close (any case) always closes, and the
// keepalive_requests-th request never keeps the connection.
func FuzzKeepAliveRequest(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0)
	f.Add([]byte("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 998)
	f.Add([]byte("GET / HTTP/1.\r\n"), 0)
	f.Fuzz(func(t *testing.T, req []byte, served int) {
		if len(req) > maxIn {
			return
		}
		keep := keepAlive(req, served)
		hdr, _, _ := strings.Cut(string(req), "\r\n\r\n")
		if keep && strings.Contains(strings.ToLower(hdr), "\nconnection: close") {
			t.Fatalf("kept alive despite Connection: close: %q", req)
		}
		if keep && served+1 >= KeepaliveRequests {
			t.Fatalf("kept alive after %d requests", served+1)
		}
	})
}

// FuzzKeepAliveResponse: a keep-alive client's reading of a response
// never panics; it is whole only with a Content-Length, and its outcome
// is an HTTP error exactly when its status is 400 or more.
func FuzzKeepAliveResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc"), 0)
	f.Add([]byte("HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n"), 0)
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n"), 7)
	f.Fuzz(func(t *testing.T, in []byte, extra int) {
		if len(in) > maxIn || extra < 0 || extra > 1<<20 {
			return
		}
		ok, _ := responseComplete(in, len(in)+extra, true)
		if ok && !strings.Contains(string(in), "\r\nContent-Length: ") {
			t.Fatalf("a response without Content-Length taken as whole: %q", in)
		}
		o, why := statusOutcome(in)
		if (o == OutcomeHTTPError) != (statusCode(in) >= 400) || (o == OutcomeHTTPError) != (why != "") {
			t.Fatalf("status %d read as %v %q", statusCode(in), o, why)
		}
	})
}

// BenchmarkKeepAliveRequest: one keep-alive request per iteration (a
// connection of 10 requests every 10 ms, back to back), steady state;
// against BenchmarkConnection, what a request costs without its
// handshake and teardown.
func BenchmarkKeepAliveRequest(b *testing.B) {
	// 100 connections/s x 10 requests: one request per simulated ms.
	benchSteady(b, ClientConfig{Rate: 100, Requests: 10})
}

// TestKeepAliveClientLeft: a keep-alive client that gave up (response
// timeout, FIN) before a slow server answered gets the answer with
// Connection: close and the server's FIN at once, not a connection kept
// for keepalive_timeout.
func TestKeepAliveClientLeft(t *testing.T) {
	w := newWorld(t)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		t.Fatal(err)
	}
	if err := ss.SetFault(80, Fault{Kind: FaultSlow, ResponseTime: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	cs := w.stack("c1", cAddr)
	if _, err := cs.AddClient(ClientConfig{Name: "ka", To: netip.AddrPortFrom(sAddr, 80), Rate: 1, Stop: time.Millisecond, Requests: 3, ResponseTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	cs.Start()
	w.k.Run(w.k.Now() + sim.Time(5*time.Second))
	var resp *seg
	for i := range w.segs {
		if s := &w.segs[i]; s.src == sAddr && strings.HasPrefix(s.data, "HTTP/1.1 ") {
			resp = s
		}
	}
	if resp == nil || !strings.Contains(resp.data, "Connection: close") || resp.h.Flags&wire.TCPFin == 0 {
		t.Fatalf("response %+v; want Connection: close and the FIN with it", resp)
	}
	if ss.Live() != 0 {
		t.Errorf("%d connections left on the server 3 s after it answered", ss.Live())
	}
}

// TestUpstreamKeepAlive: an upstream connection with KeepAlive ends its
// response at Content-Length and stays idle; Reuse sends the next
// request on it (one handshake for both: ngx_http_upstream_get_keepalive_peer);
// the idle connection is closed by nginx after keepalive_timeout
// (ngx_http_upstream_keepalive_close_handler), or at once when the
// server answers HTTP/1.0 or Connection: close.
func TestUpstreamKeepAlive(t *testing.T) {
	req11 := []byte("GET / HTTP/1.1\r\nHost: backend\r\n\r\n")
	req10 := []byte("GET / HTTP/1.0\r\nHost: backend\r\n\r\n")
	for _, tc := range []struct {
		name     string
		req      []byte
		reusable bool
	}{
		{"HTTP/1.1: kept", req11, true},
		{"HTTP/1.0: closed", req10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			ss := w.stack("rs1", sAddr)
			if _, err := ss.AddService(web); err != nil {
				t.Fatal(err)
			}
			ps := w.stack("px1", cAddr)
			var got []ProbeResult
			done := func(r ProbeResult) { got = append(got, r) }
			pr, err := ps.StartProbe(ProbeConfig{Name: "nginx", To: netip.AddrPortFrom(sAddr, 80), Timeout: time.Second, HTTP: true, Request: tc.req,
				KeepAlive: true, IdleTimeout: 60 * time.Second}, done)
			if err != nil {
				t.Fatal(err)
			}
			w.k.Run(w.k.Now() + sim.Time(time.Second))
			if len(got) != 1 || got[0].Outcome != ProbeOK || got[0].Status != 200 || got[0].Body != web.ResponseSize || got[0].Reusable != tc.reusable || pr.Idle() != tc.reusable {
				t.Fatalf("first: %+v, idle %v; want 200 with %d octets, reusable %v", got, pr.Idle(), web.ResponseSize, tc.reusable)
			}
			if pr.Reuse(tc.req, done) != tc.reusable {
				t.Fatalf("Reuse = %v, want %v", !tc.reusable, tc.reusable)
			}
			if !tc.reusable {
				return
			}
			w.k.Run(w.k.Now() + sim.Time(time.Second))
			syns := 0
			for _, s := range w.segs {
				if s.h.Flags == wire.TCPSyn {
					syns++
				}
			}
			if len(got) != 2 || got[1].Status != 200 || got[1].Body != web.ResponseSize || syns != 1 {
				t.Fatalf("second: %+v with %d SYNs; want 200 on the same connection (1 SYN)", got, syns)
			}
			idleFrom := w.k.Now()
			w.k.Run(w.k.Now() + sim.Time(100*time.Second))
			var fin *seg
			for i := range w.segs {
				if s := &w.segs[i]; s.src == cAddr && s.h.Flags&wire.TCPFin != 0 {
					fin = s
					break
				}
			}
			if fin == nil || time.Duration(fin.at-idleFrom) > 60*time.Second || time.Duration(fin.at-idleFrom) < 58*time.Second {
				t.Errorf("nginx's FIN %+v; want it keepalive_timeout (60 s) after the last response", fin)
			}
			if pr.Idle() || ps.Live() != 0 && ss.Live() != 0 {
				t.Errorf("idle %v, live %d/%d after the timeout", pr.Idle(), ps.Live(), ss.Live())
			}
		})
	}
}
