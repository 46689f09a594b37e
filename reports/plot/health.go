package plot

// The health timeline: under the VRRP state rows, one row per
// health-checked real server with its place in the IPVS table over time
// (in at its weight, at weight 0, out) and a tick for every probe
// (green passed, red failed), so a server's removal can be read against
// the failure that caused it and against a director takeover.

import (
	"image/color"
	"io"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// rowHealth is the Kind of a health row: Value "in w=N", "weight 0",
// "out", "director down", or for the sorry server "sorry".
const rowHealth = "health"

var (
	colIn     = color.NRGBA{0x2a, 0x9d, 0x8f, 0xff} // not MASTER's green
	colZero   = color.NRGBA{0xed, 0xc9, 0x48, 0xff}
	colOut    = color.NRGBA{0xe1, 0x57, 0x59, 0xff}
	colSorry  = color.NRGBA{0xb0, 0x7a, 0xa1, 0xff}
	colProbeF = color.NRGBA{0xa5, 0x1d, 0x2d, 0xff}
	colProbeK = color.NRGBA{0x2f, 0x6b, 0x2a, 0xff}
)

// HealthData is the state rows of the run followed by a health row per
// real server, with the probes of each health row.
type HealthData struct {
	State  StateData
	Probes map[int][]Probe // by row index in State.Rows
}

// Probe is one probe's end on a health row.
type Probe struct {
	At sim.Time
	OK bool
}

// Health derives the health timeline from a report, nil when no real
// server was health-checked.
func Health(r *reports.Report) *HealthData {
	if r.LB == nil || len(r.LB.Health) == 0 {
		return nil
	}
	d := &HealthData{State: State(r), Probes: map[int][]Probe{}}
	end := d.State.End
	for _, t := range r.LB.Health {
		row := Row{Kind: rowHealth, Label: t.Director + " " + t.Real}
		start, value := sim.Time(0), "out"
		for _, e := range t.Events {
			next := value
			switch e.Event {
			case "ipvs_add", "ipvs_weight":
				next = "in w=" + strconv.Itoa(*e.Weight)
				if *e.Weight == 0 {
					next = "weight 0"
				}
				if t.Sorry && *e.Weight > 0 {
					next = "sorry"
				}
			case "ipvs_remove":
				next = "out"
			case "director_crash":
				next = "director down"
			}
			if next != value {
				at := sim.Time(e.At)
				row.Spans = appendSpan(row.Spans, Span{Start: start, End: at, Value: value})
				start, value = at, next
			}
		}
		row.Spans = appendSpan(row.Spans, Span{Start: start, End: end, Value: value})
		i := len(d.State.Rows)
		d.State.Rows = append(d.State.Rows, row)
		for _, p := range t.Probes {
			d.Probes[i] = append(d.Probes[i], Probe{At: sim.Time(p.At), OK: p.OK})
		}
	}
	return d
}

func healthColor(r Row, s Span) color.Color {
	if r.Kind != rowHealth {
		return spanColor(r, s)
	}
	switch s.Value {
	case "out":
		return colOut
	case "weight 0":
		return colZero
	case "sorry":
		return colSorry
	case "director down":
		return colInit
	}
	return colIn
}

// probeTicks draws each probe as a short tick above its row: green when
// it passed, red (and longer) when it failed.
type probeTicks struct {
	tl     *timeline
	probes map[int][]Probe
}

func (p probeTicks) Plot(c draw.Canvas, plt *gplot.Plot) {
	tx, ty := plt.Transforms(&c)
	for i := range p.tl.rows {
		y := p.tl.rowY(i)
		for _, pr := range p.probes[i] {
			x := tx(secs(pr.At))
			if !c.ContainsX(x) {
				continue
			}
			sty := draw.LineStyle{Color: colProbeK, Width: vg.Points(1.2)}
			top := ty(y + halfRow + 0.12)
			if !pr.OK {
				sty = draw.LineStyle{Color: colProbeF, Width: vg.Points(1.8)}
				top = ty(y + halfRow + 0.24)
			}
			c.StrokeLine2(sty, x, ty(y+halfRow), x, top)
		}
	}
}

func (d *HealthData) figure(title string) figure {
	tl := &timeline{rows: d.State.Rows, color: healthColor, label: func(_ Row, s Span) string { return s.Value }}
	for _, sb := range d.State.SplitBrain {
		tl.shades = append(tl.shades, shade{start: sb.Start, end: sb.End, rows: sb.Rows, edge: colSplitEdge, hatch: true})
	}
	h := max(defaultHeight, vg.Length(len(tl.rows))*rowHeight+2.4*vg.Inch)
	return figure{width: defaultWidth, height: h, draw: func(c draw.Canvas) {
		p := newPlot(title, d.State.End)
		p.Add(tl, probeTicks{tl: tl, probes: d.Probes}, markers(d.State.Actions))
		p.Y.Tick.Marker = tl.ticks()
		p.Y.Min, p.Y.Max = -0.6, float64(len(tl.rows))+0.3
		p.Y.Label.Text = ""
		lg := newLegend()
		states := map[string]bool{}
		for _, r := range tl.rows {
			if r.Kind == "state" {
				for _, s := range r.Spans {
					states[s.Value] = true
				}
			}
		}
		for _, st := range stateOrder {
			if states[st] {
				lg.Add(st, swatch{fill: stateColor(st)})
			}
		}
		used := map[color.Color]bool{}
		for _, r := range tl.rows {
			for _, s := range r.Spans {
				if r.Kind == rowHealth {
					used[healthColor(r, s)] = true
				}
			}
		}
		for _, it := range []struct {
			name string
			col  color.Color
		}{{"in the table", colIn}, {"weight 0", colZero}, {"out of the table", colOut}, {"sorry server in", colSorry}, {"director down", colInit}} {
			if used[it.col] {
				lg.Add(it.name, swatch{fill: it.col})
			}
		}
		lg.Add("probe ok", swatch{fill: colProbeK})
		lg.Add("probe failed", swatch{fill: colProbeF})
		if len(d.State.Actions) > 0 {
			lg.Add("action", swatch{dash: true})
		}
		withLegend(c, p, &lg)
	}}
}

// Render draws the health timeline as SVG or PNG.
func (d *HealthData) Render(title string, format Format, dpi int) ([]byte, error) {
	return render(d.figure(title), format, dpi)
}

// WriteCSV writes the rows (state and health spans) and the probes.
func (d *HealthData) WriteCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	cw.Write([]string{"kind", "row", "start_s", "end_s", "value"})
	for i, r := range d.State.Rows {
		for _, s := range r.Spans {
			cw.Write([]string{r.Kind, r.Label, fmtSec(s.Start), fmtSec(s.End), s.Value})
		}
		for _, p := range d.Probes[i] {
			v := "failed"
			if p.OK {
				v = "ok"
			}
			cw.Write([]string{"probe", r.Label, fmtSec(p.At), fmtSec(p.At), v})
		}
	}
	for _, a := range d.State.Actions {
		cw.Write([]string{"action", "", fmtSec(a.At), fmtSec(a.At), a.Label})
	}
	cw.Flush()
	return cw.Error()
}
