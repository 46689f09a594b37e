package proxy

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
)

// TestParseServer: the server directive as ngx_http_upstream_server
// reads it.
func TestParseServer(t *testing.T) {
	for _, tc := range []struct {
		line string
		want upstream.Server
		err  string
	}{
		{"10.0.0.11:80", upstream.Server{Addr: "10.0.0.11:80"}, ""},
		{"10.0.0.11:80 weight=2 max_fails=3 fail_timeout=30s", upstream.Server{Addr: "10.0.0.11:80", Weight: 2, MaxFails: 3, FailTimeout: 30 * time.Second}, ""},
		{"10.0.0.11 backup", upstream.Server{Addr: "10.0.0.11", Backup: true}, ""},
		{"10.0.0.11:80 max_fails=0 down max_conns=5 fail_timeout=1m", upstream.Server{Addr: "10.0.0.11:80", MaxFails: upstream.MaxFailsOff, Down: true, MaxConns: 5, FailTimeout: time.Minute}, ""},
		{"10.0.0.11:80 weight=0", upstream.Server{}, `invalid parameter "weight=0"`},
		{"10.0.0.11:80 fail_timeout=500ms", upstream.Server{}, `invalid parameter "fail_timeout=500ms"`},
		{"10.0.0.11:80 slow_start=10s", upstream.Server{}, `invalid parameter "slow_start=10s"; valid: weight=N`},
		{"backend1:80", upstream.Server{}, "names are not resolved"},
		{"", upstream.Server{}, "empty server line"},
	} {
		got, err := ParseServer(tc.line)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %+v %v, want %+v", tc.line, got, err, tc.want)
		}
	}
}

// TestParseMethod: the balancing directives of ngx_http_upstream_*_module.
func TestParseMethod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		m    upstream.Method
		key  string
		fail bool
	}{
		{"", upstream.RoundRobin, "", false},
		{"least_conn", upstream.LeastConn, "", false},
		{"ip_hash", upstream.IPHash, "", false},
		{"hash $request_uri", upstream.Hash, "$request_uri", false},
		{"hash $remote_addr consistent", upstream.HashConsistent, "$remote_addr", false},
		{"random", upstream.Random, "", false},
		{"random two least_conn", upstream.RandomTwo, "", false},
		{"hash $cookie_id", 0, "", true},
		{"sticky", 0, "", true},
	} {
		m, key, err := ParseMethod(tc.in)
		if (err != nil) != tc.fail || !tc.fail && (m != tc.m || key != tc.key) {
			t.Errorf("%q: got %v %q %v, want %v %q fail %v", tc.in, m, key, err, tc.m, tc.key, tc.fail)
		}
	}
}

// TestParseNextUpstream: off wins (ngx_http_proxy_merge_loc_conf).
func TestParseNextUpstream(t *testing.T) {
	m, err := ParseNextUpstream([]string{"error", "timeout", "http_502"})
	if err != nil || m != NextError|NextTimeout|Next502 || m.String() != "error timeout http_502" {
		t.Errorf("got %v %v", m, err)
	}
	if m, _ := ParseNextUpstream([]string{"error", "off"}); m != NextOff {
		t.Errorf("error off: got %v, want off", m)
	}
	if _, err := ParseNextUpstream([]string{"http_501"}); err == nil || !strings.Contains(err.Error(), "valid: error, timeout") {
		t.Errorf("http_501: %v", err)
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		sec  bool
		want time.Duration
		fail bool
	}{
		{"10s", false, 10 * time.Second, false}, {"30", false, 30 * time.Second, false},
		{"1m30s", false, 90 * time.Second, false}, {"500ms", false, 500 * time.Millisecond, false},
		{"500ms", true, 0, true}, {"", false, 0, true}, {"s", false, 0, true}, {"10x", false, 0, true},
	} {
		got, err := ParseTime(tc.in, tc.sec)
		if (err != nil) != tc.fail || got != tc.want {
			t.Errorf("%q: got %v %v, want %v fail %v", tc.in, got, err, tc.want, tc.fail)
		}
	}
}

