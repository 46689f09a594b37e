package keepalived

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
)

// vsConf is a virtual_server with body inside and one real_server whose
// block is rs.
func vsConf(body, rs string) string {
	return "virtual_server 10.0.0.100 80 {\n lb_kind DR\n" + body + " real_server 10.0.0.11 80 {\n" + rs + " }\n}\n"
}

// wantFinding checks that one finding contains want, or, when want is
// "", that there is no warning or error (notes may be).
func wantFinding(t *testing.T, cite string, fs []Finding, want string) {
	t.Helper()
	got := findingLines(fs)
	if want == "" && (strings.Contains(got, ": warning: ") || strings.Contains(got, ": error: ")) {
		t.Errorf("%s: unexpected findings\n%s", cite, got)
	}
	if want != "" && !strings.Contains(got, want) {
		t.Errorf("%s: findings\n%s\nwant one containing %q", cite, got, want)
	}
}

// TestCheckerGrammar: keepalived 2.2.7's checker keywords inside
// virtual_server and real_server, each read as the cited handler reads
// it, onto the values the inline scenario builds.
func TestCheckerGrammar(t *testing.T) {
	cases := []struct {
		name, cite, conf string
		check            func(c *Config) string // "" when right
		finding          string                 // a finding that must appear ("" none above note)
	}{
		{"vs timing keys", "check_parser.c vs_delay_handler, vs_co_timeout_handler, vs_retry_handler, vs_delay_before_retry_handler, vs_warmup_handler: read_timer seconds",
			vsConf(" delay_loop 6\n connect_timeout 2.5\n retry 3\n delay_before_retry 0.5\n warmup 0\n", ""),
			func(c *Config) string {
				t := c.VirtualServers[0].Health.Timing
				return want(t.DelayLoop, check.Some(6*time.Second)) + want(t.ConnectTimeout, check.Some(2500*time.Millisecond)) +
					want(t.Retry, check.Some(3)) + want(t.DelayBeforeRetry, check.Some(500*time.Millisecond)) + want(t.Warmup, check.Some(time.Duration(0)))
			}, ""},
		{"vs flags", "check_parser.c vs_inhibit_handler, vs_alpha_handler, omega_handler: flags without a value",
			vsConf(" inhibit_on_failure\n alpha\n omega\n quorum 2\n hysteresis 1\n", ""),
			func(c *Config) string {
				h := c.VirtualServers[0].Health
				return want(h.Inhibit, true) + want(h.Timing.Alpha, check.Some(true)) + want(h.Omega, true) + want(h.Quorum, 2) + want(h.Hysteresis, 1)
			}, ""},
		{"quorum_up argv", "check_parser.c quorum_up_handler -> notify_script_init: split with quotes, never run",
			vsConf(" quorum_up \"/usr/bin/logger 'quorum up'\"\n quorum_down /bin/down.sh\n", ""),
			func(c *Config) string {
				h := c.VirtualServers[0].Health
				return want(h.QuorumUp, "/usr/bin/logger quorum up") + want(h.QuorumDown, "/bin/down.sh")
			}, ""},
		{"quorum 0 refused", "check_parser.c quorum_handler: must be in [1, UINT_MAX]",
			vsConf(" quorum 0\n", ""), func(c *Config) string { return want(c.VirtualServers[0].Health.Quorum, 0) }, "quorum \"0\" is not valid"},
		{"sorry_server weight 1 and inhibit", "check_data.c alloc_ssvr: weight 1; ssvri_handler",
			vsConf(" sorry_server 10.0.0.50 80\n sorry_server_inhibit\n", ""),
			func(c *Config) string {
				vs := c.VirtualServers[0]
				return want(vs.Sorry.Weight, 1) + want(vs.Health.SorryInhibit, true)
			}, ""},
		{"sorry_server_inhibit before sorry_server", "check_parser.c ssvri_handler: used before or without sorry_server",
			vsConf(" sorry_server_inhibit\n", ""), func(c *Config) string { return want(c.VirtualServers[0].Health.SorryInhibit, false) }, "sorry_server_inhibit before or without sorry_server"},
		{"rs keys", "check_parser.c rs_inhibit_handler, rs_alpha_handler (optional true/false), rs_delay_handler",
			vsConf("", "  inhibit_on_failure false\n  alpha\n  delay_loop 3\n  retry 2\n"),
			func(c *Config) string {
				h := c.VirtualServers[0].Reals[0].Health
				return want(h.Inhibit, check.Some(false)) + want(h.Timing.Alpha, check.Some(true)) + want(h.Timing.DelayLoop, check.Some(3*time.Second)) + want(h.Timing.Retry, check.Some(2))
			}, ""},
		{"rs retry 0 refused", "check_parser.c rs_retry_handler: read_unsigned_strvec 1..UINT32_MAX",
			vsConf("", "  retry 0\n"), func(c *Config) string { return want(c.VirtualServers[0].Reals[0].Health.Timing.Retry.Set, false) }, "retry \"0\" is not valid"},
		{"TCP_CHECK", "check_tcp.c tcp_check_handler, check_api.c co_ip_handler, co_port_handler, co_srcip_handler, co_timeout_handler, retry_handler (0 allowed)",
			vsConf("", "  TCP_CHECK {\n   connect_ip 10.0.1.11\n   connect_port 8080\n   bindto 10.0.0.2\n   connect_timeout 3\n   retry 0\n   delay_before_retry 1\n   warmup 2\n   delay_loop 4\n   alpha false\n  }\n"),
			func(c *Config) string {
				ck := c.VirtualServers[0].Reals[0].Health.Checkers
				if len(ck) != 1 {
					return fmt.Sprintf("got %d checkers, want 1", len(ck))
				}
				g := ck[0].Cfg
				return want(g.Kind, check.KindTCP) + want(g.ConnectIP.String(), "10.0.1.11") + want(g.ConnectPort, uint16(8080)) + want(g.BindTo.String(), "10.0.0.2") +
					want(g.ConnectTimeout, check.Some(3*time.Second)) + want(g.Retry, check.Some(0)) + want(g.DelayBeforeRetry, check.Some(time.Second)) +
					want(g.Warmup, check.Some(2*time.Second)) + want(g.DelayLoop, check.Some(4*time.Second)) + want(g.Alpha, check.Some(false)) + want(g.MiscOK, true)
			}, ""},
		{"connect_timeout 0 refused", "check_api.c co_timeout_handler: read_timer min 1",
			vsConf("", "  TCP_CHECK {\n   connect_timeout 0\n  }\n"), func(c *Config) string {
				return want(c.VirtualServers[0].Reals[0].Health.Checkers[0].Cfg.ConnectTimeout.Set, false)
			}, "connect_timeout \"0\" is not valid"},
		{"HTTP_GET url and status ranges", "check_http.c url_handler, path_handler, status_code_handler (several words, MIN-MAX ranges), digest_handler, http_get_retry_handler (nb_get_retry)",
			vsConf("", "  HTTP_GET {\n   url {\n    path /health\n    status_code 200 301-302\n    digest 9b3a0c85a887a256d6939da88aabd8cd\n   }\n   url {\n    path /\n   }\n   nb_get_retry 2\n   virtualhost www.example.com\n   fast_recovery\n  }\n"),
			func(c *Config) string {
				g := c.VirtualServers[0].Reals[0].Health.Checkers[0].Cfg
				if len(g.URLs) != 2 {
					return fmt.Sprintf("got %d urls, want 2", len(g.URLs))
				}
				u := g.URLs[0]
				return want(g.Kind, check.KindHTTP) + want(u.Path, "/health") + want(fmt.Sprint(u.StatusCode), "[{200 200} {301 302}]") +
					want(u.HasDigest, true) + want(fmt.Sprintf("%x", u.Digest), "9b3a0c85a887a256d6939da88aabd8cd") + want(len(g.URLs[1].StatusCode), 0) +
					want(g.Retry, check.Some(2)) + want(g.Virtualhost, "www.example.com") + want(g.FastRecovery, true)
			}, ""},
		{"bad status_code skipped", "check_http.c status_code_handler: 'Invalid HTTP_GET status code', the others kept",
			vsConf("", "  HTTP_GET {\n   url {\n    path /\n    status_code 200 99 300-200 2xx\n   }\n  }\n"),
			func(c *Config) string {
				return want(fmt.Sprint(c.VirtualServers[0].Reals[0].Health.Checkers[0].Cfg.URLs[0].StatusCode), "[{200 200}]")
			}, "status_code \"99\" is not valid"},
		{"SSL_GET", "check_ssl.c install_ssl_check_keyword: HTTP_GET's keywords",
			vsConf("", "  SSL_GET {\n   url {\n    path /\n    status_code 200-299\n   }\n   connect_port 443\n  }\n"),
			func(c *Config) string {
				g := c.VirtualServers[0].Reals[0].Health.Checkers[0].Cfg
				return want(g.Kind, check.KindSSL) + want(g.ConnectPort, uint16(443)) + want(fmt.Sprint(g.URLs[0].StatusCode), "[{200 299}]")
			}, ""},
		{"HTTP_GET without url", "check_http.c: a checker without url is an error",
			vsConf("", "  HTTP_GET {\n   connect_timeout 3\n  }\n"), func(c *Config) string { return "" }, "HTTP_GET has no url"},
		{"MISC_CHECK", "check_misc.c misc_path_handler (quoted, escaped, never run), misc_timeout_handler, misc_dynamic_handler, misc_user_handler",
			vsConf("", "  MISC_CHECK {\n   misc_path \"/usr/local/bin/check_app.sh 10.0.0.11 'a b'\"\n   misc_timeout 5\n   misc_dynamic\n   user nobody\n  }\n"),
			func(c *Config) string {
				vs := c.VirtualServers[0]
				g := vs.Reals[0].Health.Checkers[0].Cfg
				if len(vs.Misc) != 1 {
					return fmt.Sprintf("got %d misc scripts, want 1", len(vs.Misc))
				}
				m := vs.Misc[0]
				return want(g.Kind, check.KindMisc) + want(g.MiscDynamic, true) + want(g.MiscOK, true) + want(strings.Join(m.Argv, "|"), "/usr/local/bin/check_app.sh|10.0.0.11|a b") +
					want(m.Timeout, 5*time.Second) + want(m.User, "nobody")
			}, "never run"},
		{"MISC_CHECK connect_timeout is not its keyword", "check_misc.c: install_checker_common_keywords(false), no connection keywords",
			vsConf("", "  MISC_CHECK {\n   misc_path /bin/true\n   connect_timeout 3\n  }\n"),
			func(c *Config) string {
				return want(c.VirtualServers[0].Reals[0].Health.Checkers[0].Cfg.ConnectTimeout.Set, false)
			}, "unknown keyword 'connect_timeout'"},
		{"MISC_CHECK without misc_path skipped", "check_misc.c misc_end_handler: No script path has been specified - skipping",
			vsConf("", "  MISC_CHECK {\n   misc_timeout 5\n  }\n"),
			func(c *Config) string { return want(len(c.VirtualServers[0].Reals[0].Health.Checkers), 0) }, "MISC_CHECK has no misc_path"},
		{"FULLNAT keepalived's local addresses", "not 2.2.7: the FULLNAT keepalived's local_address_group, laddr_group_name and lb_kind FNAT",
			"local_address_group L {\n 10.0.0.201-202\n}\n" + vsConf(" lb_kind FNAT\n laddr_group_name L\n", ""),
			func(c *Config) string {
				vs := c.VirtualServers[0]
				return want(vs.LBKind, "FULLNAT") + want(fmt.Sprint(vs.LocalAddrs), "[10.0.0.201 10.0.0.202]")
			}, "note: local_address_group is not keepalived 2.2.7's"},
		{"unknown checker key", "process_stream: unknown keyword, with the block skipped",
			vsConf("", "  TCP_CHECK {\n   conect_timeout 3\n  }\n"), func(c *Config) string { return "" }, "k.conf:5:4: warning: unknown keyword 'conect_timeout'; valid: connect_ip connect_port bindto delay_loop connect_timeout"},
		{"known checker key not modelled", "check_api.c co_srcif_handler: bind_if",
			vsConf("", "  TCP_CHECK {\n   bind_if eth1\n  }\n"), func(c *Config) string { return "" }, "note: bind_if is not modelled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parseText(t, tc.conf, Options{})
			if len(cfg.VirtualServers) != 1 || len(cfg.VirtualServers[0].Reals) != 1 {
				t.Fatalf("got %d virtual servers, want 1 with 1 real server\n%s", len(cfg.VirtualServers), findingLines(cfg.Findings))
			}
			if msg := tc.check(cfg); msg != "" {
				t.Errorf("%s: %s", tc.cite, msg)
			}
			wantFinding(t, tc.cite, cfg.Findings, tc.finding)
		})
	}
}

