// Package proxy is nginx as an L7 balancer: a server block that accepts
// HTTP requests on listen ADDR:PORT and proxy_pass-es each one to a
// server of one upstream block, over a second TCP connection, with
// nginx's failure handling (src/http/ngx_http_upstream.c:
// ngx_http_upstream_init_request, ngx_http_upstream_connect,
// ngx_http_upstream_test_next, ngx_http_upstream_next,
// ngx_http_upstream_finalize_request). The peer choice and passive
// health (max_fails, fail_timeout) are model/proxy/upstream's.
//
// A Proxy is a plain state machine: the node hands it each complete
// request (Handle) and it answers through an Env (clock, trace, opening
// an upstream connection). nginx's buffering is simplified: the
// upstream's response is relayed once it is whole.
package proxy

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Outcome is how an upstream connection ended.
type Outcome uint8

// Upstream outcomes, as ngx_http_upstream_next's ft_type sees them.
const (
	OutcomeOK      Outcome = iota // a response was read to its end
	OutcomeError                  // refused, reset, no route: NGX_HTTP_UPSTREAM_FT_ERROR
	OutcomeTimeout                // proxy_connect_timeout or proxy_read_timeout: FT_TIMEOUT
)

// Dial is one upstream connection to open: connect within
// ConnectTimeout, send Request, read the response with ReadTimeout
// between reads.
type Dial struct {
	To             netip.AddrPort
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	Request        []byte
	// KeepAlive: the response ends at its Content-Length and the
	// connection may stay open (Result.Conn), closed after IdleTimeout
	// idle. Reuse, when set, is an idle connection to send on instead of
	// connecting.
	KeepAlive   bool
	IdleTimeout time.Duration
	Reuse       UpstreamConn
}

// UpstreamConn is an idle upstream connection kept open, for the
// keepalive cache.
type UpstreamConn interface {
	Idle() bool // still open and waiting for a request
	Close()
}

// Result is what an upstream connection gave.
type Result struct {
	Outcome   Outcome
	Connected bool   // the handshake completed: the request was sent
	Status    int    // the response's status, 0 without a status line
	Server    string // its X-Real-Server header
	Body      int    // body octets
	// Conn, with Dial.KeepAlive, is the connection left open and idle
	// by the response; nil if it closed.
	Conn UpstreamConn
}

// Env is what a Proxy needs of its host.
type Env interface {
	Now() sim.Time
	Trace(r sim.Record)
	// Dial opens an upstream connection; done is called once, later.
	// The returned func abandons it without calling done.
	Dial(d Dial, done func(Result)) (cancel func())
}

// Exchange is a client's request waiting for its response
// (tcp.Exchange).
type Exchange interface {
	Client() netip.AddrPort
	Header() []byte
	Respond(status int, server string, body int)
	Reset()
	Close() // end the request without a response (499)
}

// Counters of a Proxy.
type Counters struct {
	Requests  uint64 // requests received
	Tries     uint64 // upstream connections opened
	Retries   uint64 // tries after a failed one
	Responses uint64 // responses sent, nginx's own errors included
	Errors    uint64 // responses nginx made itself (502, 504...)
	Aborted   uint64 // requests dropped by Stop or Reset
	Closed    uint64 // requests whose client left first (499)
}

// Proxy is one nginx.
type Proxy struct {
	cfg   Config
	env   Env
	rnd   *rand.Rand
	addr  map[string]netip.AddrPort // server line -> where it connects
	ups   []*upstream.Upstream      // per worker; one with Zone
	reqs  []*request                // in flight, in arrival order
	idle  [][]idleConn              // per worker: the keepalive cache, least recently used first
	spare []*request
	up    bool
	cnt   Counters
	key   []byte
}

