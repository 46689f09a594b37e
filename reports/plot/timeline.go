package plot

import (
	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Span is an interval of virtual time during which a row had one value (a
// VRRP state, the owner an ARP entry points at, a switch port).
type Span struct {
	Start, End sim.Time
	Value      string
}

// Row is one line of a timeline plot.
type Row struct {
	Kind  string // "state", "arp" or "fdb"
	Label string
	Spans []Span
}

// Marker is a labelled instant: a timeline action.
type Marker struct {
	At    sim.Time
	Label string
}

// shade is a translucent band over some rows (split brain) or over the
// whole height (outage), with an optional label at its top left.
type shade struct {
	start, end sim.Time
	rows       []int // nil: every row
	fill, edge color.Color
	hatch      bool // diagonal lines in edge colour instead of a fill
}

// hatch draws diagonal lines across the polygon box (its bounding
// rectangle), so the spans under it keep their colour.
func hatch(c draw.Canvas, box []vg.Point, clr color.Color) {
	if len(box) == 0 {
		return
	}
	r := vg.Rectangle{Min: box[0], Max: box[0]}
	for _, p := range box[1:] {
		r.Min.X, r.Min.Y = min(r.Min.X, p.X), min(r.Min.Y, p.Y)
		r.Max.X, r.Max.Y = max(r.Max.X, p.X), max(r.Max.Y, p.Y)
	}
	inner := draw.Canvas{Canvas: c.Canvas, Rectangle: r}
	h := r.Max.Y - r.Min.Y
	sty := draw.LineStyle{Color: clr, Width: vg.Points(1.6)}
	for x := r.Min.X - h; x < r.Max.X; x += vg.Points(7) {
		for _, l := range inner.ClipLinesXY([]vg.Point{{X: x, Y: r.Min.Y}, {X: x + h, Y: r.Max.Y}}) {
			c.StrokeLines(sty, l)
		}
	}
}

// timeline draws rows of coloured spans, top row first. It is a
// gonum Plotter and DataRanger.
type timeline struct {
	rows   []Row
	color  func(r Row, s Span) color.Color
	label  func(r Row, s Span) string // text inside the span if it fits
	shades []shade
}

// rowY is the y coordinate of row i's centre.
func (t *timeline) rowY(i int) float64 { return float64(len(t.rows) - 1 - i) }

const halfRow = 0.36 // half a span's height, in rows

func (t *timeline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 0, -0.6, float64(len(t.rows)) - 0.4
}

// ticks labels each row on the y axis.
func (t *timeline) ticks() gplot.ConstantTicks {
	ts := make(gplot.ConstantTicks, len(t.rows))
	for i, r := range t.rows {
		ts[i] = gplot.Tick{Value: t.rowY(i), Label: r.Label}
	}
	return ts
}

func (t *timeline) Plot(c draw.Canvas, p *gplot.Plot) {
	tx, ty := p.Transforms(&c)
	box := func(x0, x1 sim.Time, y0, y1 float64) []vg.Point {
		return c.ClipPolygonXY([]vg.Point{
			{X: tx(secs(x0)), Y: ty(y0)}, {X: tx(secs(x1)), Y: ty(y0)},
			{X: tx(secs(x1)), Y: ty(y1)}, {X: tx(secs(x0)), Y: ty(y1)},
		})
	}
	for i, r := range t.rows {
		y := t.rowY(i)
		for _, s := range r.Spans {
			if s.End <= s.Start {
				continue
			}
			c.FillPolygon(t.color(r, s), box(s.Start, s.End, y-halfRow, y+halfRow))
			if t.label == nil {
				continue
			}
			txt := t.label(r, s)
			sty := textStyle(p, colSpanText)
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
			x0, x1 := tx(secs(s.Start)), tx(secs(s.End))
			if txt != "" && x1-x0 > sty.Width(txt)+vg.Points(6) {
				c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: ty(y)}, txt)
			}
		}
	}
	for _, sh := range t.shades {
		if sh.end <= sh.start {
			continue
		}
		rows := sh.rows
		if rows == nil {
			for i := range t.rows {
				rows = append(rows, i)
			}
		}
		for _, i := range rows {
			y := t.rowY(i)
			pts := box(sh.start, sh.end, y-halfRow-0.08, y+halfRow+0.08)
			if sh.hatch {
				hatch(c, pts, sh.edge)
			} else {
				c.FillPolygon(sh.fill, pts)
			}
			if sh.edge != nil && len(pts) > 0 {
				c.StrokeLines(draw.LineStyle{Color: sh.edge, Width: vg.Points(1.5)}, append(pts, pts[0]))
			}
		}
	}
}

// markers draws a dashed vertical line per marker with its label near the
// top, in rows so that no two labels overlap (labels.go).
type markers []Marker

// labelRowsFrac is how far down a timeline plot labels may go: over the
// upper half of the rows, on a white ground.
const labelRowsFrac = 0.5

func (m markers) Plot(c draw.Canvas, p *gplot.Plot) {
	m.lines(c, p)
	sty := textStyle(p, colMarker)
	lb := newLabels(c, sty, labelRowsFrac)
	m.labels(p, lb)
	lb.note(sty)
}

// lines draws the dashed line of each marker.
func (m markers) lines(c draw.Canvas, p *gplot.Plot) {
	tx, _ := p.Transforms(&c)
	for _, mk := range m {
		if x := tx(secs(mk.At)); c.ContainsX(x) {
			c.StrokeLine2(markerStyle(), x, c.Min.Y, x, c.Max.Y)
		}
	}
}

// labels places each marker's label; call it after every line is drawn,
// so no line crosses a label.
func (m markers) labels(p *gplot.Plot, lb *labels) {
	tx, _ := p.Transforms(&lb.c)
	sty := textStyle(p, colMarker)
	for _, mk := range m {
		if x := tx(secs(mk.At)); lb.c.ContainsX(x) && mk.Label != "" {
			lb.place(sty, x, mk.Label)
		}
	}
}
