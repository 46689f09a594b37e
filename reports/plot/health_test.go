package plot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestHealthRowsFollowTheTable: a health row per real server after the
// VRRP state rows, its spans following keepalived's IPVS commands
// (ipwrapper.c perform_svr_state, ipvs_cmd: removal, weight 0 with
// inhibit_on_failure, re-add), the sorry server's row showing when it
// took the traffic, and a tick per probe.
func TestHealthRowsFollowTheTable(t *testing.T) {
	s := func(x int64) reports.Seconds { return reports.Seconds(sim.Time(x) * sim.Second) }
	w := func(n int) *int { return &n }
	r := &reports.Report{
		Duration:    s(60),
		Transitions: []reports.Transition{{At: s(0), Node: "lb1", Instance: "VI_1", From: "INIT", To: "MASTER"}},
		LB: &reports.LBReport{Health: []reports.HealthTimeline{
			{Director: "lb1", Real: "rs1", Events: []reports.HealthEvent{
				{At: s(0), Event: "ipvs_add", Weight: w(2)}, {At: s(20), Event: "ipvs_remove"}, {At: s(40), Event: "ipvs_add", Weight: w(2)}},
				Probes: []reports.HealthProbe{{At: s(1), OK: true}, {At: s(18), OK: false}, {At: s(20), OK: false}}},
			{Director: "lb1", Real: "rs2", Events: []reports.HealthEvent{
				{At: s(0), Event: "ipvs_add", Weight: w(1)}, {At: s(30), Event: "ipvs_weight", Weight: w(0)}, {At: s(50), Event: "director_crash"}}},
			{Director: "lb1", Real: "sorry 10.0.0.50:80", Sorry: true, Events: []reports.HealthEvent{
				{At: s(30), Event: "ipvs_add", Weight: w(1)}, {At: s(40), Event: "ipvs_remove"}}},
		}},
	}
	d := Health(r)
	if d == nil || len(d.State.Rows) != 4 {
		t.Fatalf("rows: %+v, want 1 state row and 3 health rows", d)
	}
	for i, want := range [][]Span{
		{{0, 20 * sim.Second, "in w=2"}, {20 * sim.Second, 40 * sim.Second, "out"}, {40 * sim.Second, 60 * sim.Second, "in w=2"}},
		{{0, 30 * sim.Second, "in w=1"}, {30 * sim.Second, 50 * sim.Second, "weight 0"}, {50 * sim.Second, 60 * sim.Second, "director down"}},
		{{0, 30 * sim.Second, "out"}, {30 * sim.Second, 40 * sim.Second, "sorry"}, {40 * sim.Second, 60 * sim.Second, "out"}},
	} {
		row := d.State.Rows[i+1]
		if row.Kind != rowHealth || len(row.Spans) != len(want) {
			t.Fatalf("row %d: %+v, want %+v", i+1, row, want)
		}
		for j := range want {
			if row.Spans[j] != want[j] {
				t.Errorf("row %s span %d = %+v, want %+v", row.Label, j, row.Spans[j], want[j])
			}
		}
	}
	if got := len(d.Probes[1]); got != 3 {
		t.Errorf("rs1 probes %d, want 3", got)
	}
	var csv bytes.Buffer
	if err := d.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"health,lb1 rs1,20,40,out\n", "probe,lb1 rs1,18,18,failed\n", "health,lb1 rs2,30,50,weight 0\n"} {
		if !strings.Contains(csv.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv.String())
		}
	}
	if _, err := d.Render("t", PNG, 0); err != nil {
		t.Fatal(err)
	}
	if Health(&reports.Report{}) != nil {
		t.Error("a run without health checks has a health plot")
	}
}
