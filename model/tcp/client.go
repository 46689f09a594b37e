package tcp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Arrival is how a client spaces its new connections.
type Arrival uint8

// Arrival processes.
const (
	ArrivalFixed   Arrival = iota // every 1/Rate seconds
	ArrivalPoisson                // exponential gaps of mean 1/Rate
)

// DefaultConnectTimeout is how long connect() takes to fail on Linux
// with tcp_syn_retries 6: SYNs at 0, 1, 3, 7, 15, 31, 63 s, failure at
// 127 s (tcp_model_timeout).
var DefaultConnectTimeout = modelTimeout(SynRetries, TimeoutInit)

// ClientConfig describes an HTTP traffic source: connections opened at
// Rate per second from Start until Stop, each carrying Requests
// requests (HTTP/1.0, one per connection, unless Requests > 1).
type ClientConfig struct {
	Name    string
	To      netip.AddrPort
	Rate    float64 // new connections per second
	Arrival Arrival
	// Sources are the local addresses connections come from, round
	// robin; empty: the address routing picks for To.
	Sources []netip.Addr
	// ConnectTimeout aborts a connection still in SYN_SENT (the
	// application's timeout, as curl --connect-timeout); 0 or more than
	// DefaultConnectTimeout: the kernel's own limit.
	ConnectTimeout time.Duration
	// ResponseTimeout aborts a connection with no complete response this
	// long after its first SYN (curl --max-time); 0: none.
	ResponseTimeout time.Duration
	Start, Stop     time.Duration // Stop 0: never
	Path            string        // default "/"
	Host            string        // the Host header; default To's address
	// Requests is how many requests one connection carries. 0 or 1: one
	// HTTP/1.0 request per connection. More: HTTP/1.1 keep-alive, each
	// request sent once the previous response is whole (no pipelining),
	// the last with Connection: close, as ab -k or wrk do; the client
	// stops early if the server closes first. ResponseTimeout then counts
	// from each request.
	Requests int
	// RequestGap is the pause between a keep-alive response and the
	// next request (a user reading the page); 0: at once.
	RequestGap time.Duration
}

// MaxRequests bounds Requests.
const MaxRequests = 1 << 20

// Validate checks the configuration.
func (c ClientConfig) Validate() error {
	switch {
	case !c.To.Addr().Is4() || c.To.Port() == 0:
		return fmt.Errorf("tcp client %s: destination %v; valid: an IPv4 address and a port", c.Name, c.To)
	case !(c.Rate > 0) || c.Rate > 1e6:
		return fmt.Errorf("tcp client %s: rate %v; valid: 0 < rate <= 1e6 connections per second", c.Name, c.Rate)
	case c.Arrival > ArrivalPoisson:
		return fmt.Errorf("tcp client %s: unknown arrival %d", c.Name, c.Arrival)
	case c.ConnectTimeout < 0 || c.ResponseTimeout < 0 || c.RequestGap < 0:
		return fmt.Errorf("tcp client %s: negative timeout", c.Name)
	case c.Requests < 0 || c.Requests > MaxRequests:
		return fmt.Errorf("tcp client %s: %d requests per connection; valid: 1..%d", c.Name, c.Requests, MaxRequests)
	case c.Stop != 0 && c.Stop < c.Start:
		return fmt.Errorf("tcp client %s: stop %v before start %v", c.Name, c.Stop, c.Start)
	}
	for _, a := range c.Sources {
		if !a.Is4() {
			return fmt.Errorf("tcp client %s: source %v is not IPv4", c.Name, a)
		}
	}
	return nil
}

// Outcome is how a request ended (with HTTP/1.0, its connection).
type Outcome uint8

// Outcomes, as sim.KindConn names them. OutcomeHTTPError is a whole
// response with a status of 400 or more (curl --fail's rule), such as
// nginx's own 502 or 504: the client got an answer, not the page.
const (
	OutcomeOK Outcome = iota
	OutcomeRefused
	OutcomeReset
	OutcomeTimeout
	OutcomeHTTPError
)

var outcomeNames = [...]string{"ok", "refused", "reset", "timeout", "http_error"}

func (o Outcome) String() string { return enumName(outcomeNames[:], int(o)) }

// Client is a running traffic source and its counters.
type Client struct {
	s       *Stack
	cfg     ClientConfig
	rnd     *rand.Rand
	tick    sim.Resettable
	running bool
	nextSrc int
	portOff int
	req     []byte
	reqKA   []byte   // keep-alive: every request but the last
	reqLast []byte   // keep-alive: the last, Connection: close
	servers []string // X-Real-Server values seen, so a record reuses the string

	Opened, NoRoute, NoPort uint64
	Outcomes                [5]uint64 // by Outcome: one per request
	Active                  int       // requests not yet ended
}

