package plot

import (
	"cmp"
	"image/color"
	"io"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// ARPData is the ARP and FDB convergence of a run: for each host's
// neighbour entry that ever pointed at a VRRP router or a virtual MAC, who
// it pointed at over time (Kind "arp", Value = owner: a node name or
// "vmac:VRID"); for each switch, the port it learned each virtual MAC or
// VRRP router's MAC on (Kind "fdb", Value = port "NODE/IFACE").
type ARPData struct {
	End     sim.Time
	Rows    []Row
	Actions []Marker
}

// ARP derives the ARP/FDB series from a report and the collector that
// made it. Spans of an ARP row cover the times the entry had a link
// address (not INCOMPLETE or FAILED); spans of an FDB row the times the
// switch had the MAC in its table (a "aged" record ends one).
func ARP(r *reports.Report, c *reports.Collector) ARPData {
	d := ARPData{End: sim.Time(r.Duration), Actions: actionMarkers(r), Rows: []Row{}}
	routers := map[string]bool{}
	for _, t := range r.Transitions {
		routers[t.Node] = true
	}
	for _, a := range r.Adverts {
		routers[a.Node] = true
	}
	vrrpOwner := func(o string) bool { return routers[o] || strings.HasPrefix(o, "vmac") }

	for _, h := range c.NeighHistories() {
		// A router's own cache (for hosts, for its peer) is not what
		// failover convergence is about: hosts finding the gateway is.
		if routers[h.Host] || !slices.ContainsFunc(h.Changes, func(ch reports.ARPChange) bool { return vrrpOwner(ch.Owner) }) {
			continue
		}
		row := Row{Kind: "arp", Label: h.Host + ": ARP " + h.IP}
		var cur *Span
		for _, ch := range h.Changes {
			at := sim.Time(ch.At)
			own := ch.Owner
			if ch.State == "FAILED" || ch.State == "NONE" || ch.State == "INCOMPLETE" {
				own = ""
			}
			if cur != nil && cur.Value == own {
				continue
			}
			if cur != nil {
				cur.End = at
				row.Spans = appendSpan(row.Spans, *cur)
				cur = nil
			}
			if own != "" {
				cur = &Span{Start: at, Value: own}
			}
		}
		if cur != nil {
			cur.End = d.End
			row.Spans = appendSpan(row.Spans, *cur)
		}
		d.Rows = append(d.Rows, row)
	}

	for _, seg := range r.FDB {
		type macRow struct {
			mac, owner string
			cur        *Span
			row        Row
		}
		var rows []*macRow
		byMAC := map[string]*macRow{}
		for _, ch := range seg.Changes {
			m := byMAC[ch.MAC]
			if m == nil {
				m = &macRow{mac: ch.MAC, owner: ch.Owner}
				m.row = Row{Kind: "fdb", Label: seg.Segment + ": FDB " + fdbLabel(ch.Owner, ch.MAC)}
				byMAC[ch.MAC] = m
				rows = append(rows, m)
			}
			at := sim.Time(ch.At)
			if m.cur != nil && m.cur.Value == ch.Port {
				continue
			}
			if m.cur != nil {
				m.cur.End = at
				m.row.Spans = appendSpan(m.row.Spans, *m.cur)
				m.cur = nil
			}
			if ch.Port != "" {
				m.cur = &Span{Start: at, Value: ch.Port}
			}
		}
		slices.SortFunc(rows, func(x, y *macRow) int { return cmp.Or(cmp.Compare(x.owner, y.owner), cmp.Compare(x.mac, y.mac)) })
		for _, m := range rows {
			if m.cur != nil {
				m.cur.End = d.End
				m.row.Spans = appendSpan(m.row.Spans, *m.cur)
			}
			d.Rows = append(d.Rows, m.row)
		}
	}
	return d
}

// fdbLabel names a MAC by its owner: "vmac:51" or "r1 02:00:00:00:01:01".
func fdbLabel(owner, mac string) string {
	if strings.HasPrefix(owner, "vmac") || owner == "" || owner == mac {
		if owner == "" {
			return mac
		}
		return owner
	}
	return owner + " MAC"
}

// colourKey is what a span is coloured by: the owner of an ARP entry, the
// node of an FDB port ("r1/eth0" -> "r1"), so both name a router alike.
func colourKey(r Row, s Span) string {
	if r.Kind == "fdb" {
		node, _, _ := strings.Cut(s.Value, "/")
		return node
	}
	return s.Value
}

// colours assigns palette colours to the sorted colour keys.
func (d ARPData) colours() (keys []string, col map[string]color.Color) {
	col = map[string]color.Color{}
	for _, r := range d.Rows {
		for _, s := range r.Spans {
			k := colourKey(r, s)
			if _, ok := col[k]; !ok {
				col[k] = nil
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		col[k] = palette[i%len(palette)]
	}
	return keys, col
}

// WriteCSV writes the plotted series: one line per span.
func (d ARPData) WriteCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	cw.Write([]string{"kind", "row", "start_s", "end_s", "value"})
	for _, r := range d.Rows {
		for _, s := range r.Spans {
			cw.Write([]string{r.Kind, r.Label, fmtSec(s.Start), fmtSec(s.End), s.Value})
		}
	}
	for _, a := range d.Actions {
		cw.Write([]string{"action", "", fmtSec(a.At), fmtSec(a.At), a.Label})
	}
	cw.Flush()
	return cw.Error()
}

func (d ARPData) figure(title string) figure {
	keys, col := d.colours()
	tl := &timeline{
		rows:  d.Rows,
		color: func(r Row, s Span) color.Color { return col[colourKey(r, s)] },
		label: func(_ Row, s Span) string { return s.Value },
	}
	h := max(defaultHeight, vg.Length(len(d.Rows))*rowHeight+2.2*vg.Inch)
	return figure{width: defaultWidth, height: h, draw: func(c draw.Canvas) {
		p := newPlot(title, d.End)
		p.Add(tl, markers(d.Actions))
		p.Y.Tick.Marker = tl.ticks()
		p.Y.Min, p.Y.Max = -0.6, float64(len(d.Rows))+0.3
		if len(d.Rows) == 0 {
			p.Y.Min, p.Y.Max = 0, 1
		}
		lg := newLegend()
		for _, k := range keys {
			lg.Add(k, swatch{fill: col[k]})
		}
		if len(d.Actions) > 0 {
			lg.Add("action", swatch{dash: true})
		}
		withLegend(c, p, &lg)
	}}
}

// Render draws the ARP/FDB plot as SVG or PNG.
func (d ARPData) Render(title string, format Format, dpi int) ([]byte, error) {
	return render(d.figure(title), format, dpi)
}
