package proxy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
	"github.com/vrrpsim/vrrpsim/sim"
)

const ms = time.Millisecond

// behaviour is how a fake upstream server answers: a status after the
// response time, a refused connect (RST after one round trip) or a
// black hole (nothing: the connect timeout).
type behaviour struct {
	refuse, blackhole bool
	status            int           // 0: 200
	respond           time.Duration // response time after the request
}

// env is a fake host: 1 ms round trips, upstreams that behave as told.
type env struct {
	k       *sim.Kernel
	servers map[netip.AddrPort]behaviour
	recs    []sim.Record
	dials   []Dial
	closed  int // keep-alive connections closed
}

// conn is a fake keep-alive upstream connection.
type conn struct {
	e    *env
	idle bool
}

func (c *conn) Idle() bool { return c.idle }
func (c *conn) Close() {
	if c.idle {
		c.idle = false
		c.e.closed++
	}
}

func (e *env) Now() sim.Time { return e.k.Now() }
func (e *env) Trace(r sim.Record) {
	r.At = e.k.Now()
	e.recs = append(e.recs, r)
}

func (e *env) Dial(d Dial, done func(Result)) func() {
	e.dials = append(e.dials, d)
	b := e.servers[d.To]
	cancelled := false
	after := func(t time.Duration, r Result) {
		e.k.After(t, func() {
			if !cancelled {
				done(r)
			}
		})
	}
	switch {
	case b.refuse:
		after(ms, Result{Outcome: OutcomeError})
	case b.blackhole:
		after(d.ConnectTimeout, Result{Outcome: OutcomeTimeout})
	case b.respond > d.ReadTimeout:
		after(ms+d.ReadTimeout, Result{Outcome: OutcomeTimeout, Connected: true})
	default:
		st := b.status
		if st == 0 {
			st = 200
		}
		r := Result{Status: st, Server: "srv-" + d.To.Addr().String(), Body: 100}
		took := 2 * ms // a handshake, then the request
		if c, ok := d.Reuse.(*conn); ok {
			c.idle, took = false, ms // busy; no handshake
		}
		if d.KeepAlive {
			c := &conn{e: e}
			if rc, ok := d.Reuse.(*conn); ok {
				c = rc
			}
			r.Conn = c
			e.k.After(took+b.respond, func() { c.idle = true })
		}
		after(took+b.respond, r)
	}
	return func() { cancelled = true }
}

// exchange is a fake client request.
type exchange struct {
	e      *env
	client netip.AddrPort
	method string
	uri    string
	status int
	server string
	at     sim.Time
	reset  bool
	closed bool
}

func (x *exchange) Client() netip.AddrPort { return x.client }
func (x *exchange) Header() []byte {
	return []byte(x.method + " " + x.uri + " HTTP/1.0\r\nHost: 192.168.1.100\r\n\r\n")
}
func (x *exchange) Respond(status int, server string, body int) {
	x.status, x.server, x.at = status, server, x.e.k.Now()
}
func (x *exchange) Reset() { x.reset = true }
func (x *exchange) Close() { x.closed, x.at = true, x.e.k.Now() }

var (
	srvA = "10.0.0.11:80"
	srvB = "10.0.0.12:80"
	srvC = "10.0.0.13:80"
)

func newProxy(t *testing.T, cfg Config, servers map[string]behaviour) (*Proxy, *env) {
	t.Helper()
	e := &env{k: sim.New(1), servers: map[netip.AddrPort]behaviour{}}
	for a, b := range servers {
		e.servers[netip.MustParseAddrPort(a)] = b
	}
	cfg.Listen = netip.MustParseAddrPort("192.168.1.100:80")
	p, err := New(cfg, e, e.k.Stream("proxy"))
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	return p, e
}

// send makes n requests from 10.0.1.1, each gap after the previous one
// started, and runs the kernel until all are answered.
func send(p *Proxy, e *env, n int, gap time.Duration) []*exchange {
	var xs []*exchange
	for i := range n {
		x := &exchange{e: e, client: netip.AddrPortFrom(netip.MustParseAddr("10.0.1.1"), uint16(40000+i)), method: "GET", uri: fmt.Sprintf("/item/%d", i)}
		xs = append(xs, x)
		e.k.At(e.k.Now()+sim.Time(time.Duration(i)*gap), func() { p.Handle(x) })
	}
	e.k.Run(e.k.Now() + sim.Time(time.Duration(n)*gap+300*time.Second))
	return xs
}

