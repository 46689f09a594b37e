package tcp

// HTTP/1.1 keep-alive on the server side of a service, with nginx's
// rules and defaults (every service here is an nginx: the real servers
// and the proxy alike).

import (
	"bytes"
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
