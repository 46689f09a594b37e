package diagram

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Topology is what a network diagram shows, filled by cmd from a
// scenario (and, for roles, from a run up to a chosen time).
type Topology struct {
	Name     string
	Caption  string // e.g. "roles at 12s"; "" for none
	Segments []Segment
	Nodes    []Node
}

// Segment is a LAN (a learning switch), drawn as a bus.
type Segment struct {
	Name  string
	Notes []string // one line each after the name: VRRP groups and VIPs on it
}

// Node is a router, host, server or director.
type Node struct {
	Name   string
	Kind   string // router, host, server, director
	Client bool   // a traffic source: clients seed the layering (top row)
	Down   bool   // crashed at the diagram's time
	Ifaces []Iface
	Groups []Group  // VRRP instances
	Lines  []string // anything else worth a line (virtual services...)
}

// Iface is a node's interface on a segment.
type Iface struct {
	Name, Segment string
	Addrs         []string
}

// Group is one VRRP instance of a router.
type Group struct {
	Instance string
	VRID     int
	Priority int
	VIPs     []string
	Role     string // MASTER, BACKUP, FAULT, INIT or "" (unknown)
}

// Colours (Material-like, readable in print and told apart in a
// screenshot test).
var (
	kindFill = map[string]string{"router": "#e8f0fe", "host": "#f1f3f4", "server": "#fef7e0", "director": "#f3e8fd"}
	roleFill = map[string]string{"MASTER": "#34a853", "BACKUP": "#4285f4", "FAULT": "#ea4335", "INIT": "#9aa0a6"}
)

const (
	busColor  = "#5f6368"
	textColor = "#202124"
	downFill  = "#fce8e6"
	boxPad    = 8.0
)

func (g Group) line() string {
	s := fmt.Sprintf("%s vrid %d prio %d", g.Instance, g.VRID, g.Priority)
	if g.Role != "" {
		s += " " + g.Role
	}
	return s
}

func (i Iface) label() string {
	if len(i.Addrs) == 0 {
		return i.Name
	}
	return i.Name + " " + strings.Join(i.Addrs, ",")
}

func (n Node) lines() []string {
	kind := n.Kind
	if n.Down {
		kind += " (down)"
	}
	out := []string{n.Name, kind}
	for _, g := range n.Groups {
		out = append(out, g.line())
	}
	return append(out, n.Lines...)
}

func (s Segment) label() string {
	if len(s.Notes) == 0 {
		return s.Name
	}
	return s.Name + ": " + strings.Join(s.Notes, "; ")
}

// topoLayout is a laid-out topology: vertex 0..len(Segments)-1 are the
// segments, then the nodes.
type topoLayout struct {
	t     *Topology
	p     placed
	nseg  int
	segOf map[string]int
}

func (t *Topology) layout() topoLayout {
	g := graph{}
	segOf := map[string]int{}
	for i, s := range t.Segments {
		segOf[s.Name] = i
		g.w = append(g.w, textWidth(s.label())+2*boxPad)
		g.h = append(g.h, lineH+busWidth)
		g.roots = append(g.roots, false)
	}
	anyClient := false
	for _, n := range t.Nodes {
		anyClient = anyClient || n.Client
	}
	for i, n := range t.Nodes {
		v := len(t.Segments) + i
		w, h := n.boxSize()
		g.w = append(g.w, w)
		g.h = append(g.h, h)
		g.roots = append(g.roots, n.Client || (!anyClient && n.Kind == "host"))
		for _, f := range n.Ifaces {
			if s, ok := segOf[f.Segment]; ok {
				g.edges = append(g.edges, [2]int{v, s})
			}
		}
	}
	return topoLayout{t: t, p: g.layout(), nseg: len(t.Segments), segOf: segOf}
}

// drop is one interface's line from its node's box to its segment's bus.
type drop struct {
	x, y1, y2 float64
	label     string
	seg       int
}