// TestCheckerStrict: an unknown keyword inside a checker is an error with
// --strict, as elsewhere in the reader.
func TestCheckerStrict(t *testing.T) {
	cfg := parseText(t, vsConf("", "  HTTP_GET {\n   url {\n    path /\n    stauts_code 200\n   }\n  }\n"), Options{Strict: true})
	if got := findingLines(cfg.Findings); !strings.Contains(got, "error: unknown keyword 'stauts_code'") {
		t.Errorf("findings\n%s\nwant the unknown url keyword as an error", got)
	}
}

// TestVirtualServerGroup: check_parser.c vsg_handler and check_data.c
// alloc_vsg_entry; a group's virtual_server is expanded into one per
// member, each with the real servers and checkers.
func TestVirtualServerGroup(t *testing.T) {
	cases := []struct {
		name, cite, group string
		names             string // the expanded services, "" when none
		finding           string
	}{
		{"address", "alloc_vsg_entry: ADDR PORT", "10.0.0.100 80\n", "10.0.0.100 80", ""},
		{"last-octet range", "alloc_vsg_entry: inet_stor, the range on the last octet", "10.0.0.1-3 80\n", "10.0.0.1 80|10.0.0.2 80|10.0.0.3 80", ""},
		{"full range", "alloc_vsg_entry: an end address with dots", "10.0.0.254-10.0.1.1 443\n", "10.0.0.254 443|10.0.0.255 443|10.0.1.0 443|10.0.1.1 443", ""},
		{"prefix", "alloc_vsg_entry: ADDR/LEN, host bits empty", "10.0.0.4/30 80\n", "10.0.0.4 80|10.0.0.5 80|10.0.0.6 80|10.0.0.7 80", ""},
		{"fwmark and address", "alloc_vsg_entry: fwmark N", "fwmark 7\n10.0.0.100 80\n", "fwmark 7|10.0.0.100 80", ""},
		{"range end not above start", "alloc_vsg_entry: Address range end is not greater than address range start", "10.0.0.5-5 80\n", "", "bad entry \"10.0.0.5-5\""},
		{"mask bits not empty", "alloc_vsg_entry: Address mask bits not empty", "10.0.0.5/30 80\n", "", "bad entry"},
		{"no port", "the simulator needs a port", "10.0.0.100\n", "", "has no port"},
		{"empty", "vsg_handler: virtual server group has no entries - removing", "", "", "has no entries"},
		{"too many", "a /16 would be 65536 services: refused", "10.0.0.0/16 80\n", "", "expands to more than 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conf := "virtual_server group WEB {\n lb_algo rr\n real_server 10.0.0.11 80 {\n  TCP_CHECK {\n   connect_timeout 2\n  }\n }\n}\nvirtual_server_group WEB {\n" + tc.group + "}\n"
			cfg := parseText(t, conf, Options{})
			var names []string
			for _, vs := range cfg.VirtualServers {
				names = append(names, vs.Name)
				if vs.LBAlgo != "rr" || len(vs.Reals) != 1 || len(vs.Reals[0].Health.Checkers) != 1 || vs.Group != "WEB" {
					t.Errorf("%s: %s lost its settings: %+v", tc.cite, vs.Name, vs.VirtualServer)
				}
			}
			if got := strings.Join(names, "|"); got != tc.names {
				t.Errorf("%s: got services %q, want %q", tc.cite, got, tc.names)
			}
			if len(cfg.VirtualServers) > 1 && cfg.VirtualServers[0].Reals[0] == cfg.VirtualServers[1].Reals[0] {
				t.Errorf("members share a real server value; each needs its own")
			}
			wantFinding(t, tc.cite, cfg.Findings, tc.finding)
		})
	}
	cfg := parseText(t, "virtual_server group NOPE {\n real_server 10.0.0.11 80 {\n }\n}\n", Options{})
	if got := findingLines(cfg.Findings); !strings.Contains(got, "no virtual_server_group NOPE") {
		t.Errorf("findings\n%s\nwant the unknown group named", got)
	}
}

