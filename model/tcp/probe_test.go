package tcp

import (
	"crypto/md5"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// probeLab runs one probe from c1 to rs1:80 (web, with fault f) at t=0
// and returns its result and the segments on the wire.
func probeLab(t *testing.T, f FaultKind, cfg ProbeConfig) (ProbeResult, int, *world) {
	w := newWorld(t)
	cs := w.stack("c1", cAddr)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		t.Fatal(err)
	}
	if err := ss.SetFault(80, Fault{Kind: f}); err != nil {
		t.Fatal(err)
	}
	cfg.To = netip.AddrPortFrom(sAddr, 80)
	var got ProbeResult
	calls := 0
	if _, err := cs.StartProbe(cfg, func(r ProbeResult) { got = r; calls++ }); err != nil {
		t.Fatal(err)
	}
	w.k.Run(w.k.Now() + 400e9)
	if cs.Live() != 0 || ss.Live() != 0 {
		t.Errorf("connections left: client %d, server %d", cs.Live(), ss.Live())
	}
	return got, calls, w
}

// TestProbeOutcomes: a probe ends as keepalived's checkers see it.
// TCP_CHECK: connect_success once the SYN-ACK is in (tcp_check_thread),
// connect_fail on the RST (ECONNREFUSED), connect_timeout after
// connect_timeout when nothing answers. HTTP_GET: the status line and
// the body up to the server's FIN (http_read_thread), the MD5 of the
// body (http_process_response); SSL_GET's handshake adds round trips.
func TestProbeOutcomes(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		name    string
		fault   FaultKind
		cfg     ProbeConfig
		outcome ProbeOutcome
		took    time.Duration
		status  int
		body    int
		wire    string // the flags of every segment, in order
	}{
		{"tcp ok", FaultNone, ProbeConfig{Timeout: 3 * time.Second}, ProbeOK, 2 * ms, 0, 0,
			"S S. . F. . F. ."},
		{"tcp refused", FaultRefuse, ProbeConfig{Timeout: 3 * time.Second}, ProbeRefused, 2 * ms, 0, 0, "S R."},
		{"tcp blackhole", FaultBlackhole, ProbeConfig{Timeout: 3 * time.Second}, ProbeTimeout, 3 * time.Second, 0, 0, "S S"}, // the RTO at 3 s comes after the connect timeout armed at 0
		{"tcp blackhole beyond the SYN retries", FaultBlackhole, ProbeConfig{Timeout: 200 * time.Second}, ProbeTimeout, 127 * time.Second, 0, 0, "S S S S S S S"},
		{"http ok", FaultNone, ProbeConfig{Timeout: 3 * time.Second, HTTP: true, Digest: true}, ProbeOK, 2*ms + 2*ms + 5*ms, 200, 1000, ""},
		{"ssl ok: two more round trips", FaultNone, ProbeConfig{Timeout: 3 * time.Second, HTTP: true, TLSRoundTrips: 2}, ProbeOK, 2*ms + 4*ms + 2*ms + 5*ms, 200, 1000, ""},
		{"http blackhole", FaultBlackhole, ProbeConfig{Timeout: 2 * time.Second, HTTP: true}, ProbeTimeout, 2 * time.Second, 0, 0, "S S"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, calls, w := probeLab(t, tc.fault, tc.cfg)
			if calls != 1 {
				t.Fatalf("done called %d times, want 1", calls)
			}
			if got.Outcome != tc.outcome || got.Took != tc.took || got.Status != tc.status || got.Body != tc.body {
				t.Errorf("got %v after %v status %d body %d, want %v after %v status %d body %d",
					got.Outcome, got.Took, got.Status, got.Body, tc.outcome, tc.took, tc.status, tc.body)
			}
			if tc.cfg.Digest && got.Digest != md5.Sum(bodyPattern[:tc.body]) {
				t.Errorf("digest %x, want the MD5 of the %d-octet body", got.Digest, tc.body)
			}
			if tc.wire != "" {
				var fl []string
				for _, s := range w.segs {
					fl = append(fl, flagStr(s.h.Flags))
				}
				if g := strings.Join(fl, " "); g != tc.wire {
					t.Errorf("wire: got %q, want %q", g, tc.wire)
				}
			}
		})
	}
}

