package tcp

import (
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// conn is one connection, client or server side. The bytes it sends are
// head (a request or response header) followed by bodyLen generated body
// octets, then a FIN once fin is set; sequence numbers of that stream
// start at sndBase.
type conn struct {
	s     *Stack
	key   connKey
	state State

	cl  *Client  // client side: the traffic source, else nil
	svc *Service // server side: the service, else nil
	pr  *Probe   // a health probe, else nil

	iss, sndBase     uint32
	sndUna, sndNxt   uint32
	sndMax           uint32 // highest sequence number sent + 1
	rcvNxt           uint32
	head             []byte
	bodyLen          int
	fin              bool // the application closed: FIN after the data
	cwnd             int  // segments in flight at most
	rto              time.Duration
	srtt, rttvar     time.Duration
	rttOn            bool // a segment is being timed (Karn: never a retransmitted one)
	rttSeq           uint32
	rttAt            sim.Time
	backoff          int      // RTOs since the last forward progress (icsk_retransmits)
	rtxStart         sim.Time // retrans_stamp: when the head segment was first sent
	start            sim.Time // client: the first SYN
	in               []byte   // the first octets received (request or response header)
	rcvd             int      // data octets received
	done             bool     // client: outcome traced
	rtx, app         sim.Resettable
	rtxOn            bool // rtx is armed
	appWhat          appTimer
	reqDone, replied bool // server: request complete, response queued
	// HTTP/1.1 keep-alive (client.go, service.go): the requests a client
	// sent, or the responses a server sent, on this connection; keep:
	// the server's current response leaves the connection open; ex: the
	// handler's exchange waiting for its response.
	nreq int
	keep bool
	ex   *Exchange
}

// appTimer is what the conn's second timer is armed for.
type appTimer uint8

const (
	appNone        appTimer = iota
	appConnect              // client: connect timeout
	appResponse             // client: response timeout
	appRequest              // server: waiting for the request (client_header_timeout)
	appRespond              // server: the service's response time
	appFinWait2             // tcp_fin_timeout
	appTimeWait             // TCP_TIMEWAIT_LEN
	appProbeTLS             // probe: SSL_GET's handshake round trips
	appProbeRead            // probe: connect_timeout for the response
	appNextRequest          // client: keep-alive, the pause before the next request
	appProbeIdle            // probe: an idle keep-alive upstream connection's timeout
)

// maxIn bounds the octets kept of what a connection receives: enough for
// a request or a response header.
const maxIn = 2048

func (c *conn) reuse() {
	*c = conn{s: c.s, rtx: c.rtx, app: c.app, head: c.head[:0], in: c.in[:0]}
}

func (c *conn) stopTimers() {
	c.stopRtx()
	c.stopApp()
}

func (c *conn) armRtx(d time.Duration) {
	c.rtxOn = true
	c.rtx.Reset(d)
}

func (c *conn) stopRtx() {
	c.rtxOn = false
	c.rtx.Stop()
}

func (c *conn) armApp(w appTimer, d time.Duration) {
	c.appWhat = w
	c.app.Reset(d)
}

func (c *conn) stopApp() {
	c.appWhat = appNone
	c.app.Stop()
}

// dataEnd is the sequence number after the last data octet; the FIN, once
// sent, takes dataEnd.
func (c *conn) dataEnd() uint32 { return c.sndBase + uint32(len(c.head)+c.bodyLen) }

// send emits one segment of this connection.
func (c *conn) send(flags uint8, seq uint32, data []byte) {
	if c.svc != nil && c.svc.fault.Kind == FaultBlackhole {
		return
	}
	h := wire.TCPHeader{SrcPort: c.key.local.Port(), DstPort: c.key.remote.Port(), Seq: seq, Flags: flags, Window: Window}
	if flags&wire.TCPAck != 0 {
		h.Ack = c.rcvNxt
	}
	if flags&wire.TCPSyn != 0 {
		h.MSS = MSS
	}
	c.s.output(c.key, h, data)
}

func (c *conn) sendAck() { c.send(wire.TCPAck, c.sndNxt, nil) }

// sendSyn sends the SYN (client) or SYN-ACK (server) at iss.
func (c *conn) sendSyn() {
	flags := wire.TCPSyn
	if c.state == StateSynRecv {
		flags |= wire.TCPAck
	}
	c.send(flags, c.iss, nil)
}

// push sends what the window allows of the data and the FIN
// (tcp_write_xmit), PSH on the last data segment (tcp_push), and arms the
// retransmission timer (tcp_event_new_data_sent).
func (c *conn) push() {
	end := c.dataEnd()
	for seqLT(c.sndNxt, end) {
		if inFlight := int(c.sndNxt-c.sndUna+MSS-1) / MSS; inFlight >= c.cwnd {
			break
		}
		n := min(int(end-c.sndNxt), MSS)
		flags := wire.TCPAck
		if c.sndNxt+uint32(n) == end {
			flags |= wire.TCPPsh
			if c.fin {
				flags |= wire.TCPFin
			}
		}
		c.sendData(flags, c.sndNxt, n)
	}
	if c.fin && c.sndNxt == end {
		c.sendData(wire.TCPFin|wire.TCPAck, end, 0)
	}
	if c.sndUna != c.sndNxt && !c.rtxOn {
		c.armRtx(c.rto)
	}
}

// sendData sends n stream octets from seq (a FIN flag adds one sequence
// number) and advances snd_nxt.
func (c *conn) sendData(flags uint8, seq uint32, n int) {
	data := c.s.seg[:n]
	off := int(seq - c.sndBase)
	k := 0
	if off < len(c.head) {
		k = copy(data, c.head[off:])
	}
	if k < n {
		b := off + k - len(c.head) // body offset
		copy(data[k:], bodyPattern[b%26:])
	}
	next := seq + uint32(n)
	if flags&wire.TCPFin != 0 {
		next++
	}
	if seqLT(seq, c.sndMax) {
		c.s.cnt.RetransSegs++
	} else if !c.rttOn {
		c.rttOn, c.rttSeq, c.rttAt = true, next, c.s.env.Now()
	}
	if c.sndUna == seq && seq == c.sndMax {
		c.rtxStart = c.s.env.Now()
	}
	c.send(flags, seq, data)
	c.sndNxt = next
	if seqGT(next, c.sndMax) {
		c.sndMax = next
	}
}

// bodyPattern holds a generated response body from any offset modulo 26
// for one segment: "abc...zabc...", printable, so a capture reads well.
var bodyPattern = func() []byte {
	b := make([]byte, MSS+26)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}()

// sample feeds one RTT measurement to the RFC 6298 estimator with Linux's
// floor on the variance term (tcp_rtt_estimator, tcp_set_rto:
// rto = srtt + max(4*rttvar, TCP_RTO_MIN)).
func (c *conn) sample(r time.Duration) {
	if c.srtt == 0 {
		c.srtt, c.rttvar = r, r/2
	} else {
		d := c.srtt - r
		if d < 0 {
			d = -d
		}
		c.rttvar = (3*c.rttvar + d) / 4
		c.srtt = (7*c.srtt + r) / 8
	}
	c.rto = min(c.srtt+max(4*c.rttvar, RTOMin), RTOMax)
}

// input handles a segment for this connection (tcp_rcv_state_process,
// tcp_rcv_synsent_state_process, tcp_timewait_state_process).
func (c *conn) input(h wire.TCPHeader, data []byte) {
	switch c.state {
	case StateSynSent:
		c.inputSynSent(h)
		return
	case StateTimeWait:
		c.inputTimeWait(h)
		return
	}
	if h.Flags&wire.TCPRst != 0 {
		// RFC 5961 section 3.2: only a RST at rcv_nxt resets; others
		// are ignored here (Linux answers with a challenge ACK).
		if h.Seq != c.rcvNxt {
			c.s.cnt.Dropped++
			return
		}
		if c.state == StateSynRecv {
			c.s.release(c) // the request sock goes quietly (tcp_check_req)
			return
		}
		c.fail(OutcomeReset, "rst")
		return
	}
	if c.state == StateSynRecv {
		if h.Flags&wire.TCPSyn != 0 && h.Flags&wire.TCPAck == 0 {
			// tcp_check_req: a retransmitted SYN gets the SYN-ACK again.
			c.sendSyn()
			return
		}
		if h.Flags&wire.TCPAck == 0 || h.Ack != c.iss+1 {
			c.s.sendReset(c.key, h, len(data))
			return
		}
		c.established()
	} else if h.Flags&wire.TCPSyn != 0 {
		c.sendAck() // tcp_validate_incoming: SYN in a synchronized state, challenge ACK
		return
	}
	if h.Flags&wire.TCPAck != 0 {
		c.ack(h.Ack)
		if c.state == StateClosed {
			return
		}
	}
	c.receive(h, data)
}

// inputSynSent: tcp_rcv_synsent_state_process.
func (c *conn) inputSynSent(h wire.TCPHeader) {
	if h.Flags&wire.TCPAck != 0 && h.Ack != c.iss+1 {
		if h.Flags&wire.TCPRst == 0 {
			c.s.sendReset(c.key, h, 0) // an ACK for something else: RST at its ack
		}
		return
	}
	if h.Flags&wire.TCPRst != 0 {
		if h.Flags&wire.TCPAck != 0 {
			c.fail(OutcomeRefused, "rst_in_syn_sent") // tcp_reset: ECONNREFUSED
		}
		return
	}
	if h.Flags&wire.TCPSyn == 0 || h.Flags&wire.TCPAck == 0 {
		return // simultaneous open is not modelled
	}
	c.rcvNxt = h.Seq + 1
	c.sndUna = h.Ack
	c.handshakeRTT(c.start)
	c.backoff = 0
	c.stopRtx()
	c.rttOn = false
	c.state = StateEstablished
	c.sendAck()
	if c.pr != nil {
		c.pr.connected(c)
		return
	}
	c.cl.connected(c)
}

// inputTimeWait: tcp_timewait_state_process. A RST ends TIME_WAIT (no
// RFC 1337 protection by default); a retransmitted FIN is acked again and
// restarts the timer; anything else gets an ACK.
func (c *conn) inputTimeWait(h wire.TCPHeader) {
	if h.Flags&wire.TCPRst != 0 {
		c.s.release(c)
		return
	}
	if h.Flags&wire.TCPFin != 0 && h.Seq+1 == c.rcvNxt {
		c.armApp(appTimeWait, TimeWaitLen)
	}
	c.sendAck()
}

// established: the server's handshake completed (tcp_check_req, then
// tcp_rcv_state_process in SYN_RECV).
func (c *conn) established() {
	c.state = StateEstablished
	c.sndUna = c.iss + 1
	c.handshakeRTT(c.rttAt)
	c.backoff = 0
	c.stopRtx()
	c.s.cnt.PassiveOpens++
	c.svc.accepted(c)
}

// handshakeRTT takes the RTT of a SYN or SYN-ACK sent at sent, unless it
// was retransmitted (Karn); without a sample the RTO is
// TCP_TIMEOUT_FALLBACK, 3 s (tcp_init_metrics).
func (c *conn) handshakeRTT(sent sim.Time) {
	if c.backoff == 0 {
		c.sample(time.Duration(c.s.env.Now() - sent))
	} else {
		c.rto = timeoutFallback
	}
}

// ack processes an acknowledgment (tcp_ack, tcp_clean_rtx_queue).
func (c *conn) ack(a uint32) {
	if !seqGT(a, c.sndUna) || seqGT(a, c.sndMax) {
		return // old or not yet sent
	}
	acked := int(a - c.sndUna)
	c.sndUna = a
	if seqLT(c.sndNxt, a) {
		c.sndNxt = a
	}
	if c.rttOn && seqLEQ(c.rttSeq, a) {
		c.rttOn = false
		c.sample(time.Duration(c.s.env.Now() - c.rttAt))
	}
	c.cwnd += (acked + MSS - 1) / MSS
	c.backoff = 0
	c.rtxStart = c.s.env.Now()
	if c.sndUna == c.sndMax {
		c.stopRtx()
	} else {
		c.armRtx(c.rto)
	}
	if c.fin && c.sndUna == c.dataEnd()+1 {
		switch c.state { // our FIN is acked
		case StateFinWait1:
			c.state = StateFinWait2
			c.armApp(appFinWait2, FinTimeout)
		case StateClosing:
			c.timeWait()
		case StateLastAck:
			c.s.release(c)
			return
		}
	}
	c.push()
}

// receive takes in-order data and FIN (tcp_data_queue); anything else is
// re-acked and dropped.
func (c *conn) receive(h wire.TCPHeader, data []byte) {
	finFlag := h.Flags&wire.TCPFin != 0
	if len(data) == 0 && !finFlag {
		return
	}
	seq := h.Seq
	if seqLT(seq, c.rcvNxt) { // a retransmission overlapping what we have
		skip := int(c.rcvNxt - seq)
		if skip >= len(data) {
			if !(finFlag && skip == len(data)) {
				c.s.cnt.Dropped++
				c.sendAck()
				return
			}
			skip = len(data)
		}
		data, seq = data[skip:], c.rcvNxt
	}
	if seq != c.rcvNxt {
		c.s.cnt.Dropped++ // after a hole: no out-of-order queue
		c.sendAck()
		return
	}
	c.rcvNxt += uint32(len(data))
	c.rcvd += len(data)
	if room := maxIn - len(c.in); room > 0 {
		c.in = append(c.in, data[:min(room, len(data))]...)
	}
	if finFlag {
		c.rcvNxt++
		switch c.state { // tcp_fin
		case StateEstablished:
			c.state = StateCloseWait
		case StateFinWait1:
			c.state = StateClosing
		case StateFinWait2:
			c.sendAck()
			c.timeWait()
			return
		}
	}
	c.sendAck()
	switch {
	case c.pr != nil:
		c.pr.received(c, data, finFlag)
	case c.cl != nil:
		c.cl.received(c, finFlag)
	default:
		c.svc.received(c)
	}
}

// close is the application's close(): FIN after the queued data.
func (c *conn) close() {
	switch c.state {
	case StateEstablished:
		c.state = StateFinWait1
	case StateCloseWait:
		c.state = StateLastAck
	default:
		return
	}
	c.fin = true
	c.push()
}

func (c *conn) timeWait() {
	c.state = StateTimeWait
	c.stopRtx()
	c.armApp(appTimeWait, TimeWaitLen)
}

// onRetransmit is the retransmission timer (tcp_retransmit_timer,
// tcp_write_timeout; for SYN_RECV, reqsk_timer_handler).
func (c *conn) onRetransmit() {
	c.rtxOn = false
	now := c.s.env.Now()
	switch c.state {
	case StateSynSent:
		if now-c.start >= sim.Time(modelTimeout(SynRetries, TimeoutInit)) {
			c.s.cnt.TimedOut++
			c.fail(OutcomeTimeout, "syn_timeout")
			return
		}
		c.backoff++
		c.s.cnt.RetransSegs++
		c.sendSyn()
		c.rto = min(c.rto*2, RTOMax)
		c.armRtx(c.rto)
		return
	case StateSynRecv:
		if c.backoff >= SynAckRetries {
			c.s.cnt.TimedOut++
			c.s.release(c)
			return
		}
		c.backoff++
		c.s.cnt.RetransSegs++
		c.sendSyn()
		c.armRtx(min(TimeoutInit<<c.backoff, RTOMax))
		return
	case StateTimeWait, StateClosed:
		return
	}
	if c.sndUna == c.sndMax {
		return
	}
	retries := Retries2
	if c.fin {
		retries = OrphanRetries // closed by the application: an orphan (tcp_orphan_retries)
	}
	if now-c.rtxStart >= sim.Time(modelTimeout(retries, RTOMin)) {
		c.s.cnt.TimedOut++
		c.fail(OutcomeTimeout, "retries")
		return
	}
	// Go back to snd_una with a window of one segment (tcp_enter_loss).
	c.backoff++
	c.rttOn = false
	c.cwnd = 1
	c.sndNxt = c.sndUna
	c.rto = min(c.rto*2, RTOMax)
	c.push()
	c.armRtx(c.rto)
}

// onAppTimer runs what the second timer was armed for.
func (c *conn) onAppTimer() {
	w := c.appWhat
	c.appWhat = appNone
	if c.pr != nil && (w == appConnect || w == appProbeTLS || w == appProbeRead || w == appProbeIdle) {
		c.pr.onTimer(c, w)
		return
	}
	switch w {
	case appConnect:
		if c.state == StateSynSent {
			c.fail(OutcomeTimeout, "connect_timeout")
		}
	case appResponse:
		c.cl.timedOut(c)
	case appNextRequest:
		c.cl.next(c)
	case appRequest:
		c.close() // the server gives up waiting for the request
	case appRespond:
		c.svc.respond(c)
	case appFinWait2, appTimeWait:
		c.s.release(c)
	}
}

// fail ends a connection without a FIN: the client records the outcome.
func (c *conn) fail(o Outcome, reason string) {
	if c.cl != nil {
		c.cl.finish(c, o, reason)
	}
	if c.pr != nil {
		c.pr.failed(c, o)
	}
	if c.state != StateClosed {
		c.s.release(c)
	}
}
