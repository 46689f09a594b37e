package keepalived

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func parseText(t *testing.T, text string, opts Options) *Config {
	t.Helper()
	src := Source{Node: "r1", FS: fstest.MapFS{"k.conf": &fstest.MapFile{Data: []byte(text)}}, Path: "k.conf"}
	return Load(src, opts)
}

func inst(body string) string {
	return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.254\n }\n" + body + "}\n"
}

// TestInstanceFixups: each silent fix-up of vrrp_parser.c /
// vrrp_complete_instance, the value keepalived runs with and the finding.
func TestInstanceFixups(t *testing.T) {
	cases := []struct {
		name, cite, conf string
		check            func(in *Instance) string // "" when right
		finding          string
	}{
		{"state Master read as BACKUP", "vrrp_state_handler: unknown state defaults to BACKUP",
			inst(" state Master\n priority 150\n"), func(in *Instance) string { return want(in.State, "BACKUP") }, "unknown state 'Master', read as BACKUP"},
		{"MASTER without priority is 255", "vrrp_complete_instance: no priority, derive it from the state",
			inst(" state MASTER\n"), func(in *Instance) string { return want(in.Priority, 255) }, "priority 255"},
		{"priority 255 without state is MASTER", "vrrp_complete_instance: no state, derive it from the priority",
			inst(" priority 255\n"), func(in *Instance) string { return want(in.State, "MASTER") }, "starts it as MASTER"},
		{"BACKUP after MASTER ignored", "vrrp_state_handler: state previously set as MASTER",
			inst(" state MASTER\n state BACKUP\n priority 200\n"), func(in *Instance) string { return want(in.State, "MASTER") }, "ignoring BACKUP"},
		{"bad priority is 100", "vrrp_prio_handler: not 1..255, use the default",
			inst(" priority 300\n"), func(in *Instance) string { return want(in.Priority, 100) }, "priority \"300\" not valid (1..255)"},
		{"auth_pass cut to 8", "vrrp_auth_pass_handler: truncating auth_pass",
			inst(" authentication {\n  auth_type PASS\n  auth_pass 0123456789\n }\n"), func(in *Instance) string { return want(in.Auth.Pass, "01234567") }, "truncated to 8 characters"},
		{"v2 advert_int rounded", "vrrp_complete_instance: VRRPv2 adver_int rounded to whole seconds",
			inst(" advert_int 1.5\n"), func(in *Instance) string { return want(in.AdvertInt, 2*time.Second) }, "VRRPv2 advert_int 1.5s is sent as 2s"},
		{"v2 advert_int below half a second is 1s", "vrrp_complete_instance: a rounded 0 becomes TIMER_HZ",
			inst(" advert_int 0.4\n"), func(in *Instance) string { return want(in.AdvertInt, time.Second) }, "is sent as 1s"},
		{"v3 advert_int to centiseconds", "vrrp_complete_instance: VRRPv3 adver_int rounded to TIMER_CENTI_HZ",
			inst(" version 3\n advert_int 0.125\n"), func(in *Instance) string { return want(in.AdvertInt, 130*time.Millisecond) }, "VRRPv3 advert_int 0.125s is sent as 0.13s"},
		{"v3 ignores authentication", "vrrp_complete_instance: VRRP version 3 does not support authentication",
			inst(" version 3\n authentication {\n  auth_pass x\n }\n"), func(in *Instance) string { return wantNil(in.Auth == nil) }, "version 3 does not support authentication"},
		{"strict ignores authentication", "vrrp_complete_instance: strict mode does not support authentication",
			"global_defs {\n vrrp_strict\n}\n" + inst(" authentication {\n  auth_pass x\n }\n"), func(in *Instance) string { return wantNil(in.Auth == nil) }, "strict mode does not support authentication"},
		{"strict: MASTER must be owner", "vrrp_complete_instance: State MASTER must match being address owner",
			"global_defs {\n vrrp_strict\n}\n" + inst(" state MASTER\n priority 200\n"), func(in *Instance) string { return want(in.State, "BACKUP") }, "must match being address owner"},
		{"nopreempt with 255 cleared", "vrrp_complete_instance: nopreempt is incompatible with priority 255",
			inst(" priority 255\n nopreempt\n"), func(in *Instance) string { return want(in.NoPreempt, false) }, "nopreempt is incompatible with priority 255"},
		{"nopreempt with MASTER cleared", "vrrp_complete_instance: nopreempt will not work with initial state MASTER",
			inst(" state MASTER\n priority 200\n nopreempt\n"), func(in *Instance) string { return want(in.NoPreempt, false) }, "nopreempt will not work"},
		{"preempt_delay with nopreempt reset", "vrrp_complete_instance: preempt_delay is incompatible with nopreempt",
			inst(" nopreempt\n preempt_delay 10\n"), func(in *Instance) string { return want(in.PreemptDelay, time.Duration(0)) }, "preempt_delay is incompatible with nopreempt"},
		{"global version and garp defaults", "global_parser.c vrrp_version, vrrp_garp_master_*: instance defaults",
			"global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 1\n}\n" + inst(""),
			func(in *Instance) string {
				return want(in.Version, 3) + want(in.GARPMasterDelay, 2*time.Second) + want(in.GARPMasterRepeat, 1)
			}, ""},
		{"track_script takes the script's weight", "vrrp_parser.c track_script: no weight, the vrrp_script's",
			"vrrp_script chk {\n script \"/bin/true\"\n weight -25\n}\n" + inst(" track_script {\n  chk\n }\n"),
			func(in *Instance) string { return want(in.TrackScripts[0].Weight, -25) }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parseText(t, tc.conf, Options{})
			if len(cfg.Instances) != 1 {
				t.Fatalf("got %d instances", len(cfg.Instances))
			}
			if msg := tc.check(cfg.Instances[0]); msg != "" {
				t.Errorf("%s: %s", tc.cite, msg)
			}
			got := findingLines(cfg.Findings)
			if tc.finding == "" && strings.Contains(got, "warning") {
				t.Errorf("%s: unexpected findings\n%s", tc.cite, got)
			}
			if tc.finding != "" && !strings.Contains(got, tc.finding) {
				t.Errorf("%s: findings\n%s\nwant one containing %q", tc.cite, got, tc.finding)
			}
		})
	}
}

