package plot

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Table is a captioned table of text cells; the CLI uses it for the
// scenario's topology, which this package cannot read itself.
type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// Page is what the HTML report shows.
type Page struct {
	Report   *reports.Report
	Topology []Table
	Plots    Set
	// Pictures drawn by reports/diagram (SVG documents): the network
	// heads the Topology section, sequence charts follow the plots.
	Diagram   []byte
	Sequences []Figure
}

// Figure is a titled SVG drawn elsewhere.
type Figure struct {
	Title string
	SVG   []byte
}

// OKMarker is the attribute the report's inline script sets on <html>
// once the page has loaded without a script error, a failed load or a
// Content-Security-Policy violation (an attempt to fetch anything from
// outside the file). Browser tests look for it in the DOM.
const OKMarker = `data-report-ok="yes"`

// view is the page as strings, so the template stays free of logic.
type view struct {
	Title        string
	Description  []string
	File         string
	Seed         uint64
	Duration     string
	Verdict      string
	VerdictOK    bool
	Topology     []Table
	Convergence  Table
	Flows        Table
	SplitBrain   Table
	Expectations []expectRow
	Transitions  Table
	Actions      Table
	Plots        []inlinePlot
	Diagram      template.HTML
	Sequences    []inlinePlot
}

type expectRow struct {
	OK                  bool
	Text, Detail, Where string
}

type inlinePlot struct {
	ID, Title string
	SVG       template.HTML
}

