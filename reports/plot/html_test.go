package plot

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

func syntheticPage(t *testing.T) (Page, *reports.Report) {
	t.Helper()
	r, c := synthetic()
	r.Evaluate([]reports.Expectation{
		{Kind: reports.ExpectMasterAt, Text: "at 5s: VI_1 master is r1", At: 5 * sim.Second, Master: map[string]string{"VI_1": "r1"}, File: "s.yaml", Line: 3, Col: 5},
		{Kind: reports.ExpectMasterAt, Text: "at 15s: VI_1 master is r1", At: 15 * sim.Second, Master: map[string]string{"VI_1": "r1"}, File: "s.yaml", Line: 4, Col: 5},
	})
	pg := Page{
		Report:   r,
		Topology: []Table{{Caption: "Nodes", Head: []string{"node", "kind"}, Rows: [][]string{{"r1", "router"}, {"<h1>", "host"}}}},
		Plots:    FromRun(r, c),
	}
	return pg, r
}

func TestHTMLReportHasEverySection(t *testing.T) {
	pg, _ := syntheticPage(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, pg); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{
		"<title>vrrpsim report: synthetic</title>",
		`id="topology"`, `id="summary"`, `id="expectations"`, `id="plots"`, `id="transitions"`,
		"1 of 2 expectations failed", `class="fail"`, `class="pass"`, "s.yaml:4:5",
		`<figure id="plot-state">`, `<figure id="plot-arp">`, `<figure id="plot-traffic">`,
		"crash r1", "master_down_expired", "h1/ping-1",
		"Split brain (total 0.5 s)", // the 20.5-21 s interval
		"A &lt;hand-made&gt; trace.", "<p>Second paragraph.</p>",
		"&lt;h1&gt;", // table cells are escaped
	} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(s, "<svg "); n != 3 {
		t.Errorf("got %d inline <svg> elements, want 3", n)
	}
	if strings.Contains(s, "<?xml") {
		t.Error("HTML contains an XML declaration from the SVGs")
	}
}

// TestHTMLReportIsSelfContained: nothing in the page may make a browser
// fetch anything: no src/href to a URL, no url() but data:, no @import.
// The xmlns attributes of inline SVG are names, not fetches.
func TestHTMLReportIsSelfContained(t *testing.T) {
	pg, _ := syntheticPage(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, pg); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, re := range []string{
		`(?i)\s(src|href|xlink:href)\s*=\s*["']?[a-z]+:`,
		`(?i)url\(\s*["']?(https?:|//)`,
		`(?i)@import`,
		`(?i)<link\b`,
	} {
		if m := regexp.MustCompile(re).FindString(s); m != "" {
			t.Errorf("HTML refers to an external resource: %q matches %s", m, re)
		}
	}
	if !strings.Contains(s, "Content-Security-Policy") || !strings.Contains(s, "default-src 'none'") {
		t.Error("HTML lacks the Content-Security-Policy that forbids fetching")
	}
	if !strings.Contains(s, `"data-report-ok", "yes"`) {
		t.Errorf("HTML lacks the load check that sets %s", OKMarker)
	}
}

func TestHTMLReportIsDeterministic(t *testing.T) {
	var outs [2][]byte
	for i := range outs {
		pg, _ := syntheticPage(t)
		var b bytes.Buffer
		if err := WriteHTML(&b, pg); err != nil {
			t.Fatal(err)
		}
		outs[i] = b.Bytes()
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two HTML reports of the same run differ")
	}
}

func TestHTMLReportWithoutReportFails(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, Page{}); err == nil {
		t.Error("got no error for a page without a report, want one")
	}
}
