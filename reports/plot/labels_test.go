package plot

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/vrrpsim/vrrpsim/sim"
)

// manyOutages is a flow pinged every 100 ms for 100 s that loses a burst
// of packets every 3 s from 10 s on (20 outages, labels about 5 s wide at
// this scale), with an action at each of the first five outages.
func manyOutages() TrafficData {
	const bin = 500 * time.Millisecond
	d := TrafficData{End: 100 * sim.Second}
	f := FlowBins{Name: "h1/ping-1", Node: "h1", Interval: 100 * time.Millisecond, Bin: bin}
	for t := sim.Time(0); t < d.End; t += sim.Time(bin) {
		f.Bins = append(f.Bins, Bin{Start: t, Sent: 5, Delivered: 5})
	}
	for i := range 20 {
		start := 10*sim.Second + sim.Time(i)*3*sim.Second
		end := start + sim.Time(i%4+1)*sim.Second/2
		f.Outages = append(f.Outages, Span{Start: start, End: end, Value: fmt.Sprintf("%d lost", (i%4+1)*5)})
		if i < 5 {
			d.Actions = append(d.Actions, Marker{At: start, Label: fmt.Sprintf("impair lan #%d", i+1)})
		}
	}
	d.Flows = []FlowBins{f}
	return d
}

// TestLabelsNeverOverlap: with 20 outages and 5 actions in one traffic
// plot, every label drawn has a box that intersects no other and lies
// inside the plot area, and every label is either drawn (full or short
// text) or counted in the "not shown" note.
func TestLabelsNeverOverlap(t *testing.T) {
	d := manyOutages()
	var got []*labels
	for _, format := range []Format{SVG, PNG} {
		got = got[:0]
		b, err := render(d.figureWith("many outages", func(lb *labels) { got = append(got, lb) }), format, 100)
		if err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("VRRPSIM_PLOT_OUT"); dir != "" { // to look at the image
			if err := os.WriteFile(dir+"/many-outages."+string(format), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != 1 {
			t.Fatalf("%s: %d label sets, want 1 (one flow)", format, len(got))
		}
		lb := got[0]
		if n := len(lb.placed) + lb.omitted; n != 25 {
			t.Errorf("%s: %d labels placed + %d omitted = %d, want 25", format, len(lb.placed), lb.omitted, n)
		}
		if len(lb.placed) < 15 {
			t.Errorf("%s: only %d labels placed; the rows should hold most of them", format, len(lb.placed))
		}
		for i, a := range lb.placed {
			if a.Min.X < lb.c.Min.X || a.Max.X > lb.c.Max.X || a.Min.Y < lb.c.Min.Y || a.Max.Y > lb.c.Max.Y {
				t.Errorf("%s: label %q at %v-%v leaves the plot area %v-%v", format, a.Text, a.Min, a.Max, lb.c.Min, lb.c.Max)
			}
			for _, o := range lb.placed[i+1:] {
				if a.Min.X < o.Max.X && o.Min.X < a.Max.X && a.Min.Y < o.Max.Y && o.Min.Y < a.Max.Y {
					t.Errorf("%s: labels %q (%v-%v) and %q (%v-%v) overlap", format, a.Text, a.Min, a.Max, o.Text, o.Min, o.Max)
				}
			}
		}
	}
}

// TestLabelsFreeDetectsOverlap: the overlap test itself, on boxes that
// overlap, touch, or lie apart.
func TestLabelsFreeDetectsOverlap(t *testing.T) {
	box := func(x0, y0, x1, y1 float64) labelBox {
		return labelBox{Min: pt(x0, y0), Max: pt(x1, y1)}
	}
	l := &labels{placed: []labelBox{box(10, 10, 20, 20)}}
	for _, tt := range []struct {
		b    labelBox
		want bool
	}{
		{box(15, 15, 25, 25), false},
		{box(0, 0, 30, 30), false},  // covers it
		{box(20, 10, 30, 20), true}, // touches on the right
		{box(10, 20, 20, 30), true}, // touches on top
		{box(30, 30, 40, 40), true},
	} {
		if got := l.free(tt.b); got != tt.want {
			t.Errorf("free(%v-%v) = %v, want %v", tt.b.Min, tt.b.Max, got, tt.want)
		}
	}
}

func pt(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(y)} }

// TestRenderPDFIsDeterministic: plot --format pdf (vgpdf, as sweep writes
// pdf) gives the same bytes on every run: fpdf's wall-clock dates are
// fixed.
func TestRenderPDFIsDeterministic(t *testing.T) {
	d := manyOutages()
	a, err := d.Render("many outages", PDF, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Contains(a, []byte("/CreationDate (D:20000101000000)")) {
		t.Fatalf("not a PDF with the fixed date: %.40q", a)
	}
	for range 3 {
		b, err := d.Render("many outages", PDF, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two renders of the same data differ")
		}
	}
}