func served(xs []*exchange) string {
	var s []string
	for _, x := range xs {
		switch {
		case x.reset:
			s = append(s, "RST")
		case x.status == 200:
			s = append(s, strings.TrimPrefix(x.server, "srv-10.0.0.1"))
		default:
			s = append(s, fmt.Sprint(x.status))
		}
	}
	return strings.Join(s, " ")
}

func events(e *env, kinds ...string) string {
	var s []string
	for _, r := range e.recs {
		for _, k := range kinds {
			if r.Event == k {
				s = append(s, fmt.Sprintf("%v %s %s %s", time.Duration(r.At), r.Event, strings.TrimSuffix(strings.TrimPrefix(r.To, "10.0.0.1"), ":80"), r.Reason))
			}
		}
	}
	return strings.Join(s, "; ")
}

func servers(lines ...string) []upstream.Server {
	var out []upstream.Server
	for _, l := range lines {
		s, err := ParseServer(l)
		if err != nil {
			panic(err)
		}
		out = append(out, s)
	}
	return out
}

// TestPicksThroughTheProxy: each request is one pick of the upstream
// (nginx balances per request): round robin, and the smooth weighted
// round robin of ngx_http_upstream_get_peer for 5/1/1 and 4/2/1.
func TestPicksThroughTheProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		servers []string
		want    string
	}{
		{"rr", []string{srvA, srvB, srvC}, "1 2 3 1 2 3 1"},
		{"5/1/1", []string{srvA + " weight=5", srvB, srvC}, "1 1 2 1 3 1 1"},
		{"4/2/1", []string{srvA + " weight=4", srvB + " weight=2", srvC}, "1 2 1 3 1 2 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, e := newProxy(t, Config{Servers: servers(tc.servers...)}, nil)
			if got := served(send(p, e, 7, 100*ms)); got != tc.want {
				t.Errorf("served %s, want %s", got, tc.want)
			}
		})
	}
}

