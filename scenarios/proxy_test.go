package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/proxy"
	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
	"github.com/vrrpsim/vrrpsim/sim"
)

// proxyYAML: nginx on px1; line 12 is the proxy block's first line,
// line 16 the server list.
const proxyYAML = `name: t
duration: 10s
segments:
  lan: {}
nodes:
  px1:
    kind: server
    interfaces:
      eth0: {segment: lan, addresses: [10.0.0.1/24, 10.0.0.100/24]}
    proxy:
      listen: 10.0.0.100:80
      proxy_connect_timeout: 1s
      proxy_next_upstream: [error, timeout, http_502]
      upstream: {method: least_conn, zone: true, servers: ["10.0.0.11:80 weight=2 max_fails=3 fail_timeout=30s", "10.0.0.12:80 backup"]}
  rs1:
    kind: server
    interfaces:
      eth0: {segment: lan, address: 10.0.0.11/24}
    services: [{port: 80}]
timeline:
  - {at: 5s, stop_proxy: {node: px1}}
  - {at: 6s, start_proxy: {node: px1}}
expect:
  - share: {node: px1, virtual_server: backend}
`

func TestLoadProxy(t *testing.T) {
	sc, err := Load("t.yaml", []byte(proxyYAML))
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Nodes[0].Proxy
	if p == nil {
		t.Fatal("no proxy")
	}
	c := p.cfg
	want := []upstream.Server{{Addr: "10.0.0.11:80", Weight: 2, MaxFails: 3, FailTimeout: 30 * time.Second}, {Addr: "10.0.0.12:80", Backup: true}}
	if c.Listen.String() != "10.0.0.100:80" || c.Method != upstream.LeastConn || !c.Zone || c.ConnectTimeout != time.Second ||
		c.NextUpstream != proxy.NextError|proxy.NextTimeout|proxy.Next502 || len(c.Servers) != 2 || c.Servers[0] != want[0] || c.Servers[1] != want[1] {
		t.Errorf("config %+v", c)
	}
	if got := sc.Timeline[0].Action.String(); got != "stop_proxy px1" {
		t.Errorf("action %q", got)
	}
}

// TestLoadProxyWorkers: worker_processes and a hash key.
func TestLoadProxyWorkers(t *testing.T) {
	src := strings.Replace(proxyYAML, "      proxy_connect_timeout: 1s\n", "      proxy_connect_timeout: 1s\n      worker_processes: 4\n", 1)
	src = strings.Replace(src, "method: least_conn, zone: true, servers: [\"10.0.0.11:80 weight=2 max_fails=3 fail_timeout=30s\", \"10.0.0.12:80 backup\"]",
		"method: hash $remote_addr consistent, servers: [\"10.0.0.11:80\", \"10.0.0.12:80\"]", 1)
	sc, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Nodes[0].Proxy.cfg
	if c.Workers != 4 || c.Zone || c.Method != upstream.HashConsistent || c.HashKey != "$remote_addr" {
		t.Errorf("config %+v", c)
	}
	_, err = Load("t.yaml", []byte(strings.Replace(src, "worker_processes: 4", "worker_processes: 0", 1)))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:13:25: worker_processes") {
		t.Errorf("worker_processes 0: %v", err)
	}
}

