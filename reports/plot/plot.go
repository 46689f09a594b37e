// Package plot draws the plots of one vrrpsim run with gonum/plot: the VRRP
// state timeline, ARP/FDB convergence and per-flow traffic, each as SVG,
// PNG or PDF plus the plotted series as CSV, and the self-contained HTML report
// that embeds them.
//
// Everything here is deterministic: the same report gives byte-identical
// SVG, CSV and HTML. Series are sorted, colours are assigned in sorted key
// order, numbers are formatted with fixed precision, and gonum's SVG writer
// formats every float with %.5g and keeps no map-ordered output.
//
// The package reads reports (the trace as metrics), never the models or
// the scenario loader (DESIGN: reports -> sim).
package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"regexp"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Format is an output image format.
type Format string

// Image formats.
const (
	SVG Format = "svg"
	PNG Format = "png"
	PDF Format = "pdf"
)

// ParseFormat accepts "svg", "png" or "pdf" (any case): the formats sweep
// plots come in too.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case SVG, PNG, PDF:
		return f, nil
	}
	return "", fmt.Errorf("plot format %q: want svg, png or pdf", s)
}

// DefaultDPI is the PNG resolution: a 10 in x 4 in plot is 1500 x 600
// pixels, sharp on a slide.
const DefaultDPI = 150

// Size of one plot: wide and short, for a slide or a report column.
const (
	defaultWidth  = 10 * vg.Inch
	defaultHeight = 4 * vg.Inch
	legendWidth   = 1.7 * vg.Inch
	rowHeight     = 0.42 * vg.Inch // per row of a timeline, beyond the default height
)

// Font sizes in points. At 10 in wide none is below 12 pt, so text stays
// readable when the plot fills a slide.
const (
	titleSize = 16
	labelSize = 14
	tickSize  = 12
	textSize  = 12
)

// sans is Liberation Sans, embedded in gonum: it has the metrics of Arial,
// so an SVG shown with Arial instead lays out the same.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// svgFontFamily is what gonum writes for sans, and svgFontFallback what we
// put instead, so a viewer without Liberation falls back to a
// metric-compatible font rather than its default serif.
const (
	svgFontFamily   = "font-family:Liberation Sans;"
	svgFontFallback = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
)

// Colours. VRRP states use the same colour in every plot.
var (
	colInit       = color.NRGBA{0xbd, 0xbd, 0xbd, 0xff}
	colBackup     = color.NRGBA{0x4e, 0x79, 0xa7, 0xff}
	colMaster     = color.NRGBA{0x59, 0xa1, 0x4f, 0xff}
	colFault      = color.NRGBA{0xf2, 0x8e, 0x2b, 0xff}
	colOther      = color.NRGBA{0x79, 0x70, 0x6e, 0xff}
	colSplit      = color.NRGBA{0xd6, 0x27, 0x28, 0x66}
	colSplitEdge  = color.NRGBA{0xd6, 0x27, 0x28, 0xff}
	colDelivered  = color.NRGBA{0x59, 0xa1, 0x4f, 0xff}
	colLost       = color.NRGBA{0xe1, 0x57, 0x59, 0xff}
	colLostText   = color.NRGBA{0xa5, 0x1d, 0x2d, 0xff}
	colOutage     = color.NRGBA{0xe1, 0x57, 0x59, 0x30}
	colMarker     = color.NRGBA{0x20, 0x20, 0x20, 0xff}
	colSpanText   = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	colBackground = color.White
)

// palette colours owners (routers, virtual MACs) in the ARP/FDB plot,
// assigned in sorted key order (Tableau 10).
var palette = []color.NRGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0x59, 0xa1, 0x4f, 0xff},
	{0xb0, 0x7a, 0xa1, 0xff}, {0x76, 0xb7, 0xb2, 0xff}, {0xed, 0xc9, 0x48, 0xff},
	{0xe1, 0x57, 0x59, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x9c, 0x75, 0x5f, 0xff},
	{0xba, 0xb0, 0xac, 0xff},
}

// stateColor is the colour of a VRRP state (keepalived's names).
func stateColor(s string) color.Color {
	switch s {
	case "INIT":
		return colInit
	case "BACKUP":
		return colBackup
	case "MASTER":
		return colMaster
	case "FAULT":
		return colFault
	}
	return colOther
}

// secs converts virtual time to float seconds for an axis. Plots are the
// one place floats are fine: the CSV keeps exact values.
func secs(t sim.Time) float64 { return float64(t) / float64(sim.Second) }