// drops places each node's interfaces along its box's top (segments
// above) or bottom (segments below), left to right in the order of the
// segments in the layer so lines do not cross inside the box.
func (L topoLayout) drops() []drop {
	var out []drop
	pos := positions(L.p.order, len(L.p.layer))
	for i, n := range L.t.Nodes {
		v := L.nseg + i
		var up, down []Iface
		for _, f := range n.Ifaces {
			s, ok := L.segOf[f.Segment]
			if !ok {
				continue
			}
			if L.p.layer[s] < L.p.layer[v] {
				up = append(up, f)
			} else {
				down = append(down, f)
			}
		}
		w, h := n.boxSize()
		for _, side := range [][]Iface{up, down} {
			sortIfacesBySegment(side, L.segOf, pos)
			// Each drop's label runs right of it, inside the box's width
			// (boxSize made room for them side by side).
			x := L.p.cx[v] - w/2 + boxPad
			for _, f := range side {
				s := L.segOf[f.Segment]
				y1 := L.p.cy[v] - h/2
				if L.p.layer[s] > L.p.layer[v] {
					y1 = L.p.cy[v] + h/2
				}
				out = append(out, drop{x: x, y1: y1, y2: L.busY(s), label: f.label(), seg: s})
				x += textWidth(f.label()) + 12
			}
		}
	}
	return out
}

func sortIfacesBySegment(fs []Iface, segOf map[string]int, pos []int) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && pos[segOf[fs[j].Segment]] < pos[segOf[fs[j-1].Segment]]; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// boxSize fits the node's lines, and its interface labels side by side
// under (or over) it.
func (n Node) boxSize() (w, h float64) {
	for _, l := range n.lines() {
		w = max(w, textWidth(l))
	}
	var side float64
	for _, f := range n.Ifaces {
		side += textWidth(f.label()) + 12
	}
	return max(w+2*boxPad, side), float64(len(n.lines()))*lineH + 2*boxPad
}

// busY is the y of a segment's bar (its label sits above it).
func (L topoLayout) busY(s int) float64 { return L.p.cy[s] + lineH/2 }

// scene draws the laid-out topology.
func (L topoLayout) scene() *scene {
	sc := &scene{}
	drops := L.drops()
	// Buses span their label and every interface that drops onto them.
	for s, seg := range L.t.Segments {
		// The label sits left of the first drop, so no line crosses it.
		lo, hi := L.p.cx[s], L.p.cx[s]
		for _, d := range drops {
			if d.seg == s {
				lo, hi = min(lo, d.x), max(hi, d.x)
			}
		}
		x0, x1 := lo-textWidth(seg.label())-2*boxPad, hi+boxPad
		y := L.busY(s)
		sc.rect(x0, y-busWidth/2, x1-x0, busWidth, busColor, "", "bus segment-"+seg.Name)
		sc.text(x0, y-busWidth/2-3, seg.Name, "start", textColor, true, "bus-label")
		if len(seg.Notes) > 0 {
			sc.text(x0+textWidth(seg.Name+" "), y-busWidth/2-3, strings.Join(seg.Notes, "; "), "start", textColor, false, "bus-note")
		}
	}
	for _, d := range drops {
		sc.line(d.x, d.y1, d.x, d.y2, busColor, 1.5, false, "link")
		sc.text(d.x+4, (d.y1+d.y2)/2+4, d.label, "start", textColor, false, "link-label")
	}
	for i, n := range L.t.Nodes {
		v := L.nseg + i
		w, h := n.boxSize()
		x, y := L.p.cx[v]-w/2, L.p.cy[v]-h/2
		fill := kindFill[n.Kind]
		if fill == "" {
			fill = kindFill["host"]
		}
		if n.Down {
			fill = downFill
		}
		sc.rect(x, y, w, h, fill, busColor, "node "+n.Kind)
		ty := y + boxPad + lineH - 3
		sc.text(x+boxPad, ty, n.Name, "start", textColor, true, "node-name")
		ty += lineH
		kind := n.Kind
		if n.Down {
			kind += " (down)"
		}
		sc.text(x+boxPad, ty, kind, "start", textColor, false, "node-kind")
		for _, g := range n.Groups {
			ty += lineH
			if c := roleFill[g.Role]; c != "" {
				sc.rect(x+2, ty-lineH+3, w-4, lineH, c, "", "role role-"+strings.ToLower(g.Role))
				sc.text(x+boxPad, ty, g.line(), "start", "#ffffff", true, "group")
			} else {
				sc.text(x+boxPad, ty, g.line(), "start", textColor, false, "group")
			}
		}
		for _, l := range n.Lines {
			ty += lineH
			sc.text(x+boxPad, ty, l, "start", textColor, false, "node-line")
		}
	}
	sc.fit()
	if L.t.Caption != "" {
		sc.h += lineH
		sc.text(margin, sc.h-margin, L.t.Caption, "start", textColor, false, "caption")
	}
	return sc
}

