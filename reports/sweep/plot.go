package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vrrpsim/vrrpsim/reports"
	vplot "github.com/vrrpsim/vrrpsim/reports/plot"
)

// PlotOptions chooses the summary plots.
type PlotOptions struct {
	// Formats are file extensions gonum/plot writes: "svg" (default), "png", "pdf".
	Formats []string
	// CDF is the base name of the metric whose distribution over runs is
	// plotted to cdf_<CDF>.<format> ("detect_s"); "" for none.
	CDF string
	// Figure, if set, lists metric base names drawn together on one plot,
	// figure.<format> (e.g. detect_s and failover_outage_s, both seconds).
	Figure []string
	// Title prefixes every plot title (the scenario name).
	Title string
	// Width and Height of each plot; zero means 16 cm x 10 cm.
	Width, Height vg.Length
	// DPI is the resolution of PNG plots; zero means gonum's 96.
	DPI int
	// Stop, when closed (Ctrl-C), ends WritePlots before its next plot
	// with ErrInterrupted; nil never.
	Stop <-chan struct{}
}

// ErrInterrupted is returned by WritePlots when PlotOptions.Stop closed.
var ErrInterrupted = errors.New("sweep: plotting interrupted")

// skipPlot are bookkeeping metrics that get no plot of their own.
var skipPlot = map[string]bool{"events": true, "frames": true, "sent": true}

