package tcp

// HTTP/1.1 keep-alive on the server side of a service, with nginx's
// rules and defaults (every service here is an nginx: the real servers
// and the proxy alike).

import (
	"bytes"
	"strconv"
	"time"
)

// nginx's client-side keep-alive defaults (ngx_http_core_module.c):
// keepalive_timeout 75s, keepalive_requests 1000 (since 1.19.10).
const (
	KeepaliveTimeout  = 75 * time.Second
	KeepaliveRequests = 1000
)

var (
	connectionClose     = []byte("\nconnection: close")
	connectionKeepAlive = []byte("\nconnection: keep-alive")
)

// httpVersion11 reports whether a request line says HTTP/1.1 (or a later
// 1.x).
func httpVersion11(req []byte) bool {
	line, _, _ := bytes.Cut(req, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	i := bytes.LastIndex(line, []byte(" HTTP/1."))
	return i >= 0 && i+len(" HTTP/1.") < len(line) && line[i+len(" HTTP/1.")] != '0'
}

// keepAlive decides whether the response to req leaves the connection
// open, served responses having gone before on it. ngx_http_handler: an
// HTTP/1.1 request keeps it unless Connection: close, HTTP/1.0 only with
// Connection: keep-alive; ngx_http_update_location_config: not the
// keepalive_requests-th request of the connection.
func keepAlive(req []byte, served int) bool {
	hdr, _, _ := bytes.Cut(req, endOfHeader)
	lower := bytes.ToLower(hdr)
	var keep bool
	switch {
	case bytes.Contains(lower, connectionClose):
		keep = false
	case bytes.Contains(lower, connectionKeepAlive):
		keep = true
	default:
		keep = httpVersion11(req)
	}
	return keep && served+1 < KeepaliveRequests
}

// serverHeader is the Server header of the service's responses: nginx's
// own (ngx_http_header_filter: "Server: nginx", server_tokens off; it
// replaces the upstream's, which proxy_hide_header hides) for the proxy,
// vrrpsim for a plain service.
func (svc *Service) serverHeader() string {
	if svc.handler != nil {
		return "nginx"
	}
	return "vrrpsim"
}

// keepalive: the response to a keep-alive request is queued; the
// connection waits keepalive_timeout for the next request
// (ngx_http_set_keepalive), then the server closes it.
func (svc *Service) keepalive(c *conn) {
	c.nreq++
	c.reqDone, c.replied, c.keep = false, false, false
	c.in, c.rcvd = c.in[:0], 0
	c.push()
	c.armApp(appRequest, KeepaliveTimeout)
}

// Upstream keep-alive: an nginx upstream connection (a Probe with
// KeepAlive) that stays open after a whole response, for the upstream
// keepalive directive's cache (ngx_http_upstream_keepalive_module.c).

// contentLengthOf reads a header's Content-Length, -1 if none or bad.
func contentLengthOf(hdr []byte) int {
	v := headerValue(hdr, contentLength)
	if v == nil {
		return -1
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// whole: a keep-alive upstream response is complete at its
// Content-Length. The connection stays open unless the server said
// close or answered HTTP/1.0 (ngx_http_proxy_process_status,
// ngx_http_proxy_process_header: u->keepalive); the idle timer is
// keepalive_timeout.
func (p *Probe) whole(c *conn) {
	end := bytes.Index(p.hdr, endOfHeader)
	keep := end >= 0 && bytes.HasPrefix(p.hdr, []byte("HTTP/1.1 ")) &&
		!bytes.Contains(bytes.ToLower(p.hdr[:end+2]), connectionClose)
	p.res.Reusable = keep
	if keep {
		c.armApp(appProbeIdle, p.cfg.IdleTimeout)
	} else {
		c.stopApp()
		c.close()
	}
	p.end(ProbeOK)
}

// Idle reports whether the probe's connection is open and waiting for
// another request.
func (p *Probe) Idle() bool {
	c := p.c
	return p.ended && p.res.Reusable && c != nil && c.pr == p && p.s.conns[c.key.tuple()] == c &&
		c.state == StateEstablished && c.sndUna == c.dataEnd()
}

// Reuse sends another request on the idle connection, done called once
// with its result as for a new probe; false if the connection is not
// idle any more (ngx_http_upstream_get_keepalive_peer then connects).
func (p *Probe) Reuse(req []byte, done func(ProbeResult)) bool {
	if !p.Idle() {
		return false
	}
	c := p.c
	p.ended, p.done, p.start = false, done, p.s.env.Now()
	p.res = ProbeResult{Connected: true}
	p.hdr, p.inHdr, p.want = p.hdr[:0], true, -1
	p.cfg.Request = req
	c.sndBase = c.dataEnd()
	c.in, c.rcvd = c.in[:0], 0
	p.request(c)
	return true
}

// Close closes an idle connection: nginx evicting it from its cache, or
// exiting.
func (p *Probe) Close() {
	if p.Idle() {
		p.idleClosed(p.c)
	}
}

// idleClosed: the server closed an idle connection or sent something
// unasked, or keepalive_timeout passed: nginx closes it
// (ngx_http_upstream_keepalive_close_handler,
// ngx_http_upstream_keepalive_close).
func (p *Probe) idleClosed(c *conn) {
	p.res.Reusable = false
	if c.pr == p && p.s.conns[c.key.tuple()] == c {
		c.stopApp()
		c.close()
	}
}
