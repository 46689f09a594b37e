package plot

import (
	"cmp"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TrafficData is, per flow, the packets delivered and lost per time bin
// (by send time) and the outage windows.
type TrafficData struct {
	End     sim.Time
	Flows   []FlowBins
	Actions []Marker
}

// FlowBins is one flow's packets per bin.
type FlowBins struct {
	Name, Node string
	Interval   time.Duration // median gap between sends
	Bin        time.Duration
	Bins       []Bin
	Outages    []Span // Value: "N lost"
}

// Bin counts the packets sent in [Start, Start+Bin).
type Bin struct {
	Start                           sim.Time
	Sent, Delivered, Lost, InFlight int
}

// binSteps are the bin widths to choose from: round numbers.
var binSteps = []time.Duration{
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
	30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute, time.Hour,
}

const (
	minPerBin = 5   // a bin holds at least this many sends, so a half-lost bin reads as such
	maxBins   = 600 // and there are at most this many bins in the run
)

// chooseBin picks the smallest round bin holding minPerBin packets sent
// every interval with at most maxBins bins over end.
func chooseBin(interval time.Duration, end sim.Time) time.Duration {
	for _, b := range binSteps {
		if b >= minPerBin*interval && int64(end)/int64(b) <= maxBins {
			return b
		}
	}
	return binSteps[len(binSteps)-1]
}

// medianGap is the median time between consecutive sends (0 if fewer than
// two packets).
func medianGap(pkts []reports.FlowPacket) time.Duration {
	if len(pkts) < 2 {
		return 0
	}
	gaps := make([]time.Duration, 0, len(pkts)-1)
	for i := 1; i < len(pkts); i++ {
		gaps = append(gaps, time.Duration(pkts[i].Sent-pkts[i-1].Sent))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// Traffic derives the per-flow bins from a report and its collector.
func Traffic(r *reports.Report, c *reports.Collector) TrafficData {
	d := TrafficData{End: sim.Time(r.Duration), Actions: actionMarkers(r), Flows: []FlowBins{}}
	outages := map[[2]string][]reports.Outage{}
	for _, f := range r.Flows {
		outages[[2]string{f.Node, f.Name}] = f.Outages
	}
	for _, fp := range c.FlowSeries() {
		fb := FlowBins{Name: fp.Name, Node: fp.Node, Interval: medianGap(fp.Packets)}
		fb.Bin = chooseBin(fb.Interval, d.End)
		n := int((int64(d.End) + int64(fb.Bin) - 1) / int64(fb.Bin))
		fb.Bins = make([]Bin, n)
		for i := range fb.Bins {
			fb.Bins[i].Start = sim.Time(i) * sim.Time(fb.Bin)
		}
		for _, p := range fp.Packets {
			i := int(int64(p.Sent) / int64(fb.Bin))
			if i < 0 || i >= n {
				continue
			}
			b := &fb.Bins[i]
			b.Sent++
			switch {
			case p.Received:
				b.Delivered++
			case p.Lost:
				b.Lost++
			default:
				b.InFlight++
			}
		}
		for _, o := range outages[[2]string{fp.Node, fp.Name}] {
			fb.Outages = append(fb.Outages, Span{Start: sim.Time(o.Start), End: sim.Time(o.End), Value: strconv.Itoa(o.Lost) + " lost"})
		}
		d.Flows = append(d.Flows, fb)
	}
	return d
}

// WriteCSV writes one line per bin and per outage of every flow, and one
// per action. Numeric columns hold numbers only (issue 13: an outage's
// "N lost" and an action's text were in the lost and in_flight columns);
// text goes to the label column.
func (d TrafficData) WriteCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	cw.Write([]string{"kind", "flow", "start_s", "end_s", "sent", "delivered", "lost", "in_flight", "label"})
	for _, f := range d.Flows {
		for _, b := range f.Bins {
			cw.Write([]string{"bin", f.Name, fmtSec(b.Start), fmtSec(b.Start + sim.Time(f.Bin)),
				strconv.Itoa(b.Sent), strconv.Itoa(b.Delivered), strconv.Itoa(b.Lost), strconv.Itoa(b.InFlight), ""})
		}
		for _, o := range f.Outages {
			cw.Write([]string{"outage", f.Name, fmtSec(o.Start), fmtSec(o.End), "", "", strings.TrimSuffix(o.Value, " lost"), "", o.Value})
		}
	}
	for _, a := range d.Actions {
		cw.Write([]string{"action", "", fmtSec(a.At), fmtSec(a.At), "", "", "", "", a.Label})
	}
	cw.Flush()
	return cw.Error()
}

// bars draws one flow's bins as stacked bars: delivered below, lost on top.
type bars struct {
	f FlowBins
}

func (b bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, x := range b.f.Bins {
		ymax = max(ymax, float64(x.Delivered+x.Lost))
	}
	return 0, 0, 0, max(ymax*1.6, 1) // headroom for the action and outage labels
}

func (b bars) Plot(c draw.Canvas, p *gplot.Plot) {
	tx, ty := p.Transforms(&c)
	rect := func(x0, x1 sim.Time, y0, y1 float64) []vg.Point {
		return c.ClipPolygonXY([]vg.Point{
			{X: tx(secs(x0)), Y: ty(y0)}, {X: tx(secs(x1)), Y: ty(y0)},
			{X: tx(secs(x1)), Y: ty(y1)}, {X: tx(secs(x0)), Y: ty(y1)},
		})
	}
	_, _, _, ymax := b.DataRange()
	for _, o := range b.f.Outages {
		end := max(o.End, o.Start+sim.Time(b.f.Interval)) // a single lost packet still shows
		c.FillPolygon(colOutage, rect(o.Start, end, 0, ymax))
	}
	// Delivered and lost as two stacked step areas, one polygon each:
	// bars side by side would leave anti-aliasing seams between them.
	c.FillPolygon(colDelivered, c.ClipPolygonXY(b.area(tx, ty, func(x Bin) (float64, float64) { return 0, float64(x.Delivered) })))
	c.FillPolygon(colLost, c.ClipPolygonXY(b.area(tx, ty, func(x Bin) (float64, float64) {
		return float64(x.Delivered), float64(x.Delivered + x.Lost)
	})))
}

// trafficMarks draws the actions' lines, then their labels and the
// outage labels of one flow in one set of rows (labels.go), actions first,
// then outages from the longest.
// seen, if set, is shown the placed labels (tests).
type trafficMarks struct {
	actions markers
	outages []Span
	seen    func(*labels)
}

// trafficLabelFrac is the headroom bars leave above the highest bin
// (ymax x 1.6): labels stay in it.
const trafficLabelFrac = 1 - 1/1.6

func (t trafficMarks) Plot(c draw.Canvas, p *gplot.Plot) {
	t.actions.lines(c, p)
	sty := textStyle(p, colLostText)
	lb := newLabels(c, sty, trafficLabelFrac)
	t.actions.labels(p, lb)
	tx, _ := p.Transforms(&c)
	// The longest outages first: when rows run out, the short ones go.
	byLength := slices.Clone(t.outages)
	slices.SortStableFunc(byLength, func(a, b Span) int { return cmp.Compare(b.End-b.Start, a.End-a.Start) })
	for _, o := range byLength {
		d := shortSec(o.End - o.Start)
		lb.place(sty, tx(secs(o.Start)), "outage "+d+", "+o.Value, d)
	}
	lb.note(sty)
	if t.seen != nil {
		t.seen(lb)
	}
}

// area is the outline of a step area over the bins between lo and hi of
// each bin: along the tops left to right, back along the bottoms.
func (b bars) area(tx, ty func(float64) vg.Length, band func(Bin) (lo, hi float64)) []vg.Point {
	var top, bottom []vg.Point
	for _, x := range b.f.Bins {
		lo, hi := band(x)
		x0, x1 := tx(secs(x.Start)), tx(secs(x.Start+sim.Time(b.f.Bin)))
		top = append(top, vg.Point{X: x0, Y: ty(hi)}, vg.Point{X: x1, Y: ty(hi)})
		bottom = append(bottom, vg.Point{X: x0, Y: ty(lo)}, vg.Point{X: x1, Y: ty(lo)})
	}
	for i := len(bottom) - 1; i >= 0; i-- {
		top = append(top, bottom[i])
	}
	return top
}

// binLabel names a bin width for the y axis: "100 ms", "1 s".
func binLabel(b time.Duration) string {
	if b < time.Second {
		return strconv.FormatInt(b.Milliseconds(), 10) + " ms"
	}
	return strconv.FormatFloat(b.Seconds(), 'f', -1, 64) + " s"
}

const panelHeight = 2.6 * vg.Inch // per flow beyond the first

func (d TrafficData) figure(title string) figure { return d.figureWith(title, nil) }

// figureWith is figure, showing seen each flow's placed labels.
func (d TrafficData) figureWith(title string, seen func(*labels)) figure {
	h := defaultHeight
	if len(d.Flows) > 1 {
		h = vg.Length(len(d.Flows))*panelHeight + 1.4*vg.Inch
	}
	return figure{width: defaultWidth, height: h, draw: func(c draw.Canvas) {
		lg := newLegend()
		lg.Add("delivered", swatch{fill: colDelivered})
		lg.Add("lost", swatch{fill: colLost})
		lg.Add("outage", swatch{fill: colOutage, edge: colLost})
		if len(d.Actions) > 0 {
			lg.Add("action", swatch{dash: true})
		}
		if len(d.Flows) == 0 {
			p := newPlot(title+" (no traffic flows)", d.End)
			p.Y.Label.Text = "packets"
			p.Y.Min, p.Y.Max = 0, 1
			p.Add(markers(d.Actions))
			withLegend(c, p, &lg)
			return
		}
		plots := make([][]*gplot.Plot, len(d.Flows))
		for i, f := range d.Flows {
			t := f.Name
			if i == 0 && title != "" {
				t = title + ": " + f.Name
			}
			p := newPlot(t, d.End)
			p.Add(bars{f}, trafficMarks{actions: d.Actions, outages: f.Outages, seen: seen})
			p.Y.Label.Text = "packets per " + binLabel(f.Bin)
			p.Y.Min = 0
			if i < len(d.Flows)-1 {
				p.X.Label.Text = ""
			}
			plots[i] = []*gplot.Plot{p}
		}
		w := c.Max.X - c.Min.X
		pc := draw.Crop(c, 0, -legendWidth, 0, 0)
		tiles := draw.Tiles{Rows: len(d.Flows), Cols: 1, PadY: vg.Points(10), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
		canv := gplot.Align(plots, tiles, pc)
		for i := range plots {
			plots[i][0].Draw(canv[i][0])
		}
		lg.Draw(draw.Crop(c, w-legendWidth+vg.Points(8), 0, 0, -vg.Points(32)))
	}}
}

// Render draws the traffic plot as SVG or PNG.
func (d TrafficData) Render(title string, format Format, dpi int) ([]byte, error) {
	return render(d.figure(title), format, dpi)
}
