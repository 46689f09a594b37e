package plot

import (
	"cmp"
	"io"
	"slices"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// StateData is the state timeline of a run: one row per (node, VRRP
// instance) with its state over time, the timeline actions and the
// split-brain intervals.
type StateData struct {
	End        sim.Time
	Rows       []Row // Kind "state", Label "NODE INSTANCE", Value = state
	Actions    []Marker
	SplitBrain []SplitSpan
}

// SplitSpan is a split-brain interval of one instance and the rows (of
// StateData.Rows) of that instance.
type SplitSpan struct {
	Instance   string
	Start, End sim.Time
	Masters    string
	Rows       []int
}

// initState is where every VRRP instance starts (RFC 3768 section 6.4.1).
const initState = "INIT"

// State derives the state timeline from a report. A row starts in the
// From state of its first transition (INIT) and each transition opens the
// next span; the last span runs to the end of the run.
func State(r *reports.Report) StateData {
	d := StateData{End: sim.Time(r.Duration), Actions: actionMarkers(r)}
	type key struct{ node, inst string }
	rowOf := map[key]int{}
	var keys []key
	for _, t := range r.Transitions {
		k := key{t.Node, t.Instance}
		if _, ok := rowOf[k]; !ok {
			rowOf[k] = -1
			keys = append(keys, k)
		}
	}
	// Rows grouped by instance, then node: the rows that can split-brain
	// sit next to each other.
	slices.SortFunc(keys, func(x, y key) int { return cmp.Or(cmp.Compare(x.inst, y.inst), cmp.Compare(x.node, y.node)) })
	for i, k := range keys {
		rowOf[k] = i
		d.Rows = append(d.Rows, Row{Kind: "state", Label: k.node + " " + k.inst})
	}
	cur := make([]Span, len(keys))
	for i := range cur {
		cur[i] = Span{Start: 0, Value: ""}
	}
	for _, t := range r.Transitions {
		i := rowOf[key{t.Node, t.Instance}]
		at := sim.Time(t.At)
		if cur[i].Value == "" {
			cur[i].Value = t.From
			if cur[i].Value == "" {
				cur[i].Value = initState
			}
		}
		if cur[i].Value != t.To {
			d.Rows[i].Spans = appendSpan(d.Rows[i].Spans, Span{Start: cur[i].Start, End: at, Value: cur[i].Value})
			cur[i] = Span{Start: at, Value: t.To}
		}
	}
	for i := range cur {
		d.Rows[i].Spans = appendSpan(d.Rows[i].Spans, Span{Start: cur[i].Start, End: d.End, Value: cur[i].Value})
	}
	for _, sb := range r.SplitBrain {
		ss := SplitSpan{Instance: sb.Instance, Start: sim.Time(sb.Start), End: sim.Time(sb.End), Masters: strings.Join(sb.Masters, "+")}
		for i, k := range keys {
			if k.inst == sb.Instance {
				ss.Rows = append(ss.Rows, i)
			}
		}
		d.SplitBrain = append(d.SplitBrain, ss)
	}
	// After the state rows, so the split-brain row indexes stay valid.
	d.Rows = append(d.Rows, priorityRows(r, d.End)...)
	return d
}

// appendSpan drops empty spans (same-instant transitions).
func appendSpan(spans []Span, s Span) []Span {
	if s.End <= s.Start {
		return spans
	}
	return append(spans, s)
}

// actionMarkers lists the report's timeline actions.
func actionMarkers(r *reports.Report) []Marker {
	out := []Marker{}
	for _, a := range r.Actions {
		out = append(out, Marker{At: sim.Time(a.At), Label: a.Text})
	}
	return out
}

// WriteCSV writes the plotted series: one line per state span, action
// and split-brain interval.
func (d StateData) WriteCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	cw.Write([]string{"kind", "row", "start_s", "end_s", "value"})
	for _, r := range d.Rows {
		for _, s := range r.Spans {
			cw.Write([]string{r.Kind, r.Label, fmtSec(s.Start), fmtSec(s.End), s.Value})
		}
	}
	for _, a := range d.Actions {
		cw.Write([]string{"action", "", fmtSec(a.At), fmtSec(a.At), a.Label})
	}
	for _, sb := range d.SplitBrain {
		cw.Write([]string{"split_brain", sb.Instance, fmtSec(sb.Start), fmtSec(sb.End), sb.Masters})
	}
	cw.Flush()
	return cw.Error()
}

// states in legend order.
var stateOrder = []string{"INIT", "BACKUP", "MASTER", "FAULT"}

// figure lays out the state timeline.
func (d StateData) figure(title string) figure {
	tl := &timeline{
		rows:  d.Rows,
		color: spanColor,
		label: func(_ Row, s Span) string { return s.Value },
	}
	for _, sb := range d.SplitBrain {
		tl.shades = append(tl.shades, shade{start: sb.Start, end: sb.End, rows: sb.Rows, edge: colSplitEdge, hatch: true})
	}
	h := max(defaultHeight, vg.Length(len(d.Rows))*rowHeight+2.2*vg.Inch)
	return figure{width: defaultWidth, height: h, draw: func(c draw.Canvas) {
		p := newPlot(title, d.End)
		p.Add(tl, markers(d.Actions))
		p.Y.Tick.Marker = tl.ticks()
		p.Y.Min, p.Y.Max = -0.6, float64(len(d.Rows))+0.3 // headroom for action labels
		p.Y.Label.Text = ""
		lg := newLegend()
		seen := map[string]bool{}
		priority := false
		for _, r := range d.Rows {
			if r.Kind == rowPriority {
				priority = true
				continue
			}
			for _, s := range r.Spans {
				seen[s.Value] = true
			}
		}
		for _, st := range stateOrder {
			lg.Add(st, swatch{fill: stateColor(st)})
			delete(seen, st)
		}
		others := make([]string, 0, len(seen))
		for st := range seen {
			others = append(others, st)
		}
		slices.Sort(others)
		for _, st := range others {
			lg.Add(st, swatch{fill: stateColor(st)})
		}
		if priority {
			lg.Add("effective priority", swatch{fill: colPriority})
		}
		if len(d.SplitBrain) > 0 {
			lg.Add("split brain", swatch{fill: colSplit, edge: colSplitEdge, hatch: true})
		}
		if len(d.Actions) > 0 {
			lg.Add("action", swatch{dash: true})
		}
		withLegend(c, p, &lg)
	}}
}

// Render draws the state timeline as SVG or PNG (dpi: PNG only, 0 for
// DefaultDPI).
func (d StateData) Render(title string, format Format, dpi int) ([]byte, error) {
	return render(d.figure(title), format, dpi)
}

var _ gplot.Plotter = (*timeline)(nil)
