package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// pairYAML is a director with a VRRP instance, a sync daemon and sysctls;
// line 19 is lvs_sync_daemon, line 20 ipvs_sysctl.
const pairYAML = `name: t
duration: 10s
segments:
  lan: {}
nodes:
  lb1:
    kind: router
    interfaces:
      eth0: {segment: lan, address: 10.0.0.2/24}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 150, virtual_ipaddress: [10.0.0.100]}
    virtual_server:
      10.0.0.100 80:
        lb_kind: NAT
        real_server:
          10.0.0.11 80: {weight: 1}
  h1:
    kind: host
  lb2:
    kind: router
    lvs_sync_daemon: {interface: eth0, instance: VI_1, id: 51, maxlen: 1000, port: 8848, ttl: 2, group: 224.0.0.81}
    ipvs_sysctl: {sloppy_tcp: 1, expire_nodest_conn: 1, sync_threshold: [2, 10], sync_refresh_period: 10s, sync_retries: 2, sync_qlen_max: 5}
`

// withPair puts the two keys of line 19-20 on lb1 (a director) instead
// of lb2, or replaces them.
func withPair(sync, sysctl string) string {
	s := strings.Replace(pairYAML, "    lvs_sync_daemon: {interface: eth0, instance: VI_1, id: 51, maxlen: 1000, port: 8848, ttl: 2, group: 224.0.0.81}\n", "", 1)
	s = strings.Replace(s, "    ipvs_sysctl: {sloppy_tcp: 1, expire_nodest_conn: 1, sync_threshold: [2, 10], sync_refresh_period: 10s, sync_retries: 2, sync_qlen_max: 5}\n", "", 1)
	add := ""
	if sync != "" {
		add += "    lvs_sync_daemon: " + sync + "\n"
	}
	if sysctl != "" {
		add += "    ipvs_sysctl: " + sysctl + "\n"
	}
	return strings.Replace(s, "    kind: router\n    interfaces:", "    kind: router\n"+add+"    interfaces:", 1)
}

func TestLoadLVSSync(t *testing.T) {
	sc, err := Load("t.yaml", []byte(withPair("{interface: eth0, instance: VI_1, id: 51, maxlen: 1000, port: 8849, ttl: 2, group: 224.0.0.82}",
		"{sloppy_tcp: 1, expire_nodest_conn: 1, sync_threshold: [2, 10], sync_refresh_period: 10s, sync_retries: 2, sync_qlen_max: 5}")))
	if err != nil {
		t.Fatal(err)
	}
	n := sc.Nodes[0]
	s := n.LVSSync
	if s == nil || s.Interface != "eth0" || s.Instance != "VI_1" || s.ID != 51 || s.MaxLen != 1000 || s.Port != 8849 || s.TTL != 2 || s.Group.String() != "224.0.0.82" {
		t.Fatalf("lvs_sync_daemon %+v", s)
	}
	got := n.IPVSSysctl.sysctls()
	if !got.SloppyTCP || !got.ExpireNodestConn || got.SyncThreshold != 2 || got.SyncPeriod != 10 ||
		got.SyncRefreshPeriod != 10*time.Second || got.SyncRetries != 2 || got.SyncQLenMax != 5 {
		t.Fatalf("sysctls %+v", got)
	}
	var none *IPVSSysctl
	if d := none.sysctls(); d.SyncThreshold != 3 || d.SyncPeriod != 50 || d.SloppyTCP {
		t.Fatalf("defaults %+v", d)
	}
}

