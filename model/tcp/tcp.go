// Package tcp is just enough real TCP for vrrpsim's clients and real
// servers: the three-way handshake, HTTP/1.0 requests and responses (and
// HTTP/1.1 keep-alive, keepalive.go) in MSS-sized segments, FIN and RST,
// SYN and data retransmission with Linux's timers. Linux (net/ipv4/tcp_*.c) is the reference; each rule
// names the function it follows.
//
// A Stack is one host's TCP: a connection table, listening services and
// client traffic sources. It is a plain state machine driven through Env
// (clock, timers, sending an IPv4 packet, trace, random streams): no
// goroutines, no wall clock.
//
// Left out, on purpose: SACK, timestamps, window scaling, fast
// retransmit and an out-of-order queue (a segment after a hole is dropped
// and re-acked; the sender's RTO resends from snd_una, go-back-N), delayed
// ACKs (every segment is acked at once, as Linux does in quickack mode at
// the start of a connection), congestion control beyond an initial window
// of 10 segments growing by one per acked segment and falling to one on
// RTO, TCP keepalive probes (SO_KEEPALIVE).
package tcp

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Linux constants (include/net/tcp.h) and default sysctls
// (Documentation/networking/ip-sysctl.rst).
const (
	TimeoutInit     = time.Second            // TCP_TIMEOUT_INIT: first SYN/SYN-ACK RTO
	RTOMin          = 200 * time.Millisecond // TCP_RTO_MIN
	timeoutFallback = 3 * time.Second        // TCP_TIMEOUT_FALLBACK
	RTOMax          = 120 * time.Second      // TCP_RTO_MAX
	TimeWaitLen     = 60 * time.Second       // TCP_TIMEWAIT_LEN
	FinTimeout      = 60 * time.Second       // tcp_fin_timeout: orphaned FIN_WAIT2
	SynRetries      = 6                      // tcp_syn_retries
	SynAckRetries   = 5                      // tcp_synack_retries
	Retries2        = 15                     // tcp_retries2
	OrphanRetries   = 8                      // tcp_orphan_retries 0 means 8 (tcp_orphan_retries())
	InitCwnd        = 10                     // TCP_INIT_CWND
	MSS             = 1460                   // Ethernet MTU 1500 - 40
	// Window is what Linux advertises without window scaling: 65535
	// rounded down to a multiple of the MSS (tcp_select_initial_window).
	Window = 64240
	TTL    = 64 // net.ipv4.ip_default_ttl

	// The ephemeral port range, net.ipv4.ip_local_port_range.
	EphemeralLow  = 32768
	EphemeralHigh = 60999

	// RequestTimeout is how long a server waits for a whole request
	// before closing (nginx client_header_timeout, default 60 s).
	RequestTimeout = 60 * time.Second
)

// Env is what a Stack needs of its host.
type Env interface {
	// Now is the host's clock.
	Now() sim.Time
	// NewTimer returns a stopped timer that calls fn when it fires.
	NewTimer(fn func()) sim.Resettable
	// Send routes an encoded IPv4 packet; pkt is only valid during the
	// call.
	Send(src, dst netip.Addr, pkt []byte)
	// Trace emits a record (the host fills in Node).
	Trace(r sim.Record)
	// Stream returns the random stream of the named part of the stack
	// ("isn", a client's name), stable across runs with the same seed.
	Stream(name string) *rand.Rand
	// SourceFor is the source address the host's routing picks for dst.
	SourceFor(dst netip.Addr) (netip.Addr, bool)
}

// State is a TCP connection state (RFC 9293 section 3.3.2).
type State uint8

// Connection states. Listen is the services' state, not a connection's.
const (
	StateClosed State = iota
	StateSynSent
	StateSynRecv
	StateEstablished
	StateFinWait1
	StateFinWait2
	StateCloseWait
	StateClosing
	StateLastAck
	StateTimeWait
)

var stateNames = [...]string{"CLOSED", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}

func (s State) String() string { return enumName(stateNames[:], int(s)) }

// enumName names value i of an enumeration, "?" when out of range.
func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return "?"
}

// Counters of a Stack, named after the Linux MIB counters they follow.
type Counters struct {
	ActiveOpens  uint64 // TCP_MIB_ACTIVEOPENS: connections this host opened
	PassiveOpens uint64 // TCP_MIB_PASSIVEOPENS: connections accepted
	InSegs       uint64 // segments received
	OutSegs      uint64 // segments sent, retransmissions included
	RetransSegs  uint64 // TCP_MIB_RETRANSSEGS
	OutRsts      uint64 // TCP_MIB_OUTRSTS
	Dropped      uint64 // segments dropped: blackholed, out of order, stale
	TimedOut     uint64 // connections given up by a retransmission limit
}