// AddClient adds a traffic source; it opens connections after Start.
func (s *Stack) AddClient(cfg ClientConfig) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > DefaultConnectTimeout {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.Host == "" {
		cfg.Host = cfg.To.Addr().String()
	}
	cl := &Client{s: s, cfg: cfg, rnd: s.env.Stream("client/" + cfg.Name)}
	cl.req = fmt.Appendf(nil, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", cfg.Path, cfg.Host)
	if cfg.Requests > 1 {
		cl.reqKA = fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", cfg.Path, cfg.Host)
		cl.reqLast = fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", cfg.Path, cfg.Host)
	}
	// __inet_hash_connect starts a destination's walk at a keyed hash;
	// a random even offset stands in for it.
	cl.portOff = 2 * cl.rnd.IntN((EphemeralHigh-EphemeralLow+1)/2)
	cl.tick = s.env.NewTimer(cl.open)
	s.clients = append(s.clients, cl)
	return cl, nil
}

// Config returns the client's configuration (defaults filled in).
func (cl *Client) Config() ClientConfig { return cl.cfg }

// Name returns the client's name.
func (cl *Client) Name() string { return cl.cfg.Name }

func (cl *Client) start() {
	if cl.running {
		return
	}
	cl.running = true
	first := time.Duration(0)
	if now := time.Duration(cl.s.env.Now()); cl.cfg.Start > now {
		first = cl.cfg.Start - now
	}
	cl.tick.Reset(first)
}

func (cl *Client) stop() {
	cl.running = false
	cl.tick.Stop()
	cl.Active = 0
}

// gap is the time to the next connection.
func (cl *Client) gap() time.Duration {
	mean := float64(time.Second) / cl.cfg.Rate
	if cl.cfg.Arrival == ArrivalPoisson {
		return time.Duration(cl.rnd.ExpFloat64() * mean)
	}
	return time.Duration(mean)
}

// open opens one connection and schedules the next (tcp_v4_connect).
func (cl *Client) open() {
	s := cl.s
	now := s.env.Now()
	if cl.cfg.Stop > 0 && time.Duration(now) >= cl.cfg.Stop {
		cl.running = false
		return
	}
	cl.tick.Reset(cl.gap())
	dst := cl.cfg.To
	var src netip.Addr
	if n := len(cl.cfg.Sources); n > 0 {
		src = cl.cfg.Sources[cl.nextSrc%n]
		cl.nextSrc = (cl.nextSrc + 1) % n
	} else if a, ok := s.env.SourceFor(dst.Addr()); ok {
		src = a
	} else {
		cl.NoRoute++ // connect() fails at once with ENETUNREACH
		return
	}
	key, ok := s.freePort(&cl.portOff, src, cl.cfg.To)
	if !ok {
		cl.NoPort++ // EADDRNOTAVAIL
		return
	}
	c := s.newConn(key, StateSynSent)
	c.cl = cl
	c.start = now
	cl.Opened++
	cl.Active++
	s.cnt.ActiveOpens++
	c.sendSyn()
	c.armRtx(TimeoutInit)
	if cl.cfg.ConnectTimeout < DefaultConnectTimeout {
		c.armApp(appConnect, cl.cfg.ConnectTimeout)
	}
}

// freePort picks a free ephemeral port for src -> dst, walking on from
// *off: the walk of __inet_hash_connect, in steps of 2 (even ports
// first, odd after a full lap), skipping four-tuples in use.
func (s *Stack) freePort(off *int, src netip.Addr, dst netip.AddrPort) (connKey, bool) {
	const span = EphemeralHigh - EphemeralLow + 1
	for range span {
		p := EphemeralLow + *off%span
		*off += 2
		if *off%span < 2 {
			*off ^= 1 // the lap is done: the other parity
		}
		key := connKey{local: netip.AddrPortFrom(src, uint16(p)), remote: dst}
		if s.conns[key.tuple()] == nil {
			return key, true
		}
	}
	return connKey{}, false
}

// connected: the handshake completed; send the first request.
func (cl *Client) connected(c *conn) {
	c.nreq = 1
	c.head = append(c.head[:0], cl.request(1)...)
	c.bodyLen = 0
	c.stopApp()
	if d := cl.cfg.ResponseTimeout; d > 0 {
		c.armApp(appResponse, max(d-time.Duration(cl.s.env.Now()-c.start), 0))
	}
	c.push()
}

// request is the n-th request of a connection (from 1).
func (cl *Client) request(n int) []byte {
	switch {
	case cl.cfg.Requests <= 1:
		return cl.req
	case n < cl.cfg.Requests:
		return cl.reqKA
	}
	return cl.reqLast
}

// received: response octets arrived. The server's FIN ends an HTTP/1.0
// response, and the client then closes too; a keep-alive response ends
// at Content-Length, and the next request follows on the same
// connection unless it was the last or the server said close.
func (cl *Client) received(c *conn, fin bool) {
	if fin {
		if !c.done { // done: timed out, or a keep-alive response already counted
			c.stopApp() // the response timeout, if any, is moot now
			if ok, reason := responseComplete(c.in, c.rcvd, false); ok {
				o, why := statusOutcome(c.in)
				cl.finish(c, o, why)
			} else {
				cl.finish(c, OutcomeReset, reason)
			}
		}
		c.close()
		return
	}
	if cl.cfg.Requests <= 1 || c.done {
		return
	}
	if ok, _ := responseComplete(c.in, c.rcvd, true); !ok {
		return
	}
	c.stopApp()
	o, why := statusOutcome(c.in)
	cl.finish(c, o, why)
	if c.nreq >= cl.cfg.Requests || bytes.Contains(c.in[:bytes.Index(c.in, endOfHeader)+2], connClose) {
		return // the server closes: its FIN ends the connection
	}
	if cl.cfg.RequestGap > 0 {
		c.armApp(appNextRequest, cl.cfg.RequestGap)
		return
	}
	cl.next(c)
}

// next sends the connection's next request. The previous response
// acknowledged the previous request, so the stream goes on from its end
// (sndBase moves there).
func (cl *Client) next(c *conn) {
	if c.sndUna != c.dataEnd() || c.state != StateEstablished {
		return // not reachable without pipelining; leave it to the server's FIN
	}
	now := cl.s.env.Now()
	c.nreq++
	c.sndBase = c.dataEnd()
	c.head = append(c.head[:0], cl.request(c.nreq)...)
	c.bodyLen = 0
	c.in, c.rcvd, c.done = c.in[:0], 0, false
	c.start = now
	cl.Active++
	if d := cl.cfg.ResponseTimeout; d > 0 {
		c.armApp(appResponse, d)
	}
	c.push()
}

// timedOut: the response timeout fired. The client gives up and closes
// its socket (curl --max-time): a FIN once connected, so nginx sees the
// client leave (ngx_http_upstream_check_broken_connection: 499); in
// SYN_SENT the socket just goes.
func (cl *Client) timedOut(c *conn) {
	cl.finish(c, OutcomeTimeout, "response_timeout")
	if c.state == StateEstablished || c.state == StateCloseWait {
		c.close()
		return
	}
	c.s.release(c)
}

// statusOutcome is the outcome of a whole response by its status:
// 400 or more is an HTTP error, reason "http_NNN".
func statusOutcome(in []byte) (Outcome, string) {
	st := statusCode(in)
	if st < 400 {
		return OutcomeOK, ""
	}
	return OutcomeHTTPError, "http_" + strconv.Itoa(st)
}

var (
	xRealServer   = []byte("\r\nX-Real-Server: ")
	contentLength = []byte("\r\nContent-Length: ")
	connClose     = []byte("\r\nConnection: close\r\n")
)

// responseComplete checks a whole response: a status line, the end of
// the header, and as many body octets as Content-Length says; needLen:
// a response without Content-Length is not complete before the FIN.
func responseComplete(in []byte, total int, needLen bool) (bool, string) {
	if !bytes.HasPrefix(in, []byte("HTTP/1.")) {
		return false, "empty_reply"
	}
	end := bytes.Index(in, endOfHeader)
	if end < 0 {
		return false, "short_response"
	}
	hdr := in[:end+2]
	if headerValue(hdr, contentLength) == nil {
		if needLen {
			return false, "short_response"
		}
		return true, ""
	}
	if n := contentLengthOf(hdr); n < 0 || total-(end+4) != n {
		return false, "short_response"
	}
	return true, ""
}

// realServer returns the X-Real-Server header of a response, "" if none.
func (cl *Client) realServer(in []byte) string {
	end := bytes.Index(in, endOfHeader)
	if end < 0 {
		return ""
	}
	v := headerValue(in[:end+2], xRealServer)
	if v == nil {
		return ""
	}
	for _, s := range cl.servers {
		if s == string(v) {
			return s
		}
	}
	s := string(v)
	cl.servers = append(cl.servers, s)
	return s
}

// headerValue returns the value of the header line starting with name
// ("\r\nName: ") in hdr, nil if none.
func headerValue(hdr, name []byte) []byte {
	_, v, ok := bytes.Cut(hdr, name)
	if !ok {
		return nil
	}
	v, _, _ = bytes.Cut(v, []byte("\r\n"))
	return v
}

// finish records a request's outcome once (sim.KindConn); From is
// "keepalive" for a connection's second and later requests, so a report
// counts connections as the records without it.
func (cl *Client) finish(c *conn, o Outcome, reason string) {
	if c.done {
		return
	}
	c.done = true
	cl.Active--
	cl.Outcomes[o]++
	var from string
	if c.nreq > 1 {
		from = "keepalive"
	}
	cl.s.trace(sim.Record{Kind: sim.KindConn, Comp: cl.cfg.Name, Event: o.String(), Reason: reason,
		To: cl.realServer(c.in), Addr: cl.cfg.To.Addr(), From: from,
		Value: int64(cl.s.env.Now() - c.start), Value2: int64(c.key.local.Port())})
}
