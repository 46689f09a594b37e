package scenarios

import (
	"strings"
	"testing"
	"time"
)

// lbYAML is a small valid DR scenario; the tables edit it. Line numbers:
//
//	 9 lb1        13 virtual_server   14 "10.0.0.100 80"  15 lb_algo
//	16 lb_kind    17 real_server      18 rs1's line       19 rs1
const lbYAML = `name: t
duration: 10s
segments:
  lan: {}
  other: {}
nodes:
  c1:
    kind: host
  lb1:
    kind: router
    interfaces:
      eth0: {segment: lan, addresses: [10.0.0.2/24, 10.0.0.100/24]}
    virtual_server:
      10.0.0.100 80:
        lb_algo: wrr
        lb_kind: DR
        real_server:
          10.0.0.11 80: {weight: 3}
  rs1:
    kind: server
    arp_ignore: 1
    interfaces:
      eth0: {segment: lan, address: 10.0.0.11/24, arp_announce: 2}
      lo: {addresses: [10.0.0.100/32]}
    services: [{port: 80, response_time: 2ms}]
  rs2:
    kind: server
    interfaces:
      eth0: {segment: other, address: 10.0.1.12/24}
    services: [{port: 80}]
`

func TestLoadLB(t *testing.T) {
	sc, err := Load("t.yaml", []byte(lbYAML))
	if err != nil {
		t.Fatal(err)
	}
	lb1, rs1 := sc.Nodes[1], sc.Nodes[2]
	if len(lb1.VirtualServers) != 1 {
		t.Fatalf("virtual servers %d", len(lb1.VirtualServers))
	}
	vs := lb1.VirtualServers[0]
	if vs.VIP.String() != "10.0.0.100:80" || vs.LBAlgo != "wrr" || vs.LBKind != "DR" || vs.Protocol != "TCP" || vs.PersistenceGranularity != 32 {
		t.Errorf("virtual server %+v", vs)
	}
	if len(vs.Reals) != 1 || vs.Reals[0].Weight != 3 || sc.RealServerName(vs.Reals[0]) != "rs1" {
		t.Errorf("reals %+v", vs.Reals)
	}
	if rs1.ARPIgnore != 1 || rs1.Interfaces[0].ARPAnnounce != 2 || len(rs1.Loopback) != 1 || len(rs1.Interfaces) != 1 {
		t.Errorf("rs1 sysctls/lo: %+v", rs1)
	}
	if len(rs1.Services) != 1 || rs1.Services[0].ResponseTime != 2*time.Millisecond || rs1.Services[0].ResponseSize != DefaultResponseSize {
		t.Errorf("services %+v", rs1.Services[0])
	}
	if len(sc.Warnings) != 0 {
		t.Errorf("warnings %v", sc.Warnings)
	}
}

