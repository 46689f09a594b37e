package plot

import (
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// LBData is the load-balancing plots' data: new connections per real
// server over time, per virtual service, and the latency distribution of
// each client flow.
type LBData struct {
	End      sim.Time
	Services []LBService
	Failed   []reports.LBSeries // failed client connections over time, per flow
	Latency  []LBLatency
	Actions  []Marker
}

// LBService is one virtual service's load over time.
type LBService struct {
	Name  string // "lb1 TCP 10.0.0.100:80"
	Reals []reports.LBSeries
}

// LBLatency is one client flow's latency CDF: (seconds, fraction) points.
type LBLatency struct {
	Flow   string
	Points [][2]float64
}

// LB returns the load-balancing plot data of a run, or nil if it had none.
func LB(r *reports.Report, c *reports.Collector) *LBData {
	if r.LB == nil {
		return nil
	}
	d := &LBData{End: sim.Time(r.Duration), Failed: c.FailedSeries(), Actions: actionMarkers(r)}
	load := c.LoadSeries()
	for _, k := range slices.Sorted(maps.Keys(load)) {
		d.Services = append(d.Services, LBService{Name: k, Reals: load[k]})
	}
	cdf := c.LatencyCDF()
	for _, f := range slices.Sorted(maps.Keys(cdf)) {
		d.Latency = append(d.Latency, LBLatency{Flow: f, Points: cdf[f]})
	}
	return d
}

// rate converts a series to connections per second at each bucket's middle.
func rate(s reports.LBSeries) plotter.XYs {
	pts := make(plotter.XYs, len(s.Counts))
	w := secs(s.Width)
	for i, n := range s.Counts {
		pts[i].X = (float64(i) + 0.5) * w
		pts[i].Y = float64(n) / w
	}
	return pts
}

func (d *LBData) loadFigure(title string) figure {
	rows := max(len(d.Services), 1)
	h := defaultHeight
	if rows > 1 {
		h = vg.Length(rows)*panelHeight + 1.4*vg.Inch
	}
	return figure{width: defaultWidth, height: h, draw: func(c draw.Canvas) {
		lg := newLegend()
		var plots [][]*gplot.Plot
		seen := map[string]bool{}
		for i, s := range d.Services {
			t := s.Name
			if i == 0 && title != "" {
				t = title + ": " + s.Name
			}
			p := newPlot(t, d.End)
			p.Y.Label.Text = "new connections/s"
			p.Y.Min = 0
			for j, rs := range s.Reals {
				l, err := plotter.NewLine(rate(rs))
				if err != nil {
					continue
				}
				l.Color = palette[j%len(palette)]
				l.Width = vg.Points(2)
				p.Add(l)
				if !seen[rs.Name] {
					seen[rs.Name] = true
					lg.Add(rs.Name, swatch{fill: palette[j%len(palette)]})
				}
			}
			// Failed connections on the same axes, dashed: a dead real
			// server shows as its share turning into failures.
			for j, f := range d.Failed {
				l, err := plotter.NewLine(rate(f))
				if err != nil {
					continue
				}
				l.Color = colLost
				l.Width = vg.Points(2)
				l.Dashes = []vg.Length{vg.Points(6), vg.Points(3 + float64(j))}
				p.Add(l)
				if !seen[f.Name] {
					seen[f.Name] = true
					lg.Add(f.Name, swatch{fill: colLost})
				}
			}
			p.Add(markers(d.Actions))
			if len(d.Actions) > 0 && !seen["action"] {
				seen["action"] = true
				lg.Add("action", swatch{dash: true})
			}
			if i < len(d.Services)-1 {
				p.X.Label.Text = ""
			}
			plots = append(plots, []*gplot.Plot{p})
		}
		if len(plots) == 0 {
			p := newPlot(title+" (no virtual service)", d.End)
			withLegend(c, p, &lg)
			return
		}
		w := c.Max.X - c.Min.X
		pc := draw.Crop(c, 0, -legendWidth, 0, 0)
		tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(10), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
		canv := gplot.Align(plots, tiles, pc)
		for i := range plots {
			plots[i][0].Draw(canv[i][0])
		}
		lg.Draw(draw.Crop(c, w-legendWidth+vg.Points(8), 0, 0, -vg.Points(32)))
	}}
}

func (d *LBData) latencyFigure(title string) figure {
	return figure{width: defaultWidth, height: defaultHeight, draw: func(c draw.Canvas) {
		lg := newLegend()
		p := newPlot(title, 0)
		p.X.Label.Text = "latency (ms), first SYN to end of response"
		p.Y.Label.Text = "fraction of connections"
		p.Y.Min, p.Y.Max = 0, 1
		// The x axis spans the data (a LAN's latencies sit in a narrow
		// band far from 0), from 0 when they spread over a wide range.
		lo, hi := math.Inf(1), 0.0
		for _, f := range d.Latency {
			for _, q := range f.Points {
				lo, hi = min(lo, q[0]*1e3), max(hi, q[0]*1e3)
			}
		}
		if hi == 0 {
			lo, hi = 0, 1
		}
		if hi > 3*lo {
			lo = 0
		}
		p.X.Min, p.X.Max = lo*0.95, hi*1.05
		for i, f := range d.Latency {
			pts := make(plotter.XYs, 0, len(f.Points)+1)
			if len(f.Points) > 0 {
				pts = append(pts, plotter.XY{X: f.Points[0][0] * 1e3, Y: 0})
			}
			for _, q := range f.Points {
				pts = append(pts, plotter.XY{X: q[0] * 1e3, Y: q[1]})
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				continue
			}
			l.StepStyle = plotter.PostStep
			l.Color = palette[i%len(palette)]
			l.Width = vg.Points(2)
			p.Add(l)
			lg.Add(f.Flow, swatch{fill: palette[i%len(palette)]})
		}
		withLegend(c, p, &lg)
	}}
}

// RenderLoad draws the load-per-server plot.
func (d *LBData) RenderLoad(title string, format Format, dpi int) ([]byte, error) {
	return render(d.loadFigure(title), format, dpi)
}

// RenderLatency draws the latency CDF.
func (d *LBData) RenderLatency(title string, format Format, dpi int) ([]byte, error) {
	return render(d.latencyFigure(title), format, dpi)
}

// WriteLoadCSV writes service,real_server,t_s,new_conns_per_s rows.
func (d *LBData) WriteLoadCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	cw.Write([]string{"service", "real_server", "t_s", "new_conns_per_s"})
	for _, s := range d.Services {
		for _, rs := range s.Reals {
			for _, pt := range rate(rs) {
				cw.Write([]string{s.Name, rs.Name, strconv.FormatFloat(pt.X, 'f', 3, 64), strconv.FormatFloat(pt.Y, 'f', 3, 64)})
			}
		}
	}
	for _, f := range d.Failed {
		for _, pt := range rate(f) {
			cw.Write([]string{"", f.Name, strconv.FormatFloat(pt.X, 'f', 3, 64), strconv.FormatFloat(pt.Y, 'f', 3, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteLatencyCSV writes flow,latency_s,fraction rows.
func (d *LBData) WriteLatencyCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	cw.Write([]string{"flow", "latency_s", "fraction"})
	for _, f := range d.Latency {
		for _, q := range f.Points {
			cw.Write([]string{f.Flow, strconv.FormatFloat(q[0], 'f', 6, 64), strconv.FormatFloat(q[1], 'f', 4, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}