// TestFailures follows ngx_http_upstream_next and
// ngx_http_upstream_test_next: which failures go to the next server,
// what the client gets when none is left, what the retry costs, and
// what counts against max_fails (ngx_http_upstream_free_round_robin_peer
// with NGX_PEER_FAILED; 403 and 404 are NGX_PEER_NEXT).
func TestFailures(t *testing.T) {
	refuse := behaviour{refuse: true}
	hole := behaviour{blackhole: true}
	for _, tc := range []struct {
		name    string
		cfg     Config
		lines   []string
		beh     map[string]behaviour
		n       int
		want    string // what each client got
		events  string // try/next/failed/probe/recovered/response records, as events() prints them
		latency time.Duration
	}{
		{
			name: "refused: next server after one round trip, A out for fail_timeout", lines: []string{srvA, srvB},
			beh: map[string]behaviour{srvA: refuse}, n: 2, want: "2 2",
			events:  "1ms next 1 error; 1ms failed 1 ",
			latency: 3 * ms, // 1 ms refused + 2 ms on B
		},
		{
			name: "black hole: next server after the whole proxy_connect_timeout", lines: []string{srvA, srvB},
			cfg: Config{ConnectTimeout: time.Second}, beh: map[string]behaviour{srvA: hole}, n: 1, want: "2",
			latency: time.Second + 2*ms,
		},
		{
			name: "proxy_next_upstream off: refused is a 502", lines: []string{srvA, srvB},
			cfg: Config{NextUpstream: NextOff}, beh: map[string]behaviour{srvA: refuse}, n: 1, want: "502", latency: ms,
		},
		{
			name: "proxy_next_upstream off: black hole is a 504", lines: []string{srvA, srvB},
			cfg: Config{NextUpstream: NextOff, ConnectTimeout: time.Second}, beh: map[string]behaviour{srvA: hole}, n: 1, want: "504", latency: time.Second,
		},
		{
			name: "upstream 502 relayed by default, not a failure", lines: []string{srvA, srvB},
			beh: map[string]behaviour{srvA: {status: 502}}, n: 3, want: "502 2 502", latency: 2 * ms,
		},
		{
			name: "http_502: next server, a failure", lines: []string{srvA, srvB},
			cfg: Config{NextUpstream: NextError | NextTimeout | Next502}, beh: map[string]behaviour{srvA: {status: 502}}, n: 3, want: "2 2 2",
			events: "2ms next 1 http_502; 2ms failed 1 ", latency: 4 * ms,
		},
		{
			name: "http_404: next server, not a failure", lines: []string{srvA, srvB},
			cfg: Config{NextUpstream: NextError | Next404}, beh: map[string]behaviour{srvA: {status: 404}}, n: 3, want: "2 2 2",
			latency: 4 * ms,
		},
		{
			name: "the last try's 502 is relayed (tries > 1 in test_next)", lines: []string{srvA, srvB},
			cfg: Config{NextUpstream: Next502}, beh: map[string]behaviour{srvA: {status: 502}, srvB: {status: 502}}, n: 1, want: "502", latency: 4 * ms,
		},
		{
			name: "proxy_next_upstream_tries 1: no second try", lines: []string{srvA, srvB},
			cfg: Config{NextUpstreamTries: 1}, beh: map[string]behaviour{srvA: refuse}, n: 1, want: "502", latency: ms,
		},
		{
			name: "proxy_next_upstream_timeout passed during the first try: 504", lines: []string{srvA, srvB},
			cfg: Config{ConnectTimeout: time.Second, NextUpstreamTimeout: 500 * ms}, beh: map[string]behaviour{srvA: hole}, n: 1, want: "504", latency: time.Second,
		},
		{
			name: "everything refused: tries run out, then no live upstreams", lines: []string{srvA, srvB},
			beh: map[string]behaviour{srvA: refuse, srvB: refuse}, n: 2, want: "502 502",
			events: "1ms next 1 error; 1ms failed 1 ; 2ms next 2 error; 2ms failed 2 ; 2ms response  tries; 1s response  no_live_upstreams",
		},
		{
			name: "a single server is never marked failed (peers->single)", lines: []string{srvA},
			beh: map[string]behaviour{srvA: refuse}, n: 2, want: "502 502",
			events: "1ms next 1 error; 1ms response  tries; 1.001s next 1 error; 1.001s response  tries",
		},
		{
			name: "backup only when the primaries are out", lines: []string{srvA, srvB + " backup"},
			beh: map[string]behaviour{srvA: refuse}, n: 2, want: "2 2", latency: 3 * ms,
		},
		{
			name: "read timeout: 504 without a next server", lines: []string{srvA},
			cfg: Config{ReadTimeout: 2 * time.Second}, beh: map[string]behaviour{srvA: {respond: 5 * time.Second}}, n: 1, want: "504",
			latency: 2*time.Second + ms,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Servers = servers(tc.lines...)
			p, e := newProxy(t, tc.cfg, tc.beh)
			xs := send(p, e, tc.n, time.Second)
			if got := served(xs); got != tc.want {
				t.Errorf("clients got %s, want %s", got, tc.want)
			}
			if tc.events != "" {
				kinds := []string{"next", "failed", "probe", "recovered"}
				if strings.Contains(tc.events, "response") {
					kinds = append(kinds, "response")
				}
				if got := events(e, kinds...); got != tc.events {
					t.Errorf("events\n got %s\nwant %s", got, tc.events)
				}
			}
			if tc.latency != 0 {
				if got := time.Duration(xs[0].at); got != tc.latency {
					t.Errorf("first request answered after %v, want %v", got, tc.latency)
				}
			}
		})
	}
}

// TestMaxFailsProbe: max_fails 1 fail_timeout 10s with A refusing: A
// is out for fail_timeout (nginx's clock in whole seconds: out while
// now - checked <= 10), then one request probes it; when A answers
// again the probe succeeds and A is live (ngx_http_upstream_get_peer,
// ngx_http_upstream_free_round_robin_peer).
func TestMaxFailsProbe(t *testing.T) {
	p, e := newProxy(t, Config{Servers: servers(srvA, srvB)}, map[string]behaviour{srvA: {refuse: true}})
	// one request a second; A answers again from 15 s
	e.k.At(sim.Time(15*time.Second), func() { e.servers[netip.MustParseAddrPort(srvA)] = behaviour{} })
	xs := send(p, e, 30, time.Second)
	// 0 s: A refuses, fails = max_fails: out while now - checked <= 10,
	// so seconds 0..10. From 11 s A is a candidate again with
	// effective_weight 0 (weight - weight/max_fails), which each pick
	// gives back one unit: smooth round robin reaches it at 13 s, the
	// probe. Refused again: out for seconds 13..23. At 24 s the
	// effective weight is 0 again, first picked at 26 s: the probe
	// succeeds and A is live.
	want := "1ms failed 1 ; 13s probe 1 ; 13.001s failed 1 ; 26s probe 1 ; 26.002s recovered 1 "
	if got := events(e, "failed", "probe", "recovered"); got != want {
		t.Errorf("events\n got %s\nwant %s", got, want)
	}
	if got, want := served(xs), strings.Repeat("2 ", 26)+"1 2 1 2"; got != want {
		t.Errorf("served %s\n want %s", got, want)
	}
	if c := p.Counters(); c.Retries != 2 || c.Requests != 30 || c.Errors != 0 {
		t.Errorf("counters %+v, want 2 retries (the first try and the failed probe), 30 requests, no errors", c)
	}
}

