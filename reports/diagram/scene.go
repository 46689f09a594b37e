// Package diagram draws what a run looks like rather than what it
// measured: the topology of a scenario (laid out by a layered,
// Sugiyama-style algorithm) and message sequence charts of the frames and
// state changes around an action. It reads plain data that cmd fills from
// the scenario and the trace; it never imports model or scenarios.
//
// Both pictures are first built as a scene (boxes, lines, text in pixel
// coordinates, y down), then written as SVG (by hand, so the bytes are
// stable for golden files) or PNG (gonum's vgimg rasteriser).
package diagram

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// fontSize and charW: text is monospace (Liberation Mono has an advance
// of 0.6 em), so widths are known without measuring.
const (
	fontSize = 12.0
	charW    = fontSize * 0.6
	lineH    = 15.0
)

func textWidth(s string) float64 { return float64(len([]rune(s))) * charW }

type shapeKind uint8

const (
	shRect shapeKind = iota + 1
	shLine
	shText
	shArrow // a line with a head at its end
)

// shape is one drawn element. Class names the element in SVG (class
// attribute) so tests and the browser check can find what was drawn.
type shape struct {
	kind           shapeKind
	x1, y1, x2, y2 float64 // rect: x1,y1 top left, x2,y2 width,height
	fill, stroke   string  // "#rrggbb" or ""
	width          float64
	dash           bool
	text           string
	anchor         string // text: start, middle, end
	bold           bool
	class          string
	title          string // SVG tooltip
}

// scene is a picture in pixels, y down.
type scene struct {
	w, h   float64
	shapes []shape
}

func (s *scene) rect(x, y, w, h float64, fill, stroke, class string) {
	s.shapes = append(s.shapes, shape{kind: shRect, x1: x, y1: y, x2: w, y2: h, fill: fill, stroke: stroke, width: 1, class: class})
}

func (s *scene) line(x1, y1, x2, y2 float64, stroke string, width float64, dash bool, class string) {
	s.shapes = append(s.shapes, shape{kind: shLine, x1: x1, y1: y1, x2: x2, y2: y2, stroke: stroke, width: width, dash: dash, class: class})
}

func (s *scene) arrow(x1, y1, x2, y2 float64, stroke, class, title string) {
	s.shapes = append(s.shapes, shape{kind: shArrow, x1: x1, y1: y1, x2: x2, y2: y2, stroke: stroke, width: 1.2, class: class, title: title})
}

// text puts s with its baseline at y.
func (s *scene) text(x, y float64, txt, anchor, fill string, bold bool, class string) {
	s.shapes = append(s.shapes, shape{kind: shText, x1: x, y1: y, text: txt, anchor: anchor, fill: fill, bold: bold, class: class})
}

// fit moves the picture so its leftmost and topmost ink is at the margin
// and sizes the canvas to the ink plus the margin.
func (s *scene) fit() {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, sh := range s.shapes {
		var a, b, c, d float64
		switch sh.kind {
		case shRect:
			a, b, c, d = sh.x1, sh.y1, sh.x1+sh.x2, sh.y1+sh.y2
		case shLine, shArrow:
			a, b, c, d = min(sh.x1, sh.x2), min(sh.y1, sh.y2), max(sh.x1, sh.x2), max(sh.y1, sh.y2)
		case shText:
			w := textWidth(sh.text)
			a = sh.x1
			switch sh.anchor {
			case "middle":
				a -= w / 2
			case "end":
				a -= w
			}
			b, c, d = sh.y1-fontSize, a+w, sh.y1+3
		}
		x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, c), max(y1, d)
	}
	if math.IsInf(x0, 1) {
		return
	}
	dx, dy := margin-x0, margin-y0
	for i := range s.shapes {
		sh := &s.shapes[i]
		sh.x1 += dx
		sh.y1 += dy
		if sh.kind == shLine || sh.kind == shArrow {
			sh.x2 += dx
			sh.y2 += dy
		}
	}
	s.w, s.h = x1-x0+2*margin, y1-y0+2*margin
}

func num(f float64) string {
	f = math.Round(f*10) / 10
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", f), "0"), ".")
}