// request is one client request and its tries (ngx_http_upstream_t).
type request struct {
	ex      Exchange
	client  netip.AddrPort
	worker  int
	u       *upstream.Upstream
	r       upstream.Request
	start   sim.Time // u->peer.start_time
	try     sim.Time // the try in progress began
	peer    *upstream.Peer
	cancel  func()
	retry   bool
	lost    time.Duration // spent in failed tries
	nonIdem bool          // POST, LOCK, PATCH
	fwd     []byte
	conn    UpstreamConn // the try's connection, once it answered and stayed open
	uses    int          // requests the try's connection carried before this one
	gen     uint64       // bumped when the request is reused: late callbacks are ignored
}

// New builds a stopped proxy; rnd assigns connections to workers and
// draws for the random method. Start it.
func New(cfg Config, env Env, rnd *rand.Rand) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg.withDefaults(), env: env, rnd: rnd, addr: map[string]netip.AddrPort{}}
	for _, s := range cfg.Servers {
		p.addr[s.Addr], _ = serverAddr(s.Addr)
	}
	p.dropIdle(false)
	if err := p.reset(); err != nil {
		return nil, err
	}
	return p, nil
}

// reset builds fresh upstream state: one per worker, or one shared
// (zone).
func (p *Proxy) reset() error {
	n := p.cfg.Workers
	if p.cfg.Zone {
		n = 1
	}
	p.ups = p.ups[:0]
	for range n {
		u, err := upstream.New(p.cfg.Method, p.cfg.Servers, p.rnd)
		if err != nil {
			return err
		}
		p.ups = append(p.ups, u)
	}
	return nil
}

// Config returns the configuration with nginx's defaults filled in.
func (p *Proxy) Config() Config { return p.cfg }

// Counters returns the counters.
func (p *Proxy) Counters() Counters { return p.cnt }

// Upstreams returns the upstream state of each worker (one with zone).
func (p *Proxy) Upstreams() []*upstream.Upstream { return p.ups }

// Running reports whether nginx runs.
func (p *Proxy) Running() bool { return p.up }

// Start starts nginx with fresh state (a new master and workers).
func (p *Proxy) Start() {
	if p.up {
		return
	}
	p.up = true
	_ = p.reset() // the config was checked by New
	// the upstream as configured, for reports (weights, backups)
	for _, s := range p.cfg.Servers {
		why := ""
		switch {
		case s.Backup:
			why = "backup"
		case s.Down:
			why = "down"
		}
		p.env.Trace(sim.Record{Kind: sim.KindProxy, Comp: "nginx", Event: "server", To: s.Addr, Reason: why, Value: int64(max(s.Weight, 1)), From: p.cfg.Name})
	}
}

// Stop kills nginx: every request in progress loses its client
// connection (a RST: the sockets close with unread data) and its
// upstream connection.
func (p *Proxy) Stop() {
	p.abort(true)
	p.up = false
}

// Reset forgets everything, as a crash does: the host's TCP has already
// dropped the connections, so nothing is sent.
func (p *Proxy) Reset() {
	p.abort(false)
	p.up = false
}

func (p *Proxy) abort(rst bool) {
	p.dropIdle(rst)
	for _, q := range p.reqs {
		if q.cancel != nil {
			q.cancel()
		}
		if rst {
			q.ex.Reset()
		}
		p.cnt.Aborted++
		p.release(q)
	}
	p.reqs = p.reqs[:0]
}

