package tcp

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// A two-host world without a LAN: every segment is real bytes, decoded
// on arrival after a fixed one-way delay, and can be dropped by a rule.

var (
	cAddr = netip.MustParseAddr("10.0.0.10")
	sAddr = netip.MustParseAddr("10.0.0.100")
)

const delay = time.Millisecond

// seg is one segment as it left its host.
type seg struct {
	at       sim.Time
	src, dst netip.Addr
	h        wire.TCPHeader
	n        int // data octets
	data     string
	dropped  bool
}

type world struct {
	t      testing.TB
	k      *sim.Kernel
	stacks map[netip.Addr]*Stack
	segs   []seg
	recs   []sim.Record
	drop   func(s *seg) bool
	dec    *wire.Decoder
	keep   bool // keep segments and records (off in benchmarks)
}

type host struct {
	w    *world
	name string
	addr netip.Addr
}

func (h *host) Now() sim.Time                     { return h.w.k.Now() }
func (h *host) NewTimer(fn func()) sim.Resettable { return h.w.k.NewTimer(fn) }
func (h *host) Stream(name string) *rand.Rand     { return h.w.k.Stream("tcp/" + h.name + "/" + name) }
func (h *host) SourceFor(netip.Addr) (netip.Addr, bool) {
	return h.addr, true
}
func (h *host) Trace(r sim.Record) {
	if h.w.keep {
		r.Node, r.At = h.name, h.w.k.Now()
		h.w.recs = append(h.w.recs, r)
	}
}

func (h *host) Send(src, dst netip.Addr, pkt []byte) {
	w := h.w
	var f wire.Frame
	if err := w.dec.DecodeIPv4(pkt, &f); err != nil || !f.HasTCP {
		w.t.Fatalf("%s sent a bad packet: %v", h.name, err)
	}
	if pkt[6]&0x40 == 0 {
		w.t.Fatalf("%s sent a segment without DF", h.name)
	}
	s := seg{at: w.k.Now(), src: src, dst: dst, h: f.TCP, n: len(f.Payload)}
	if w.drop != nil && w.drop(&s) {
		s.dropped = true
	}
	if w.keep {
		s.data = string(f.Payload)
		w.segs = append(w.segs, s)
	}
	if s.dropped {
		return
	}
	cp := append([]byte(nil), pkt...)
	w.k.After(delay, func() {
		st := w.stacks[dst]
		if st == nil {
			return // nobody there: lost
		}
		var g wire.Frame
		if err := w.dec.DecodeIPv4(cp, &g); err != nil {
			w.t.Fatal(err)
		}
		st.Receive(g.IP, g.TCP, g.Payload)
	})
}

func newWorld(t testing.TB) *world {
	return &world{t: t, k: sim.New(1), stacks: map[netip.Addr]*Stack{}, dec: wire.NewDecoder(), keep: true}
}

func (w *world) stack(name string, a netip.Addr) *Stack {
	s := New(name, &host{w: w, name: name, addr: a})
	w.stacks[a] = s
	return s
}

// lab is a client host c1 and a server rs1 on 10.0.0.100 with a service
// on port 80 (response time 5 ms, 1000 octets), one connection at t=0.
func lab(t testing.TB, svc ServiceConfig, cl ClientConfig) (*world, *Stack, *Stack, *Client) {
	w := newWorld(t)
	cs := w.stack("c1", cAddr)
	ss := w.stack("rs1", sAddr)
	if svc.Port != 0 {
		if _, err := ss.AddService(svc); err != nil {
			t.Fatal(err)
		}
	}
	if cl.Name == "" {
		cl.Name = "http-1"
	}
	if !cl.To.IsValid() {
		cl.To = netip.AddrPortFrom(sAddr, 80)
	}
	if cl.Rate == 0 {
		cl.Rate = 1
		cl.Stop = time.Millisecond // one connection
	}
	c, err := cs.AddClient(cl)
	if err != nil {
		t.Fatal(err)
	}
	cs.Start()
	return w, cs, ss, c
}

var web = ServiceConfig{Port: 80, ResponseTime: 5 * time.Millisecond, ResponseSize: 1000}

func (w *world) conns() []sim.Record {
	var out []sim.Record
	for _, r := range w.recs {
		if r.Kind == sim.KindConn {
			out = append(out, r)
		}
	}
	return out
}

func (w *world) serves() []string {
	var out []string
	for _, r := range w.recs {
		if r.Kind == sim.KindServe {
			out = append(out, r.Event)
		}
	}
	return out
}

