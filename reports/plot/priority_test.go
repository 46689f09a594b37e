package plot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestStateTimelineShowsEffectivePriority: an instance whose effective
// priority moved (a weighted track_script, vrrp_track.c
// vrrp_set_effective_priority) gets a priority row after the state rows,
// one span per value; an instance whose priority never moved gets none.
func TestStateTimelineShowsEffectivePriority(t *testing.T) {
	s := func(x int64) reports.Seconds { return reports.Seconds(sim.Time(x) * sim.Second) }
	r := &reports.Report{
		Duration: s(40),
		Transitions: []reports.Transition{
			{At: s(0), Node: "r1", Instance: "VI_1", From: "INIT", To: "BACKUP", Priority: 150},
			{At: s(0), Node: "r2", Instance: "VI_1", From: "INIT", To: "BACKUP", Priority: 100},
		},
		Priorities: []reports.PriorityChange{
			{At: s(10), Node: "r1", Instance: "VI_1", VRID: 51, From: 150, To: 90, Reason: "chk down"},
			{At: s(20), Node: "r1", Instance: "VI_1", VRID: 51, From: 90, To: 150, Reason: "chk up"},
		},
	}
	d := State(r)
	if len(d.Rows) != 3 {
		t.Fatalf("%d rows, want 2 state rows and 1 priority row: %+v", len(d.Rows), d.Rows)
	}
	p := d.Rows[2]
	if p.Kind != "priority" || p.Label != "r1 VI_1 priority" {
		t.Fatalf("third row %q %q, want the priority row of r1 VI_1", p.Kind, p.Label)
	}
	want := []Span{{0, 10 * sim.Second, "150"}, {10 * sim.Second, 20 * sim.Second, "90"}, {20 * sim.Second, 40 * sim.Second, "150"}}
	if len(p.Spans) != len(want) {
		t.Fatalf("spans %+v, want %+v", p.Spans, want)
	}
	for i := range want {
		if p.Spans[i] != want[i] {
			t.Errorf("span %d = %+v, want %+v", i, p.Spans[i], want[i])
		}
	}
	var csv bytes.Buffer
	if err := d.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), "priority,r1 VI_1 priority,10,20,90\n") {
		t.Errorf("CSV lacks the priority span:\n%s", csv.String())
	}
	if _, err := d.Render("t", SVG, 0); err != nil {
		t.Fatal(err)
	}
}