// TestWorkers: without zone every worker keeps its own round robin, so
// two workers drawn at random break the a b a b rotation; with zone the
// state is shared and the rotation is nginx's single sequence.
func TestWorkers(t *testing.T) {
	for _, zone := range []bool{false, true} {
		p, e := newProxy(t, Config{Workers: 2, Zone: zone, Servers: servers(srvA, srvB)}, nil)
		xs := send(p, e, 40, 100*ms)
		got := served(xs)
		perWorker := map[int64][]string{}
		for _, r := range e.recs {
			if r.Event == "try" {
				perWorker[r.Value] = append(perWorker[r.Value], r.To)
			}
		}
		if len(perWorker) != 2 {
			t.Fatalf("zone %v: requests went to %d workers, want 2", zone, len(perWorker))
		}
		alternates := got == strings.TrimSpace(strings.Repeat("1 2 ", 20))
		if alternates != zone {
			t.Errorf("zone %v: served %s; want the strict rotation only with zone", zone, got)
		}
		if !zone {
			for w, picks := range perWorker {
				for i, s := range picks {
					if want := []string{srvA, srvB}[i%2]; s != want {
						t.Fatalf("worker %d pick %d: %s, want %s (its own rotation)", w, i, s, want)
					}
				}
			}
		}
	}
}

// TestNonIdempotent: a POST whose request was sent is not passed to the
// next server unless non_idempotent is listed (ngx_http_upstream_next).
func TestNonIdempotent(t *testing.T) {
	for _, tc := range []struct {
		next NextUpstream
		want int
	}{{DefaultNextUpstream, 504}, {DefaultNextUpstream | NextNonIdempotent, 200}} {
		p, e := newProxy(t, Config{ReadTimeout: time.Second, NextUpstream: tc.next, Servers: servers(srvA, srvB)},
			map[string]behaviour{srvA: {respond: 5 * time.Second}})
		x := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40000"), method: "POST", uri: "/"}
		p.Handle(x)
		e.k.Run(sim.Time(time.Minute))
		if x.status != tc.want {
			t.Errorf("%v: POST got %d, want %d", tc.next, x.status, tc.want)
		}
	}
}

// TestStopAndReset: a stopped nginx resets the clients of requests in
// progress and refuses new ones; a crash drops them silently; a start
// begins with fresh upstream state.
func TestStopAndReset(t *testing.T) {
	p, e := newProxy(t, Config{Servers: servers(srvA, srvB)}, map[string]behaviour{srvA: {respond: time.Second}, srvB: {refuse: true}})
	x := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40000"), method: "GET", uri: "/"}
	p.Handle(x)
	e.k.Run(sim.Time(500 * ms))
	p.Stop()
	e.k.Run(sim.Time(3 * time.Second))
	if !x.reset || x.status != 0 {
		t.Errorf("in-flight request at stop: reset %v status %d, want a reset and no response", x.reset, x.status)
	}
	y := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40001"), method: "GET", uri: "/"}
	p.Handle(y)
	if !y.reset {
		t.Error("a stopped nginx answered")
	}
	p.Start()
	z := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40002"), method: "GET", uri: "/"}
	p.Handle(z)
	p.Reset()
	e.k.Run(sim.Time(10 * time.Second))
	if z.reset || z.status != 0 {
		t.Errorf("crash: reset %v status %d, want nothing sent", z.reset, z.status)
	}
	if c := p.Counters(); c.Aborted != 2 {
		t.Errorf("aborted %d, want 2", c.Aborted)
	}
}