func flagStr(f uint8) string {
	var b strings.Builder
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{wire.TCPFin, 'F'}, {wire.TCPSyn, 'S'}, {wire.TCPRst, 'R'}, {wire.TCPPsh, 'P'}, {wire.TCPAck, '.'}} {
		if f&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// TestModelTimeout: tcp_model_timeout for the limits the stack uses.
func TestModelTimeout(t *testing.T) {
	for _, tc := range []struct {
		boundary int
		base     time.Duration
		want     time.Duration
	}{
		{SynRetries, TimeoutInit, 127 * time.Second},       // 1+2+4+8+16+32+64
		{SynAckRetries, TimeoutInit, 63 * time.Second},     // 1+2+4+8+16+32
		{Retries2, RTOMin, 924600 * time.Millisecond},      // ip-sysctl.rst: "924.6 seconds"
		{OrphanRetries, RTOMin, 102200 * time.Millisecond}, // (2^9-1)*200ms
		{3, RTOMin, 3 * time.Second},                       // (2^4-1)*200ms
		{10, TimeoutInit, 127*time.Second + 4*RTOMax},      // past the linear threshold 6
	} {
		if got := modelTimeout(tc.boundary, tc.base); got != tc.want {
			t.Errorf("tcp_model_timeout(%d, %v): got %v, want %v", tc.boundary, tc.base, got, tc.want)
		}
	}
}

// TestClientSynRetrySchedule: with nobody answering, SYNs go out at 0, 1,
// 3, 7, 15, 31, 63 s (TCP_TIMEOUT_INIT doubling, tcp_retransmit_timer)
// and connect fails at 127 s (tcp_write_timeout, tcp_syn_retries 6),
// unless the application's connect timeout is shorter.
func TestClientSynRetrySchedule(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		syns    []time.Duration
		fail    float64 // seconds
		reason  string
	}{
		{"kernel limit", 0, []time.Duration{0, 1, 3, 7, 15, 31, 63}, 127, "syn_timeout"},
		{"connect timeout 10 s", 10 * time.Second, []time.Duration{0, 1, 3, 7}, 10, "connect_timeout"},
		{"connect timeout 2.5 s", 2500 * time.Millisecond, []time.Duration{0, 1}, 2.5, "connect_timeout"},
		{"connect timeout above the kernel's", 300 * time.Second, []time.Duration{0, 1, 3, 7, 15, 31, 63}, 127, "syn_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, cs, _, cl := lab(t, ServiceConfig{}, ClientConfig{ConnectTimeout: tc.timeout})
			delete(w.stacks, sAddr) // nobody on 10.0.0.100
			w.k.Run(sim.Time(200 * time.Second))
			var got []time.Duration
			for _, s := range w.segs {
				if s.h.Flags != wire.TCPSyn || s.h.MSS != MSS || s.h.Window != Window {
					t.Errorf("got %s mss %d win %d, want a SYN with mss %d win %d", flagStr(s.h.Flags), s.h.MSS, s.h.Window, MSS, Window)
				}
				if s.h.Seq != w.segs[0].h.Seq {
					t.Errorf("retransmitted SYN seq %d, want the ISN %d", s.h.Seq, w.segs[0].h.Seq)
				}
				got = append(got, time.Duration(s.at)/time.Second)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.syns) {
				t.Errorf("SYNs at %v s, want %v s", got, tc.syns)
			}
			rs := w.conns()
			if len(rs) != 1 {
				t.Fatalf("got %d conn records, want 1", len(rs))
			}
			want := time.Duration(float64(tc.fail) * float64(time.Second))
			if r := rs[0]; r.Event != "timeout" || r.Reason != tc.reason || r.Value != int64(want) || sim.Time(r.At) != sim.Time(want) {
				t.Errorf("got %s/%s latency %v at %v, want timeout/%s at %v", r.Event, r.Reason, time.Duration(r.Value), r.At, tc.reason, want)
			}
			if cs.Live() != 0 || cl.Active != 0 || cl.Outcomes[OutcomeTimeout] != 1 {
				t.Errorf("got %d live, %d active, %v outcomes; want 0, 0, one timeout", cs.Live(), cl.Active, cl.Outcomes)
			}
		})
	}
}

// TestClosedPortAnswersRSTACK: a SYN to a port with no listener gets
// RST/ACK, seq 0, ack ISN+1 (tcp_v4_send_reset); the client's connect
// fails with ECONNREFUSED after one round trip (tcp_reset in SYN_SENT).
// A refusing service does the same and traces "refused".
func TestClosedPortAnswersRSTACK(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		svc := ServiceConfig{}
		if refuse {
			svc = web
		}
		w, cs, ss, _ := lab(t, svc, ClientConfig{})
		if refuse {
			if err := ss.SetFault(80, Fault{Kind: FaultRefuse}); err != nil {
				t.Fatal(err)
			}
		}
		w.k.Run(sim.Time(time.Second))
		if len(w.segs) != 2 {
			t.Fatalf("got %d segments, want SYN and RST/ACK", len(w.segs))
		}
		syn, rst := w.segs[0].h, w.segs[1].h
		if rst.Flags != wire.TCPRst|wire.TCPAck || rst.Seq != 0 || rst.Ack != syn.Seq+1 || rst.Window != 0 || rst.SrcPort != 80 || rst.DstPort != syn.SrcPort {
			t.Errorf("got %s seq %d ack %d win %d %d>%d, want R. seq 0 ack %d win 0 80>%d", flagStr(rst.Flags), rst.Seq, rst.Ack, rst.Window, rst.SrcPort, rst.DstPort, syn.Seq+1, syn.SrcPort)
		}
		rs := w.conns()
		if len(rs) != 1 || rs[0].Event != "refused" || rs[0].Reason != "rst_in_syn_sent" || rs[0].Value != int64(2*delay) || rs[0].Value2 != int64(syn.SrcPort) || rs[0].Addr != sAddr {
			t.Errorf("got %+v, want refused after %v from port %d", rs, 2*delay, syn.SrcPort)
		}
		if got := w.serves(); len(got) != 1 || got[0] != "refused" {
			t.Errorf("got serve records %v, want [refused]", got)
		}
		if cs.Live() != 0 || ss.Live() != 0 {
			t.Errorf("got %d/%d live, want none", cs.Live(), ss.Live())
		}
	}
}

