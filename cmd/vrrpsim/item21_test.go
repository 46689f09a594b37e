package main

import (
	"encoding/csv"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Issue 13 item 21, re-verified end to end: what the report and the CSV
// series say for the built-ins that show each point. (-q with --json,
// --cdf and --dpi: hardening_test.go; plot formats: plot_cli_test.go.)

// TestItem21TrafficCSVColumnsAreNumeric: every row of traffic.csv has a
// number or nothing in start_s..in_flight; text (action and outage
// labels) only in the label column.
func TestItem21TrafficCSVColumnsAreNumeric(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "plot", "lossy-lan-flapping", "--out", dir); code != exitOK {
		t.Fatalf("plot: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(string(readFile(t, filepath.Join(dir, "traffic.csv"))))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "kind,flow,start_s,end_s,sent,delivered,lost,in_flight,label" {
		t.Fatalf("header %q", got)
	}
	kinds := map[string]int{}
	for _, r := range rows[1:] {
		kinds[r[0]]++
		for i := 2; i <= 7; i++ {
			if r[i] == "" {
				continue
			}
			if _, err := strconv.ParseFloat(r[i], 64); err != nil {
				t.Errorf("row %q: column %s = %q is not a number", r, rows[0][i], r[i])
			}
		}
	}
	if kinds["bin"] == 0 || kinds["action"] != 2 || kinds["outage"] == 0 {
		t.Errorf("row kinds %v: want bins, 2 actions and outages", kinds)
	}
}

// TestItem21ReportShowsTrackedPriorityAndSpoofedSender: a weighted
// track_script's priority change has its own section of the text report
// (vrrp_track.c vrrp_set_effective_priority), and the convergence line
// after a spoofed advert names the node that sent it, not "?".
func TestItem21ReportShowsTrackedPriorityAndSpoofedSender(t *testing.T) {
	for _, c := range []struct {
		scenario string
		want     []string
	}{
		{"health-script-weight", []string{"Effective priority changes\n", "10.000000  r1  VI_1  150 -> 90  (chk_nginx down)", "20.000000  r1  VI_1  90 -> 150  (chk_nginx up)"}},
		{"spoofed-priority-255", []string{"after it last heard evil (10.0.0.66) at 14.000020"}},
	} {
		_, out, stderr := runCLI(t, "run", c.scenario)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: report lacks %q; stderr %q", c.scenario, w, stderr)
			}
		}
		if strings.Contains(out, "heard ?") {
			t.Errorf("%s: report names a sender as \"?\"", c.scenario)
		}
	}
}
