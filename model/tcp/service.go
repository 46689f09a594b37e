package tcp

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// ServiceConfig is a listening HTTP/1.0 service on a port, on every local
// address (INADDR_ANY).
type ServiceConfig struct {
	Port         uint16
	ResponseTime time.Duration // from the complete request to the response
	ResponseSize int           // body octets
}

// Validate checks the configuration.
func (c ServiceConfig) Validate() error {
	if c.Port == 0 {
		return fmt.Errorf("tcp service: port 0; valid: 1..65535")
	}
	if c.ResponseTime < 0 {
		return fmt.Errorf("tcp service %d: response time %v is negative", c.Port, c.ResponseTime)
	}
	if c.ResponseSize < 0 || c.ResponseSize > 1<<30 {
		return fmt.Errorf("tcp service %d: response size %d; valid: 0..%d octets", c.Port, c.ResponseSize, 1<<30)
	}
	return nil
}

// FaultKind is how a service misbehaves.
type FaultKind uint8

// Service faults.
const (
	FaultNone      FaultKind = iota // normal
	FaultRefuse                     // RST to every SYN, like a closed port
	FaultBlackhole                  // every segment to the port dropped, nothing sent
	FaultSlow                       // answers after Fault.ResponseTime
	FaultStatus                     // answers with HTTP status Fault.Status (a health URL turning 503)
)

var faultNames = [...]string{"none", "refuse", "blackhole", "slow", "status"}

func (k FaultKind) String() string { return enumName(faultNames[:], int(k)) }

// Fault is a service's fault; ResponseTime is for FaultSlow, Status
// for FaultStatus.
type Fault struct {
	Kind         FaultKind
	ResponseTime time.Duration
	Status       int
}

// Service is a listening service and its counters.
type Service struct {
	s     *Stack
	cfg   ServiceConfig
	comp  string // "tcp/80"
	fault Fault
	// handler answers the requests instead of the fixed responder
	// (handler.go); nil for a plain service.
	handler Handler

	Accepted, Served, Refused uint64
}

// AddService starts listening on cfg.Port.
func (s *Stack) AddService(cfg ServiceConfig) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if s.Service(cfg.Port) != nil {
		return nil, fmt.Errorf("tcp service %d: port already in use", cfg.Port)
	}
	svc := &Service{s: s, cfg: cfg, comp: "tcp/" + strconv.Itoa(int(cfg.Port))}
	s.services = append(s.services, svc)
	return svc, nil
}

// Service returns the service listening on port, or nil.
func (s *Stack) Service(port uint16) *Service {
	for _, svc := range s.services {
		if svc.cfg.Port == port {
			return svc
		}
	}
	return nil
}

// SetFault switches the fault of the service on port at once.
func (s *Stack) SetFault(port uint16, f Fault) error {
	svc := s.Service(port)
	if svc == nil {
		return fmt.Errorf("no tcp service on port %d", port)
	}
	if f.Kind > FaultStatus || (f.Kind == FaultSlow && f.ResponseTime < 0) || (f.Kind == FaultStatus && (f.Status < 100 || f.Status > 599)) {
		return fmt.Errorf("tcp service %d: bad fault %v %v", port, f.Kind, f.ResponseTime)
	}
	svc.fault = f
	return nil
}

// Config returns the service's configuration.
func (svc *Service) Config() ServiceConfig { return svc.cfg }

// Fault returns the service's current fault.
func (svc *Service) Fault() Fault { return svc.fault }

func serviceComp(svc *Service, port uint16) string {
	if svc != nil {
		return svc.comp
	}
	return "tcp/" + strconv.Itoa(int(port))
}

// accept answers a SYN with a SYN-ACK from a new SYN_RECV connection
// (tcp_conn_request, tcp_v4_send_synack).
func (svc *Service) accept(key connKey, h wire.TCPHeader) {
	s := svc.s
	c := s.newConn(key, StateSynRecv)
	c.svc = svc
	c.rcvNxt = h.Seq + 1
	c.rttAt = s.env.Now()
	c.sendSyn()
	c.armRtx(TimeoutInit)
}

