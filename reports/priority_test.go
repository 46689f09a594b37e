package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestPriorityChangesReachTheReport: the speaker's "priority" notes
// (vrrp_track.c vrrp_set_effective_priority) become the report's
// priority_changes, in the JSON and the text, in trace order.
func TestPriorityChangesReachTheReport(t *testing.T) {
	c := NewCollector()
	for _, r := range []sim.Record{
		{At: sim.Time(10 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "priority", From: "150", To: "90", Reason: "chk_nginx down", Value: 90, Value2: 51},
		{At: sim.Time(20 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "priority", From: "90", To: "150", Reason: "chk_nginx up", Value: 150, Value2: 51},
		{At: sim.Time(21 * sim.Second), Kind: sim.KindNote, Node: "r1", Comp: "eth0", Event: "link", Reason: "down"},
	} {
		c.Trace(&r)
	}
	rep := c.Report(Meta{Scenario: "t", Duration: sim.Time(30 * sim.Second)})
	want := []PriorityChange{
		{At: Seconds(10 * sim.Second), Node: "r1", Instance: "VI_1", VRID: 51, From: 150, To: 90, Reason: "chk_nginx down"},
		{At: Seconds(20 * sim.Second), Node: "r1", Instance: "VI_1", VRID: 51, From: 90, To: 150, Reason: "chk_nginx up"},
	}
	if len(rep.Priorities) != len(want) {
		t.Fatalf("got %d priority changes, want %d: %+v", len(rep.Priorities), len(want), rep.Priorities)
	}
	for i := range want {
		if rep.Priorities[i] != want[i] {
			t.Errorf("change %d: got %+v, want %+v", i, rep.Priorities[i], want[i])
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		P []PriorityChange `json:"priority_changes"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.P) != 2 || back.P[0].To != 90 {
		t.Errorf("JSON priority_changes = %+v (%v)", back.P, err)
	}
	var txt bytes.Buffer
	rep.WriteText(&txt)
	if !strings.Contains(txt.String(), "Effective priority changes\n") || !strings.Contains(txt.String(), "r1  VI_1  150 -> 90  (chk_nginx down)") {
		t.Errorf("text report:\n%s", txt.String())
	}
}

// TestNoPriorityChangeNoJSONKey: a run without priority changes keeps its
// JSON as before (the key is omitted).
func TestNoPriorityChangeNoJSONKey(t *testing.T) {
	rep := NewCollector().Report(Meta{Scenario: "t"})
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String(), "priority_changes") {
		t.Errorf("JSON has priority_changes without any change:\n%s", js.String())
	}
}

// TestFilterKeepsPriorityNotesAsVRRP: a trace filter's vrrp and vrid
// primitives keep the priority notes of that VRID.
func TestFilterKeepsPriorityNotesAsVRRP(t *testing.T) {
	r := sim.Record{Kind: sim.KindNote, Node: "r1", Comp: "VI_1", Event: "priority", From: "150", To: "90", Value: 90, Value2: 51}
	other := sim.Record{Kind: sim.KindNote, Node: "r1", Comp: "eth0", Event: "link", Reason: "down"}
	for _, c := range []struct {
		expr        string
		note, other bool
	}{
		{"vrrp", true, false}, {"vrid 51", true, false}, {"vrid 52", false, false}, {"arp", false, false}, {"node r1", true, true},
	} {
		f, err := ParseFilter(c.expr, FilterEnv{})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(&r); got != c.note {
			t.Errorf("%s on the priority note: %v, want %v", c.expr, got, c.note)
		}
		if got := f.Match(&other); got != c.other {
			t.Errorf("%s on a link note: %v, want %v", c.expr, got, c.other)
		}
	}
}
