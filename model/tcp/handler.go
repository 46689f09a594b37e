package tcp

// A service whose response comes from the application (an L7 proxy),
// not from the fixed responder of service.go: the handler gets each
// complete request as an Exchange and answers it later, when it has
// the response, or resets it.

import (
	"net/netip"
	"strconv"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// Handler answers the requests of a service added with AddHandler.
type Handler interface {
	// Request is a complete request (the header up to its blank line)
	// on an accepted connection.
	Request(ex *Exchange)
	// Closed: the client closed its side (a FIN) while ex waited for its
	// response, as nginx's ngx_http_upstream_check_broken_connection sees
	// it. The handler may still answer or Close.
	Closed(ex *Exchange)
	// Reset is called when the stack forgets every connection at once
	// (a crash): no Exchange given before can be answered.
	Reset()
}

// Exchange is one request waiting for its response.
type Exchange struct {
	s   *Stack
	c   *conn
	key connKey
}

// AddHandler starts listening on port with h answering the requests.
// The service has the usual faults (refuse, blackhole) and counters.
func (s *Stack) AddHandler(port uint16, h Handler) (*Service, error) {
	svc, err := s.AddService(ServiceConfig{Port: port})
	if err != nil {
		return nil, err
	}
	svc.handler = h
	return svc, nil
}

// Handler returns the service's handler, nil for a plain responder.
func (svc *Service) Handler() Handler { return svc.handler }

// Client is the address and port the request came from.
func (ex *Exchange) Client() netip.AddrPort { return ex.key.remote }

// Local is the address and port the request came to.
func (ex *Exchange) Local() netip.AddrPort { return ex.key.local }

// Header is the request as received, up to maxIn octets; valid until
// the exchange is answered.
func (ex *Exchange) Header() []byte {
	if !ex.Open() {
		return nil
	}
	return ex.c.in
}

// Open reports whether the connection still waits for its response (the
// client may have reset it, or the host crashed).
func (ex *Exchange) Open() bool {
	c := ex.c
	return c != nil && c.svc != nil && ex.s.conns[ex.key.tuple()] == c && !c.replied &&
		(c.state == StateEstablished || c.state == StateCloseWait)
}

// detach ends the exchange: its connection, nil if it no longer waits
// for a response (Open).
func (ex *Exchange) detach() *conn {
	if !ex.Open() {
		return nil
	}
	c := ex.c
	ex.c, c.ex = nil, nil
	return c
}

// Respond sends a response with status, the X-Real-Server header
// server (none if empty) and body octets, then closes the connection or,
// if the request kept it alive, waits for the next request.
func (ex *Exchange) Respond(status int, server string, body int) {
	c := ex.detach()
	if c == nil {
		return
	}
	c.svc.reply(c, status, server, body)
}

// Close ends the request without a response and closes the connection
// (a FIN): nginx finalizing a request whose client left (499).
func (ex *Exchange) Close() {
	c := ex.detach()
	if c == nil {
		return
	}
	c.replied = true
	c.close()
}

// Reset aborts the connection with a RST, as closing a socket with
// unread data or SO_LINGER 0 does (the process died).
func (ex *Exchange) Reset() {
	c := ex.detach()
	if c == nil {
		return
	}
	c.send(wire.TCPRst|wire.TCPAck, c.sndNxt, nil)
	c.s.cnt.OutRsts++
	c.s.release(c)
}

// statusText is the reason phrase of the statuses a proxy sends.
func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 429:
		return "Too Many Requests"
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Time-out" // nginx's spelling (ngx_http_error_504_page)
	}
	return strconv.Itoa(status)
}
