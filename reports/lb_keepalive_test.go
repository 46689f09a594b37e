package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestClientRequestsAndHTTPErrors: a keep-alive flow's records are one
// per request, "keepalive" in From after a connection's first, so the
// client stats count connections and requests apart; a whole response
// with an HTTP error (nginx's 502 and 504: model/tcp's statusOutcome,
// curl --fail's rule) is a failed request, split by status; an HTTP/1.0
// flow keeps requests out of the JSON.
func TestClientRequestsAndHTTPErrors(t *testing.T) {
	c := NewCollector()
	rec := func(flow, event, reason, from string) {
		c.Trace(&sim.Record{Kind: sim.KindConn, Node: "c1", Comp: flow, Event: event, Reason: reason, From: from})
	}
	// two connections of 3 requests: one 502 and one 504 among them
	for _, conn := range [][3]string{{"ok", "http_error/http_502", "ok"}, {"ok", "ok", "http_error/http_504"}} {
		for i, ev := range conn {
			from := ""
			if i > 0 {
				from = "keepalive"
			}
			event, reason, _ := strings.Cut(ev, "/")
			rec("ka", event, reason, from)
		}
	}
	rec("one", "ok", "", "")
	rec("one", "http_error", "http_502", "")
	rep := c.Report(Meta{Scenario: "t", Duration: 10 * sim.Second})
	if rep.LB == nil || len(rep.LB.Clients) != 2 {
		t.Fatalf("LB report %+v", rep.LB)
	}
	for _, tc := range []struct {
		flow                                         string
		conns, requests, ok, httpErr, failed, reason int
	}{
		{"ka", 2, 6, 4, 2, 2, 2},
		{"one", 2, 0, 1, 1, 1, 1},
	} {
		var cs *ClientStats
		for i := range rep.LB.Clients {
			if rep.LB.Clients[i].Flow == tc.flow {
				cs = &rep.LB.Clients[i]
			}
		}
		if cs == nil {
			t.Fatalf("no stats for %s", tc.flow)
		}
		if cs.Connections != tc.conns || cs.Requests != tc.requests || cs.OK != tc.ok || cs.HTTPError != tc.httpErr || cs.Failed() != tc.failed || len(cs.Reasons) != tc.reason {
			t.Errorf("%s: %+v (failed %d); want %d conns, %d requests, %d ok, %d http errors, %d failed, %d reasons",
				tc.flow, *cs, cs.Failed(), tc.conns, tc.requests, tc.ok, tc.httpErr, tc.failed, tc.reason)
		}
	}
	var txt bytes.Buffer
	rep.WriteText(&txt)
	if !strings.Contains(txt.String(), "c1 ka: 2 connections, 6 requests, 4 ok, 2 failed (0 refused, 0 reset, 0 timeout, 2 http error)") ||
		!strings.Contains(txt.String(), "failed: http_504 1") {
		t.Errorf("text report lacks the keep-alive flow's line or its statuses:\n%s", txt.String())
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(js.String(), `"requests"`); n != 1 {
		t.Errorf("%d \"requests\" keys in the JSON, want 1 (the keep-alive flow only)", n)
	}
}

// TestProxy499: a request whose client left first is nginx's 499
// (ngx_http_upstream_check_broken_connection): it names the upstream it
// had tried, but that server answered nothing, so it counts among
// nginx's own statuses with its reason, not as the server's answer.
func TestProxy499(t *testing.T) {
	c := NewCollector()
	rec := func(r sim.Record) {
		r.Kind, r.Node, r.Comp = sim.KindProxy, "px1", "nginx"
		c.Trace(&r)
	}
	rec(sim.Record{Event: "server", To: "A", From: "backend", Value: 1})
	rec(sim.Record{Event: "try", To: "A"})
	rec(sim.Record{Event: "response", To: "A", Value: 200})
	rec(sim.Record{Event: "try", To: "A"})
	rec(sim.Record{Event: "response", To: "A", Value: 499, Reason: "client_closed"})
	rep := c.Report(Meta{Scenario: "t", Duration: 10 * sim.Second})
	if rep.LB == nil || len(rep.LB.Proxies) != 1 {
		t.Fatalf("LB report %+v", rep.LB)
	}
	p := rep.LB.Proxies[0]
	if len(p.Errors) != 1 || p.Errors[0].Status != 499 || p.Errors[0].Count != 1 || len(p.ErrorReasons) != 1 || p.ErrorReasons[0].Name != "client_closed" {
		t.Errorf("errors %+v reasons %+v, want one 499 client_closed", p.Errors, p.ErrorReasons)
	}
	if len(p.Servers) != 1 || p.Servers[0].Picks != 2 || p.Servers[0].Answered != 1 {
		t.Errorf("servers %+v, want A picked twice, answered once", p.Servers)
	}
}