// connKey identifies a connection, as the kernel's established hash does
// (__inet_lookup_established: both addresses and ports).
type connKey struct {
	local, remote netip.AddrPort
}

// tuple is connKey packed for the table: 12 octets hash much faster than
// two netip.AddrPort (a tenth of a connection's CPU otherwise).
type tuple struct {
	la, ra uint32
	lp, rp uint16
}

func (k connKey) tuple() tuple {
	l, r := k.local.Addr().As4(), k.remote.Addr().As4()
	return tuple{la: binary.BigEndian.Uint32(l[:]), ra: binary.BigEndian.Uint32(r[:]), lp: k.local.Port(), rp: k.remote.Port()}
}

// Stack is one host's TCP.
type Stack struct {
	node     string
	env      Env
	enc      *wire.Encoder
	conns    map[tuple]*conn
	free     []*conn // finished connections, reused with their timers
	services []*Service
	clients  []*Client
	secret   uint64 // secure_tcp_seq's key, from the "isn" stream
	probeOff int    // the health probes' port walk; -1 until the first
	ipID     uint16
	seg      []byte // scratch segment data
	cnt      Counters
}

// New returns the TCP stack of the host called node.
func New(node string, env Env) *Stack {
	return &Stack{
		node: node, env: env, enc: wire.NewEncoder(),
		conns:    make(map[tuple]*conn),
		secret:   env.Stream("isn").Uint64(),
		seg:      make([]byte, MSS),
		probeOff: -1,
	}
}

// Counters returns the stack's counters.
func (s *Stack) Counters() Counters { return s.cnt }

// Live returns the number of connections in the table (TIME_WAIT
// included).
func (s *Stack) Live() int { return len(s.conns) }

// Services returns the listening services in the order they were added.
func (s *Stack) Services() []*Service { return s.services }

// Clients returns the traffic sources in the order they were added.
func (s *Stack) Clients() []*Client { return s.clients }

// Start starts the clients (their first connection at their Start time).
func (s *Stack) Start() {
	for _, c := range s.clients {
		c.start()
	}
}

// Reset forgets everything at once, as a crashed host does: every
// connection is dropped without a segment sent or a record traced, and the
// clients stop until the next Start. Services and their faults stay
// configured.
func (s *Stack) Reset() {
	for _, c := range s.clients {
		c.stop()
	}
	// Order does not matter: freeing touches only the connection itself.
	for k, c := range s.conns {
		c.stopTimers()
		delete(s.conns, k)
		s.free = append(s.free, c)
	}
	for _, svc := range s.services {
		if svc.handler != nil {
			svc.handler.Reset()
		}
	}
}

// Receive handles a TCP segment addressed to this host (the IPv4 header
// has a local destination; checksums were verified by the decoder). data
// is only valid during the call.
func (s *Stack) Receive(ip wire.IPv4Header, h wire.TCPHeader, data []byte) {
	s.cnt.InSegs++
	key := connKey{local: netip.AddrPortFrom(ip.Dst, h.DstPort), remote: netip.AddrPortFrom(ip.Src, h.SrcPort)}
	svc := s.Service(h.DstPort)
	if svc != nil && svc.fault.Kind == FaultBlackhole {
		s.cnt.Dropped++ // nothing answers, nothing is learned
		return
	}
	if c := s.conns[key.tuple()]; c != nil {
		if c.state == StateTimeWait && h.Flags&wire.TCPSyn != 0 && h.Flags&wire.TCPAck == 0 && seqGT(h.Seq, c.rcvNxt) {
			// tcp_timewait_state_process: a new SYN with a higher
			// sequence number ends TIME_WAIT and opens a new connection
			// (TCP_TW_SYN).
			s.release(c)
		} else {
			c.input(h, data)
			return
		}
	}
	if h.Flags&wire.TCPRst != 0 {
		return // never answer a RST (tcp_v4_send_reset)
	}
	if h.Flags&(wire.TCPSyn|wire.TCPAck|wire.TCPFin) == wire.TCPSyn {
		if svc == nil || svc.fault.Kind == FaultRefuse {
			// tcp_v4_rcv finds no listener: tcp_v4_send_reset.
			s.trace(sim.Record{Kind: sim.KindServe, Comp: serviceComp(svc, h.DstPort), Event: "refused", Addr: ip.Src, Value: int64(h.SrcPort)})
			if svc != nil {
				svc.Refused++
			}
			s.sendReset(key, h, len(data))
			return
		}
		svc.accept(key, h)
		return
	}
	s.sendReset(key, h, len(data))
}