// Handle takes a complete request from a client
// (ngx_http_upstream_init_request): the worker that accepted the
// connection, the method's init_peer, proxy_next_upstream_tries, and the
// first connect.
func (p *Proxy) Handle(ex Exchange) {
	if !p.up {
		ex.Reset()
		return
	}
	p.cnt.Requests++
	q := p.get()
	q.ex, q.client = ex, ex.Client()
	if p.cfg.Workers > 1 {
		// The kernel wakes one worker per accepted connection; which one
		// is drawn from the run's seeded stream.
		q.worker = p.rnd.IntN(p.cfg.Workers)
	}
	q.u = p.ups[0]
	if !p.cfg.Zone {
		q.u = p.ups[q.worker]
	}
	method, uri, host := parseRequest(ex.Header())
	q.nonIdem = string(method) == "POST" || string(method) == "LOCK" || string(method) == "PATCH"
	p.key = expandKey(p.key[:0], p.cfg.HashKey, uri, host, q.client)
	q.u.Begin(&q.r, q.client.Addr(), string(p.key))
	q.start = p.env.Now()
	if t := p.cfg.NextUpstreamTries; t > 0 && q.r.Tries > t {
		q.r.Tries = t
	}
	// ngx_http_proxy_create_request: HTTP/1.0, Host $proxy_host,
	// Connection close, the client's other headers (ours send none).
	// With keepalive: HTTP/1.1 and no Connection header (proxy_http_version
	// 1.1; proxy_set_header Connection "").
	q.fwd = append(q.fwd[:0], method...)
	q.fwd = append(q.fwd, ' ')
	q.fwd = append(q.fwd, uri...)
	if p.cfg.Keepalive > 0 {
		q.fwd = append(q.fwd, " HTTP/1.1\r\nHost: "...)
		q.fwd = append(q.fwd, p.cfg.Name...)
		q.fwd = append(q.fwd, "\r\n\r\n"...)
	} else {
		q.fwd = append(q.fwd, " HTTP/1.0\r\nHost: "...)
		q.fwd = append(q.fwd, p.cfg.Name...)
		q.fwd = append(q.fwd, "\r\nConnection: close\r\n\r\n"...)
	}
	p.reqs = append(p.reqs, q)
	p.connect(q)
}

// ClientClosed: the client of ex closed its connection while its
// request waited for the upstream. ngx_http_upstream_check_broken_connection
// (proxy_ignore_client_abort off) finalizes the request with 499
// (NGX_HTTP_CLIENT_CLOSED_REQUEST): the upstream connection is closed,
// its peer freed as not failed, nothing is sent, the connection closed.
func (p *Proxy) ClientClosed(ex Exchange) {
	for _, q := range p.reqs {
		if q.ex != ex {
			continue
		}
		if q.cancel != nil {
			q.cancel()
			q.cancel = nil
		}
		if q.peer != nil {
			p.free(q, false)
		}
		p.cnt.Closed++
		p.end(q, 499, "client_closed")
		ex.Close()
		return
	}
}

// connect is ngx_http_upstream_connect: get a peer and open a
// connection to it; no peer is "no live upstreams" (NGX_BUSY), a 502
// with no further try (FT_NOLIVE is never in proxy_next_upstream).
func (p *Proxy) connect(q *request) {
	now := p.env.Now()
	peer, err := q.u.Get(&q.r, time.Duration(now))
	if err != nil {
		p.fail(q, 502, "no_live_upstreams")
		return
	}
	q.peer, q.try = peer, now
	gen := q.gen
	if peer.MaxFails > 0 && peer.Fails >= peer.MaxFails {
		// only a server whose fail_timeout has passed is picked with
		// fails >= max_fails: this request is its probe
		p.trace(q, sim.Record{Event: "probe", To: peer.Server, Value: int64(peer.Fails)})
	}
	var why string
	if q.retry {
		why = "retry"
		p.cnt.Retries++
	}
	p.cnt.Tries++
	d := Dial{To: p.addr[peer.Server], ConnectTimeout: p.cfg.ConnectTimeout, ReadTimeout: p.cfg.ReadTimeout, Request: q.fwd}
	var from string
	q.uses = 0
	if p.cfg.Keepalive > 0 {
		d.KeepAlive, d.IdleTimeout = true, p.cfg.KeepaliveTimeout
		if ic, ok := p.takeIdle(q.worker, peer.Server); ok {
			d.Reuse, q.uses, from = ic.conn, ic.uses, "keepalive"
		}
	}
	p.trace(q, sim.Record{Event: "try", To: peer.Server, Reason: why, From: from, Value: int64(q.worker)})
	q.cancel = p.env.Dial(d, func(res Result) { p.done(q, gen, res) })
}

