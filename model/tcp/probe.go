package tcp

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"hash"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// ProbeConfig is one health probe, as keepalived's checkers make them: a
// non-blocking connect with a timeout (tcp_bind_connect,
// tcp_connection_state in check_tcp.c), then for HTTP_GET and SSL_GET a
// request and the whole response (http_request_thread,
// http_read_thread in check_http.c).
type ProbeConfig struct {
	Name string         // the checker, for traces
	From netip.Addr     // bindto; zero: the address routing picks
	To   netip.AddrPort // connect_ip:connect_port
	// Timeout is connect_timeout: keepalived arms it for the connect and
	// again for each write and each read (thread_add_read/write with
	// co->connection_to), so a response that keeps trickling never times
	// out.
	Timeout time.Duration
	// ReadTimeout, when set, replaces Timeout once connected: for each
	// write and read (nginx proxy_read_timeout against
	// proxy_connect_timeout).
	ReadTimeout time.Duration
	HTTP        bool // send a GET and read the response until the FIN
	// Request, when set, is sent instead of keepalived's GET (a proxy
	// forwarding a client's request).
	Request []byte
	Path    string // default "/"
	Host    string // the Host header; default To's address
	// TLSRoundTrips models SSL_GET's handshake without TLS: the request
	// goes this many handshake round trips (the SYN to SYN-ACK time)
	// after the connection is up. TLS 1.2 takes 2.
	TLSRoundTrips int
	Digest        bool // keep the MD5 of the body (url digest)
	// KeepAlive: an upstream connection nginx may cache (the upstream
	// keepalive directive, keepalive.go): the response ends at its
	// Content-Length, and one that keeps the connection leaves it idle
	// for Reuse, closed after IdleTimeout.
	KeepAlive   bool
	IdleTimeout time.Duration
}

// ProbeOutcome is how a probe ended.
type ProbeOutcome uint8

// Probe outcomes.
const (
	ProbeOK      ProbeOutcome = iota // connected (TCP), or a response read to its end (HTTP)
	ProbeRefused                     // RST to the SYN: connect() fails with ECONNREFUSED
	ProbeTimeout                     // connect_timeout passed in a step
	ProbeReset                       // RST after the handshake
	ProbeNoRoute                     // no source address: connect() fails at once
)

var probeOutcomeNames = [...]string{"ok", "refused", "timeout", "reset", "no_route"}

func (o ProbeOutcome) String() string { return enumName(probeOutcomeNames[:], int(o)) }

// ProbeResult is what a probe learned.
type ProbeResult struct {
	Outcome ProbeOutcome
	Status  int      // HTTP status code; 0 without a status line
	Body    int      // body octets read
	Digest  [16]byte // MD5 of the body, with ProbeConfig.Digest
	Took    time.Duration
	// Connected is set once the handshake completed (a timeout after it
	// is a read timeout, and the request was sent).
	Connected bool
	// Server is the response's X-Real-Server header, "" if none.
	Server string
	// Reusable: with KeepAlive, the response left the connection open
	// and idle (Probe.Idle, Reuse).
	Reusable bool
}

// Probe is one running probe.
type Probe struct {
	s     *Stack
	cfg   ProbeConfig
	done  func(ProbeResult)
	c     *conn
	start sim.Time
	res   ProbeResult
	hdr   []byte // the response header until its blank line
	inHdr bool
	md5   hash.Hash
	ended bool
	want  int // KeepAlive: the body's Content-Length, -1 if none
}

// Validate checks the configuration.
func (c ProbeConfig) Validate() error {
	switch {
	case !c.To.Addr().Is4() || c.To.Port() == 0:
		return fmt.Errorf("tcp probe %s: destination %v; valid: an IPv4 address and a port", c.Name, c.To)
	case c.From.IsValid() && !c.From.Is4():
		return fmt.Errorf("tcp probe %s: source %v is not IPv4", c.Name, c.From)
	case c.Timeout <= 0 || c.ReadTimeout < 0:
		return fmt.Errorf("tcp probe %s: timeout %v; valid: more than 0", c.Name, c.Timeout)
	case c.KeepAlive && c.IdleTimeout <= 0:
		return fmt.Errorf("tcp probe %s: keep-alive without an idle timeout", c.Name)
	case c.TLSRoundTrips < 0 || c.TLSRoundTrips > 10:
		return fmt.Errorf("tcp probe %s: %d TLS round trips; valid: 0..10", c.Name, c.TLSRoundTrips)
	}
	return nil
}

// StartProbe opens the probe's connection now; done is called once with
// the result, from the stack's input or a timer (or at once when no
// source address exists).
func (s *Stack) StartProbe(cfg ProbeConfig, done func(ProbeResult)) (*Probe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.Host == "" {
		cfg.Host = cfg.To.Addr().String()
	}
	p := &Probe{s: s, cfg: cfg, done: done, start: s.env.Now(), inHdr: true, want: -1}
	src := cfg.From
	if !src.IsValid() {
		a, ok := s.env.SourceFor(cfg.To.Addr())
		if !ok {
			p.end(ProbeNoRoute)
			return p, nil
		}
		src = a
	}
	if s.probeOff < 0 {
		s.probeOff = 2 * s.env.Stream("probe").IntN((EphemeralHigh-EphemeralLow+1)/2)
	}
	key, ok := s.freePort(&s.probeOff, src, cfg.To)
	if !ok {
		p.end(ProbeNoRoute) // EADDRNOTAVAIL: keepalived reschedules as a failure
		return p, nil
	}
	c := s.newConn(key, StateSynSent)
	c.pr = p
	c.start = p.start
	p.c = c
	s.cnt.ActiveOpens++
	c.sendSyn()
	c.armRtx(TimeoutInit)
	c.armApp(appConnect, cfg.Timeout)
	return p, nil
}

