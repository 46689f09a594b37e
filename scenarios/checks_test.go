package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/sim"
)

// withRS1 replaces rs1's real_server line (line 18) of lbYAML.
func withRS1(line string) string {
	return strings.Replace(lbYAML, "          10.0.0.11 80: {weight: 3}\n", line, 1)
}

// TestLoadCheckers: keepalived's checker keys inside real_server
// (check_parser.c, check_api.c install_checker_common_keywords,
// check_http.c url/status_code/digest handlers).
func TestLoadCheckers(t *testing.T) {
	src := strings.Replace(withRS1(`          10.0.0.11 80:
            weight: 3
            inhibit_on_failure: true
            TCP_CHECK: {connect_timeout: 3, retry: 3, delay_before_retry: 1, connect_port: 8080}
            HTTP_GET: {url: [{path: /health, status_code: [200, "300-302"], digest: 00112233445566778899aabbccddeeff}], nb_get_retry: 2}
`), "        lb_kind: DR\n", "        lb_kind: DR\n        delay_loop: 6\n        quorum: 2\n        hysteresis: 1\n        quorum_down: /bin/alert\n", 1)
	sc, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	vs := sc.Nodes[1].VirtualServers[0]
	if h := vs.Health; h.Timing.DelayLoop != check.Some(6*time.Second) || h.Quorum != 2 || h.Hysteresis != 1 || h.QuorumDown != "/bin/alert" {
		t.Errorf("virtual server health %+v", h)
	}
	rh := vs.Reals[0].Health
	if rh.Inhibit != check.Some(true) || len(rh.Checkers) != 2 {
		t.Fatalf("real server health %+v", rh)
	}
	tc, hc := rh.Checkers[0].Cfg, rh.Checkers[1].Cfg
	if tc.Kind != check.KindTCP || tc.ConnectTimeout != check.Some(3*time.Second) || tc.Retry != check.Some(3) ||
		tc.DelayBeforeRetry != check.Some(time.Second) || tc.ConnectPort != 8080 {
		t.Errorf("TCP_CHECK %+v", tc)
	}
	if hc.Kind != check.KindHTTP || hc.Retry != check.Some(2) || len(hc.URLs) != 1 || hc.URLs[0].Path != "/health" ||
		len(hc.URLs[0].StatusCode) != 2 || hc.URLs[0].StatusCode[1] != (check.StatusRange{Min: 300, Max: 302}) ||
		!hc.URLs[0].HasDigest || hc.URLs[0].Digest[15] != 0xff {
		t.Errorf("HTTP_GET %+v", hc)
	}
}