// TestLoadLVSSyncErrors: bad keys and values name FILE:LINE:COL and what
// is valid.
func TestLoadLVSSyncErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key lists the valid ones", withPair("{interface: eth0, instance: VI_1, syncid: 5}", ""),
			`t.yaml:8:56: unknown key "syncid" in lvs_sync_daemon of lb1; valid keys: interface, instance, id, maxlen, port, ttl, group`},
		{"missing instance", withPair("{interface: eth0}", ""), `missing key "instance" in lvs_sync_daemon of lb1`},
		{"no such interface", withPair("{interface: eth7, instance: VI_1}", ""), "eth7"},
		{"no such instance", withPair("{interface: eth0, instance: VI_9}", ""), "VI_9"},
		{"id out of range", withPair("{interface: eth0, instance: VI_1, id: 256}", ""), "256 out of range; valid: 0..255"},
		{"group not multicast", withPair("{interface: eth0, instance: VI_1, group: 10.0.0.1}", ""), "not a multicast address"},
		{"unknown sysctl", withPair("", "{sloppy: 1}"), `t.yaml:8:19: unknown key "sloppy" in ipvs_sysctl of lb1; valid keys: sloppy_tcp, expire_nodest_conn, sync_threshold, sync_refresh_period, sync_retries, sync_qlen_max`},
		{"sysctl is 0 or 1", withPair("", "{sloppy_tcp: 2}"), "2 out of range; valid: 0..1"},
		{"threshold not below period", withPair("", "{sync_threshold: [50, 50]}"), "valid: 0 <= threshold < period"},
		{"threshold needs two values", withPair("", "{sync_threshold: [3]}"), "want two values"},
		{"retries 0..3", withPair("", "{sync_retries: 4}"), "valid: 0..3"},
		{"sync daemon without director", strings.Replace(pairYAML, "lb_kind: NAT", "lb_kind: NAT", 1), "lvs_sync_daemon on lb2, which has no virtual_server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLoadSurviveExpectation: connections_survive_takeover as true or
// bounds on the surviving fraction; false and empty bounds are refused.
func TestLoadSurviveExpectation(t *testing.T) {
	tests := []struct {
		val     string
		lo, hi  float64
		wantErr string
	}{
		{"true", 1, 1, ""},
		{"{at_least: 0.9}", 0.9, 1, ""},
		{"{at_most: 0.05}", 0, 0.05, ""},
		{"{at_least: 0.2, at_most: 0.8}", 0.2, 0.8, ""},
		{"false", 0, 0, "false asserts nothing"},
		{"{}", 0, 0, "no bound given"},
		{"{at_least: 0.9, at_most: 0.1}", 0, 0, "above at_most"},
		{"{at_least: 2}", 0, 0, "out of range"},
		{"{atleast: 0.9}", 0, 0, `unknown key "atleast"`},
	}
	for _, tc := range tests {
		t.Run(tc.val, func(t *testing.T) {
			sc, err := Load("t.yaml", []byte(withPair("", "")+"expect:\n  - connections_survive_takeover: "+tc.val+"\n"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := sc.Expect[0]
			if e.Kind != ExpectSurvive || e.Survive.AtLeast != tc.lo || e.Survive.AtMost != tc.hi {
				t.Fatalf("got %+v %+v", e, e.Survive)
			}
			if !strings.Contains(e.String(), "open at a director takeover surviv") {
				t.Errorf("text %q", e.String())
			}
		})
	}
}

// pairOf is two directors lb1 and lb2 running VI_1 with a virtual server,
// with the given lvs_sync_daemon values ("" for none).
func pairOf(sync1, sync2 string) string {
	y := "name: t\nduration: 10s\nsegments:\n  lan: {}\nnodes:\n"
	for i, sy := range []string{sync1, sync2} {
		y += fmt.Sprintf("  lb%d:\n    kind: router\n", i+1)
		if sy != "" {
			y += "    lvs_sync_daemon: " + sy + "\n"
		}
		y += fmt.Sprintf("    interfaces:\n      eth0: {segment: lan, address: 10.0.0.%d/24}\n", i+2) +
			"    vrrp:\n      VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.100]}\n" +
			"    virtual_server:\n      10.0.0.100 80:\n        lb_kind: NAT\n        real_server:\n          10.0.0.11 80: {weight: 1}\n"
	}
	return y
}

// TestLVSSyncPairWarnings: a pair that cannot sync loads, with a warning.
func TestLVSSyncPairWarnings(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"both", pairOf("{interface: eth0, instance: VI_1, id: 5}", "{interface: eth0, instance: VI_1, id: 5}"), ""},
		{"one only", pairOf("{interface: eth0, instance: VI_1}", ""), "lb2 runs VI_1 with virtual servers and no lvs_sync_daemon"},
		{"other id", pairOf("{interface: eth0, instance: VI_1, id: 5}", "{interface: eth0, instance: VI_1, id: 6}"), "lb2's lvs_sync_daemon id 6 differs from lb1's 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Load("t.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, w := range sc.Warnings {
				all = append(all, w.String())
			}
			got := strings.Join(all, "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("warnings %q, want %q", got, tc.want)
			}
		})
	}
}