// sendReset answers a segment that matches no connection, as
// tcp_v4_send_reset does: with the segment's ACK as the sequence number,
// or else RST/ACK acknowledging everything it carried.
func (s *Stack) sendReset(key connKey, h wire.TCPHeader, n int) {
	r := wire.TCPHeader{SrcPort: key.local.Port(), DstPort: key.remote.Port(), Flags: wire.TCPRst}
	if h.Flags&wire.TCPAck != 0 {
		r.Seq = h.Ack
	} else {
		r.Flags |= wire.TCPAck
		r.Ack = h.Seq + uint32(n)
		if h.Flags&wire.TCPSyn != 0 {
			r.Ack++
		}
		if h.Flags&wire.TCPFin != 0 {
			r.Ack++
		}
	}
	s.cnt.OutRsts++
	s.output(key, r, nil)
}

// output encodes and sends one segment.
func (s *Stack) output(key connKey, h wire.TCPHeader, data []byte) {
	s.ipID++
	ip := wire.IPv4Header{ID: s.ipID, TTL: TTL, Protocol: wire.ProtoTCP, Src: key.local.Addr(), Dst: key.remote.Addr()}
	pkt, err := s.enc.TCPPacket(ip, h, data)
	if err == nil {
		// Linux TCP sets DF on every segment, RSTs included (path MTU
		// discovery: ip_dont_fragment; the reply socket of
		// tcp_v4_send_reset is IP_PMTUDISC_DO).
		err = wire.SetDF(pkt)
	}
	if err != nil {
		s.cnt.Dropped++
		return
	}
	s.cnt.OutSegs++
	s.env.Send(ip.Src, ip.Dst, pkt)
}

func (s *Stack) trace(r sim.Record) { s.env.Trace(r) }

// isn is the initial sequence number of a connection, as secure_tcp_seq
// builds it: a keyed hash of the addresses and ports plus the clock in
// 64 ns units, so a new connection on the same four-tuple starts above
// the old one (which TIME_WAIT relies on). FNV-1a stands in for siphash.
func (s *Stack) isn(key connKey) uint32 {
	h := uint64(14695981039346656037) ^ s.secret
	mix := func(b byte) { h = (h ^ uint64(b)) * 1099511628211 }
	for _, ap := range [2]netip.AddrPort{key.local, key.remote} {
		a := ap.Addr().As4()
		for _, b := range a {
			mix(b)
		}
		mix(byte(ap.Port() >> 8))
		mix(byte(ap.Port()))
	}
	return uint32(h) + uint32(uint64(s.env.Now())>>6)
}

// newConn takes a connection from the free list (or makes one), puts it
// in the table in state (SYN_SENT or SYN_RECV) with its ISN, the SYN
// taking iss.
func (s *Stack) newConn(key connKey, state State) *conn {
	var c *conn
	if n := len(s.free); n > 0 {
		c = s.free[n-1]
		s.free = s.free[:n-1]
		c.reuse()
	} else {
		c = &conn{s: s}
		c.rtx = s.env.NewTimer(c.onRetransmit)
		c.app = s.env.NewTimer(c.onAppTimer)
	}
	c.key = key
	c.state = state
	c.iss = s.isn(key)
	c.sndBase = c.iss + 1
	c.sndUna, c.sndNxt, c.sndMax = c.iss, c.iss+1, c.iss+1
	c.rto = TimeoutInit
	c.cwnd = InitCwnd
	s.conns[key.tuple()] = c
	return c
}

// release frees a connection: its timers stop and it goes back to the
// free list.
func (s *Stack) release(c *conn) {
	c.stopTimers()
	c.state = StateClosed
	delete(s.conns, c.key.tuple())
	s.free = append(s.free, c)
}

// Sequence number comparisons modulo 2^32 (RFC 9293 section 3.4, the
// kernel's before()/after()).
func seqLT(a, b uint32) bool  { return int32(a-b) < 0 }
func seqLEQ(a, b uint32) bool { return int32(a-b) <= 0 }
func seqGT(a, b uint32) bool  { return int32(a-b) > 0 }

// modelTimeout is tcp_model_timeout: how long boundary retransmissions
// take with an RTO doubling from rtoBase up to RTOMax. With
// SynRetries and TimeoutInit it is 127 s; with Retries2 and RTOMin,
// 924.6 s; with OrphanRetries and RTOMin, 102.2 s.
func modelTimeout(boundary int, rtoBase time.Duration) time.Duration {
	thresh := 0
	for rtoBase<<(thresh+1) <= RTOMax { // ilog2(TCP_RTO_MAX / rto_base)
		thresh++
	}
	if boundary <= thresh {
		return time.Duration((2<<boundary)-1) * rtoBase
	}
	return time.Duration((2<<thresh)-1)*rtoBase + time.Duration(boundary-thresh)*RTOMax
}
