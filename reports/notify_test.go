package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// The speaker's notify records (model/vrrp notify.go, after keepalived
// vrrp_notify.c send_instance_notifies) reach the report in trace order,
// in the text and in the JSON.
func TestNotifyInReport(t *testing.T) {
	c := NewCollector()
	recs := []sim.Record{
		{At: sim.Time(3 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "notify", From: "notify_master", To: "MASTER", Reason: "/etc/keepalived/master.sh", Value: 150},
		{At: sim.Time(3 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "notify", From: "notify", To: "MASTER", Reason: "/bin/n INSTANCE VI_1 MASTER 150", Value: 150},
		{At: sim.Time(4 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "priority", From: "150", To: "90", Value: 90},
	}
	for i := range recs {
		c.Trace(&recs[i])
	}
	r := c.Report(Meta{Scenario: "n"})
	if len(r.Notifies) != 2 || r.Notifies[0].Kind != "notify_master" || r.Notifies[1].Argv != "/bin/n INSTANCE VI_1 MASTER 150" || r.Notifies[1].Priority != 150 {
		t.Fatalf("notifies: %+v", r.Notifies)
	}
	text := r.notifyText()
	for _, want := range []string{"Notify commands (never run)", "r1  VI_1  MASTER notify_master: /etc/keepalived/master.sh"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"notify":[{"t_s":3`) {
		t.Errorf("JSON lacks the notify list: %s", js)
	}
	// Nothing notified: no section, no JSON key (goldens unchanged).
	empty := NewCollector().Report(Meta{Scenario: "e"})
	if empty.notifyText() != "" {
		t.Error("a notify section without notifies")
	}
	if js, _ := json.Marshal(empty); strings.Contains(string(js), `"notify"`) {
		t.Error("a notify key without notifies")
	}
}

// The text trace names the command and the state entered.
func TestNotifyTraceLine(t *testing.T) {
	var b strings.Builder
	tr := NewTextTrace(&b, nil)
	r := sim.Record{At: sim.Time(3 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "notify", From: "notify_master", To: "MASTER", Reason: "/etc/keepalived/master.sh"}
	tr.Trace(&r)
	if want := "r1 VI_1 MASTER notify_master /etc/keepalived/master.sh"; !strings.Contains(b.String(), want) {
		t.Errorf("trace line %q lacks %q", b.String(), want)
	}
}