// TestLVSSyncDaemon: global_parser.c lvs_syncd_handler onto the node key.
func TestLVSSyncDaemon(t *testing.T) {
	cases := []struct {
		name, cite, line string
		want             string // %+v of the value without Pos, "" for nil
		finding          string
	}{
		{"full", "lvs_syncd_handler: IF INSTANCE and keyword options", "lvs_sync_daemon eth1 VI_1 id 51 maxlen 1400 port 8850 ttl 2 group 224.0.0.82",
			"eth1 VI_1 51 1400 8850 2 224.0.0.82", ""},
		{"inst keyword", "lvs_syncd_handler: \"inst\" NAME", "lvs_sync_daemon eth1 inst VI_1", "eth1 VI_1 0 0 0 0 invalid IP", ""},
		{"old bare sync id", "lvs_syncd_handler: Please use keyword \"id\" before lvs_sync_daemon SYNCID", "lvs_sync_daemon eth1 VI_1 9", "eth1 VI_1 9 0 0 0 invalid IP", "write \"id 9\""},
		{"id out of range", "lvs_syncd_handler: Invalid syncid", "lvs_sync_daemon eth1 VI_1 id 256", "eth1 VI_1 0 0 0 0 invalid IP", "id \"256\" is not valid"},
		{"group not multicast", "lvs_syncd_handler: group address is not multicast - ignoring", "lvs_sync_daemon eth1 VI_1 group 10.0.0.1", "eth1 VI_1 0 0 0 0 invalid IP", "not an IPv4 multicast"},
		{"unknown option", "lvs_syncd_handler: Unknown option specified", "lvs_sync_daemon eth1 VI_1 id 1 bogus", "eth1 VI_1 1 0 0 0 invalid IP", "unknown option \"bogus\""},
		{"no interface", "lvs_syncd_handler: lvs_sync_daemon requires interface", "lvs_sync_daemon", "", "requires interface"},
		{"no instance", "the simulator starts the daemons from the instance's state", "lvs_sync_daemon eth1", "", "has no vrrp instance"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parseText(t, "global_defs {\n "+tc.line+"\n}\n", Options{})
			got := ""
			if ls := cfg.Node("lb1").LVSSync; ls != nil {
				got = fmt.Sprint(ls.Interface, " ", ls.Instance, " ", ls.ID, " ", ls.MaxLen, " ", ls.Port, " ", ls.TTL, " ", ls.Group)
			}
			if got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.cite, got, tc.want)
			}
			wantFinding(t, tc.cite, cfg.Findings, tc.finding)
		})
	}
}