func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteSVG writes the scene as a standalone SVG document.
func (s *scene) writeSVG(w io.Writer, title string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="Liberation Mono, DejaVu Sans Mono, Courier New, monospace" font-size="%s">`+"\n",
		num(s.w), num(s.h), num(s.w), num(s.h), num(fontSize))
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(title))
	b.WriteString(`<defs><marker id="vrrpsim-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="%s" height="%s" fill="#ffffff"/>`+"\n", num(s.w), num(s.h))
	for _, sh := range s.shapes {
		cls := ""
		if sh.class != "" {
			cls = fmt.Sprintf(` class="%s"`, esc(sh.class))
		}
		switch sh.kind {
		case shRect:
			fmt.Fprintf(&b, `<rect%s x="%s" y="%s" width="%s" height="%s" rx="4" fill="%s" stroke="%s"/>`+"\n",
				cls, num(sh.x1), num(sh.y1), num(sh.x2), num(sh.y2), orNone(sh.fill), orNone(sh.stroke))
		case shLine, shArrow:
			extra := ""
			if sh.dash {
				extra += ` stroke-dasharray="4 3"`
			}
			if sh.kind == shArrow {
				extra += ` marker-end="url(#vrrpsim-arrow)"`
			}
			open := fmt.Sprintf(`<line%s x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s`,
				cls, num(sh.x1), num(sh.y1), num(sh.x2), num(sh.y2), sh.stroke, num(sh.width), extra)
			if sh.title != "" {
				fmt.Fprintf(&b, "%s><title>%s</title></line>\n", open, esc(sh.title))
			} else {
				b.WriteString(open + "/>\n")
			}
		case shText:
			weight := ""
			if sh.bold {
				weight = ` font-weight="bold"`
			}
			fmt.Fprintf(&b, `<text%s x="%s" y="%s" text-anchor="%s" fill="%s"%s>%s</text>`+"\n",
				cls, num(sh.x1), num(sh.y1), sh.anchor, sh.fill, weight, esc(sh.text))
		}
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// writePNG rasterises the scene with gonum's vgimg at dpi (96 gives one
// pixel per scene unit).
func (s *scene) writePNG(w io.Writer, dpi int) error {
	_ = gplot.New // importing gonum/plot registers the Liberation fonts
	pt := func(px float64) vg.Length { return vg.Length(px * 72 / 96) }
	c := vgimg.NewWith(vgimg.UseWH(pt(s.w), pt(s.h)), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	H := pt(s.h)
	p := func(x, y float64) vg.Point { return vg.Point{X: pt(x), Y: H - pt(y)} }
	regular := font.DefaultCache.Lookup(font.Font{Typeface: "Liberation", Variant: "Mono"}, pt(fontSize))
	boldFace := font.DefaultCache.Lookup(font.Font{Typeface: "Liberation", Variant: "Mono", Weight: 700}, pt(fontSize))
	for _, sh := range s.shapes {
		switch sh.kind {
		case shRect:
			var path vg.Path
			path.Move(p(sh.x1, sh.y1))
			path.Line(p(sh.x1+sh.x2, sh.y1))
			path.Line(p(sh.x1+sh.x2, sh.y1+sh.y2))
			path.Line(p(sh.x1, sh.y1+sh.y2))
			path.Close()
			if sh.fill != "" {
				c.SetColor(hexColor(sh.fill))
				c.Fill(path)
			}
			if sh.stroke != "" {
				c.SetColor(hexColor(sh.stroke))
				c.SetLineWidth(pt(1))
				c.Stroke(path)
			}
		case shLine, shArrow:
			c.SetColor(hexColor(sh.stroke))
			c.SetLineWidth(pt(sh.width))
			if sh.dash {
				c.SetLineDash([]vg.Length{pt(4), pt(3)}, 0)
			}
			var path vg.Path
			path.Move(p(sh.x1, sh.y1))
			path.Line(p(sh.x2, sh.y2))
			c.Stroke(path)
			c.SetLineDash(nil, 0)
			if sh.kind == shArrow {
				// A 7-pixel head pointing along the line.
				a := math.Atan2(sh.y2-sh.y1, sh.x2-sh.x1)
				var head vg.Path
				head.Move(p(sh.x2, sh.y2))
				head.Line(p(sh.x2-7*math.Cos(a-0.4), sh.y2-7*math.Sin(a-0.4)))
				head.Line(p(sh.x2-7*math.Cos(a+0.4), sh.y2-7*math.Sin(a+0.4)))
				head.Close()
				c.Fill(head)
			}
		case shText:
			face := regular
			if sh.bold {
				face = boldFace
			}
			x := sh.x1
			switch sh.anchor {
			case "middle":
				x -= textWidth(sh.text) / 2
			case "end":
				x -= textWidth(sh.text)
			}
			c.SetColor(hexColor(sh.fill))
			c.FillString(face, p(x, sh.y1), sh.text)
		}
	}
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

func hexColor(s string) color.Color {
	var r, g, b uint8
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.Black
	}
	return color.RGBA{r, g, b, 255}
}
