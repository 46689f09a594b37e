package reports

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestProxyReport: the nginx section from KindProxy records: picks and
// shares against weights (backups left out), a request retried after a
// refused try (the retry's cost), nginx's own 502 with its reason, and
// the max_fails events.
func TestProxyReport(t *testing.T) {
	c := NewCollector()
	cl := netip.MustParseAddr("192.168.1.10")
	ms := sim.Millisecond
	for _, r := range []sim.Record{
		{Event: "server", To: "a:80", Value: 2, From: "backend"},
		{Event: "server", To: "b:80", Value: 1, From: "backend"},
		{Event: "server", To: "x:80", Value: 1, Reason: "backup", From: "backend"},
		{At: 1 * ms, Event: "try", To: "a:80"},
		{At: 2 * ms, Event: "response", To: "a:80", Value: 200},
		{At: 3 * ms, Event: "try", To: "a:80"},
		{At: 4 * ms, Event: "next", To: "a:80", Reason: "error", Value: int64(ms)},
		{At: 4 * ms, Event: "failed", To: "a:80", Value: 1, Value2: int64(10 * sim.Second)},
		{At: 4 * ms, Event: "try", To: "b:80", Reason: "retry"},
		{At: 6 * ms, Event: "retried", To: "b:80", Value: int64(ms)},
		{At: 6 * ms, Event: "response", To: "b:80", Value: 200},
		{At: 7 * ms, Event: "try", To: "b:80"},
		{At: 8 * ms, Event: "next", To: "b:80", Reason: "error", Value: int64(ms)},
		{At: 8 * ms, Event: "response", Value: 502, Reason: "tries"},
	} {
		r.Kind, r.Node, r.Comp, r.Addr = sim.KindProxy, "px1", "nginx", cl
		c.Trace(&r)
	}
	rep := c.Report(Meta{})
	if rep.LB == nil || len(rep.LB.Proxies) != 1 {
		t.Fatalf("proxies: %+v", rep.LB)
	}
	p := rep.LB.Proxies[0]
	if p.Node != "px1" || p.Upstream != "backend" || p.Requests != 3 || p.Retried != 1 || p.RetryMax == nil || *p.RetryMax != Seconds(ms) {
		t.Errorf("got %+v", p)
	}
	if len(p.Errors) != 1 || p.Errors[0] != (StatusCount{502, 1}) || len(p.ErrorReasons) != 1 || p.ErrorReasons[0].Name != "tries" {
		t.Errorf("errors %+v reasons %+v", p.Errors, p.ErrorReasons)
	}
	want := []UpstreamPick{
		{Server: "a:80", Weight: 2, Picks: 2, Share: 0.5, WeightShare: 0.6667, FailedTries: 1, Answered: 1},
		{Server: "b:80", Weight: 1, Picks: 2, Share: 0.5, WeightShare: 0.3333, FailedTries: 1, Answered: 1},
		{Server: "x:80", Weight: 1, Backup: true},
	}
	for i, w := range want {
		if p.Servers[i] != w {
			t.Errorf("server %d: got %+v, want %+v", i, p.Servers[i], w)
		}
	}
	if len(p.Events) != 1 || p.Events[0].Event != "failed" || p.Events[0].Fails != 1 {
		t.Errorf("events %+v", p.Events)
	}
	ok, detail := rep.checkShare("px1", "backend", 0.1)
	if ok || !strings.Contains(detail, "share 0.5000 vs weight 0.") {
		t.Errorf("share check: %v %s, want a failure of 0.1667", ok, detail)
	}
	var b strings.Builder
	writeLBText(&b, rep.LB)
	if !strings.Contains(b.String(), "nginx px1 upstream backend: 3 requests, 1 retried on another server (added p50 1.000 ms, max 1.000 ms); responses 200: 2, 502: 1") {
		t.Errorf("text:\n%s", b.String())
	}
}