// TestHandshakeRequestResponseTeardown: the whole HTTP/1.0 exchange, flag
// by flag with sequence numbers relative to each side's ISN, as Linux
// does it: tcp_rcv_synsent_state_process ACKs the SYN-ACK, the request
// follows with PSH; the server ACKs it at once (quickack at the start of
// a connection), answers after the response time with FIN on the last
// segment (HTTP/1.0 closes first), the client ACKs, then closes; the
// server's TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN).
func TestHandshakeRequestResponseTeardown(t *testing.T) {
	w, cs, ss, cl := lab(t, web, ClientConfig{})
	w.k.Run(sim.Time(time.Second))
	req := "GET / HTTP/1.0\r\nHost: 10.0.0.100\r\n\r\n"
	hdr := "HTTP/1.0 200 OK\r\nServer: vrrpsim\r\nX-Real-Server: rs1\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
	rq, rp := uint32(len(req)), uint32(len(hdr)+1000)
	ci, si := w.segs[0].h.Seq, w.segs[1].h.Seq
	type want struct {
		at       time.Duration
		fromC    bool
		flags    string
		seq, ack uint32 // relative to the sender's / receiver's ISN
		n        uint32
	}
	rt := web.ResponseTime
	wants := []want{
		{0, true, "S", 0, 0, 0},
		{1 * delay, false, "S.", 0, 1, 0},
		{2 * delay, true, ".", 1, 1, 0},
		{2 * delay, true, "P.", 1, 1, rq},
		{3 * delay, false, ".", 1, 1 + rq, 0},
		{3*delay + rt, false, "FP.", 1, 1 + rq, rp},
		{4*delay + rt, true, ".", 1 + rq, 2 + rp, 0},
		{4*delay + rt, true, "F.", 1 + rq, 2 + rp, 0},
		{5*delay + rt, false, ".", 2 + rp, 2 + rq, 0},
	}
	if len(w.segs) != len(wants) {
		for _, s := range w.segs {
			t.Logf("%v %v>%v %s seq %d ack %d len %d", s.at, s.src, s.dst, flagStr(s.h.Flags), s.h.Seq, s.h.Ack, s.n)
		}
		t.Fatalf("got %d segments, want %d", len(w.segs), len(wants))
	}
	for i, wt := range wants {
		s := w.segs[i]
		mine, theirs := si, ci
		if wt.fromC {
			mine, theirs = ci, si
		}
		ack := s.h.Ack - theirs
		if !strings.Contains(wt.flags, ".") {
			ack = 0
		}
		if (s.src == cAddr) != wt.fromC || flagStr(s.h.Flags) != wt.flags || s.h.Seq-mine != wt.seq || ack != wt.ack || uint32(s.n) != wt.n || time.Duration(s.at) != wt.at {
			t.Errorf("segment %d: got from client %v %s seq +%d ack +%d len %d at %v, want %v %s +%d +%d %d at %v",
				i, s.src == cAddr, flagStr(s.h.Flags), s.h.Seq-mine, ack, s.n, time.Duration(s.at), wt.fromC, wt.flags, wt.seq, wt.ack, wt.n, wt.at)
		}
	}
	body := strings.Repeat("abcdefghijklmnopqrstuvwxyz", 39)[:1000]
	if w.segs[3].data != req || w.segs[5].data != hdr+body {
		t.Errorf("got request %q and response %.80q", w.segs[3].data, w.segs[5].data)
	}
	rs := w.conns()
	if len(rs) != 1 || rs[0].Event != "ok" || rs[0].To != "rs1" || rs[0].Value != int64(4*delay+rt) || rs[0].Comp != "http-1" {
		t.Errorf("got %+v, want ok from rs1 after %v", rs, 4*delay+rt)
	}
	if got := fmt.Sprint(w.serves()); got != "[accept served]" {
		t.Errorf("got serve records %s, want [accept served]", got)
	}
	if cs.Live() != 0 || cl.Outcomes[OutcomeOK] != 1 {
		t.Errorf("client: got %d live, outcomes %v; want 0 and one ok", cs.Live(), cl.Outcomes)
	}
	if ss.Live() != 1 || ss.conns[connKey{netip.AddrPortFrom(sAddr, 80), netip.AddrPortFrom(cAddr, w.segs[0].h.SrcPort)}.tuple()].state != StateTimeWait {
		t.Errorf("server: got %d live, want 1 in TIME_WAIT", ss.Live())
	}
	w.k.Run(sim.Time(5*delay + rt + TimeWaitLen - 1))
	if ss.Live() != 1 {
		t.Errorf("server: TIME_WAIT gone before 60 s")
	}
	w.k.Run(sim.Time(5*delay + rt + TimeWaitLen))
	if ss.Live() != 0 {
		t.Errorf("server: got %d live after TIME_WAIT, want 0", ss.Live())
	}
}