// TestForwardedRequest: ngx_http_proxy_create_request sends HTTP/1.0
// with Host $proxy_host and Connection: close; the hash key is the
// request's $request_uri.
func TestForwardedRequest(t *testing.T) {
	p, e := newProxy(t, Config{Method: upstream.Hash, HashKey: "$request_uri", Servers: servers(srvA, srvB, srvC)}, nil)
	x := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40000"), method: "GET", uri: "/a"}
	p.Handle(x)
	e.k.Run(sim.Time(time.Second))
	if len(e.dials) != 1 {
		t.Fatalf("%d dials", len(e.dials))
	}
	if got, want := string(e.dials[0].Request), "GET /a HTTP/1.0\r\nHost: backend\r\nConnection: close\r\n\r\n"; got != want {
		t.Errorf("request %q, want %q", got, want)
	}
	// docs/nginx.md: "/a" hashes to b (crc32 0x69707b5c -> 26992 % 3 = 1)
	if x.server != "srv-10.0.0.12" {
		t.Errorf("served by %s, want 10.0.0.12 (hash of /a)", x.server)
	}
	if d := e.dials[0]; d.ConnectTimeout != DefaultConnectTimeout || d.ReadTimeout != DefaultReadTimeout {
		t.Errorf("timeouts %v %v, want nginx's 60s defaults", d.ConnectTimeout, d.ReadTimeout)
	}
}

// BenchmarkRequest: one request through the proxy to a good upstream
// (the fake host's events included).
func BenchmarkRequest(b *testing.B) {
	e := &env{k: sim.New(1), servers: map[netip.AddrPort]behaviour{}}
	p, err := New(Config{Listen: netip.MustParseAddrPort("192.168.1.100:80"), Servers: servers(srvA, srvB, srvC)}, e, e.k.Stream("proxy"))
	if err != nil {
		b.Fatal(err)
	}
	p.Start()
	x := &exchange{e: e, client: netip.MustParseAddrPort("10.0.1.1:40000"), method: "GET", uri: "/"}
	b.ReportAllocs()
	for b.Loop() {
		e.recs, e.dials = e.recs[:0], e.dials[:0]
		p.Handle(x)
		e.k.Run(e.k.Now() + sim.Time(time.Second))
	}
}

// TestErrorPageLen: nginx's 502 page with server_tokens off is 150
// octets (157 with "nginx/1.18.0" in its tail, the Content-Length users
// see from a stock nginx), the 504 page 160 (167).
func TestErrorPageLen(t *testing.T) {
	for status, want := range map[int]int{502: 150, 504: 160} {
		if got := errorPageLen(status); got != want {
			t.Errorf("%d: page of %d octets, want %d", status, got, want)
		}
	}
}

// TestRetriedOnlyWhenAnswered: the retry cost is recorded for a request
// a server answered after failed tries, never for nginx's own error
// (proxy_next_upstream off: the failure is final).
func TestRetriedOnlyWhenAnswered(t *testing.T) {
	for _, tc := range []struct {
		next    NextUpstream
		retried int
		reason  string
	}{{DefaultNextUpstream, 1, ""}, {NextOff, 0, "not_in_proxy_next_upstream"}} {
		p, e := newProxy(t, Config{NextUpstream: tc.next, Servers: servers(srvA, srvB)}, map[string]behaviour{srvA: {refuse: true}})
		send(p, e, 1, time.Second)
		n, reason := 0, "?"
		for _, r := range e.recs {
			switch r.Event {
			case "retried":
				n++
			case "response":
				reason = r.Reason
			}
		}
		if n != tc.retried || reason != tc.reason {
			t.Errorf("%v: %d retried records, response reason %q; want %d, %q", tc.next, n, reason, tc.retried, tc.reason)
		}
	}
}

// TestStatusNext: ngx_http_upstream_next_errors pairs each status with
// the proxy_next_upstream word http_STATUS; other statuses are never
// passed on.
func TestStatusNext(t *testing.T) {
	for _, tc := range []struct {
		status int
		word   string
	}{
		{500, "http_500"}, {502, "http_502"}, {503, "http_503"}, {504, "http_504"},
		{403, "http_403"}, {404, "http_404"}, {429, "http_429"},
		{200, ""}, {301, ""}, {501, ""}, {400, ""},
	} {
		var want NextUpstream
		if tc.word != "" {
			var err error
			if want, err = ParseNextUpstream([]string{tc.word}); err != nil {
				t.Fatal(err)
			}
		}
		if got := statusNext(tc.status); got != want {
			t.Errorf("statusNext(%d) = %v, want %v (%s)", tc.status, got, want, tc.word)
		}
	}
}