// WriteSVG lays the topology out and writes it as SVG.
func (t *Topology) WriteSVG(w io.Writer) error {
	return t.layout().scene().writeSVG(w, t.Name)
}

// WritePNG lays the topology out and writes it as PNG at dpi.
func (t *Topology) WritePNG(w io.Writer, dpi int) error {
	return t.layout().scene().writePNG(w, dpi)
}

// id makes a name safe as a DOT or Mermaid identifier.
func id(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteString("_" + strconv.Itoa(int(r)) + "_")
		}
	}
	return b.String()
}

// nodeFill is the fill of a node in DOT and Mermaid: its kind's colour,
// or the role colour of its first instance with a known role.
func (n Node) fill() string {
	if n.Down {
		return downFill
	}
	for _, g := range n.Groups {
		if c := roleFill[g.Role]; c != "" {
			return c
		}
	}
	if c := kindFill[n.Kind]; c != "" {
		return c
	}
	return kindFill["host"]
}

// WriteDOT writes the topology as a Graphviz graph (dot lays it out with
// the same layered method), for docs and for people who use Graphviz.
func (t *Topology) WriteDOT(w io.Writer) error {
	var b bytes.Buffer
	q := strconv.Quote
	fmt.Fprintf(&b, "graph %s {\n", q(t.Name))
	b.WriteString("  graph [rankdir=TB, fontname=\"monospace\"")
	if t.Caption != "" {
		fmt.Fprintf(&b, ", label=%s", q(t.Caption))
	}
	b.WriteString("];\n  node [fontname=\"monospace\", fontsize=10, shape=box, style=\"rounded,filled\"];\n  edge [fontname=\"monospace\", fontsize=9];\n")
	for _, s := range t.Segments {
		fmt.Fprintf(&b, "  %s [label=%s, shape=box, style=filled, fillcolor=%s, fontcolor=\"#ffffff\", height=0.2];\n",
			id("seg_", s.Name), q(strings.Join(append([]string{s.Name}, s.Notes...), "\n")), q(busColor))
	}
	for _, n := range t.Nodes {
		fmt.Fprintf(&b, "  %s [label=%s, fillcolor=%s];\n", id("node_", n.Name), q(strings.Join(n.lines(), "\n")), q(n.fill()))
	}
	for _, n := range t.Nodes {
		for _, f := range n.Ifaces {
			fmt.Fprintf(&b, "  %s -- %s [label=%s];\n", id("node_", n.Name), id("seg_", f.Segment), q(f.label()))
		}
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteMermaid writes the topology as a Mermaid flowchart (rendered by
// GitHub and most doc sites).
func (t *Topology) WriteMermaid(w io.Writer) error {
	var b bytes.Buffer
	mq := func(s string) string { return strings.ReplaceAll(esc(s), "\n", "<br/>") }
	b.WriteString("flowchart TB\n")
	if t.Caption != "" {
		fmt.Fprintf(&b, "  %%%% %s\n", t.Caption)
	}
	for _, s := range t.Segments {
		fmt.Fprintf(&b, "  %s[[\"%s\"]]\n", id("seg_", s.Name), mq(strings.Join(append([]string{s.Name}, s.Notes...), "\n")))
	}
	for _, n := range t.Nodes {
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", id("node_", n.Name), mq(strings.Join(n.lines(), "\n")))
	}
	for _, n := range t.Nodes {
		for _, f := range n.Ifaces {
			fmt.Fprintf(&b, "  %s ---|\"%s\"| %s\n", id("node_", n.Name), mq(f.label()), id("seg_", f.Segment))
		}
	}
	for _, s := range t.Segments {
		fmt.Fprintf(&b, "  style %s fill:%s,color:#ffffff\n", id("seg_", s.Name), busColor)
	}
	for _, n := range t.Nodes {
		fmt.Fprintf(&b, "  style %s fill:%s\n", id("node_", n.Name), n.fill())
	}
	_, err := w.Write(b.Bytes())
	return err
}