// TestResponseSegmentation: a response is cut in MSS-sized segments
// (tcp_sendmsg: size_goal = mss), PSH and FIN on the last only, all sent
// at once within the initial window of 10 (TCP_INIT_CWND); one beyond
// the window waits for an ACK.
func TestResponseSegmentation(t *testing.T) {
	hdrLen := len("HTTP/1.0 200 OK\r\nServer: vrrpsim\r\nX-Real-Server: rs1\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n")
	for _, tc := range []struct {
		size    int
		lens    []int
		flights int // distinct send times
	}{
		{0, []int{hdrLen - 3}, 1},
		{5000, []int{1460, 1460, 1460, hdrLen + 5000 - 3*1460}, 1},
		{14 * 1460, nil, 2},
	} {
		svc := web
		svc.ResponseSize = tc.size
		w, _, _, _ := lab(t, svc, ClientConfig{})
		w.k.Run(sim.Time(2 * time.Second))
		var lens []int
		times := map[sim.Time]bool{}
		var last seg
		var stream strings.Builder
		for _, s := range w.segs {
			if s.src == sAddr && s.n > 0 {
				stream.WriteString(s.data)
				lens = append(lens, s.n)
				times[s.at] = true
				last = s
			}
		}
		if tc.lens != nil && fmt.Sprint(lens) != fmt.Sprint(tc.lens) {
			t.Errorf("size %d: got segments %v, want %v", tc.size, lens, tc.lens)
		}
		total := 0
		for i, n := range lens {
			total += n
			if i < len(lens)-1 && n != MSS {
				t.Errorf("size %d: segment %d of %d octets, want %d", tc.size, i, n, MSS)
			}
		}
		if want := hdrLen - 4 + len(fmt.Sprint(tc.size)) + tc.size; total != want {
			t.Errorf("size %d: got %d octets, want %d", tc.size, total, want)
		}
		body := strings.Repeat("abcdefghijklmnopqrstuvwxyz", tc.size/26+1)[:tc.size]
		if got := stream.String(); !strings.HasSuffix(got, "\r\n\r\n"+body) {
			t.Errorf("size %d: the segments do not carry the header and body in order", tc.size)
		}
		if last.h.Flags != wire.TCPFin|wire.TCPPsh|wire.TCPAck {
			t.Errorf("size %d: last segment %s, want FP.", tc.size, flagStr(last.h.Flags))
		}
		if len(times) != tc.flights {
			t.Errorf("size %d: sent in %d flights, want %d", tc.size, len(times), tc.flights)
		}
		if rs := w.conns(); len(rs) != 1 || rs[0].Event != "ok" {
			t.Errorf("size %d: got %+v, want ok", tc.size, rs)
		}
	}
}

// TestServiceFaults: a blackholed service makes the client time out at
// its connect timeout with nothing traced by the server; a slow one adds
// its response time to the latency (4 one-way delays + response time for
// a one-segment response); back to normal, the configured time again.
func TestServiceFaults(t *testing.T) {
	for _, tc := range []struct {
		fault   Fault
		event   string
		reason  string
		latency time.Duration
		serves  string
	}{
		{Fault{}, "ok", "", 4*delay + web.ResponseTime, "[accept served]"},
		{Fault{Kind: FaultSlow, ResponseTime: 2 * time.Second}, "ok", "", 4*delay + 2*time.Second, "[accept served]"},
		{Fault{Kind: FaultBlackhole}, "timeout", "connect_timeout", 5 * time.Second, "[]"},
		{Fault{Kind: FaultRefuse}, "refused", "rst_in_syn_sent", 2 * delay, "[refused]"},
	} {
		t.Run(tc.fault.Kind.String(), func(t *testing.T) {
			w, cs, ss, _ := lab(t, web, ClientConfig{ConnectTimeout: 5 * time.Second})
			if err := ss.SetFault(80, tc.fault); err != nil {
				t.Fatal(err)
			}
			w.k.Run(sim.Time(10 * time.Second))
			rs := w.conns()
			if len(rs) != 1 || rs[0].Event != tc.event || rs[0].Reason != tc.reason || rs[0].Value != int64(tc.latency) {
				t.Fatalf("got %+v, want %s/%s after %v", rs, tc.event, tc.reason, tc.latency)
			}
			if got := fmt.Sprint(w.serves()); got != tc.serves {
				t.Errorf("got serve records %s, want %s", got, tc.serves)
			}
			if tc.fault.Kind == FaultBlackhole && (ss.Live() != 0 || cs.Live() != 0) {
				t.Errorf("blackhole left %d/%d connections", cs.Live(), ss.Live())
			}
		})
	}
	if err := New("x", &host{w: newWorld(t)}).SetFault(80, Fault{}); err == nil {
		t.Errorf("SetFault on a port without service: got nil, want an error")
	}
}

// TestLostSegmentsRetransmitted: a lost response segment is resent after
// the RTO the handshake measured (RFC 6298 with Linux's floor:
// rto = srtt + max(4*rttvar, TCP_RTO_MIN), tcp_set_rto); a lost SYN-ACK
// after TCP_TIMEOUT_INIT. Neither hangs the connection.
func TestLostSegmentsRetransmitted(t *testing.T) {
	// The server measures the SYN-ACK -> ACK round trip: 2 ms, so
	// srtt 2 ms, rttvar 1 ms, rto 2 ms + 200 ms.
	rto := 2*delay + RTOMin
	for _, tc := range []struct {
		name    string
		lose    func(s *seg) bool
		latency time.Duration
		rtx     uint64
		losses  int
	}{
		{"response", func(s *seg) bool { return s.src == sAddr && s.h.Flags&wire.TCPFin != 0 }, 4*delay + web.ResponseTime + rto, 1, 1},
		// Both ends resend at 1 s: the client its SYN, the server its SYN-ACK.
		{"SYN-ACK", func(s *seg) bool { return s.h.Flags == wire.TCPSyn|wire.TCPAck }, 4*delay + web.ResponseTime + TimeoutInit, 2, 1},
		// The client measured 2 ms on its SYN: rto = 2 ms + 200 ms.
		{"request", func(s *seg) bool { return s.src == cAddr && s.n > 0 }, 4*delay + web.ResponseTime + 2*delay + RTOMin, 1, 1},
		// After a retransmitted SYN the client has no RTT sample (Karn):
		// TCP_TIMEOUT_FALLBACK, so the lost request waits 3 s.
		{"SYN then request", func(s *seg) bool { return s.src == cAddr && (s.h.Flags == wire.TCPSyn && s.at == 0 || s.n > 0) }, TimeoutInit + 4*delay + web.ResponseTime + 3*time.Second, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, cs, ss, _ := lab(t, web, ClientConfig{})
			lost, want := 0, tc.losses
			w.drop = func(s *seg) bool {
				if lost < want && tc.lose(s) {
					lost++
					return true
				}
				return false
			}
			w.k.Run(sim.Time(5 * time.Second))
			rs := w.conns()
			if lost != want || len(rs) != 1 || rs[0].Event != "ok" || rs[0].Value != int64(tc.latency) {
				t.Fatalf("lost %d; got %+v, want ok after %v", lost, rs, tc.latency)
			}
			if cs.Counters().RetransSegs+ss.Counters().RetransSegs != tc.rtx {
				t.Errorf("got %d+%d retransmissions, want %d", cs.Counters().RetransSegs, ss.Counters().RetransSegs, tc.rtx)
			}
		})
	}
}