func want[T comparable](got, w T) string {
	if got != w {
		return "got " + strings.TrimSpace(strings.ReplaceAll(fmtAny(got), "\n", " ")) + ", want " + fmtAny(w) + "; "
	}
	return ""
}

func wantNil(ok bool) string {
	if !ok {
		return "got authentication, want none; "
	}
	return ""
}

// TestUnknownKeywords: process_stream reports an unknown keyword; its
// block is skipped (here), and --strict makes it an error.
func TestUnknownKeywords(t *testing.T) {
	conf := "vrrp_instanse VI_1 {\n state MASTER\n}\n" + inst(" smtp_alert\n bogus_key 1\n")
	cfg := parseText(t, conf, Options{})
	got := findingLines(cfg.Findings)
	for _, w := range []string{"k.conf:1:1: warning: unknown keyword 'vrrp_instanse'; its block is skipped", "k.conf:10:2: note: smtp_alert is not modelled", "k.conf:11:2: warning: unknown keyword 'bogus_key'"} {
		if !strings.Contains(got, w) {
			t.Errorf("findings\n%s\nwant %q", got, w)
		}
	}
	if len(cfg.Instances) != 1 {
		t.Errorf("got %d instances, want 1 (the misspelt block skipped)", len(cfg.Instances))
	}
	strict := parseText(t, conf, Options{Strict: true})
	if !strings.Contains(findingLines(strict.Findings), "k.conf:1:1: error: unknown keyword 'vrrp_instanse'") || !HasErrors(strict.Findings) {
		t.Errorf("strict: got\n%s\nwant an error", findingLines(strict.Findings))
	}
}