// fmtSec writes t in seconds with up to nine decimals, trailing zeros
// trimmed, using integer arithmetic (the same text as the report JSON).
func fmtSec(t sim.Time) string {
	neg := t < 0
	u := uint64(t)
	if neg {
		u = uint64(-t)
	}
	whole, frac := u/uint64(sim.Second), u%uint64(sim.Second)
	s := strconv.FormatUint(whole, 10)
	if frac != 0 {
		f := strconv.FormatUint(frac+uint64(sim.Second), 10)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// shortSec is a label: seconds with two decimals.
func shortSec(d sim.Time) string {
	return strconv.FormatFloat(secs(d), 'f', 2, 64) + " s"
}

// newPlot returns a plot with our fonts and an x axis in virtual seconds
// from 0 to end.
func newPlot(title string, end sim.Time) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*gplot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, labelSize)
		ax.Tick.Label.Font = font.From(sans, tickSize)
	}
	p.X.Label.Text = "virtual time (s)"
	p.X.Min, p.X.Max = 0, secs(end)
	if end <= 0 {
		p.X.Max = 1
	}
	p.Legend.TextStyle.Font = font.From(sans, textSize)
	return p
}

// textStyle is the style of text drawn inside the data area.
func textStyle(p *gplot.Plot, clr color.Color) text.Style {
	return text.Style{Color: clr, Font: font.From(sans, textSize), Handler: p.TextHandler}
}

// newLegend returns a legend drawn in its own strip right of the plot.
func newLegend() gplot.Legend {
	l := gplot.NewLegend()
	l.TextStyle.Font = font.From(sans, textSize)
	l.Left = true
	l.Top = true
	l.Padding = vg.Points(4)
	l.ThumbnailWidth = vg.Points(18)
	return l
}

// swatch is a legend thumbnail: a filled box.
type swatch struct {
	fill  color.Color
	edge  color.Color // nil: none
	dash  bool        // a dashed vertical line instead of a box
	hatch bool        // diagonal lines in the edge colour instead of the fill
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	if s.dash {
		x := (c.Min.X + c.Max.X) / 2
		c.StrokeLine2(markerStyle(), x, c.Min.Y, x, c.Max.Y)
		return
	}
	pts := []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}}
	if s.hatch {
		hatch(*c, pts, s.edge)
	} else {
		c.FillPolygon(s.fill, pts)
	}
	if s.edge != nil {
		c.StrokeLines(draw.LineStyle{Color: s.edge, Width: vg.Points(1)}, append(pts, c.Min))
	}
}

func markerStyle() draw.LineStyle {
	return draw.LineStyle{Color: colMarker, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
}

// figure is something drawable on a canvas of a given size.
type figure struct {
	width, height vg.Length
	draw          func(c draw.Canvas)
}

// render draws f into format; dpi applies to PNG only (SVG and PDF are
// vector).
func render(f figure, format Format, dpi int) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case SVG:
		c := vgsvg.New(f.width, f.height)
		paint(f, draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, err
		}
		return bytes.ReplaceAll(buf.Bytes(), []byte(svgFontFamily), []byte(svgFontFallback)), nil
	case PNG:
		if dpi <= 0 {
			dpi = DefaultDPI
		}
		c := vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(dpi))
		paint(f, draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case PDF:
		c := vgpdf.New(f.width, f.height)
		paint(f, draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, err
		}
		return StablePDF(buf.Bytes()), nil
	}
	return nil, fmt.Errorf("plot format %q: want svg, png or pdf", format)
}

// StablePDF returns a PDF written by gonum's vgpdf with a fixed date in
// place of the wall-clock /CreationDate and /ModDate fpdf stamps, so the
// same plot gives the same bytes. The date keeps its length, so the xref
// offsets stay right.
func StablePDF(b []byte) []byte { return pdfDates.ReplaceAll(b, []byte(pdfFixedDate)) }

var pdfDates = regexp.MustCompile(`\(D:[0-9]{14}\)`)

const pdfFixedDate = "(D:20000101000000)"

// paint fills the background and draws f.
func paint(f figure, c draw.Canvas) {
	c.FillPolygon(colBackground, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
	f.draw(c)
}

// withLegend draws p on the left of c and lg in a strip on its right.
func withLegend(c draw.Canvas, p *gplot.Plot, lg *gplot.Legend) {
	w := c.Max.X - c.Min.X
	p.Draw(draw.Crop(c, 0, -legendWidth, 0, 0))
	lc := draw.Crop(c, w-legendWidth+vg.Points(8), 0, 0, -vg.Points(32))
	lg.Draw(lc)
}

// InlineSVG turns a standalone SVG document into an element to embed in
// HTML: the XML declaration goes, and the fixed size becomes a style
// so the drawing scales with the page.
func InlineSVG(svg []byte) string {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return strings.TrimSpace(s)
}

// writeAll writes b to w.
func writeAll(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}