// TestLoadProxyErrors: nginx's directives misspelt or misused are
// located (FILE:LINE:COL) and name what is valid.
func TestLoadProxyErrors(t *testing.T) {
	for _, tc := range []struct {
		old, new string
		want     string
	}{
		{"      proxy_connect_timeout: 1s\n", "      proxy_conect_timeout: 1s\n", `t.yaml:12:7: unknown key "proxy_conect_timeout" in proxy of px1 (did you mean "proxy_connect_timeout"?); valid keys: listen, worker_processes`},
		{"[error, timeout, http_502]", "[error, http_501]", `t.yaml:13:36: invalid value "http_501" in proxy_next_upstream; valid: error, timeout, invalid_header`},
		{"method: least_conn", "method: sticky", `unknown balancing method "sticky"; valid: round_robin, least_conn, ip_hash, hash KEY [consistent], random [two [least_conn]]`},
		{"weight=2 max_fails", "weight=0 max_fails", `t.yaml:14:60: server 10.0.0.11:80: invalid parameter "weight=0"`},
		{"weight=2 max_fails", "slow_start=5s max_fails", `invalid parameter "slow_start=5s"; valid: weight=N max_fails=N fail_timeout=T max_conns=N backup down`},
		{"method: least_conn", "method: ip_hash", `balancing method ip_hash does not support parameter "backup"`},
		{"listen: 10.0.0.100:80", "listen: 10.0.0.100", `t.yaml:11:15: listen in proxy of px1: bad address "10.0.0.100"`},
		{"  - {at: 5s, stop_proxy: {node: px1}}", "  - {at: 5s, stop_proxy: {node: rs1}}", "node rs1 has no proxy: block"},
		{"virtual_server: backend}", "virtual_server: front}", `node px1 has no virtual_server "front" in share expectation`},
		{"    kind: server\n    interfaces:\n      eth0: {segment: lan, addresses", "    kind: host\n    interfaces:\n      eth0: {segment: lan, addresses", "proxy in node px1 of kind host; valid: nginx runs on kind server or router"},
	} {
		src := strings.Replace(proxyYAML, tc.old, tc.new, 1)
		if src == proxyYAML {
			t.Fatalf("%q not in the scenario", tc.old)
		}
		_, err := Load("t.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s -> %s:\n got %v\nwant %s", tc.old, tc.new, err, tc.want)
		}
	}
}

// BenchmarkProxyScenario: nginx-rr at 1000 requests a second for 10 s
// virtual (each request two TCP connections through ARP and the
// switches): x real time and allocations per run.
func BenchmarkProxyScenario(b *testing.B) { benchLoad(b, "nginx-rr", 10*time.Second) }

// TestNginxWeightedSequence: the built-in's trace shows nginx's smooth
// weighted round robin for 5/1/1 (ngx_http_upstream_get_peer): a a b a c
// a a, round after round, one pick per request.
func TestNginxWeightedSequence(t *testing.T) {
	sc, err := Builtin("nginx-weighted")
	if err != nil {
		t.Fatal(err)
	}
	k := sim.New(sc.Seed)
	var picks []string
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindProxy && r.Event == "try" && len(picks) < 21 {
			picks = append(picks, map[string]string{"10.0.0.11:80": "a", "10.0.0.12:80": "b", "10.0.0.13:80": "c"}[r.To])
		}
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(5 * time.Second))
	if got, want := strings.Join(picks, " "), strings.TrimSpace(strings.Repeat("a a b a c a a ", 3)); got != want {
		t.Errorf("picks %s, want %s", got, want)
	}
}