// TestCutAfterHandshakeGivesUp: when every segment is lost after the
// handshake, the client gives up on its request after tcp_retries2
// (924.6 s of backoff, tcp_write_timeout), and the server, which waited
// 60 s for a request (client_header_timeout) and then closed, gives up
// on its FIN after tcp_orphan_retries (102.2 s); nothing is left.
func TestCutAfterHandshakeGivesUp(t *testing.T) {
	w, cs, ss, _ := lab(t, web, ClientConfig{})
	w.drop = func(s *seg) bool { return s.at > sim.Time(2*delay) || (s.src == cAddr && s.n > 0) }
	w.k.Run(sim.Time(1200 * time.Second))
	rs := w.conns()
	if len(rs) != 1 || rs[0].Event != "timeout" || rs[0].Reason != "retries" {
		t.Fatalf("got %+v, want timeout/retries", rs)
	}
	lim := modelTimeout(Retries2, RTOMin)
	if v := time.Duration(rs[0].Value); v < lim || v > lim+RTOMax {
		t.Errorf("client gave up after %v, want %v..%v", v, lim, lim+RTOMax)
	}
	var fins []sim.Time
	for _, s := range w.segs {
		if s.src == sAddr && s.h.Flags&wire.TCPFin != 0 {
			fins = append(fins, s.at)
		}
	}
	if len(fins) == 0 || fins[0] != sim.Time(3*delay+RequestTimeout) {
		t.Fatalf("server FINs at %v, want the first at %v", fins, 3*delay+RequestTimeout)
	}
	if cs.Live() != 0 || ss.Live() != 0 || ss.Counters().TimedOut != 1 {
		t.Errorf("got %d/%d live, server timed out %d; want 0/0 and 1", cs.Live(), ss.Live(), ss.Counters().TimedOut)
	}
	// The server's FIN retransmissions stop within the orphan limit.
	if last := fins[len(fins)-1] - fins[0]; last > sim.Time(modelTimeout(OrphanRetries, RTOMin)) {
		t.Errorf("server resent its FIN for %v, longer than %v", time.Duration(last), modelTimeout(OrphanRetries, RTOMin))
	}
}

// TestSynAckRetries: a SYN_RECV entry resends its SYN-ACK at 1, 3, 7, 15
// and 31 s and is dropped at 63 s (reqsk_timer_handler,
// tcp_synack_retries 5).
func TestSynAckRetries(t *testing.T) {
	w := newWorld(t)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		t.Fatal(err)
	}
	ss.Receive(wire.IPv4Header{Src: cAddr, Dst: sAddr}, wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 7, Flags: wire.TCPSyn}, nil)
	w.k.Run(sim.Time(62 * time.Second))
	var got []time.Duration
	for _, s := range w.segs {
		if s.h.Flags != wire.TCPSyn|wire.TCPAck || s.h.Ack != 8 {
			t.Errorf("got %s ack %d, want S. ack 8", flagStr(s.h.Flags), s.h.Ack)
		}
		got = append(got, time.Duration(s.at)/time.Second)
	}
	if fmt.Sprint(got) != fmt.Sprint([]time.Duration{0, 1, 3, 7, 15, 31}) {
		t.Errorf("SYN-ACKs at %v s, want [0 1 3 7 15 31]", got)
	}
	if ss.Live() != 1 {
		t.Errorf("entry gone before 63 s")
	}
	w.k.Run(sim.Time(63 * time.Second))
	if ss.Live() != 0 {
		t.Errorf("got %d live at 63 s, want 0", ss.Live())
	}
}

// TestSegmentForNoConnection: an ACK for no connection gets a RST at its
// ack number (tcp_v4_send_reset); a RST gets nothing.
func TestSegmentForNoConnection(t *testing.T) {
	w := newWorld(t)
	ss := w.stack("rs1", sAddr)
	ip := wire.IPv4Header{Src: cAddr, Dst: sAddr}
	ss.Receive(ip, wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 5, Ack: 99, Flags: wire.TCPAck}, []byte("x"))
	ss.Receive(ip, wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 5, Flags: wire.TCPRst}, nil)
	ss.Receive(ip, wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 5, Flags: wire.TCPFin}, []byte("ab"))
	if len(w.segs) != 2 {
		t.Fatalf("got %d segments, want 2", len(w.segs))
	}
	if h := w.segs[0].h; h.Flags != wire.TCPRst || h.Seq != 99 {
		t.Errorf("got %s seq %d, want R seq 99", flagStr(h.Flags), h.Seq)
	}
	if h := w.segs[1].h; h.Flags != wire.TCPRst|wire.TCPAck || h.Ack != 5+2+1 {
		t.Errorf("got %s ack %d, want R. ack 8 (data and FIN)", flagStr(h.Flags), h.Ack)
	}
}