// done: the upstream connection ended.
func (p *Proxy) done(q *request, gen uint64, res Result) {
	if q.gen != gen || q.ex == nil {
		return // abandoned
	}
	q.cancel = nil
	q.conn = res.Conn
	switch {
	case res.Outcome == OutcomeTimeout:
		p.next(q, NextTimeout, "timeout", res.Connected)
	case res.Outcome == OutcomeError:
		p.next(q, NextError, "error", res.Connected)
	case res.Status == 0:
		p.next(q, NextInvalidHeader, "invalid_header", true)
	default:
		p.response(q, res)
	}
}

// nextErrors pairs the statuses proxy_next_upstream can name with their
// flags (ngx_http_upstream_next_errors); next answers a failure with the
// status of its flag.
var nextErrors = [...]struct {
	status int
	ft     NextUpstream
}{
	{502, Next502}, {504, Next504}, {503, Next503}, {500, Next500},
	{403, Next403}, {404, Next404}, {429, Next429},
}

// statusNext maps an upstream status to its proxy_next_upstream flag, 0
// for a status that is never passed on.
func statusNext(status int) NextUpstream {
	for _, e := range nextErrors {
		if e.status == status {
			return e.ft
		}
	}
	return 0
}

// response is ngx_http_upstream_test_next, then the relay: a status
// listed in proxy_next_upstream goes to the next server while tries are
// left (tries > 1: next frees this one first), else the response
// reaches the client and the try counts as a success (the peer is freed
// with state 0 in ngx_http_upstream_finalize_request).
func (p *Proxy) response(q *request, res Result) {
	if ft := statusNext(res.Status); ft != 0 {
		mask := ft
		if q.nonIdem {
			mask |= NextNonIdempotent
		}
		if q.r.Tries > 1 && p.cfg.NextUpstream&mask == mask && !p.nextTimedOut(q) {
			p.next(q, ft, "http_"+strconv.Itoa(res.Status), true)
			return
		}
	}
	p.free(q, false)
	p.keepConn(q) // keepalive.go
	p.finalize(q, res.Status, res.Server, "", res.Body)
}

// next is ngx_http_upstream_next: the try failed (403 and 404 are not
// failures, NGX_PEER_NEXT), then either the client gets nginx's status
// for the failure, or the next server is tried.
func (p *Proxy) next(q *request, ft NextUpstream, why string, sent bool) {
	now := p.env.Now()
	p.trace(q, sim.Record{Event: "next", To: q.peer.Server, Reason: why, Value: int64(now - q.try)})
	q.lost += time.Duration(now - q.try)
	q.closeConn()
	p.free(q, ft != Next403 && ft != Next404)
	// ngx_http_upstream_next: a timeout is a 504, an http_XXX failure
	// its own status, anything else a 502.
	status := 502
	if ft == NextTimeout {
		status = 504
	}
	for _, e := range nextErrors {
		if e.ft == ft {
			status = e.status
		}
	}
	if sent && q.nonIdem {
		ft |= NextNonIdempotent
	}
	switch {
	case q.r.Tries == 0:
		p.fail(q, status, "tries")
	case p.cfg.NextUpstream&ft != ft:
		p.fail(q, status, "not_in_proxy_next_upstream")
	case p.nextTimedOut(q):
		p.fail(q, status, "next_upstream_timeout")
	default:
		q.retry = true
		p.connect(q)
	}
}

func (p *Proxy) nextTimedOut(q *request) bool {
	t := p.cfg.NextUpstreamTimeout
	return t > 0 && time.Duration(p.env.Now()-q.start) >= t
}

// free is the peer's free with the failure state, and the traces of
// what it changed: taken out by max_fails, or live again after a probe.
func (p *Proxy) free(q *request, failed bool) {
	peer := q.peer
	was := peer.Fails
	q.u.Free(&q.r, failed, time.Duration(p.env.Now()))
	switch {
	case failed && peer.MaxFails > 0 && peer.Fails >= peer.MaxFails:
		p.trace(q, sim.Record{Event: "failed", To: peer.Server, Value: int64(peer.Fails), Value2: int64(time.Duration(peer.FailTimeout) * time.Second)})
	case !failed && peer.MaxFails > 0 && was >= peer.MaxFails && peer.Fails == 0:
		p.trace(q, sim.Record{Event: "recovered", To: peer.Server})
	}
}

