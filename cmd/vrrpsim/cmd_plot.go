package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/reports/plot"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

const plotUsage = `usage: vrrpsim plot [SCENARIO] --out DIR [flags]

Runs SCENARIO (a .yaml file or a built-in name; default master-crash) and
writes its plots into DIR: state.svg (VRRP state per router and instance,
actions, split brain), arp.svg (which router each host's ARP entry and each
switch's FDB entry points at), traffic.svg (packets delivered and lost per
time bin, outages), and the plotted series as state.csv, arp.csv and
traffic.csv. A scenario with a director or nginx also gets load.svg
(connections or requests per real server over time) and latency.svg (the
clients' latency CDF); one with health checks gets health.svg (each real
server in or out of the IPVS table, a tick per probe), each with its .csv.
--format png or pdf writes .png or .pdf images instead.
The exit status does not depend on the scenario's expectations.

flags:
`

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plot", stdout, plotUsage)
	out := fs.String("out", "", "directory to write the plots and CSV series into (created if missing)")
	format := fs.String("format", "svg", "image format: svg, png or pdf (as sweep)")
	dpi := fs.Int("dpi", plot.DefaultDPI, "PNG resolution in dots per inch (10..1200)")
	seed := fs.Uint64("seed", 0, "random seed (overrides the scenario's seed)")
	until := fs.String("until", "", "stop the run at this virtual time (e.g. 20s) instead of the scenario's duration")
	sequence := fs.String("sequence", "", "also draw a message sequence chart around this timeline action (e.g. 'crash r1') as sequence.svg/png")
	window := fs.Duration("window", 5*time.Second, "with --sequence: how long after the action to chart (and a fifth of it before)")
	traceFilter := fs.String("trace-filter", "", "with --sequence: chart only what matches, e.g. 'vrrp or arp' (docs/diagrams.md)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("plot takes one scenario, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
	}
	if *out == "" && *sequence == "" {
		return usagef("plot: --out DIR is required (or --sequence ACTION alone, to write that chart to stdout)")
	}
	f, err := plot.ParseFormat(*format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if *dpi < 10 || *dpi > 1200 {
		return usagef("--dpi %d: want 10..1200", *dpi)
	}
	if f == plot.PDF && *sequence != "" {
		// The sequence chart (reports/diagram) draws SVG or PNG only.
		return usagef("--sequence draws svg or png, not pdf; run it again with --format svg or png")
	}
	sc, err := loadScenario(fs.Arg(0))
	if err != nil {
		return err
	}
	opts, err := runFlags(fs, *seed, *until)
	if err != nil {
		return err
	}
	if *out == "" {
		// plot FILE --sequence 'crash r1' --window 5s: the one chart, on
		// stdout (SVG, or PNG with --format png).
		opts.see.filter = *traceFilter
		if *window <= 0 {
			return usagef("--window %s: want a positive duration", *window)
		}
		q, err := sequenceChart(sc, opts, *sequence, *window)
		if err != nil {
			return err
		}
		if f == plot.PNG {
			return q.WritePNG(stdout, *dpi)
		}
		return q.WriteSVG(stdout)
	}
	res, err := simulate(sc, opts)
	if err != nil {
		return err
	}
	written, err := plot.FromRun(res.report, res.collector).WriteDir(*out, f, *dpi)
	if err != nil {
		return usagef("--out: %v", err)
	}
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	if *sequence != "" {
		opts.see.filter = *traceFilter
		p, err := writeSequence(sc, opts, *sequence, *window, *out, f, *dpi)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// writePlots writes the plots of one run into dir (run --plots): SVG
// images and their CSV series.
func writePlots(res *simResult, dir string) error {
	_, err := plot.FromRun(res.report, res.collector).WriteDir(dir, plot.SVG, plot.DefaultDPI)
	return err
}

// writeHTML writes the self-contained HTML report of one run (run --html).
func writeHTML(sc *scenarios.Scenario, res *simResult, path string) error {
	page, err := htmlPage(sc, res)
	if err != nil {
		return err
	}
	return reports.WriteFileAtomic(path, func(w io.Writer) error { return plot.WriteHTML(w, page) })
}

// htmlPage assembles the report page: the run's plots and metrics, and the
// scenario's topology as tables (the plot package cannot read scenarios).
func htmlPage(sc *scenarios.Scenario, res *simResult) (plot.Page, error) {
	if res == nil || res.report == nil {
		return plot.Page{}, fmt.Errorf("no run to report")
	}
	pg := plot.Page{
		Report:   res.report,
		Topology: topologyTables(sc, res.report),
		Plots:    plot.FromRun(res.report, res.collector),
	}
	return pg, addPictures(&pg, sc, res)
}

// topologyTables lists the scenario's segments, interfaces, VRRP instances
// and traffic flows, in file order.
func topologyTables(sc *scenarios.Scenario, r *reports.Report) []plot.Table {
	macs := map[[2]string]string{}
	for _, i := range r.Interfaces {
		macs[[2]string{i.Node, i.Iface}] = i.MAC
	}
	segs := plot.Table{Caption: "Segments (learning switches)", Head: []string{"segment", "latency", "jitter", "loss", "FDB ageing"}}
	for _, s := range sc.Segments {
		segs.Rows = append(segs.Rows, []string{s.Name, s.Latency.String(), s.Jitter.String(), strconv.FormatFloat(s.Loss*100, 'g', -1, 64) + " %", s.FDBAging.String()})
	}
	ifs := plot.Table{Caption: "Nodes and interfaces", Head: []string{"node", "kind", "interface", "segment", "addresses", "gateway", "MAC"}}
	vrrp := plot.Table{Caption: "VRRP instances", Head: []string{"node", "instance", "interface", "VRID", "priority", "advert_int", "version", "preempt", "virtual IPs", "MAC for VIPs", "tracking"}}
	flows := plot.Table{Caption: "Traffic sources", Head: []string{"flow", "kind", "to", "interval / rate", "start", "stop"}}
	for _, n := range sc.Nodes {
		for _, i := range n.Interfaces {
			var addrs []string
			for _, a := range i.Addresses {
				addrs = append(addrs, a.String())
			}
			gw := ""
			if i.Gateway.IsValid() {
				gw = i.Gateway.String()
			}
			ifs.Rows = append(ifs.Rows, []string{n.Name, string(n.Kind), i.Name, i.Segment, strings.Join(addrs, ", "), gw, macs[[2]string{n.Name, i.Name}]})
		}
		for _, in := range n.VRRP {
			var vips, tracks []string
			for _, v := range in.VirtualIPs {
				vips = append(vips, v.String())
			}
			for _, t := range in.TrackInterfaces {
				tracks = append(tracks, fmt.Sprintf("interface %s weight %d", t.Name, t.Weight))
			}
			for _, t := range in.TrackScripts {
				tracks = append(tracks, fmt.Sprintf("script %s weight %d", t.Name, t.Weight))
			}
			preempt := "yes"
			switch {
			case in.NoPreempt:
				preempt = "nopreempt"
			case in.PreemptDelay > 0:
				preempt = "delay " + in.PreemptDelay.String()
			}
			vipMAC := "interface MAC"
			if in.UseVMAC {
				vipMAC = fmt.Sprintf("use_vmac 00:00:5e:00:01:%02x", in.VRID)
			}
			vrrp.Rows = append(vrrp.Rows, []string{
				n.Name, in.Name, in.Interface, strconv.Itoa(in.VRID), strconv.Itoa(in.Priority), in.AdvertInt.String(),
				strconv.Itoa(in.Version), preempt, strings.Join(vips, ", "), vipMAC, strings.Join(tracks, "; "),
			})
		}
		for _, f := range n.Traffic {
			rate := f.Interval.String()
			if f.Kind == scenarios.FlowStream {
				rate = strconv.FormatFloat(f.Rate, 'g', -1, 64) + " pkt/s"
			}
			stop := "end of run"
			if f.Stop > 0 {
				stop = time.Duration(f.Stop).String()
			}
			flows.Rows = append(flows.Rows, []string{f.Name, string(f.Kind), f.To.String(), rate, time.Duration(f.Start).String(), stop})
		}
	}
	return []plot.Table{segs, ifs, vrrp, flows}
}