// TestTimeWaitReusedByNewerSYN: a SYN on a four-tuple in TIME_WAIT whose
// sequence number is above the old rcv_nxt opens a new connection
// (tcp_timewait_state_process, TCP_TW_SYN); secure_tcp_seq's clock term
// makes the client's new ISN higher.
func TestTimeWaitReusedByNewerSYN(t *testing.T) {
	w, cs, ss, cl := lab(t, web, ClientConfig{})
	w.k.Run(sim.Time(time.Second))
	port := w.segs[0].h.SrcPort
	cl.portOff = int(port) - EphemeralLow // the next connection takes the same port
	cl.cfg.Stop = 0
	cs.Start()
	cl.tick.Reset(0)
	w.k.Run(sim.Time(1100 * time.Millisecond))
	rs := w.conns()
	if len(rs) < 2 || rs[1].Event != "ok" || rs[1].Value2 != int64(port) {
		t.Fatalf("got %+v, want a second ok connection from port %d", rs, port)
	}
	for _, s := range w.segs {
		if s.h.Flags&wire.TCPRst != 0 {
			t.Errorf("got a RST at %v: the SYN should have ended TIME_WAIT", s.at)
		}
	}
	if ss.Counters().PassiveOpens != 2 {
		t.Errorf("got %d accepted, want 2", ss.Counters().PassiveOpens)
	}
}

// TestEphemeralPorts: ports stay in 32768..60999, step by 2 (even
// parity of __inet_hash_connect first), and skip a busy four-tuple.
func TestEphemeralPorts(t *testing.T) {
	w := newWorld(t)
	cs := w.stack("c1", cAddr)
	cl, err := cs.AddClient(ClientConfig{Name: "p", To: netip.AddrPortFrom(sAddr, 80), Rate: 1})
	if err != nil {
		t.Fatal(err)
	}
	cl.portOff = (EphemeralHigh - EphemeralLow + 1) - 4
	var got []uint16
	for range 4 {
		k, ok := cs.freePort(&cl.portOff, cAddr, cl.cfg.To)
		if !ok {
			t.Fatal("no port")
		}
		got = append(got, k.local.Port())
		cs.newConn(k, StateSynSent) // keep it busy
	}
	if fmt.Sprint(got) != "[60996 60998 32769 32771]" {
		t.Errorf("got %v, want [60996 60998 32769 32771]", got)
	}
	cl.portOff = 60996 - EphemeralLow // busy, and 60998 too
	if k, _ := cs.freePort(&cl.portOff, cAddr, cl.cfg.To); k.local.Port() != 32773 {
		t.Errorf("busy ports not skipped: got %d, want 32773", k.local.Port())
	}
}

// TestArrivals: a fixed rate opens one connection per 1/rate exactly; a
// Poisson one draws exponential gaps with that mean; Stop ends both.
func TestArrivals(t *testing.T) {
	for _, a := range []Arrival{ArrivalFixed, ArrivalPoisson} {
		w, cs, _, cl := lab(t, web, ClientConfig{Rate: 100, Arrival: a, Start: time.Second, Stop: 11 * time.Second})
		w.k.Run(sim.Time(20 * time.Second))
		var syns []sim.Time
		for _, s := range w.segs {
			if s.h.Flags == wire.TCPSyn {
				syns = append(syns, s.at)
			}
		}
		if syns[0] != sim.Time(time.Second) || syns[len(syns)-1] >= sim.Time(11*time.Second) {
			t.Errorf("%d: first SYN %v, last %v; want 1 s and before 11 s", a, syns[0], syns[len(syns)-1])
		}
		if a == ArrivalFixed {
			if len(syns) != 1000 || syns[1]-syns[0] != sim.Time(10*time.Millisecond) {
				t.Errorf("fixed: got %d SYNs, gap %v; want 1000 every 10 ms", len(syns), syns[1]-syns[0])
			}
		} else if len(syns) < 900 || len(syns) > 1100 {
			t.Errorf("poisson: got %d SYNs in 10 s at 100/s, want 1000 +- 10%%", len(syns))
		}
		if cl.Outcomes[OutcomeOK] != uint64(len(syns)) || cs.Live() != 0 || cl.Active != 0 {
			t.Errorf("%d: got %v outcomes for %d SYNs, %d live", a, cl.Outcomes, len(syns), cs.Live())
		}
	}
}

// TestMemoryBoundedByLiveConnections: after a run, TIME_WAIT entries
// expire and every connection is back on the free list, which never
// grew past the peak of live connections.
func TestMemoryBoundedByLiveConnections(t *testing.T) {
	w, cs, ss, _ := lab(t, web, ClientConfig{Rate: 200, Stop: 20 * time.Second})
	peak := 0
	for i := 1; i <= 100; i++ {
		w.k.Run(sim.Time(time.Duration(i) * time.Second))
		peak = max(peak, ss.Live())
	}
	if cs.Live() != 0 || ss.Live() != 0 {
		t.Fatalf("got %d/%d live at the end, want 0", cs.Live(), ss.Live())
	}
	// 200/s for 20 s, each in TIME_WAIT for 60 s: all 4000 at the peak.
	if peak != 4000 || len(ss.free) > peak {
		t.Errorf("server peak %d live, %d pooled; want 4000 and no more pooled than the peak", peak, len(ss.free))
	}
}

