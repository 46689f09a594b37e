package node_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// A client host and a real server on one LAN, TCP end to end through the
// nodes' routing, ARP and the switch:
//
//	c1 10.0.0.10 (+ 10.0.0.20) --- lan 10.0.0.0/24 --- rs1 10.0.0.11, service tcp/80

var (
	tcpC1  = netip.MustParseAddr("10.0.0.10")
	tcpC1b = netip.MustParseAddr("10.0.0.20")
	tcpRS1 = netip.MustParseAddr("10.0.0.11")
)

type tcpLab struct {
	k      *sim.Kernel
	c1, rs *node.Node
	recs   []sim.Record
}

func newTCPLab(t testing.TB, svc tcp.ServiceConfig, cl tcp.ClientConfig) (*tcpLab, *tcp.Client) {
	return newTCPLabTrace(t, svc, cl, true)
}

func newTCPLabTrace(t testing.TB, svc tcp.ServiceConfig, cl tcp.ClientConfig, trace bool) (*tcpLab, *tcp.Client) {
	t.Helper()
	k := sim.New(1)
	l := &tcpLab{k: k}
	if trace {
		k.AddTracer(func(r *sim.Record) {
			c := *r
			c.Frame = append([]byte(nil), c.Frame...)
			l.recs = append(l.recs, c)
		})
	}
	seg := lan.New(k, "lan", lan.Config{})
	l.c1 = node.New(k, node.Config{Name: "c1", Kind: node.KindHost})
	l.rs = node.New(k, node.Config{Name: "rs1", Kind: node.KindServer})
	pfx := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range s {
			out = append(out, netip.MustParsePrefix(x))
		}
		return out
	}
	if _, err := l.c1.AddInterface("eth0", dpMAC(10, 1), pfx("10.0.0.10/24", "10.0.0.20/24"), seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.rs.AddInterface("eth0", dpMAC(11, 1), pfx("10.0.0.11/24"), seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	if svc.Port != 0 {
		if err := l.rs.AddService(svc); err != nil {
			t.Fatal(err)
		}
	}
	if cl.Name == "" {
		cl.Name = "h1/http-1"
	}
	if !cl.To.IsValid() {
		cl.To = netip.AddrPortFrom(tcpRS1, 80)
	}
	if cl.Rate == 0 {
		cl.Rate = 10
		if cl.Stop == 0 {
			cl.Stop = time.Second
		}
	}
	c, err := l.c1.AddClient(cl)
	if err != nil {
		t.Fatal(err)
	}
	l.c1.Start()
	l.rs.Start()
	return l, c
}

func (l *tcpLab) kind(k sim.Kind) []sim.Record {
	var out []sim.Record
	for _, r := range l.recs {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// tcpFrames returns the tcpdump-style summaries of the TCP frames c1 sent
// and received, in order.
func (l *tcpLab) tcpFrames() []string {
	var out []string
	for _, r := range l.kind(sim.KindFrame) {
		if s := wire.Summary(r.Frame); strings.Contains(s, "Flags [") {
			out = append(out, s)
		}
	}
	return out
}

var tcpWeb = tcp.ServiceConfig{Port: 80, ResponseTime: 5 * time.Millisecond, ResponseSize: 1000}

// TestNodeTCPServesRequests: ten connections at 10/s, each ok, served by
// rs1 (X-Real-Server), from Linux ephemeral ports, with the server's
// accept/served records; the first exchange on the wire is the
// handshake, the request and the response with FIN (tcpdump view).
func TestNodeTCPServesRequests(t *testing.T) {
	l, cl := newTCPLab(t, tcpWeb, tcp.ClientConfig{})
	l.k.Run(sim.Time(3 * time.Second))
	conns := l.kind(sim.KindConn)
	if len(conns) != 10 || cl.Outcomes[tcp.OutcomeOK] != 10 {
		t.Fatalf("got %d conn records, outcomes %v; want 10 ok", len(conns), cl.Outcomes)
	}
	for i, r := range conns {
		if r.Node != "c1" || r.Comp != "h1/http-1" || r.Event != "ok" || r.To != "rs1" || r.Addr != tcpRS1 ||
			r.Value2 < tcp.EphemeralLow || r.Value2 > tcp.EphemeralHigh || r.Value <= int64(tcpWeb.ResponseTime) {
			t.Errorf("conn %d: got %+v", i, r)
		}
	}
	var serves []string
	for _, r := range l.kind(sim.KindServe) {
		if r.Node != "rs1" || r.Comp != "tcp/80" || r.Addr != tcpC1 {
			t.Errorf("serve record %+v, want rs1 tcp/80 from %v", r, tcpC1)
		}
		serves = append(serves, r.Event)
	}
	if got := strings.Count(strings.Join(serves, " "), "accept"); got != 10 || len(serves) != 20 {
		t.Errorf("got serve records %v, want 10 accept and 10 served", serves)
	}
	fr := l.tcpFrames()
	want := []string{
		"IP 10.0.0.10.%d > 10.0.0.11.80: Flags [S], seq ",
		"IP 10.0.0.11.80 > 10.0.0.10.%d: Flags [S.], seq ",
		"IP 10.0.0.10.%d > 10.0.0.11.80: Flags [.], ack ",
		"IP 10.0.0.10.%d > 10.0.0.11.80: Flags [P.], seq ",
		"IP 10.0.0.11.80 > 10.0.0.10.%d: Flags [.], ack ",
		"IP 10.0.0.11.80 > 10.0.0.10.%d: Flags [FP.], seq ",
		"IP 10.0.0.10.%d > 10.0.0.11.80: Flags [.], ack ",
		"IP 10.0.0.10.%d > 10.0.0.11.80: Flags [F.], seq ",
		"IP 10.0.0.11.80 > 10.0.0.10.%d: Flags [.], ack ",
	}
	if len(fr) < len(want) {
		t.Fatalf("got %d TCP frames, want at least %d", len(fr), len(want))
	}
	port := conns[0].Value2
	for i, w := range want {
		if w = fmt.Sprintf(w, port); !strings.HasPrefix(fr[i], w) {
			t.Errorf("frame %d: got %q, want prefix %q", i, fr[i], w)
		}
	}
	if !strings.HasSuffix(fr[3], ": HTTP: GET / HTTP/1.0") || !strings.HasSuffix(fr[5], ": HTTP: HTTP/1.0 200 OK") {
		t.Errorf("request/response lines: got %q / %q", fr[3], fr[5])
	}
}

// TestNodeTCPRefusedPort: nothing listens on port 81; rs1 answers the SYN
// with RST/ACK (tcp_v4_send_reset) and the client reports "refused".
func TestNodeTCPRefusedPort(t *testing.T) {
	l, _ := newTCPLab(t, tcpWeb, tcp.ClientConfig{To: netip.AddrPortFrom(tcpRS1, 81), Stop: time.Millisecond})
	l.k.Run(sim.Time(time.Second))
	conns := l.kind(sim.KindConn)
	if len(conns) != 1 || conns[0].Event != "refused" || conns[0].Reason != "rst_in_syn_sent" {
		t.Fatalf("got %+v, want one refused", conns)
	}
	if fr := l.tcpFrames(); len(fr) != 2 || !strings.Contains(fr[1], "Flags [R.], seq 0, ack ") {
		t.Errorf("got frames %q, want SYN and RST/ACK", fr)
	}
	if s := l.kind(sim.KindServe); len(s) != 1 || s[0].Event != "refused" || s[0].Comp != "tcp/81" {
		t.Errorf("got serve records %+v, want one refused on tcp/81", s)
	}
}

// TestNodeTCPFaults: blackhole -> the client times out at its connect
// timeout after SYNs at 0, 1 s (TCP_TIMEOUT_INIT doubling); slow -> the
// latency grows by the new response time; refuse -> RST; none -> ok.
func TestNodeTCPFaults(t *testing.T) {
	for _, tc := range []struct {
		fault  tcp.Fault
		event  string
		reason string
		syns   int
	}{
		{tcp.Fault{Kind: tcp.FaultBlackhole}, "timeout", "connect_timeout", 2},
		{tcp.Fault{Kind: tcp.FaultRefuse}, "refused", "rst_in_syn_sent", 1},
		{tcp.Fault{Kind: tcp.FaultSlow, ResponseTime: 2 * time.Second}, "ok", "", 1},
		{tcp.Fault{}, "ok", "", 1},
	} {
		t.Run(tc.fault.Kind.String(), func(t *testing.T) {
			l, _ := newTCPLab(t, tcpWeb, tcp.ClientConfig{ConnectTimeout: 2500 * time.Millisecond, Stop: time.Millisecond})
			if err := l.rs.SetServiceFault(80, tc.fault); err != nil {
				t.Fatal(err)
			}
			l.k.Run(sim.Time(10 * time.Second))
			conns := l.kind(sim.KindConn)
			if len(conns) != 1 || conns[0].Event != tc.event || conns[0].Reason != tc.reason {
				t.Fatalf("got %+v, want %s/%s", conns, tc.event, tc.reason)
			}
			lat := time.Duration(conns[0].Value)
			switch tc.fault.Kind {
			case tcp.FaultBlackhole:
				if lat != 2500*time.Millisecond {
					t.Errorf("got latency %v, want the connect timeout 2.5s", lat)
				}
			case tcp.FaultSlow:
				if lat < 2*time.Second || lat > 2*time.Second+10*time.Millisecond {
					t.Errorf("got latency %v, want 2 s and a few round trips", lat)
				}
			case tcp.FaultNone:
				if lat < tcpWeb.ResponseTime || lat > 10*time.Millisecond {
					t.Errorf("got latency %v, want 5 ms and a few round trips", lat)
				}
			}
			syns := 0
			for _, f := range l.tcpFrames() {
				if strings.Contains(f, "Flags [S],") {
					syns++
				}
			}
			if syns != tc.syns {
				t.Errorf("got %d SYNs, want %d", syns, tc.syns)
			}
		})
	}
	l, _ := newTCPLab(t, tcpWeb, tcp.ClientConfig{})
	if err := l.rs.SetServiceFault(443, tcp.Fault{}); err == nil {
		t.Errorf("fault on a port without a service: got nil, want an error")
	}
	if err := l.c1.SetServiceFault(80, tcp.Fault{}); err == nil {
		t.Errorf("fault on a node without TCP: got nil, want an error")
	}
}

// TestNodeTCPSourcesRoundRobin: a client with two source addresses uses
// them in turn.
func TestNodeTCPSourcesRoundRobin(t *testing.T) {
	l, _ := newTCPLab(t, tcpWeb, tcp.ClientConfig{Sources: []netip.Addr{tcpC1, tcpC1b}, Rate: 10, Stop: 400 * time.Millisecond})
	l.k.Run(sim.Time(time.Second))
	var srcs []string
	for _, f := range l.tcpFrames() {
		if strings.Contains(f, "Flags [S],") {
			a := strings.Split(f, " ")[1]
			srcs = append(srcs, a[:strings.LastIndexByte(a, '.')])
		}
	}
	if got := fmt.Sprint(srcs); got != "[10.0.0.10 10.0.0.20 10.0.0.10 10.0.0.20]" {
		t.Errorf("SYN sources %s, want 10.0.0.10 and 10.0.0.20 in turn", got)
	}
	if _, err := l.c1.AddClient(tcp.ClientConfig{Name: "x", To: netip.AddrPortFrom(tcpRS1, 80), Rate: 1, Sources: []netip.Addr{tcpRS1}}); err == nil {
		t.Errorf("a source address of another node: got nil, want an error")
	}
}

// TestNodeTCPCrashDropsState: a crashed client host forgets its
// connections and stops opening new ones until it restarts; a crashed
// server loses its TIME_WAIT entries.
func TestNodeTCPCrashDropsState(t *testing.T) {
	l, cl := newTCPLab(t, tcpWeb, tcp.ClientConfig{Rate: 100})
	l.k.Run(sim.Time(500*time.Millisecond + 3*time.Millisecond))
	if l.c1.TCP().Live() == 0 || l.rs.TCP().Live() == 0 {
		t.Fatalf("got %d/%d live before the crash, want some", l.c1.TCP().Live(), l.rs.TCP().Live())
	}
	l.c1.Crash()
	l.rs.Crash()
	opened := cl.Opened
	if l.c1.TCP().Live() != 0 || l.rs.TCP().Live() != 0 || cl.Active != 0 {
		t.Errorf("got %d/%d live, %d active after the crash, want none", l.c1.TCP().Live(), l.rs.TCP().Live(), cl.Active)
	}
	l.k.Run(sim.Time(time.Second))
	if cl.Opened != opened {
		t.Errorf("a crashed host opened %d connections", cl.Opened-opened)
	}
	l.rs.Restart()
	l.c1.Restart()
	ok := cl.Outcomes[tcp.OutcomeOK]
	l.k.Run(sim.Time(2 * time.Second))
	if cl.Outcomes[tcp.OutcomeOK] < ok+90 {
		t.Errorf("after restart: %d more ok, want about 100", cl.Outcomes[tcp.OutcomeOK]-ok)
	}
}

// BenchmarkNodeTCPConnection: one HTTP/1.0 connection per iteration
// through the nodes, ARP and the switch (9 frames), untraced, after a
// warm-up past TIME_WAIT so entries expire as fast as they come.
func BenchmarkNodeTCPConnection(b *testing.B) {
	l, cl := newTCPLabTrace(b, tcpWeb, tcp.ClientConfig{Rate: 1000}, false)
	l.k.Run(sim.Time(tcp.TimeWaitLen + 2*time.Second))
	ok := cl.Outcomes[tcp.OutcomeOK]
	b.ReportAllocs()
	for b.Loop() {
		l.k.Run(l.k.Now() + sim.Time(time.Millisecond))
	}
	if cl.Outcomes[tcp.OutcomeOK] == ok {
		b.Fatal("no connection completed")
	}
}