// Cancel abandons the probe without a result: the connection is dropped
// silently (the checker is being stopped).
func (p *Probe) Cancel() {
	if p.ended {
		return
	}
	p.ended = true
	// The conn may be gone already (a Reset) or reused by another
	// connection: release it only if it is still this probe's.
	if c := p.c; c != nil && c.pr == p && p.s.conns[c.key.tuple()] == c {
		c.pr = nil
		p.s.release(c)
	}
}

// end reports the result once; the checker traces it.
func (p *Probe) end(o ProbeOutcome) {
	if p.ended {
		return
	}
	p.ended = true
	p.res.Outcome = o
	p.res.Took = time.Duration(p.s.env.Now() - p.start)
	if p.md5 != nil {
		p.md5.Sum(p.res.Digest[:0])
	}
	p.done(p.res)
}

// connected: the handshake completed (tcp_check_thread sees
// connect_success). TCP_CHECK closes at once, which sends a FIN;
// HTTP_GET writes its request, after the TLS round trips for SSL_GET.
func (p *Probe) connected(c *conn) {
	c.stopApp()
	p.res.Connected = true
	if !p.cfg.HTTP {
		p.end(ProbeOK)
		c.close()
		return
	}
	if p.cfg.TLSRoundTrips > 0 {
		rtt := time.Duration(c.s.env.Now() - p.start)
		c.armApp(appProbeTLS, time.Duration(p.cfg.TLSRoundTrips)*rtt)
		return
	}
	p.request(c)
}

// request writes the GET (http_request_thread) and waits for the answer
// with the timeout (http_response_thread).
func (p *Probe) request(c *conn) {
	if p.cfg.Request != nil {
		c.head = append(c.head[:0], p.cfg.Request...)
	} else {
		c.head = fmt.Appendf(c.head[:0], "GET %s HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: %s\r\nConnection: close\r\n\r\n", p.cfg.Path, p.cfg.Host)
	}
	c.bodyLen = 0
	if p.cfg.Digest {
		p.md5 = md5.New()
	}
	c.armApp(appProbeRead, p.readTimeout())
	c.push()
}

// received: response octets (http_read_thread). Each read re-arms the
// timeout; the server's FIN ends the response (HTTP/1.0, Connection:
// close), and keepalived closes its side.
func (p *Probe) received(c *conn, data []byte, fin bool) {
	if p.ended {
		if p.res.Reusable && (fin || len(data) > 0) {
			p.idleClosed(c) // keepalive.go
		}
		return
	}
	c.armApp(appProbeRead, p.readTimeout())
	if p.inHdr {
		p.hdr = append(p.hdr, data...)
		end := bytes.Index(p.hdr, endOfHeader)
		if end < 0 && len(p.hdr) < maxIn {
			data = nil
		} else {
			if end < 0 {
				end = len(p.hdr) - 4 // a header that never ends: all of it is header
			}
			p.inHdr = false
			p.res.Status = statusCode(p.hdr[:end])
			p.res.Server = string(headerValue(p.hdr[:end+2], xRealServer))
			if p.cfg.KeepAlive {
				p.want = contentLengthOf(p.hdr[:end+2]) // keepalive.go
			}
			data = p.hdr[end+4:]
		}
	}
	p.res.Body += len(data)
	if p.md5 != nil {
		p.md5.Write(data)
	}
	if !fin && p.cfg.KeepAlive && !p.inHdr && p.want >= 0 && p.res.Body >= p.want {
		p.whole(c) // keepalive.go
		return
	}
	if !fin {
		return
	}
	c.stopApp()
	p.end(ProbeOK)
	c.close()
}

// statusCode reads "HTTP/1.x NNN" (extract_status_code); 0 if absent.
func statusCode(hdr []byte) int {
	if !bytes.HasPrefix(hdr, []byte("HTTP/")) {
		return 0
	}
	_, rest, ok := bytes.Cut(hdr, []byte(" "))
	if !ok || len(rest) < 3 {
		return 0
	}
	// Three digits (RFC 9112 section 4: status-code = 3DIGIT); a sign
	// or a space is no status ("HTTP/ -10" gave -10).
	n := 0
	for _, c := range rest[:3] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// onTimer runs the probe's timers (the conn's second timer).
func (p *Probe) onTimer(c *conn, w appTimer) {
	switch w {
	case appConnect:
		if c.state != StateSynSent {
			return
		}
		// close() of a socket still connecting sends nothing.
		p.end(ProbeTimeout)
		c.s.release(c)
	case appProbeTLS:
		p.request(c)
	case appProbeRead:
		p.end(ProbeTimeout)
		c.close() // thread_close_fd: FIN after what was queued
	case appProbeIdle:
		p.idleClosed(c)
	}
}

// failed: the connection ended without a FIN: RST or a retransmission
// limit.
func (p *Probe) failed(c *conn, o Outcome) {
	switch o {
	case OutcomeRefused:
		p.end(ProbeRefused)
	case OutcomeTimeout:
		p.end(ProbeTimeout)
	default:
		p.end(ProbeReset)
	}
}

// readTimeout is the timeout of each write and read once connected.
func (p *Probe) readTimeout() time.Duration {
	if p.cfg.ReadTimeout > 0 {
		return p.cfg.ReadTimeout
	}
	return p.cfg.Timeout
}