// TestLoadLBErrors: the bad inputs of issue 9, each with file:line:col and
// what would be valid.
func TestLoadLBErrors(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"unknown lb_algo lists the schedulers", "lb_algo: wrr", "lb_algo: wrrr",
			`t.yaml:15:18: lb_algo in virtual_server 10.0.0.100 80 of lb1: unknown scheduler "wrrr" (did you mean "wrr"?); valid: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos`},
		{"unknown lb_kind lists the methods", "lb_kind: DR", "lb_kind: DSR", `t.yaml:16:18: lb_kind in virtual_server 10.0.0.100 80 of lb1: unknown forwarding method "DSR"; valid: NAT, DR, TUN, FULLNAT`},
		{"weight above 65535", "{weight: 3}", "{weight: 70000}", `t.yaml:18:34: weight in real_server 10.0.0.11 80 of virtual_server 10.0.0.100 80 of lb1: 70000 out of range; valid: 0..65535`},
		{"negative weight", "{weight: 3}", "{weight: -1}", `t.yaml:18:34: weight in real_server 10.0.0.11 80 of virtual_server 10.0.0.100 80 of lb1: -1 out of range; valid: 0..65535`},
		{"bad virtual_server key", "      10.0.0.100 80:", "      10.0.0.100:", `t.yaml:14:7: bad virtual_server "10.0.0.100" of lb1; valid: "IPV4-ADDRESS PORT"`},
		{"bad real_server key", "          10.0.0.11 80:", "          rs1:", `t.yaml:18:11: bad real_server "rs1" in virtual_server 10.0.0.100 80 of lb1; valid: "IPV4-ADDRESS PORT"`},
		{"DR needs layer 2 adjacency", "          10.0.0.11 80: {weight: 3}", "          10.0.1.12 80: {weight: 3}",
			`t.yaml:18:11: DR real_server 10.0.1.12 80 (rs2) is not on a segment of director lb1`},
		{"the director must hold the VIP", "addresses: [10.0.0.2/24, 10.0.0.100/24]", "addresses: [10.0.0.2/24]", `t.yaml:14:7: director lb1 does not hold 10.0.0.100 of virtual_server 10.0.0.100 80 of lb1`},
		{"virtual_server only on routers", "    arp_ignore: 1", "    arp_ignore: 1\n    virtual_server: {}", `virtual_server in node rs1 of kind server; valid: a director is a node of kind router`},
		{"arp_ignore 3 is not modelled", "    arp_ignore: 1", "    arp_ignore: 3", `t.yaml:21:17: arp_ignore 3 is not modelled; valid: 0`},
		{"arp_announce 3", "arp_announce: 2}", "arp_announce: 3}", `t.yaml:23:65: arp_announce in interface eth0 of rs1: 3 out of range; valid: 0..2`},
		{"unknown virtual_server key", "        lb_kind: DR", "        lb_kind: DR\n        delay_loops: 3", `unknown key "delay_loops" in virtual_server 10.0.0.100 80 of lb1`},
		{"persistence_granularity must be a netmask", "        lb_kind: DR", "        lb_kind: DR\n        persistence_granularity: 255.0.255.0", `is not a netmask; valid: a netmask like 255.255.255.0`},
		{"FULLNAT needs local addresses", "lb_kind: DR", "lb_kind: FULLNAT", `FULLNAT virtual_server 10.0.0.100 80 of lb1 needs local addresses`},
		{"local_address without FULLNAT", "        lb_kind: DR", "        lb_kind: DR\n        local_address: [10.0.0.2]", `only FULLNAT rewrites the source`},
		{"duplicate service port", "services: [{port: 80, response_time: 2ms}]", "services: [{port: 80}, {port: 80}]", `port 80 of rs1 is served twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(lbYAML, tc.old) {
				t.Fatalf("test bug: %q not in lbYAML", tc.old)
			}
			_, err := Load("t.yaml", []byte(strings.Replace(lbYAML, tc.old, tc.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestLoadLBWarnings(t *testing.T) {
	for _, tc := range []struct{ name, old, new, want string }{
		{"DR real server without the VIP on lo", "      lo: {addresses: [10.0.0.100/32]}\n", "",
			`t.yaml:18:11: warning: DR real_server 10.0.0.11 80 (rs1) does not hold the VIP 10.0.0.100 on lo`},
		{"TUN real server without tunl0", "lb_kind: DR", "lb_kind: TUN", `warning: TUN real_server 10.0.0.11 80 (rs1) does not hold the VIP 10.0.0.100 on tunl0`},
		{"no service on the port", "services: [{port: 80, response_time: 2ms}]", "services: [{port: 81}]", `has no service on port 80`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Load("t.yaml", []byte(strings.Replace(lbYAML, tc.old, tc.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, w := range sc.Warnings {
				all = append(all, w.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Fatalf("warnings %q, want %q", all, tc.want)
			}
		})
	}
}

func TestLoadLBTimelineAndExpect(t *testing.T) {
	base := lbYAML + `  c2:
    kind: host
    interfaces:
      eth0: {segment: lan, address: 10.0.0.50/24}
    traffic:
      - http: {to: 10.0.0.100:80, rate: 50, arrival: poisson, sources: 4, connect_timeout: 2s}
timeline:
  - at: 2s
    fail_service: {node: rs1, port: 80, how: blackhole}
  - at: 3s
    set_weight: {node: lb1, virtual_server: 10.0.0.100 80, real_server: rs1, weight: 0}
  - at: 4s
    add_real_server: {node: lb1, virtual_server: 10.0.0.100 80, real_server: 10.0.0.12 80, weight: 2}
  - at: 5s
    remove_real_server: {node: lb1, virtual_server: 10.0.0.100 80, real_server: 10.0.0.12 80}
expect:
  - share: {node: lb1, virtual_server: 10.0.0.100 80, tolerance: 0.1}
  - failed_connections_at_most: 3
    flow: c2/http-1
  - no_bypass: true
`
	sc, err := Load("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range sc.Timeline {
		texts = append(texts, ev.Action.String())
	}
	want := []string{"fail_service rs1:80 blackhole", "set_weight lb1/10.0.0.100 80/rs1=0",
		"add_real_server lb1/10.0.0.100 80/10.0.0.12 80", "remove_real_server lb1/10.0.0.100 80/10.0.0.12 80"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("actions %q, want %q", texts, want)
	}
	f := sc.Nodes[len(sc.Nodes)-1].Traffic[0]
	if f.Kind != FlowHTTP || f.ToPort != 80 || f.Sources != 4 || f.Arrival != ArrivalPoisson || f.ConnectTimeout != 2*time.Second || len(f.SourceAddrs(sc.Nodes[len(sc.Nodes)-1])) != 4 {
		t.Errorf("http flow %+v", f)
	}
	if len(sc.Expect) != 3 || sc.Expect[0].Share == nil || sc.Expect[1].Count != 3 || sc.Expect[2].Kind != ExpectNoBypass {
		t.Errorf("expectations %+v", sc.Expect)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"port: 80, how: blackhole", "port: 81, how: blackhole", `node rs1 has no service on port 81`},
		{"how: blackhole", "how: drop", `unknown failure "drop"; valid: "refuse"`},
		{"real_server: rs1, weight: 0", "real_server: rs9, weight: 0", `has no real_server "rs9"`},
		{"virtual_server: 10.0.0.100 80, real_server: rs1", "virtual_server: 10.0.0.100 81, real_server: rs1", `node lb1 has no virtual_server "10.0.0.100 81"`},
		{"real_server: 10.0.0.12 80, weight: 2", "real_server: 10.0.0.11 80, weight: 2", `is already in virtual_server`},
		{"virtual_server: 10.0.0.100 80, tolerance", "virtual_server: 10.0.0.1 80, tolerance", `node lb1 has no virtual_server "10.0.0.1 80" in share expectation`},
		{"flow: c2/http-1", "flow: c2/http-9", `unknown flow "c2/http-9" in expectation`},
		{"to: 10.0.0.100:80, rate", "to: 10.0.0.100, rate", `bad destination "10.0.0.100" for http of c2; valid: ADDRESS:PORT`},
		{"sources: 4", "sources: 5000", `t.yaml:`},
	} {
		if !strings.Contains(base, tc.old) {
			t.Fatalf("test bug: %q", tc.old)
		}
		_, err := Load("t.yaml", []byte(strings.Replace(base, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s -> %s: got %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}