// fail answers the client with nginx's own error page for status.
func (p *Proxy) fail(q *request, status int, why string) {
	p.cnt.Errors++
	q.peer = nil
	p.finalize(q, status, "", why, errorPageLen(status))
}

// finalize answers the client (ngx_http_upstream_finalize_request):
// the response of q.peer, or nginx's own (q.peer nil). server is the
// response's X-Real-Server, relayed.
func (p *Proxy) finalize(q *request, status int, server, why string, body int) {
	p.cnt.Responses++
	if q.lost > 0 && q.peer != nil {
		// an upstream answered after failed tries: what they cost
		p.trace(q, sim.Record{Event: "retried", To: q.peer.Server, Value: int64(q.lost)})
	}
	ex := q.ex
	p.end(q, status, why)
	ex.Respond(status, server, body)
}

// end traces the request's status (the access log's) and forgets it.
func (p *Proxy) end(q *request, status int, why string) {
	var from string
	if q.peer != nil {
		from = q.peer.Server
	}
	p.trace(q, sim.Record{Event: "response", To: from, Reason: why, Value: int64(status), Value2: int64(p.env.Now() - q.start)})
	for i, r := range p.reqs {
		if r == q {
			p.reqs = append(p.reqs[:i], p.reqs[i+1:]...)
			break
		}
	}
	p.release(q)
}

func (p *Proxy) trace(q *request, r sim.Record) {
	r.Kind, r.Comp, r.Addr = sim.KindProxy, "nginx", q.client.Addr()
	if r.Event != "failed" && r.Event != "response" && r.Event != "server" {
		r.Value2 = int64(q.client.Port())
	}
	p.env.Trace(r)
}

func (p *Proxy) get() *request {
	if n := len(p.spare); n > 0 {
		q := p.spare[n-1]
		p.spare = p.spare[:n-1]
		return q
	}
	return &request{}
}

func (p *Proxy) release(q *request) {
	q.closeConn()
	*q = request{r: q.r, fwd: q.fwd[:0], gen: q.gen + 1}
	p.spare = append(p.spare, q)
}

// parseRequest reads the request line and the Host header; the slices
// point into h. A short line reads as GET /.
func parseRequest(h []byte) (method, uri, host []byte) {
	// ngx_http_parse_request_line ends a line at LF, CR before it optional
	line, rest, _ := bytes.Cut(h, []byte("\n"))
	method, uri = []byte("GET"), []byte("/")
	if m, r := word(line); len(m) > 0 {
		if u, _ := word(r); len(u) > 0 {
			method, uri = m, u
		}
	}
	// The first header line named Host, in any case, up to the empty line
	// that ends the header (ngx_http_parse_header_line lowercases the
	// name; ngx_http_process_request_headers looks it up whole, so
	// "X-Forwarded-Host" is not Host). Blanks around the value are not
	// part of it.
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		name, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("host")) {
			return method, uri, bytes.Trim(v, " \t")
		}
	}
	return method, uri, nil
}

// word splits the first blank-delimited word (space, tab, CR) off b.
func word(b []byte) (w, rest []byte) {
	b = bytes.TrimLeft(b, " \t\r")
	if i := bytes.IndexAny(b, " \t\r"); i >= 0 {
		return b[:i], b[i:]
	}
	return b, nil
}

// errorPages are the titles of nginx's error pages
// (ngx_http_error_pages): "<html>\r\n<head><title>TITLE</title>..."
var errorPages = map[int]string{
	403: "403 Forbidden", 404: "404 Not Found", 429: "429 Too Many Requests",
	500: "500 Internal Server Error", 502: "502 Bad Gateway",
	503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out",
}

// errorPageLen is the length of nginx's error page for status: the page
// of ngx_http_error_pages and ngx_http_error_tail.
func errorPageLen(status int) int {
	title := errorPages[status]
	return len("<html>\r\n<head><title>"+title+"</title></head>\r\n<body>\r\n<center><h1>"+title+"</h1></center>\r\n") +
		len("<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}
