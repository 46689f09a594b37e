package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/reports/diagram"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

const graphUsage = `usage: vrrpsim graph [SCENARIO] [flags]

Draws the network of SCENARIO: segments as buses, routers, hosts,
directors and servers with their addresses, VRRP groups with their VIPs.
The layout is computed (layered, as Graphviz dot does), never placed by
hand. With --at the scenario runs up to that time and each VRRP instance
is coloured by its state then (MASTER green, BACKUP blue, FAULT red);
crashed nodes are shown down.

Formats: svg (default), png, dot (Graphviz), mermaid. The format follows
-o's extension (.svg .png .dot .gv .mmd) unless --format says otherwise;
with no -o the picture goes to stdout.

flags:
`

func cmdGraph(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("graph", stdout, graphUsage)
	out := fs.StringP("output", "o", "", "write to this file instead of stdout")
	format := fs.String("format", "", "svg, png, dot or mermaid (default: from -o's extension, else svg)")
	at := fs.String("at", "", "colour VRRP roles as they are at this virtual time (runs the scenario up to it), e.g. 12s")
	seed := fs.Uint64("seed", 0, "random seed for --at (overrides the scenario's seed)")
	dpi := fs.Int("dpi", 96, "PNG resolution in dots per inch")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("graph takes one scenario, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
	}
	f, err := graphFormat(*format, *out)
	if err != nil {
		return err
	}
	if *dpi < 10 || *dpi > 1200 {
		return usagef("--dpi %d: want 10..1200", *dpi)
	}
	sc, err := loadScenario(fs.Arg(0))
	if err != nil {
		return err
	}
	var res *simResult
	var when time.Duration
	if *at != "" {
		d, err := scenarios.ParseDuration(*at)
		if err != nil || d < 0 {
			return usagef("--at %q: want a duration such as 12s", *at)
		}
		opts, err := runFlags(fs, *seed, "")
		if err != nil {
			return err
		}
		when, opts.until = d, d
		if d == 0 {
			opts.until = 1 // run the boot events at time 0
		}
		if res, err = simulate(sc, opts); err != nil {
			return err
		}
	}
	topo := topologyOf(sc, res, when)
	write := func(w io.Writer) error {
		switch f {
		case "png":
			return topo.WritePNG(w, *dpi)
		case "dot":
			return topo.WriteDOT(w)
		case "mermaid":
			return topo.WriteMermaid(w)
		}
		return topo.WriteSVG(w)
	}
	return writeOut(*out, stdout, write)
}

func graphFormat(format, out string) (string, error) {
	if format == "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".png":
			return "png", nil
		case ".dot", ".gv":
			return "dot", nil
		case ".mmd", ".mermaid":
			return "mermaid", nil
		}
		return "svg", nil
	}
	switch format {
	case "svg", "png", "dot", "mermaid":
		return format, nil
	}
	return "", usagef("--format %q: want svg, png, dot or mermaid", format)
}

// topologyOf turns the scenario into the diagram's plain data, in file
// order. With a run (res), each instance's role is its last state at or
// before at, and a node crashed then (and not restarted) is down.
func topologyOf(sc *scenarios.Scenario, res *simResult, at time.Duration) *diagram.Topology {
	t := &diagram.Topology{Name: sc.Name}
	roles := map[[2]string]string{}
	down := map[string]bool{}
	if res != nil {
		t.Caption = "roles at " + at.String()
		for _, tr := range res.report.Transitions {
			if sim.Time(tr.At) <= sim.Time(at) {
				roles[[2]string{tr.Node, tr.Instance}] = tr.To
			}
		}
		for _, ev := range sc.Timeline {
			if ev.At > sim.Time(at) {
				continue
			}
			switch ev.Action.Kind {
			case scenarios.ActCrash:
				down[ev.Action.Node] = true
			case scenarios.ActRestart:
				down[ev.Action.Node] = false
			}
		}
	}
	segNotes := map[string][]string{}
	noted := map[string]bool{}
	for _, n := range sc.Nodes {
		seg := map[string]string{}
		for _, i := range n.Interfaces {
			seg[i.Name] = i.Segment
		}
		for _, in := range n.VRRP {
			var vips []string
			for _, v := range in.VirtualIPs {
				vips = append(vips, v.Addr().String())
			}
			note := fmt.Sprintf("VRID %d %s", in.VRID, strings.Join(vips, ","))
			if s := seg[in.Interface]; s != "" && !noted[s+note] {
				noted[s+note] = true
				segNotes[s] = append(segNotes[s], note)
			}
		}
	}
	for _, s := range sc.Segments {
		t.Segments = append(t.Segments, diagram.Segment{Name: s.Name, Notes: segNotes[s.Name]})
	}
	for _, n := range sc.Nodes {
		d := diagram.Node{Name: n.Name, Kind: string(n.Kind), Client: len(n.Traffic) > 0 && n.Kind == scenarios.KindHost, Down: down[n.Name]}
		if len(n.VirtualServers) > 0 {
			d.Kind = "director"
		}
		for _, i := range n.Interfaces {
			if i.Segment == "" {
				continue
			}
			f := diagram.Iface{Name: i.Name, Segment: i.Segment}
			for _, a := range i.Addresses {
				f.Addrs = append(f.Addrs, a.String())
			}
			d.Ifaces = append(d.Ifaces, f)
		}
		for _, in := range n.VRRP {
			g := diagram.Group{Instance: in.Name, VRID: in.VRID, Priority: in.Priority, Role: roles[[2]string{n.Name, in.Name}]}
			if res == nil {
				g.Role = "" // the scenario alone says nothing of roles
			}
			if down[n.Name] {
				g.Role = ""
			}
			d.Groups = append(d.Groups, g)
		}
		for _, vs := range n.VirtualServers {
			d.Lines = append(d.Lines, fmt.Sprintf("VS %s %s %s (%d reals)", vs.Name, vs.LBAlgo, vs.LBKind, len(vs.Reals)))
		}
		for _, s := range n.Services {
			d.Lines = append(d.Lines, "tcp/"+strconv.Itoa(s.Port))
		}
		t.Nodes = append(t.Nodes, d)
	}
	return t
}