// TestLoadCheckerErrors: bad checker input names FILE:LINE:COL, what is
// wrong and what is valid.
func TestLoadCheckerErrors(t *testing.T) {
	for _, tc := range []struct {
		name, rs1, want string
	}{
		{"unknown checker key", "          10.0.0.11 80: {TCP_CHECK: {conect_timeout: 3}}\n",
			`t.yaml:18:38: unknown key "conect_timeout" in TCP_CHECK of real_server 10.0.0.11 80`},
		{"valid keys listed", "          10.0.0.11 80: {TCP_CHECK: {url: 3}}\n", "valid keys: connect_ip, connect_port, bindto, delay_loop, connect_timeout, retry, delay_before_retry, warmup, alpha"},
		{"unknown checker", "          10.0.0.11 80: {TCP_CHEK: {}}\n", `t.yaml:18:26: unknown key "TCP_CHEK"`},
		{"HTTP_GET without url", "          10.0.0.11 80: {HTTP_GET: {connect_timeout: 3}}\n", "has no url"},
		{"bad status code", "          10.0.0.11 80: {HTTP_GET: {url: [{path: /, status_code: 700}]}}\n", `bad status_code "700"`},
		{"bad digest", "          10.0.0.11 80: {HTTP_GET: {url: [{path: /, digest: xyz}]}}\n", `bad digest "xyz"`},
		{"retry and nb_get_retry", "          10.0.0.11 80: {HTTP_GET: {url: [{path: /}], retry: 1, nb_get_retry: 2}}\n", "are one keyword"},
		{"negative retry", "          10.0.0.11 80: {TCP_CHECK: {retry: -1}}\n", "retry"},
		{"delay_loop 0", "          10.0.0.11 80: {TCP_CHECK: {delay_loop: 0}}\n", "delay_loop must be more than 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(withRS1(tc.rs1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestStatusRange(t *testing.T) {
	for in, want := range map[string]string{"200": "{200 200}", "200-299": "{200 299}", "99": "bad", "300-200": "bad", "2x": "bad", "600": "bad"} {
		r, ok := statusRange(in)
		got := "bad"
		if ok {
			got = fmt.Sprint(r)
		}
		if got != want {
			t.Errorf("statusRange(%q): got %s, want %s", in, got, want)
		}
	}
}

// TestMiscCheckAction: the timeline's misc_check sets what a MISC_CHECK
// script exits with (check_misc.c misc_check_child_thread: 0 up, 1
// down, 2..255 with misc_dynamic up at weight status-2); bad input
// names FILE:LINE:COL and what is valid.
func TestMiscCheckAction(t *testing.T) {
	misc := withRS1("          10.0.0.11 80: {weight: 3, MISC_CHECK: {misc_path: /bin/chk, misc_dynamic: true}}\n")
	for _, tc := range []struct {
		name, action, want, err string
	}{
		{"fail", "{node: lb1, real_server: 10.0.0.11 80, result: fail}", "misc_check lb1/10.0.0.11 80=fail", ""},
		{"ok by node name", "{node: lb1, real_server: rs1, result: ok}", "misc_check lb1/rs1=ok", ""},
		{"exit status with the virtual server", "{node: lb1, virtual_server: 10.0.0.100 80, real_server: rs1, result: 7}", "misc_check lb1/10.0.0.100 80/rs1=7", ""},
		{"bad result", "{node: lb1, real_server: rs1, result: maybe}", "", `bad result "maybe"`},
		{"exit out of range", "{node: lb1, real_server: rs1, result: 256}", "", "exit status 0..255"},
		{"no MISC_CHECK there", "{node: lb1, real_server: 10.0.0.12 80, result: fail}", "", `no MISC_CHECK on real_server "10.0.0.12 80"`},
		{"missing result", "{node: lb1, real_server: rs1}", "", `missing key "result"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := misc + "timeline:\n  - {at: 5s, misc_check: " + tc.action + "}\n"
			sc, err := Load("t.yaml", []byte(src))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "t.yaml:") {
					t.Errorf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Timeline[0].Action.String(); got != tc.want {
				t.Errorf("action text %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := Load("t.yaml", []byte(withRS1("          10.0.0.11 80: {MISC_CHECK: {connect_timeout: 3}}\n"))); err == nil || !strings.Contains(err.Error(), "misc_timeout") {
		t.Errorf("connect_timeout in MISC_CHECK: %v, want it refused with the valid keys", err)
	}
}

// TestFailServiceStatus: fail_service how: status answers HTTP with a
// status (default 503); status: goes only with how: status.
func TestFailServiceStatus(t *testing.T) {
	for _, tc := range []struct{ action, want, err string }{
		{"{node: rs1, port: 80, how: status}", "fail_service rs1:80 status=503", ""},
		{"{node: rs1, port: 80, how: status, status: 404}", "fail_service rs1:80 status=404", ""},
		{"{node: rs1, port: 80, status: 404}", "", "status goes with how: status"},
		{"{node: rs1, port: 80, how: status, status: 42}", "", "out of range"},
	} {
		sc, err := Load("t.yaml", []byte(lbYAML+"timeline:\n  - {at: 5s, fail_service: "+tc.action+"}\n"))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want %q", tc.action, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.action, err)
		}
		if got := sc.Timeline[0].Action.String(); got != tc.want {
			t.Errorf("action text %q, want %q", got, tc.want)
		}
	}
}

// TestChecksDocsTableEndToEnd runs every row of docs/checks.md's
// derivations (TCP_CHECK and HTTP_GET, a refused and a black-holed
// server, settings A and B; failure at 20 s, recovery at 60 s) through
// the whole simulator, real frames and all, and finds keepalived's
// removal and re-add where the docs put them (to 50 ms: the docs' world
// has 1 ms probes, a simulated LAN's differ by milliseconds). The
// detection calculator's bounds (HealthBounds) must hold the measured
// times. Rules: check_tcp.c tcp_epilog, check_http.c epilog and
// timeout_epilog, ipwrapper.c perform_svr_state.
func TestChecksDocsTableEndToEnd(t *testing.T) {
	const settingA = "delay_loop: 6, connect_timeout: 3, retry: 3, delay_before_retry: 1"
	const settingB = "delay_loop: 5, connect_timeout: 10, retry: 1, delay_before_retry: 3"
	for _, tc := range []struct {
		name, checker, setting, how string
		removed, readded            float64
	}{
		{"TCP_CHECK A refused", "TCP_CHECK", settingA, "refuse", 28.008, 61.021},
		{"TCP_CHECK A blackhole", "TCP_CHECK", settingA, "blackhole", 40.004, 67.005},
		{"TCP_CHECK B refused", "TCP_CHECK", settingB, "refuse", 24.006, 61.015},
		{"TCP_CHECK B blackhole", "TCP_CHECK", settingB, "blackhole", 44.004, 62.005},
		{"HTTP_GET A refused", "HTTP_GET", settingA, "refuse", 28.008, 70.015},
		{"HTTP_GET A blackhole", "HTTP_GET", settingA, "blackhole", 40.004, 70.006},
		{"HTTP_GET B refused", "HTTP_GET", settingB, "refuse", 24.006, 69.015},
		{"HTTP_GET B blackhole", "HTTP_GET", settingB, "blackhole", 44.004, 69.006},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := ""
			if tc.checker == "HTTP_GET" {
				url = ", url: [{path: /}]"
			}
			sc, notes := runChecks(t, checkWorld("100s", tc.checker+`: {`+tc.setting+`, warmup: 0`+url+`}`, `
  - {at: 20s, fail_service: {node: rs1, port: 80, how: `+tc.how+`}}
  - {at: 60s, recover_service: {node: rs1, port: 80}}`))
			var removed, readded []float64
			for _, r := range notes {
				switch r.Event {
				case "ipvs_remove":
					removed = append(removed, r.At.Seconds())
				case "ipvs_add":
					readded = append(readded, r.At.Seconds())
				}
			}
			if len(removed) != 1 || len(readded) != 1 {
				t.Fatalf("removed at %v, re-added at %v; want once each", removed, readded)
			}
			near := func(got, want float64) bool { return got >= want-0.05 && got <= want+0.05 }
			if !near(removed[0], tc.removed) || !near(readded[0], tc.readded) {
				t.Errorf("removed at %.6f, re-added at %.6f; docs/checks.md: %.3f and %.3f", removed[0], readded[0], tc.removed, tc.readded)
			}
			bs := sc.HealthBounds()
			if len(bs) != 1 || !bs[0].Detected {
				t.Fatalf("bounds %+v", bs)
			}
			b, slack := bs[0], 50*time.Millisecond
			det := time.Duration((removed[0] - 20) * float64(time.Second))
			re := time.Duration((readded[0] - 60) * float64(time.Second))
			if det < b.RemoveBest-slack || det > b.RemoveWorst+slack || re < b.ReAddBest-slack || re > b.ReAddWorst+slack {
				t.Errorf("measured removal %v, re-add %v outside the calculator's %v..%v and %v..%v", det, re, b.RemoveBest, b.RemoveWorst, b.ReAddBest, b.ReAddWorst)
			}
		})
	}
}

// TestMiscCheckRun: the timeline's misc_check reaches the director's
// MISC_CHECK (misc_check_child_thread, retry 0 by default: the first
// failed run takes the server out, the first good one puts it back),
// and the calculator predicts it.
func TestMiscCheckRun(t *testing.T) {
	sc, notes := runChecks(t, checkWorld("30s", "MISC_CHECK: {misc_path: /bin/true, delay_loop: 4, warmup: 0}", `
  - {at: 6s, misc_check: {node: lb1, real_server: rs1, result: fail}}
  - {at: 14s, misc_check: {node: lb1, real_server: 10.0.0.11 80, result: ok}}`))
	var got []string
	for _, r := range notes {
		got = append(got, fmt.Sprintf("%s@%g", r.Event, r.At.Seconds()))
	}
	// runs at 1, 5, 9 (fails: out), 13, 17 (ok: back)
	if want := "[ipvs_remove@9 ipvs_add@17]"; fmt.Sprint(got) != want {
		t.Errorf("table changes %v, want %s", got, want)
	}
	bs := sc.HealthBounds()
	if len(bs) != 1 || !bs[0].Detected || bs[0].RemoveBest != 0 || bs[0].RemoveWorst != 4*time.Second {
		t.Errorf("bounds %+v, want removal 0..4s", bs)
	}
}

// checkWorld is a director lb1 with one real server rs1 (10.0.0.11:80)
// checked by checker, and the timeline's entries.
func checkWorld(duration, checker, timeline string) string {
	return `name: t
duration: ` + duration + `
segments:
  lan: {}
nodes:
  lb1:
    kind: router
    interfaces:
      eth0: {segment: lan, addresses: [10.0.0.1/24, 10.0.0.100/24]}
    virtual_server:
      10.0.0.100 80:
        lb_algo: rr
        lb_kind: NAT
        real_server:
          10.0.0.11 80:
            ` + checker + `
  rs1:
    kind: server
    interfaces:
      eth0: {segment: lan, address: 10.0.0.11/24, gateway: 10.0.0.1}
    services: [{port: 80, response_time: 1ms}]
timeline:` + timeline + "\n"
}

// runChecks runs src and returns the checkers' IPVS commands for rs1
// after the start.
func runChecks(t *testing.T, src string) (*Scenario, []sim.Record) {
	t.Helper()
	sc, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	k := sim.New(1)
	var notes []sim.Record
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindNote && r.To == "rs1" && r.At > 0 && strings.HasPrefix(r.Event, "ipvs_") {
			notes = append(notes, *r)
		}
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	return sc, notes
}

// TestHealthExpectations: removed/restored name a health-checked real
// server (node name or "ADDRESS PORT", turned into the name reports
// use), need after and within, and read as "within 7s after ...: rs1
// removed".
func TestHealthExpectations(t *testing.T) {
	base := checkWorld("30s", "TCP_CHECK: {warmup: 0}", `
  - {at: 5s, fail_service: {node: rs1, port: 80, how: refuse}}`) + "expect:\n"
	for _, tc := range []struct{ exp, text, err string }{
		{`{removed: rs1, after: "fail_service rs1:80 refuse", within: 7s}`, "within 7s after fail_service rs1:80 refuse: rs1 removed", ""},
		{`{restored: 10.0.0.11 80, after: "fail_service rs1:80 refuse", within: 7s}`, "within 7s after fail_service rs1:80 refuse: rs1 restored", ""},
		{`{removed: rs9, after: "fail_service rs1:80 refuse", within: 7s}`, "", `no health-checked real_server "rs9" in removed expectation; valid: rs1`},
		{`{removed: rs1, within: 7s}`, "", "needs after and within"},
		{`{removed: rs1, after: "crash lb1", within: 7s}`, "", `after "crash lb1" matches no timeline action`},
		{`{removed: rs1, after: "fail_service rs1:80 refuse", within: 7s, flow: x}`, "", `key "flow" does not go with removed`},
	} {
		sc, err := Load("t.yaml", []byte(base+"  - "+tc.exp+"\n"))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "t.yaml:") {
				t.Errorf("%s: got %v, want an error with %q", tc.exp, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.exp, err)
		}
		if got := sc.Expect[0].String(); got != tc.text {
			t.Errorf("%s: %q, want %q", tc.exp, got, tc.text)
		}
	}
}