func TestValidate(t *testing.T) {
	to := netip.AddrPortFrom(sAddr, 80)
	for _, tc := range []struct {
		cfg  ClientConfig
		want string
	}{
		{ClientConfig{Name: "a", To: to, Rate: 0}, "rate"},
		{ClientConfig{Name: "a", To: netip.AddrPort{}, Rate: 1}, "destination"},
		{ClientConfig{Name: "a", To: to, Rate: 1, Start: 5, Stop: 2}, "stop"},
		{ClientConfig{Name: "a", To: to, Rate: 1, Sources: []netip.Addr{netip.MustParseAddr("::1")}}, "not IPv4"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error about %s", tc.cfg, err, tc.want)
		}
	}
	for _, c := range []ServiceConfig{{Port: 0}, {Port: 80, ResponseTime: -1}, {Port: 80, ResponseSize: -1}} {
		if c.Validate() == nil {
			t.Errorf("%+v: got nil, want an error", c)
		}
	}
	s := New("x", &host{w: newWorld(t)})
	if _, err := s.AddService(web); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddService(web); err == nil {
		t.Errorf("second service on port 80: got nil, want an error")
	}
}

// BenchmarkConnection: one whole HTTP/1.0 connection (9 segments, both
// stacks) per iteration, steady state with pooled connections. The fake
// network's copy and delivery closure per segment are counted too.
func BenchmarkConnection(b *testing.B) {
	benchSteady(b, ClientConfig{Rate: 1000})
}

// benchSteady runs a client against the web service one simulated ms per
// iteration, after a warm-up past TIME_WAIT, so that entries expire as fast
// as new ones come and the free list feeds every new connection.
func benchSteady(b *testing.B, cfg ClientConfig) {
	w, cs, _, cl := lab(b, web, cfg)
	w.keep = false
	w.k.Run(sim.Time(TimeWaitLen + 2*time.Second))
	live := cs.Live()
	b.ReportAllocs()
	for b.Loop() {
		w.k.Run(w.k.Now() + sim.Time(time.Millisecond))
	}
	if cl.Outcomes[OutcomeOK] == 0 || cs.Live() > live+10 {
		b.Fatalf("%d ok, %d live (%d before)", cl.Outcomes[OutcomeOK], cs.Live(), live)
	}
}

// FuzzReceive feeds arbitrary segments to a server (and a client in
// SYN_SENT): no panic, every reply is a valid segment (the fake network
// decodes it), and once time passes every connection is gone.
func FuzzReceive(f *testing.F) {
	f.Add(uint8(wire.TCPSyn), uint32(1000), uint32(0), uint16(80), []byte{})
	f.Add(uint8(wire.TCPAck|wire.TCPPsh), uint32(1001), uint32(1), uint16(80), []byte("GET / HTTP/1.0\r\n\r\n"))
	f.Add(uint8(wire.TCPRst), uint32(5), uint32(0), uint16(81), []byte{})
	f.Add(uint8(wire.TCPSyn|wire.TCPAck), uint32(7), uint32(0), uint16(40000), []byte{})
	f.Fuzz(func(t *testing.T, flags uint8, seq, ack uint32, port uint16, data []byte) {
		if len(data) > 1460 {
			return
		}
		w, cs, ss, _ := lab(t, web, ClientConfig{})
		w.keep = false
		w.k.Run(0)
		// The server: a SYN, then the fuzzed segment relative to its ISN.
		ip := wire.IPv4Header{Src: cAddr, Dst: sAddr}
		ss.Receive(ip, wire.TCPHeader{SrcPort: 50000, DstPort: 80, Seq: 999, Flags: wire.TCPSyn}, nil)
		var isn uint32
		for _, c := range ss.conns {
			isn = c.iss
		}
		for _, a := range []uint32{ack, isn + 1 + ack%4} {
			ss.Receive(ip, wire.TCPHeader{SrcPort: 50000, DstPort: port, Seq: seq, Ack: a, Flags: flags & 0x3f}, data)
			ss.Receive(ip, wire.TCPHeader{SrcPort: 50000, DstPort: 80, Seq: 1000 + seq%8, Ack: a, Flags: flags & 0x3f}, data)
		}
		// The client in SYN_SENT gets the same.
		for _, c := range cs.conns {
			cip := wire.IPv4Header{Src: sAddr, Dst: cAddr}
			cs.Receive(cip, wire.TCPHeader{SrcPort: 80, DstPort: c.key.local.Port(), Seq: seq, Ack: c.iss + 1 + ack%2, Flags: flags & 0x3f}, data)
		}
		w.k.Run(sim.Time(2000 * time.Second))
		if cs.Live() != 0 || ss.Live() != 0 {
			t.Fatalf("got %d/%d connections left", cs.Live(), ss.Live())
		}
	})
}