func FuzzParseServer(f *testing.F) {
	for _, s := range []string{"10.0.0.11:80 weight=2 max_fails=1 fail_timeout=10s", "10.0.0.12 backup", "1.2.3.4:1 down max_conns=3", "x fail_timeout=1m30s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		s, err := ParseServer(line)
		if err != nil {
			return
		}
		if _, err := serverAddr(s.Addr); err != nil {
			t.Fatalf("%q accepted with a bad address: %v", line, err)
		}
		if s.Weight < 0 || s.FailTimeout < 0 || s.FailTimeout%time.Second != 0 {
			t.Fatalf("%q: %+v", line, s)
		}
	})
}

func FuzzParseMethod(f *testing.F) {
	for _, s := range []string{"hash $request_uri consistent", "random two least_conn", "hash a$host$uri"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, key, err := ParseMethod(s)
		if err != nil {
			return
		}
		if (m == upstream.Hash || m == upstream.HashConsistent) != (key != "") {
			t.Fatalf("%q: method %v key %q", s, m, key)
		}
		_ = expandKey(nil, key, []byte("/u?a=1"), []byte("h"), netipClient)
	})
}

var netipClient = netip.MustParseAddrPort("10.0.1.1:40000")

// FuzzParseRequest: any request header (the client's bytes) gives a
// method and a URI (GET / when the line is short) without panicking,
// neither with a blank in it (they go into the forwarded request line).
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"GET / HTTP/1.0\r\nHost: 192.168.1.100\r\n\r\n", "POST /a?b HTTP/1.1\r\n\r\n", "\r\n", "GET"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, h []byte) {
		method, uri, _ := parseRequest(h)
		if len(method) == 0 || len(uri) == 0 || bytes.ContainsAny(method, " \r\n") || bytes.ContainsAny(uri, " \r\n") {
			t.Fatalf("%q: method %q uri %q", h, method, uri)
		}
	})
}

// TestParseRequest: ngx_http_parse_request_line ends the line at LF (a
// CR before it optional) and splits method and URI at blanks; a line
// without both reads as GET /. The Host header's value gives $host.
func TestParseRequest(t *testing.T) {
	for _, tc := range []struct {
		in, method, uri, host string
	}{
		{"GET /a HTTP/1.1\r\nHost: web\r\n\r\n", "GET", "/a", "web"},
		{"POST /b?c=1 HTTP/1.0\nHost: 10.0.0.1\n\n", "POST", "/b?c=1", "10.0.0.1"},
		{"PATCH\t/p HTTP/1.1\r\n\r\n", "PATCH", "/p", ""},
		{"GARBAGE\r\nHost: h\r\n\r\n", "GET", "/", "h"},
		{"", "GET", "/", ""},
		// The header named Host, not one whose name ends in it, in any
		// case, with the blanks around its value trimmed; nothing past
		// the empty line ending the header (a body) is a header.
		{"GET / HTTP/1.1\r\nX-Forwarded-Host: evil\r\nHost: web\r\n\r\n", "GET", "/", "web"},
		{"GET / HTTP/1.1\r\nX-Forwarded-Host: evil\r\n\r\n", "GET", "/", ""},
		{"GET / HTTP/1.1\r\nhOsT:\t web \r\n\r\n", "GET", "/", "web"},
		{"GET / HTTP/1.1\r\nHost:web\r\n\r\n", "GET", "/", "web"},
		{"POST / HTTP/1.1\r\nA: b\r\n\r\nHost: body\r\n", "POST", "/", ""},
		{"GET / HTTP/1.1\r\nHost: one\r\nHost: two\r\n\r\n", "GET", "/", "one"},
	} {
		m, u, h := parseRequest([]byte(tc.in))
		if string(m) != tc.method || string(u) != tc.uri || string(h) != tc.host {
			t.Errorf("%q: got %q %q host %q, want %q %q host %q", tc.in, m, u, h, tc.method, tc.uri, tc.host)
		}
	}
}