// accepted: the handshake completed; the server waits for the request.
func (svc *Service) accepted(c *conn) {
	svc.Accepted++
	svc.s.trace(sim.Record{Kind: sim.KindServe, Comp: svc.comp, Event: "accept", Addr: c.key.remote.Addr(), Value: int64(c.key.remote.Port())})
	c.armApp(appRequest, RequestTimeout)
}

var endOfHeader = []byte("\r\n\r\n")

// received: request octets arrived; a blank line ends an HTTP/1.0
// request (no body is read).
func (svc *Service) received(c *conn) {
	if c.state == StateCloseWait && !c.reqDone && !bytes.Contains(c.in, endOfHeader) {
		// The peer closed before a whole request (a TCP_CHECK probe):
		// the server's read returns 0 and it closes too
		// (ngx_http_close_connection).
		c.stopApp()
		c.close()
		return
	}
	if c.reqDone {
		if c.state == StateCloseWait && c.ex != nil {
			svc.handler.Closed(c.ex) // the client left while nginx waits
		}
		return
	}
	if !bytes.Contains(c.in, endOfHeader) {
		return
	}
	c.reqDone = true
	c.keep = keepAlive(c.in, c.nreq) // keepalive.go
	if svc.handler != nil {
		c.stopApp() // the request is complete: no client_header_timeout
		c.ex = &Exchange{s: svc.s, c: c, key: c.key}
		svc.handler.Request(c.ex)
		return
	}
	d := svc.cfg.ResponseTime
	if svc.fault.Kind == FaultSlow {
		d = svc.fault.ResponseTime
	}
	c.armApp(appRespond, d)
}

// respond queues the response and closes, as an HTTP/1.0 server does:
// the last segment carries the FIN.
func (svc *Service) respond(c *conn) {
	if c.state != StateEstablished && c.state != StateCloseWait {
		return
	}
	status := 200
	if svc.fault.Kind == FaultStatus {
		status = svc.fault.Status
	}
	svc.reply(c, status, svc.s.node, svc.cfg.ResponseSize)
}

// reply queues a response, traces it as served and closes: the last
// segment carries the FIN; or, for a keep-alive request, the stream goes
// on after it and the connection waits for the next request
// (keepalive.go).
func (svc *Service) reply(c *conn, status int, server string, size int) {
	// The previous response is acked: the client sent this request after
	// it. A client that has closed (CLOSE_WAIT) gets Connection: close.
	c.sndBase = c.dataEnd()
	c.keep = c.keep && c.state == StateEstablished
	h := append(c.head[:0], "HTTP/1.0 "...)
	if httpVersion11(c.in) {
		h = append(h[:0], "HTTP/1.1 "...)
	}
	h = strconv.AppendInt(h, int64(status), 10)
	h = append(h, ' ')
	h = append(h, statusText(status)...)
	h = append(h, "\r\nServer: "...)
	h = append(h, svc.serverHeader()...)
	if server != "" {
		h = append(h, "\r\nX-Real-Server: "...)
		h = append(h, server...)
	}
	h = append(h, "\r\nContent-Length: "...)
	h = strconv.AppendInt(h, int64(size), 10)
	if c.keep {
		h = append(h, "\r\nConnection: keep-alive\r\n\r\n"...)
	} else {
		h = append(h, "\r\nConnection: close\r\n\r\n"...)
	}
	c.head, c.bodyLen = h, size
	c.replied = true
	svc.Served++
	// nginx logs a request when its last octet is handed to the kernel
	// (ngx_http_log_handler at finalization), not when it is acked.
	svc.s.trace(sim.Record{Kind: sim.KindServe, Comp: svc.comp, Event: "served", Addr: c.key.remote.Addr(), Value: int64(c.key.remote.Port())})
	if c.keep {
		svc.keepalive(c)
		return
	}
	c.close()
}