// TestResetAfterHandshake: the server forgets the connection (a crash
// and reboot) before the request arrives; the request gets a RST at its
// ack number (tcp_v4_send_reset), which is exactly rcv_nxt for the
// client (RFC 5961 section 3.2), so the client reports "reset".
func TestResetAfterHandshake(t *testing.T) {
	w, cs, ss, _ := lab(t, web, ClientConfig{})
	w.k.At(sim.Time(2*delay+delay/2), ss.Reset)
	w.k.Run(sim.Time(time.Second))
	rs := w.conns()
	if len(rs) != 1 || rs[0].Event != "reset" || rs[0].Reason != "rst" || rs[0].Value != int64(4*delay) {
		t.Fatalf("got %+v, want reset after %v", rs, 4*delay)
	}
	if cs.Live() != 0 || ss.Live() != 0 {
		t.Errorf("got %d/%d live, want none", cs.Live(), ss.Live())
	}
	// A RST off rcv_nxt is ignored (RFC 5961 section 3.2).
	w, cs, _, _ = lab(t, web, ClientConfig{})
	w.k.Run(sim.Time(2 * delay))
	for _, c := range cs.conns {
		cs.Receive(wire.IPv4Header{Src: sAddr, Dst: cAddr}, wire.TCPHeader{SrcPort: 80, DstPort: c.key.local.Port(), Seq: c.rcvNxt + 1, Flags: wire.TCPRst}, nil)
	}
	w.k.Run(sim.Time(time.Second))
	if rs := w.conns(); len(rs) != 1 || rs[0].Event != "ok" {
		t.Errorf("got %+v, want ok despite an out-of-window RST", rs)
	}
}

// FuzzResponse: the client's reading of a response (status line, end of
// header, Content-Length, X-Real-Server) never panics, and accepts only
// what ends its header and carries exactly Content-Length octets.
func FuzzResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 OK\r\nX-Real-Server: rs1\r\nContent-Length: 3\r\n\r\nabc"), 0)
	f.Add([]byte("HTTP/1.0 200 OK\r\nContent-Length: x\r\n\r\n"), 0)
	f.Add([]byte("HTTP/1.1 204\r\n\r\n"), 5)
	f.Fuzz(func(t *testing.T, in []byte, extra int) {
		if len(in) > maxIn || extra < 0 || extra > 1<<20 {
			return
		}
		cl := &Client{}
		srv := cl.realServer(in)
		ok, reason := responseComplete(in, len(in)+extra, false)
		if ok != (reason == "") {
			t.Fatalf("ok %v with reason %q", ok, reason)
		}
		if ok && !strings.Contains(string(in), "\r\n\r\n") {
			t.Fatalf("accepted a response without the end of its header: %q", in)
		}
		if strings.Contains(srv, "\r\n") {
			t.Fatalf("server name %q spans lines", srv)
		}
		if again := cl.realServer(in); again != srv {
			t.Fatalf("got %q then %q", srv, again)
		}
	})
}

// TestResponseComplete: an HTTP/1.0 response ends at the server's FIN
// (RFC 1945 section 7.2.2) and is whole when its body has Content-Length
// octets; a FIN before any status line is curl's "Empty reply from server".
func TestResponseComplete(t *testing.T) {
	for _, tc := range []struct {
		in     string
		total  int
		ok     bool
		reason string
	}{
		{"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 0, true, ""},
		{"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nab", 0, false, "short_response"},
		{"HTTP/1.0 200 OK\r\n\r\nanything", 0, true, ""},
		{"HTTP/1.0 200 OK\r\nContent-Length: x\r\n\r\n", 0, false, "short_response"},
		{"HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", 0, false, "short_response"},
		{"HTTP/1.0 200 OK\r\nContent-Le", 0, false, "short_response"},
		{"", 0, false, "empty_reply"},
		{"SSH-2.0\r\n\r\n", 0, false, "empty_reply"},
	} {
		total := len(tc.in) + tc.total
		if ok, reason := responseComplete([]byte(tc.in), total, false); ok != tc.ok || reason != tc.reason {
			t.Errorf("%q: got %v %q, want %v %q", tc.in, ok, reason, tc.ok, tc.reason)
		}
	}
}

// TestRTTSample: the RFC 6298 estimator with Linux's floor on the
// variance term (tcp_rtt_estimator, tcp_set_rto: rto = srtt +
// max(4*rttvar, TCP_RTO_MIN), at most TCP_RTO_MAX). The first sample
// sets srtt = R, rttvar = R/2; later ones rttvar = 3/4 rttvar + 1/4
// |srtt-R|, srtt = 7/8 srtt + 1/8 R.
func TestRTTSample(t *testing.T) {
	for _, tc := range []struct {
		samples           []time.Duration
		srtt, rttvar, rto time.Duration
	}{
		{[]time.Duration{2 * time.Millisecond}, 2 * time.Millisecond, time.Millisecond, 202 * time.Millisecond},
		{[]time.Duration{100 * time.Millisecond}, 100 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond},
		{[]time.Duration{time.Second}, time.Second, 500 * time.Millisecond, 3 * time.Second},
		{[]time.Duration{100 * time.Millisecond, 300 * time.Millisecond}, 125 * time.Millisecond, 87500 * time.Microsecond, 475 * time.Millisecond},
		{[]time.Duration{100 * time.Second}, 100 * time.Second, 50 * time.Second, RTOMax},
	} {
		c := &conn{}
		for _, r := range tc.samples {
			c.sample(r)
		}
		if c.srtt != tc.srtt || c.rttvar != tc.rttvar || c.rto != tc.rto {
			t.Errorf("%v: srtt %v rttvar %v rto %v, want %v %v %v", tc.samples, c.srtt, c.rttvar, c.rto, tc.srtt, tc.rttvar, tc.rto)
		}
	}
}
