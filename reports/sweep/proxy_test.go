package sweep

import (
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
)

// TestMetricsNginx: a run with nginx gets its columns: own errors
// summed over statuses, retried requests, the worst retry cost, the
// share of each upstream server.
func TestMetricsNginx(t *testing.T) {
	max := reports.Seconds(2e9)
	r := &reports.Report{LB: &reports.LBReport{Proxies: []reports.ProxyStats{{
		Node: "px2", Errors: []reports.StatusCount{{Status: 502, Count: 2}, {Status: 504, Count: 3}}, Retried: 12, RetryMax: &max,
		Servers: []reports.UpstreamPick{{Server: "10.0.0.13:80", Share: 0.1814}},
	}}}}
	var got []string
	for _, m := range Metrics(r, 0) {
		if strings.HasPrefix(m.Name, "nginx_") {
			got = append(got, m.Name+"="+m.Value)
		}
	}
	want := "nginx_errors[px2]=5 nginx_retried[px2]=12 nginx_retry_max_s[px2]=2 nginx_share[px2/10.0.0.13:80]=0.1814"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
	}
}