// TestTreeShapes: '{' on the next line, one-line blocks, glued braces.
func TestTreeShapes(t *testing.T) {
	conf := "vrrp_instance VI_1\n{\n interface eth0\n virtual_router_id 7\n virtual_ipaddress { 10.0.0.1/24 10.0.0.2 }\n unicast_peer{10.0.0.9}\n}\n"
	cfg := parseText(t, conf, Options{})
	if len(cfg.Instances) != 1 {
		t.Fatalf("got %d instances\n%s", len(cfg.Instances), findingLines(cfg.Findings))
	}
	in := cfg.Instances[0]
	// A one-line value block is read word by word only for its first
	// word per line (vips read one address per line, as keepalived's
	// read_value_block does for virtual_ipaddress lines).
	if !strings.Contains(findingLines(cfg.Findings), `k.conf:5:34: warning: (VI_1) "10.0.0.2" after VIP 10.0.0.1/24 is not an address option`) {
		t.Errorf("got %s, want a warning that the second address is not read", findingLines(cfg.Findings))
	}
	if in.VRID != 7 || len(in.VirtualIPs) != 1 || in.VirtualIPs[0].String() != "10.0.0.1/24" || len(in.UnicastPeers) != 1 {
		t.Errorf("got vrid %d vips %v peers %v\n%s", in.VRID, in.VirtualIPs, in.UnicastPeers, findingLines(cfg.Findings))
	}
	cfg = parseText(t, "global_defs {\n router_id a\n}\n}\n", Options{})
	if got := findingLines(cfg.Findings); !strings.Contains(got, "k.conf:4:1: error: extra '}' found") {
		t.Errorf("got %q, want the extra brace located", got)
	}
}

func TestScriptArgv(t *testing.T) {
	cases := []struct{ line, want string }{
		// notify_script_init: the command is split a second time.
		{`script "/usr/bin/pgrep -x nginx"`, `/usr/bin/pgrep|-x|nginx`},
		{`notify_master "/bin/n.sh MASTER 'VI 1'"`, `/bin/n.sh|MASTER|VI 1`},
		{`script "/bin/a\040b"`, `/bin/a|b`},
		{`script /bin/check`, `/bin/check`},
		{`script "/bin/x\ty"`, "/bin/x|y"},
	}
	for _, tc := range cases {
		argv, _, ok := scriptArgv(tc.line)
		if got := strings.Join(argv, "|"); !ok || got != tc.want {
			t.Errorf("%s: got %q (ok %v), want %q", tc.line, got, ok, tc.want)
		}
	}
	if _, _, ok := scriptArgv(`script "/bin/x`); ok {
		t.Errorf("unterminated quote: got ok, want refused (alloc_strvec_quoted_escaped)")
	}
}

func fmtAny(v any) string { return strings.TrimSpace(strings.Trim(fmt.Sprint(v), "[]")) }

// TestTreeErrors: bad input gets a located error, never a hang.
func TestTreeErrors(t *testing.T) {
	cases := []struct{ conf, want string }{
		{"vrrp_instance VI_1 {\n interface eth0\n", "k.conf:1:1: error: block vrrp_instance is never closed"},
		{"{\nrouter_id x\n", "k.conf:1:1: warning: unexpected '{'"},
		{"global_defs {\n router_id \"a b\n}\n", "k.conf:2:12: error: unmatched quote"},
		{strings.Repeat("a {\n", 40), "error: blocks nested deeper than 16"},
	}
	for _, tc := range cases {
		cfg := parseText(t, tc.conf, Options{})
		if got := findingLines(cfg.Findings); !strings.Contains(got, tc.want) {
			t.Errorf("%q: findings\n%s\nwant %q", tc.conf, got, tc.want)
		}
	}
}