// WritePlots writes, into dir, one plot per numeric metric base name
// (<base>.<format>: the metric against the first swept parameter, median
// line, min-max band and p95 line, one series per metric key and per
// combination of the other parameters), the CDF plot and the figure.
// It returns the file names written, in order.
func (s *Summary) WritePlots(dir string, o PlotOptions) ([]string, error) {
	if len(s.Header.Params) == 0 {
		return nil, errors.New("sweep: no swept parameter to plot against")
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{"svg"}
	}
	if o.Width == 0 {
		o.Width, o.Height = 16*vg.Centimeter, 10*vg.Centimeter
	}
	var written []string
	save := func(p *plot.Plot, name string) error {
		select {
		case <-o.Stop:
			return ErrInterrupted
		default:
		}
		for _, f := range o.Formats {
			var wt io.WriterTo
			if f == "png" && o.DPI > 0 {
				// gonum's WriterTo draws PNGs at 96 dpi: too coarse for
				// slides and papers (issue 13), so --dpi sets it.
				c := vgimg.NewWith(vgimg.UseWH(o.Width, o.Height), vgimg.UseDPI(o.DPI))
				p.Draw(draw.New(c))
				wt = vgimg.PngCanvas{Canvas: c}
			} else {
				var err error
				if wt, err = p.WriterTo(o.Width, o.Height, f); err != nil {
					return fmt.Errorf("sweep: plot format %q: %v; valid: svg, png, pdf, eps, jpg, tif", f, err)
				}
			}
			var buf bytes.Buffer
			if _, err := wt.WriteTo(&buf); err != nil {
				return err
			}
			data := buf.Bytes()
			if f == "pdf" {
				data = vplot.StablePDF(data) // fpdf stamps the wall clock
			}
			file := name + "." + f
			path, err := reports.FileInDir(dir, file)
			if err != nil {
				return err
			}
			if err := reports.WriteFileAtomic(path, func(w io.Writer) error {
				_, err := w.Write(data)
				return err
			}); err != nil {
				return err
			}
			written = append(written, file)
		}
		return nil
	}
	for _, base := range s.bases() {
		if skipPlot[base] {
			continue
		}
		p, err := s.againstParam([]string{base}, o)
		if err != nil {
			return written, err
		}
		if p == nil {
			continue
		}
		if err := save(p, base); err != nil {
			return written, err
		}
	}
	if o.CDF != "" {
		// An unknown --cdf metric was silently ignored (issue 13).
		if !slices.Contains(s.bases(), o.CDF) {
			return written, fmt.Errorf("sweep: --cdf metric %q is not a numeric metric of this sweep%s; valid: %s, or \"\" for none", o.CDF, suggestMetric(o.CDF, s.bases()), strings.Join(s.bases(), ", "))
		}
		p, err := s.cdf(o.CDF, o)
		if err != nil {
			return written, err
		}
		if p != nil {
			if err := save(p, "cdf_"+o.CDF); err != nil {
				return written, err
			}
		}
	}
	if len(o.Figure) > 0 {
		for _, b := range o.Figure {
			if !slices.Contains(s.bases(), b) {
				return written, fmt.Errorf("sweep: --figure metric %q is not a numeric metric of this sweep; valid: %s", b, strings.Join(s.bases(), ", "))
			}
		}
		p, err := s.againstParam(o.Figure, o)
		if err != nil {
			return written, err
		}
		if p != nil {
			if err := save(p, "figure"); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// bases lists the numeric metric base names in header order.
func (s *Summary) bases() []string {
	var out []string
	for i, m := range s.Header.Metrics {
		b := BaseName(m)
		if s.Numeric[i] && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// xAxis turns the first parameter's values into x coordinates: seconds
// for durations, the number for numbers, or positions 0, 1, 2... with the
// values as tick labels.
type xAxis struct {
	label   string
	x       map[string]float64
	nominal []string
	ticks   []plot.Tick // a tick at each value, when there are few
}

func (s *Summary) xAxis() xAxis {
	name := s.Header.Params[0]
	var vals []string
	for _, p := range s.Points {
		if !slices.Contains(vals, p.Params[0]) {
			vals = append(vals, p.Params[0])
		}
	}
	ax := xAxis{label: paramLabel(name), x: map[string]float64{}}
	allNum, allDur := true, true
	for _, v := range vals {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			allNum = false
		}
		if _, err := time.ParseDuration(v); err != nil {
			allDur = false
		}
	}
	for i, v := range vals {
		switch {
		case allNum:
			ax.x[v], _ = strconv.ParseFloat(v, 64)
		case allDur:
			d, _ := time.ParseDuration(v)
			ax.x[v] = d.Seconds()
		default:
			ax.x[v] = float64(i)
		}
	}
	switch {
	case allNum:
	case allDur:
		ax.label += " (s)"
	default:
		ax.nominal = vals
	}
	if ax.nominal == nil && len(vals) <= 12 {
		for _, v := range vals {
			ax.ticks = append(ax.ticks, plot.Tick{Value: ax.x[v], Label: v})
		}
	}
	return ax
}

// paramLabel shortens "nodes.r1.vrrp.VI_1.advert_int,nodes.r2.vrrp.VI_1.advert_int"
// to "advert_int" when the paths share their last key (the CSV column
// keeps the full paths).
func paramLabel(name string) string {
	paths := strings.Split(name, ",")
	if len(paths) == 1 {
		return name
	}
	last := paths[0][strings.LastIndexByte(paths[0], '.')+1:]
	for _, p := range paths {
		if p[strings.LastIndexByte(p, '.')+1:] != last {
			return name
		}
	}
	return last
}

func unitLabel(bases []string) string {
	for _, b := range bases {
		if !strings.HasSuffix(b, "_s") {
			return strings.Join(bases, ", ")
		}
	}
	return "seconds"
}

// series is one line of a plot: a metric column at the points that share
// the values of the other parameters.
type series struct {
	label  string
	metric int
	points []int // indexes into s.Points
}

func (s *Summary) series(bases []string) []series {
	var out []series
	for _, base := range bases {
		for i, m := range s.Header.Metrics {
			if BaseName(m) != base || !s.Numeric[i] {
				continue
			}
			byRest := map[string]int{}
			for pi, p := range s.Points {
				rest := ""
				for j := 1; j < len(p.Params); j++ {
					if s.varies(j) {
						rest += " " + paramLabel(s.Header.Params[j]) + "=" + p.Params[j]
					}
				}
				k, ok := byRest[rest]
				if !ok {
					label := base
					if len(bases) == 1 {
						label = ""
					}
					if k := Key(m); k != "" {
						label += " (" + k + ")"
					}
					label = strings.TrimSpace(label + rest)
					k = len(out)
					byRest[rest] = k
					out = append(out, series{label: label, metric: i})
				}
				out[k].points = append(out[k].points, pi)
			}
		}
	}
	return out
}

// varies tells whether parameter j takes more than one value.
func (s *Summary) varies(j int) bool {
	for _, p := range s.Points {
		if p.Params[j] != s.Points[0].Params[j] {
			return true
		}
	}
	return false
}

// againstParam plots the given metrics against the first parameter, or
// returns nil if no point has a value.
func (s *Summary) againstParam(bases []string, o PlotOptions) (*plot.Plot, error) {
	ax := s.xAxis()
	ss := s.series(bases)
	p := plot.New()
	p.Title.Text = strings.Join(bases, ", ")
	if o.Title != "" {
		p.Title.Text = o.Title + ": " + p.Title.Text
	}
	p.X.Label.Text = ax.label
	p.Y.Label.Text = unitLabel(bases)
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	any := false
	for k, se := range ss {
		var med, p95, lo, hi plotter.XYs
		for _, pi := range se.points {
			pt := s.Points[pi]
			st := pt.Stats[se.metric]
			if st.N == 0 {
				continue
			}
			x := ax.x[pt.Params[0]]
			med = append(med, plotter.XY{X: x, Y: float64(st.Median) / nano})
			p95 = append(p95, plotter.XY{X: x, Y: float64(st.P95) / nano})
			lo = append(lo, plotter.XY{X: x, Y: float64(st.Min) / nano})
			hi = append(hi, plotter.XY{X: x, Y: float64(st.Max) / nano})
		}
		if len(med) == 0 {
			continue
		}
		any = true
		for _, xy := range []plotter.XYs{med, p95, lo, hi} {
			slices.SortStableFunc(xy, func(a, b plotter.XY) int {
				switch {
				case a.X < b.X:
					return -1
				case a.X > b.X:
					return 1
				}
				return 0
			})
		}
		c := plotutil.Color(k)
		band := append(slices.Clone(lo), reversed(hi)...)
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color = translucent(c)
		poly.LineStyle.Width = 0
		ml, mp, err := plotter.NewLinePoints(med)
		if err != nil {
			return nil, err
		}
		ml.Color, mp.Color = c, c
		ml.Width = vg.Points(1.5)
		mp.Shape = plotutil.Shape(k)
		pl, err := plotter.NewLine(p95)
		if err != nil {
			return nil, err
		}
		pl.Color = c
		pl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(poly, ml, mp, pl)
		label := se.label
		if label == "" {
			label = "median"
		}
		p.Legend.Add(label, poly, ml, mp)
	}
	if !any {
		return nil, nil
	}
	// One key for the styles every series shares.
	kp, _ := plotter.NewLine(plotter.XYs{{}, {}})
	kp.Color = color.Gray{Y: 90}
	kp.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	kb, _ := plotter.NewPolygon(plotter.XYs{{}, {}, {}})
	kb.Color = color.Gray{Y: 215}
	kb.LineStyle.Width = 0
	p.Legend.Add("line: median, dashed: p95, band: min-max", kb, kp)
	if ax.nominal != nil {
		p.NominalX(ax.nominal...)
		p.X.Label.Text = ax.label
	}
	if ax.ticks != nil {
		p.X.Tick.Marker = plot.ConstantTicks(ax.ticks)
	}
	if ax.nominal == nil { // keep the end points and their tick labels off the frame
		pad := (p.X.Max - p.X.Min) * 0.03
		p.X.Min, p.X.Max = p.X.Min-pad, p.X.Max+pad
	}
	p.Y.Min = min(p.Y.Min, 0)
	p.Y.Max += (p.Y.Max - p.Y.Min) * 0.12 * float64(len(ss)+1) // room for the legend above the data
	return p, nil
}

// cdf plots the empirical CDF of a metric over the runs of each grid point
// (one step line per point and metric key, up to 12; beyond that the runs
// of all points pooled per key).
func (s *Summary) cdf(base string, o PlotOptions) (*plot.Plot, error) {
	type line struct {
		label string
		vals  []int64
	}
	var lines []line
	var cols []int
	for i, m := range s.Header.Metrics {
		if BaseName(m) == base && s.Numeric[i] {
			cols = append(cols, i)
		}
	}
	pooled := len(cols)*len(s.Points) > 12
	for _, c := range cols {
		var all []int64
		for _, pt := range s.Points {
			if pooled {
				all = append(all, expand(pt.Sample[c])...)
				continue
			}
			label := ""
			for j, v := range pt.Params {
				if s.varies(j) {
					label += " " + paramLabel(s.Header.Params[j]) + "=" + v
				}
			}
			if len(cols) > 1 {
				label = Key(s.Header.Metrics[c]) + label
			}
			lines = append(lines, line{strings.TrimSpace(label), expand(pt.Sample[c])})
		}
		if pooled {
			slices.Sort(all)
			label := "all points"
			if len(cols) > 1 {
				label = Key(s.Header.Metrics[c]) + " " + label
			}
			lines = append(lines, line{label, all})
		}
	}
	p := plot.New()
	p.Title.Text = "CDF of " + base + " over runs"
	if o.Title != "" {
		p.Title.Text = o.Title + ": " + p.Title.Text
	}
	p.X.Label.Text = base
	if strings.HasSuffix(base, "_s") {
		p.X.Label.Text += " (s)"
	}
	p.Y.Label.Text = "fraction of runs"
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = false
	any := false
	for k, l := range lines {
		if len(l.vals) == 0 {
			continue
		}
		any = true
		xy := make(plotter.XYs, 0, len(l.vals)+1)
		xy = append(xy, plotter.XY{X: float64(l.vals[0]) / nano, Y: 0})
		for i, v := range l.vals {
			xy = append(xy, plotter.XY{X: float64(v) / nano, Y: float64(i+1) / float64(len(l.vals))})
		}
		ln, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		ln.StepStyle = plotter.PostStep
		ln.Color = plotutil.Color(k)
		ln.Width = vg.Points(1.5)
		ln.Dashes = plotutil.Dashes(k / 7)
		p.Add(ln)
		p.Legend.Add(l.label, ln)
	}
	if !any {
		return nil, nil
	}
	p.Y.Min, p.Y.Max = 0, 1
	pad := (p.X.Max - p.X.Min) * 0.05
	if pad == 0 {
		pad = 0.5
	}
	p.X.Min, p.X.Max = p.X.Min-pad, p.X.Max+pad
	return p, nil
}

func reversed(xy plotter.XYs) plotter.XYs {
	out := slices.Clone(xy)
	slices.Reverse(out)
	return out
}

func translucent(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 56}
}

// suggestMetric names the metric closest to a misspelt one (same prefix
// or one of the names containing it), or "".
func suggestMetric(bad string, names []string) string {
	for _, n := range names {
		if strings.HasPrefix(n, bad) || strings.HasPrefix(bad, n) || strings.Contains(n, bad) {
			return fmt.Sprintf(" (did you mean %q?)", n)
		}
	}
	return ""
}
