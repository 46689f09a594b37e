package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// labels places text labels in rows from the top of a plot area so that no
// two overlap, however many actions and outages there are: each label
// takes the first row where its box is free, right of its x (left of it
// near the right edge), trying a shorter text when the full one fits
// nowhere. Labels that fit no row are left out and counted, and a note at
// the bottom says how many (the CSV next to the image has them all).
type labels struct {
	c       draw.Canvas
	lineH   vg.Length
	rows    int
	placed  []labelBox
	omitted int
}

// labelBox is where a label was drawn, its white ground included.
type labelBox struct {
	Min, Max vg.Point
	Text     string
}

// newLabels allows rows down to frac of the plot height from the top
// (the headroom the plot leaves for them), and at least one row.
func newLabels(c draw.Canvas, sty text.Style, frac float64) *labels {
	lineH := sty.Height("M") + vg.Points(2)
	rows := max(1, int(frac*float64(c.Max.Y-c.Min.Y)/float64(lineH)))
	return &labels{c: c, lineH: lineH, rows: rows}
}

// place draws the first of texts that fits in a free row for an anchor at
// x, and reports whether one did.
func (l *labels) place(sty text.Style, x vg.Length, texts ...string) bool {
	pad := vg.Points(1)
	for _, txt := range texts {
		w := sty.Width(txt)
		left := x + vg.Points(3)
		if left+w > l.c.Max.X {
			left = x - vg.Points(3) - w
		}
		left = max(left, l.c.Min.X+pad)
		for row := range l.rows {
			top := l.c.Max.Y - vg.Points(2) - vg.Length(row)*l.lineH
			b := labelBox{Min: vg.Point{X: left - pad, Y: top - l.lineH}, Max: vg.Point{X: left + w + pad, Y: top}, Text: txt}
			if !l.free(b) {
				continue
			}
			l.placed = append(l.placed, b)
			l.ground(b)
			s := sty
			s.XAlign, s.YAlign = draw.XLeft, draw.YTop
			l.c.FillText(s, vg.Point{X: left, Y: top}, txt)
			return true
		}
	}
	l.omitted++
	return false
}

// free reports whether b overlaps no placed label (boxes that only touch
// do not overlap).
func (l *labels) free(b labelBox) bool {
	for _, o := range l.placed {
		if b.Min.X < o.Max.X && o.Min.X < b.Max.X && b.Min.Y < o.Max.Y && o.Min.Y < b.Max.Y {
			return false
		}
	}
	return true
}

// note says, bottom right, how many labels were left out.
func (l *labels) note(sty text.Style) {
	if l.omitted == 0 {
		return
	}
	s := sty
	s.XAlign, s.YAlign = draw.XRight, draw.YBottom
	txt := fmt.Sprintf("%d more label(s) not shown: see the CSV", l.omitted)
	w := s.Width(txt)
	at := vg.Point{X: l.c.Max.X - vg.Points(3), Y: l.c.Min.Y + vg.Points(3)}
	l.ground(labelBox{Min: vg.Point{X: at.X - w - vg.Points(1), Y: at.Y}, Max: vg.Point{X: at.X + vg.Points(1), Y: at.Y + l.lineH}})
	l.c.FillText(s, at, txt)
}

// ground paints b's translucent white ground, so text stays readable over
// bars, spans and lines.
func (l *labels) ground(b labelBox) {
	l.c.FillPolygon(color.NRGBA{0xff, 0xff, 0xff, 0xd0}, []vg.Point{
		{X: b.Min.X, Y: b.Max.Y}, b.Max, {X: b.Max.X, Y: b.Min.Y}, b.Min,
	})
}