func secOrDash(s *reports.Seconds) string {
	if s == nil {
		return "—"
	}
	return fmtSec(sim.Time(*s)) + " s"
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// WriteHTML writes the report as one self-contained HTML file: styles,
// the error-check script and the plots (inline SVG) are all in it, and a
// Content-Security-Policy forbids fetching anything else.
func WriteHTML(w io.Writer, pg Page) error {
	r := pg.Report
	if r == nil {
		return fmt.Errorf("html report: no report")
	}
	v := view{
		Title: r.Scenario, File: r.File, Seed: r.Seed,
		Duration: fmtSec(sim.Time(r.Duration)) + " s",
		Topology: pg.Topology,
	}
	for _, para := range strings.Split(strings.TrimSpace(r.Description), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			v.Description = append(v.Description, para)
		}
	}
	failed := r.Failed()
	switch {
	case len(r.Expectations) == 0:
		v.Verdict, v.VerdictOK = "no expectations", true
	case failed == 0:
		v.Verdict, v.VerdictOK = fmt.Sprintf("all %d expectations passed", len(r.Expectations)), true
	default:
		v.Verdict = fmt.Sprintf("%d of %d expectations failed", failed, len(r.Expectations))
	}

	v.Actions = Table{Caption: "Timeline actions", Head: []string{"time", "action", "disruptive"}}
	for _, a := range r.Actions {
		v.Actions.Rows = append(v.Actions.Rows, []string{fmtSec(sim.Time(a.At)) + " s", a.Text, yesNo(a.Disruptive)})
	}
	v.Convergence = Table{Caption: "Convergence per disruptive action", Head: []string{"action", "at", "instance", "old master", "new master", "detected by", "detect", "last advert → detect", "converged", "transitions"}}
	for _, c := range r.Convergence {
		v.Convergence.Rows = append(v.Convergence.Rows, []string{
			c.Action, fmtSec(sim.Time(c.At)) + " s", c.Instance, orNone(c.OldMaster), orNone(c.NewMaster),
			orDash(c.DetectNode), secOrDash(c.Detect), secOrDash(c.SinceLastAdvert), secOrDash(c.Converged), strconv.Itoa(c.Transitions),
		})
	}
	v.Flows = Table{Caption: "Traffic flows", Head: []string{"flow", "sent", "received", "lost", "in flight", "outage total", "outages"}}
	for _, f := range r.Flows {
		var outs []string
		for _, o := range f.Outages {
			outs = append(outs, fmt.Sprintf("%s–%s s (%d lost)", fmtSec(sim.Time(o.Start)), fmtSec(sim.Time(o.End)), o.Lost))
		}
		v.Flows.Rows = append(v.Flows.Rows, []string{
			f.Name, strconv.Itoa(f.Sent), strconv.Itoa(f.Received), strconv.Itoa(f.Lost), strconv.Itoa(f.InFlight),
			fmtSec(sim.Time(f.Outage)) + " s", orNone(outs),
		})
	}
	v.SplitBrain = Table{Caption: "Split brain (total " + fmtSec(sim.Time(r.SplitBrainTotal)) + " s)", Head: []string{"instance", "start", "end", "duration", "masters"}}
	for _, sb := range r.SplitBrain {
		end := fmtSec(sim.Time(sb.End)) + " s"
		if sb.UntilEnd {
			end += " (end of run)"
		}
		v.SplitBrain.Rows = append(v.SplitBrain.Rows, []string{sb.Instance, fmtSec(sim.Time(sb.Start)) + " s", end, fmtSec(sim.Time(sb.Duration)) + " s", strings.Join(sb.Masters, ", ")})
	}
	for _, e := range r.Expectations {
		where := ""
		if e.File != "" {
			where = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
		}
		v.Expectations = append(v.Expectations, expectRow{OK: e.OK, Text: e.Text, Detail: e.Detail, Where: where})
	}
	v.Transitions = Table{Caption: "VRRP transitions", Head: []string{"time", "node", "instance", "VRID", "from", "to", "reason", "priority"}}
	for _, t := range r.Transitions {
		v.Transitions.Rows = append(v.Transitions.Rows, []string{
			fmtSec(sim.Time(t.At)) + " s", t.Node, t.Instance, strconv.FormatInt(t.VRID, 10), t.From, t.To, t.Reason, strconv.FormatInt(t.Priority, 10),
		})
	}

	imgs, err := pg.Plots.Render(SVG, 0)
	if err != nil {
		return err
	}
	titles := map[string]string{"state": "VRRP state timeline", "arp": "ARP and FDB convergence", "traffic": "Traffic delivered and lost",
		"load": "New connections per real server", "latency": "Connection latency (CDF)",
		"health": "Real servers' health checks and IPVS table"}
	for _, im := range imgs {
		// The SVG is our own output: gonum escapes every text it draws.
		v.Plots = append(v.Plots, inlinePlot{ID: "plot-" + im.Name, Title: titles[im.Name], SVG: template.HTML(InlineSVG(im.Data))})
	}
	// Our own SVG too: reports/diagram escapes every text it writes.
	v.Diagram = template.HTML(InlineSVG(pg.Diagram))
	for i, f := range pg.Sequences {
		v.Sequences = append(v.Sequences, inlinePlot{ID: fmt.Sprintf("sequence-%d", i+1), Title: f.Title, SVG: template.HTML(InlineSVG(f.SVG))})
	}
	return pageTemplate.Execute(w, v)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vrrpsim">
<title>vrrpsim report: {{.Title}}</title>
<script>
// Record anything that goes wrong while the page loads: a script error, a
// resource that fails, or a fetch the Content-Security-Policy blocks (the
// report must be self-contained). On load, mark the page if all went well.
(function () {
  var problems = [];
  window.addEventListener("error", function (e) { problems.push("error: " + (e.message || (e.target && e.target.tagName) || "?")); }, true);
  window.addEventListener("unhandledrejection", function (e) { problems.push("rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) { problems.push("csp: " + e.blockedURI); });
  window.addEventListener("load", function () {
    var root = document.documentElement;
    if (problems.length === 0) {
      root.setAttribute("data-report-ok", "yes");
    } else {
      root.setAttribute("data-report-problems", problems.join(" | "));
    }
  });
})();
</script>
<style>
  :root { --ok: #2e7d32; --bad: #c62828; --line: #d0d7de; --head: #f3f5f7; }
  body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 75rem; padding: 0 1.5rem; color: #1f2328; line-height: 1.45; }
  h1 { margin-bottom: 0.2rem; }
  h2 { border-bottom: 1px solid var(--line); padding-bottom: 0.3rem; margin-top: 2.2rem; }
  .meta { color: #57606a; margin-top: 0; }
  .verdict { display: inline-block; padding: 0.35rem 0.8rem; border-radius: 0.3rem; color: #fff; font-weight: bold; }
  .verdict.ok { background: var(--ok); }
  .verdict.bad { background: var(--bad); }
  table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.92rem; }
  caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
  th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
  th { background: var(--head); }
  td.pass { color: var(--ok); font-weight: bold; }
  td.fail { color: var(--bad); font-weight: bold; }
  .empty { color: #57606a; font-style: italic; }
  figure { margin: 1rem 0 2rem; }
  figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--line); }
  #diagram svg, figure.sequence svg { width: auto; max-width: 100%; }
  figcaption { color: #57606a; font-size: 0.9rem; margin-top: 0.3rem; }
  code { background: var(--head); padding: 0 0.25rem; border-radius: 0.2rem; }
  footer { margin: 3rem 0 1rem; color: #57606a; font-size: 0.85rem; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{if .File}}<code>{{.File}}</code> · {{end}}seed {{.Seed}} · {{.Duration}} of virtual time</p>
{{range .Description}}<p>{{.}}</p>
{{end}}
<p><span class="verdict {{if .VerdictOK}}ok{{else}}bad{{end}}" id="verdict">{{.Verdict}}</span></p>

<h2 id="topology">Topology</h2>
{{if .Diagram}}<figure id="diagram">
{{.Diagram}}
<figcaption>The network, laid out from the scenario</figcaption>
</figure>
{{end}}{{range .Topology}}{{template "table" .}}{{end}}

<h2 id="summary">Summary</h2>
{{template "table" .Actions}}
{{template "table" .Convergence}}
{{template "table" .Flows}}
{{template "table" .SplitBrain}}

<h2 id="expectations">Expectations</h2>
{{if .Expectations}}<table>
<thead><tr><th>result</th><th>expectation</th><th>detail</th><th>where</th></tr></thead>
<tbody>
{{range .Expectations}}<tr><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}pass{{else}}FAIL{{end}}</td><td>{{.Text}}</td><td>{{.Detail}}</td><td><code>{{.Where}}</code></td></tr>
{{end}}</tbody>
</table>{{else}}<p class="empty">The scenario has no expectations.</p>{{end}}

<h2 id="plots">Plots</h2>
{{range .Plots}}<figure id="{{.ID}}">
{{.SVG}}
<figcaption>{{.Title}}</figcaption>
</figure>
{{end}}{{if .Sequences}}
<h2 id="sequence">Message sequence</h2>
{{range .Sequences}}<figure id="{{.ID}}" class="sequence">
{{.SVG}}
<figcaption>{{.Title}}</figcaption>
</figure>
{{end}}{{end}}
<h2 id="transitions">Transitions</h2>
{{template "table" .Transitions}}

<footer>Generated by vrrpsim from a simulation in virtual time. Same scenario and seed, same report.</footer>
</body>
</html>
{{define "table"}}{{if .Rows}}<table>
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>{{else}}<p class="empty">{{.Caption}}: none.</p>{{end}}
{{end}}`))