// TestNginxConsistentHashOnlyDeadKeysMove: in
// nginx-consistent-hash-server-dies every client address (the key) is
// served by one server before rs2 dies; after, the keys of the other
// servers keep theirs and only rs2's move (ngx_http_upstream_get_chash_peer
// goes on to the next point).
func TestNginxConsistentHashOnlyDeadKeysMove(t *testing.T) {
	sc, err := Builtin("nginx-consistent-hash-server-dies")
	if err != nil {
		t.Fatal(err)
	}
	k := sim.New(sc.Seed)
	before, after := map[string]string{}, map[string]string{}
	k.AddTracer(func(r *sim.Record) {
		if r.Kind != sim.KindProxy || r.Event != "response" || r.To == "" {
			return
		}
		m := before
		if r.At > sim.Time(15*time.Second) {
			m = after
		}
		if old, ok := m[r.Addr.String()]; ok && old != r.To {
			t.Errorf("%v: key %v served by %s and %s", r.At, r.Addr, old, r.To)
		}
		m[r.Addr.String()] = r.To
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	moved, dead := 0, 0
	for key, s := range before {
		switch {
		case s == "10.0.0.12:80":
			dead++
			if after[key] == s || after[key] == "" {
				t.Errorf("key %s still on the dead server (%q)", key, after[key])
			}
			moved++
		case after[key] != s:
			t.Errorf("key %s moved from %s to %s though its server lives", key, s, after[key])
		}
	}
	if len(before) != 40 || dead == 0 || moved != dead {
		t.Errorf("%d keys, %d on rs2, %d moved", len(before), dead, moved)
	}
}

// TestNginxIPHashOneServerPerSlash24: in nginx-ip-hash every client of a
// /24 lands on one server, and the three /24s on three servers
// (ngx_http_upstream_get_ip_hash_peer: 3522, 3523, 3524 modulo 3).
func TestNginxIPHashOneServerPerSlash24(t *testing.T) {
	sc, err := Builtin("nginx-ip-hash")
	if err != nil {
		t.Fatal(err)
	}
	k := sim.New(sc.Seed)
	by := map[string]map[string]bool{}
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindProxy && r.Event == "try" {
			a := r.Addr.As4()
			net := fmt.Sprintf("%d.%d.%d", a[0], a[1], a[2])
			if by[net] == nil {
				by[net] = map[string]bool{}
			}
			by[net][r.To] = true
		}
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	want := map[string]string{"172.16.1": "10.0.0.11:80", "172.16.2": "10.0.0.12:80", "172.16.3": "10.0.0.13:80"}
	for net, s := range want {
		if len(by[net]) != 1 || !by[net][s] {
			t.Errorf("%s.0/24 went to %v, want only %s", net, by[net], s)
		}
	}
}

// TestLoadKeepAliveFlow: requests_per_connection and request_gap read
// into the flow; bad values name the key, its place and the valid ones.
func TestLoadKeepAliveFlow(t *testing.T) {
	base := lbYAML + `  c2:
    kind: host
    interfaces:
      eth0: {segment: lan, address: 10.0.0.50/24}
    traffic:
      - http: {to: 10.0.0.100:80, rate: 5, requests_per_connection: 10, request_gap: 500ms}
`
	sc, err := Load("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if f := sc.Nodes[len(sc.Nodes)-1].Traffic[0]; f.RequestsPerConnection != 10 || f.RequestGap != 500*time.Millisecond {
		t.Errorf("flow %+v, want 10 requests per connection 500ms apart", f)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"requests_per_connection: 10", "requests_per_connection: 0", `requests_per_connection in`},
		{"requests_per_connection: 10", "requests_per_connection: 0", `valid: 1..1048576`},
		{"requests_per_connection: 10, ", "", `request_gap in`},
		{"request_gap: 500ms", "request_gap: -1s", `negative duration`},
		{"request_gap: 500ms", "request_gaps: 1s", `unknown key "request_gaps"`},
	} {
		_, err := Load("t.yaml", []byte(strings.Replace(base, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "t.yaml:") {
			t.Errorf("%s -> %s: got %v, want %q with its place", tc.old, tc.new, err, tc.want)
		}
	}
}

// TestLoadUpstreamKeepalive: the upstream's keepalive, keepalive_timeout
// and keepalive_requests reach nginx's configuration (nginx's defaults
// when left out); the two companions without keepalive N, or a zero, are
// errors at their place.
func TestLoadUpstreamKeepalive(t *testing.T) {
	const old = "upstream: {method: least_conn, zone: true,"
	for _, tc := range []struct {
		add       string
		keepalive int
		timeout   time.Duration
		requests  int
		want      string // an error
	}{
		{"", 0, proxy.DefaultKeepaliveTimeout, proxy.DefaultKeepaliveRequests, ""},
		{" keepalive: 16,", 16, proxy.DefaultKeepaliveTimeout, proxy.DefaultKeepaliveRequests, ""},
		{" keepalive: 2, keepalive_timeout: 5s, keepalive_requests: 10,", 2, 5 * time.Second, 10, ""},
		{" keepalive_requests: 10,", 0, 0, 0, `keepalive_requests in upstream of px1: the upstream keeps no connections without keepalive N`},
		{" keepalive: 0,", 0, 0, 0, `t.yaml:14:61: keepalive in upstream of px1: 0 out of range; valid: 1..65536`},
		{" keepalive: 2, keepalive_timeout: 0s,", 0, 0, 0, `keepalive_timeout in upstream of px1: must be positive`},
	} {
		sc, err := Load("t.yaml", []byte(strings.Replace(proxyYAML, old, old+tc.add, 1)))
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: got %v, want %q", tc.add, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.add, err)
		}
		var p *Proxy
		for _, n := range sc.Nodes {
			if n.Proxy != nil {
				p = n.Proxy
			}
		}
		cfg := p.cfg
		if p == nil || cfg.Keepalive != tc.keepalive {
			t.Fatalf("%q: keepalive %d, want %d", tc.add, cfg.Keepalive, tc.keepalive)
		}
		got, err := proxy.New(cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := got.Config(); c.KeepaliveTimeout != tc.timeout || c.KeepaliveRequests != tc.requests {
			t.Errorf("%q: keepalive_timeout %v, keepalive_requests %d; want %v, %d", tc.add, c.KeepaliveTimeout, c.KeepaliveRequests, tc.timeout, tc.requests)
		}
	}
}
