package keepalived

import (
	"strings"
	"testing"
)

// TestLintVirtualServers: the directors of a pair give a service the same
// virtual_server (keepalived checks one host only; the difference shows
// after a takeover).
func TestLintVirtualServers(t *testing.T) {
	rs := func(addr, body string) string { return " real_server " + addr + " 80 {\n" + body + " }\n" }
	tcp := "  TCP_CHECK {\n   connect_timeout 3\n  }\n"
	vs := func(body string) string {
		return "virtual_server 10.0.0.100 80 {\n delay_loop 6\n lb_algo wrr\n" + body + "}\n"
	}
	same := vs(rs("10.0.0.11", "  weight 2\n"+tcp) + rs("10.0.0.12", tcp))
	tests := []struct {
		name  string
		confs []string
		want  []string // substrings of one finding; nil: no finding
	}{
		{"same on both", []string{same, same}, nil},
		{"a real server on one side", []string{same, vs(rs("10.0.0.11", "  weight 2\n"+tcp))},
			[]string{"r2.conf:1:1: warning: virtual_server 10.0.0.100 80 differs between r2 and r1: real_server 10.0.0.12 80 only there", "also r1.conf:1:1 [node r1]"}},
		{"a weight", []string{same, vs(rs("10.0.0.11", "  weight 3\n"+tcp) + rs("10.0.0.12", tcp))},
			[]string{"real_server 10.0.0.11 80 weight 3 here, 2 there"}},
		{"a checker", []string{same, vs(rs("10.0.0.11", "  weight 2\n  TCP_CHECK {\n   connect_timeout 1\n  }\n") + rs("10.0.0.12", tcp))},
			[]string{"real_server 10.0.0.11 80 checked otherwise (TCP_CHECK{connect_timeout: 1s} defaults here, TCP_CHECK{connect_timeout: 3s} defaults there)"}},
		{"the scheduler and delay_loop", []string{same, strings.Replace(strings.Replace(same, "wrr", "rr", 1), "delay_loop 6", "delay_loop 3", 1)},
			[]string{"lb_algo rr here, wrr there", "health delay_loop: 3s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := findingLines(lintConfs(tc.confs...))
			if tc.want == nil && got != "" {
				t.Errorf("findings\n%s\nwant none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("findings\n%s\nwant one containing %q", got, w)
				}
			}
		})
	}
}