// TestProbeHTTPRequest: the GET keepalived writes (http_request_thread):
// HTTP/1.0, its User-Agent, the Host, Connection: close.
func TestProbeHTTPRequest(t *testing.T) {
	_, _, w := probeLab(t, FaultNone, ProbeConfig{Timeout: time.Second, HTTP: true, Path: "/health", Host: "www"})
	for _, s := range w.segs {
		if s.n > 0 && s.src == cAddr {
			want := "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www\r\nConnection: close\r\n\r\n"
			if s.data != want {
				t.Errorf("request %q, want %q", s.data, want)
			}
			return
		}
	}
	t.Error("no request sent")
}

func TestProbeValidate(t *testing.T) {
	to := netip.AddrPortFrom(sAddr, 80)
	for _, tc := range []struct {
		cfg  ProbeConfig
		want string
	}{
		{ProbeConfig{To: to, Timeout: time.Second}, ""},
		{ProbeConfig{To: to}, "timeout"},
		{ProbeConfig{Timeout: time.Second}, "destination"},
		{ProbeConfig{To: to, Timeout: time.Second, From: netip.MustParseAddr("::1")}, "not IPv4"},
		{ProbeConfig{To: to, Timeout: time.Second, TLSRoundTrips: -1}, "TLS"},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestStatusCode(t *testing.T) {
	for in, want := range map[string]int{"HTTP/1.0 200 OK": 200, "HTTP/1.1 503 x": 503, "HTTP/1.0 2": 0, "FTP 200": 0, "": 0, "HTTP/1.0 abc": 0} {
		if got := statusCode([]byte(in)); got != want {
			t.Errorf("statusCode(%q): got %d, want %d", in, got, want)
		}
	}
}

func FuzzStatusCode(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 OK"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := statusCode(b); n < 0 || n > 999 {
			t.Errorf("status %d out of range", n)
		}
	})
}

// FuzzProbeResponse: any response bytes, in two reads, give a status in
// 0..999, a body no longer than what came, and exactly one result.
func FuzzProbeResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc"), 10)
	f.Add([]byte("HTTP/1.1 503"), 3)
	f.Add([]byte("\r\n\r\n"), 0)
	f.Fuzz(func(t *testing.T, resp []byte, cut int) {
		w := newWorld(t)
		cs := w.stack("c1", cAddr)
		calls := 0
		var got ProbeResult
		p, err := cs.StartProbe(ProbeConfig{To: netip.AddrPortFrom(sAddr, 80), Timeout: time.Second, HTTP: true, Digest: true},
			func(r ProbeResult) { got = r; calls++ })
		if err != nil {
			t.Fatal(err)
		}
		c := p.c
		c.state = StateEstablished
		p.request(c)
		if cut < 0 || cut > len(resp) {
			cut = len(resp) / 2
		}
		p.received(c, resp[:cut], false)
		p.received(c, resp[cut:], true)
		if calls != 1 {
			t.Fatalf("%d results", calls)
		}
		if got.Status < 0 || got.Status > 999 || got.Body > len(resp) {
			t.Errorf("status %d body %d of %d octets", got.Status, got.Body, len(resp))
		}
	})
}

func BenchmarkProbe(b *testing.B) {
	w := newWorld(b)
	w.keep = false
	cs := w.stack("c1", cAddr)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		b.Fatal(err)
	}
	cfg := ProbeConfig{To: netip.AddrPortFrom(sAddr, 80), Timeout: time.Second, HTTP: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cs.StartProbe(cfg, func(ProbeResult) {}); err != nil {
			b.Fatal(err)
		}
		w.k.Run(w.k.Now() + 100e9) // past TIME_WAIT, so the table stays small
	}
}

// TestProbeCancelAfterReset: a crashed host forgets its connections
// (Stack.Reset); cancelling a probe afterwards must not free its conn a
// second time (two later connections would share it).
func TestProbeCancelAfterReset(t *testing.T) {
	w := newWorld(t)
	cs := w.stack("c1", cAddr)
	p, err := cs.StartProbe(ProbeConfig{To: netip.AddrPortFrom(sAddr, 80), Timeout: time.Second}, func(ProbeResult) { t.Error("result after cancel") })
	if err != nil {
		t.Fatal(err)
	}
	cs.Reset()
	p.Cancel()
	if len(cs.free) != 1 {
		t.Fatalf("free list holds %d conns, want 1", len(cs.free))
	}
	w.k.Run(w.k.Now() + 10e9)
}
