package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/reports/diagram"
	"github.com/vrrpsim/vrrpsim/reports/plot"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// maxSeqEvents bounds a chart: past it a chart is no longer read, and a
// --trace-filter ('vrrp or arp') says what to keep.
const maxSeqEvents = 400

// seqWindow is where a chart looks: the action's time, then W after it
// and W/5 before it (the adverts before a crash show what stopped).
func seqWindow(sc *scenarios.Scenario, action string, w time.Duration) (at, from, to sim.Time, err error) {
	var texts []string
	for _, ev := range sc.Timeline {
		texts = append(texts, ev.Action.String())
	}
	i := slices.Index(texts, action)
	if i < 0 {
		i = slices.IndexFunc(texts, func(t string) bool { return strings.Contains(t, action) })
	}
	if i < 0 {
		if len(texts) == 0 {
			return 0, 0, 0, usagef("--sequence %q: the scenario has no timeline actions", action)
		}
		return 0, 0, 0, usagef("--sequence %q: no such action; actions: %s", action, strings.Join(texts, "; "))
	}
	at = sc.Timeline[i].At
	from = max(0, at-sim.Time(w/5))
	return at, from, at + sim.Time(w), nil
}

// seqCollector turns the trace into chart events. Who received a frame
// is worked out as the segment's switch would: the node that last sent
// from the destination MAC, or everyone else on the segment for a
// broadcast, multicast or unknown address. (Frames a link or partition
// dropped are still drawn to their receivers: the lan model does not
// trace deliveries.)
type seqCollector struct {
	from, to sim.Time
	segNodes map[string][]string // segment -> nodes on it, file order
	macOwner map[wire.MAC]string
	down     map[string]bool // crashed nodes
	dec      *wire.Decoder
	f        wire.Frame
	events   []diagram.SeqEvent
	runs     map[string]*seqRun // open runs of alike frames, by sender, receivers and label stem
	allRuns  []*seqRun          // every run, in order
	dropped  int
}

// seqRun is a run of alike frames (pings, adverts, SYNs of a load
// generator) drawn as one arrow, "echo request seq 60 … seq 90 (×31 until
// 12.900000)". A run ends at the next action or state change, so the chart
// still shows what changed when.
type seqRun struct {
	idx   int
	n     int
	first string
	last  string
	at    sim.Time
}

func newSeqCollector(sc *scenarios.Scenario, from, to sim.Time) *seqCollector {
	c := &seqCollector{from: from, to: to, segNodes: map[string][]string{}, macOwner: map[wire.MAC]string{}, down: map[string]bool{}, runs: map[string]*seqRun{}, dec: wire.NewDecoder()}
	for _, n := range sc.Nodes {
		for _, i := range n.Interfaces {
			if i.Segment != "" {
				c.segNodes[i.Segment] = append(c.segNodes[i.Segment], n.Name)
			}
		}
	}
	return c
}

func (c *seqCollector) Trace(r *sim.Record) {
	if r.Kind == sim.KindFrame && len(r.Frame) >= 14 {
		// Learn before the window too, like the switch does.
		sender, _, _ := strings.Cut(r.Comp, "/")
		c.macOwner[wire.MAC(r.Frame[6:12])] = sender
	}
	if r.Kind == sim.KindAction {
		// A crashed node receives nothing: no arrows to it until it
		// restarts.
		switch r.Comp {
		case string(scenarios.ActCrash):
			c.down[r.Node] = true
		case string(scenarios.ActRestart):
			delete(c.down, r.Node)
		}
	}
	if r.At < c.from || r.At > c.to {
		return
	}
	var e diagram.SeqEvent
	var stem string
	switch r.Kind {
	case sim.KindAction:
		e = diagram.SeqEvent{Kind: diagram.SeqAction, Label: r.Event}
		clear(c.runs)
	case sim.KindState:
		e = diagram.SeqEvent{Kind: diagram.SeqState, From: r.Node, Label: r.Comp + " " + r.To, State: r.To}
		clear(c.runs)
	case sim.KindFrame:
		if len(r.Frame) < 14 {
			return
		}
		sender, _, _ := strings.Cut(r.Comp, "/")
		e = diagram.SeqEvent{Kind: diagram.SeqFrame, From: sender}
		e.Label, e.Proto, stem = c.label(r.Frame)
		dst := wire.MAC(r.Frame[0:6])
		if owner, ok := c.macOwner[dst]; ok && !dst.IsGroup() && owner != sender {
			e.To = []string{owner}
			e.Lost = c.down[owner] // sent to a dead node's MAC
		} else {
			for _, n := range c.segNodes[r.Node] {
				if n != sender && !c.down[n] {
					e.To = append(e.To, n)
				}
			}
		}
	default:
		return
	}
	if e.Kind == diagram.SeqFrame {
		key := e.From + ">" + strings.Join(e.To, ",") + ":" + stem
		if run := c.runs[key]; run != nil {
			run.n++
			run.last, run.at = e.Label, r.At
			return
		}
		run := &seqRun{idx: len(c.events), n: 1, first: e.Label}
		c.runs[key] = run
		c.allRuns = append(c.allRuns, run)
	}
	if len(c.events) >= maxSeqEvents {
		c.dropped++
		return
	}
	e.At = time.Duration(r.At)
	c.events = append(c.events, e)
}

// finish labels each run with its count and last frame.
func (c *seqCollector) finish() []diagram.SeqEvent {
	seen := map[int]bool{}
	for _, run := range c.allRuns {
		if run.n < 2 || seen[run.idx] || run.idx >= len(c.events) {
			continue
		}
		seen[run.idx] = true
		l := run.first
		if run.last != run.first {
			// "seq 201" and "seq 250" read as "seq 201…250".
			cp := 0
			for i := 0; i < len(run.first) && i < len(run.last) && run.first[i] == run.last[i]; i++ {
				if run.first[i] == ' ' {
					cp = i + 1
				}
			}
			l += "…" + run.last[cp:]
		}
		c.events[run.idx].Label = fmt.Sprintf("%s (×%d until %s)", l, run.n, run.at)
	}
	return c.events
}

// label names a frame in a few words, as drawn on the board, and gives
// the stem that alike frames share (the label without its sequence
// number or ports).
func (c *seqCollector) label(b []byte) (label, proto, stem string) {
	f := &c.f
	_ = c.dec.Decode(b, f)
	switch {
	case f.HasVRRP:
		l := fmt.Sprintf("advert vrid %d prio %d", f.VRRP.VRID, f.VRRP.Priority)
		return l, "vrrp", l
	case f.HasARP && f.ARP.IsGratuitous():
		l := "GARP " + f.ARP.SenderIP.String()
		return l, "arp", l
	case f.HasARP && f.ARP.Op == wire.ARPRequest:
		l := "who-has " + f.ARP.TargetIP.String()
		return l, "arp", l
	case f.HasARP:
		l := f.ARP.SenderIP.String() + " is-at " + f.ARP.SenderMAC.String()
		return l, "arp", l
	case f.HasICMP && f.ICMP.Type == wire.ICMPEchoReply:
		return fmt.Sprintf("echo reply seq %d", f.ICMP.Seq), "icmp", "echo reply"
	case f.HasICMP:
		return fmt.Sprintf("echo request seq %d", f.ICMP.Seq), "icmp", "echo request"
	case f.HasTCP:
		fl := tcpFlags(f.TCP.Flags)
		return fl + fmt.Sprintf(" %d > %d", f.TCP.SrcPort, f.TCP.DstPort), "tcp", fl
	case f.HasUDP:
		return fmt.Sprintf("UDP %d > %d", f.UDP.SrcPort, f.UDP.DstPort), "udp", "UDP"
	case f.HasIP:
		l := fmt.Sprintf("IP proto %d", f.IP.Protocol)
		return l, "ip", l
	}
	l := fmt.Sprintf("ethertype 0x%04x", f.EtherType)
	return l, "eth", l
}

func tcpFlags(fl uint8) string {
	var parts []string
	for _, n := range []struct {
		bit  uint8
		name string
	}{{wire.TCPSyn, "SYN"}, {wire.TCPFin, "FIN"}, {wire.TCPRst, "RST"}, {wire.TCPPsh, "PSH"}, {wire.TCPAck, "ACK"}} {
		if fl&n.bit != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "TCP"
	}
	return strings.Join(parts, "-")
}

// sequenceChart runs sc with a collector on the window around action and
// returns the chart. It re-runs the scenario (deterministic, and cheap
// next to drawing) rather than keep every frame of the main run.
func sequenceChart(sc *scenarios.Scenario, opts simOptions, action string, window time.Duration) (*diagram.Sequence, error) {
	at, from, to, err := seqWindow(sc, action, window)
	if err != nil {
		return nil, err
	}
	c := newSeqCollector(sc, from, to)
	opts.pcap, opts.trace, opts.golden = nil, nil, nil
	opts.see.pcapng = nil
	opts.see.extra = []sim.Tracer{c.Trace}
	if opts.until == 0 || opts.until > time.Duration(to) {
		opts.until = time.Duration(to) + 1
	}
	if _, err := simulate(sc, opts); err != nil {
		return nil, err
	}
	q := &diagram.Sequence{Title: fmt.Sprintf("%s: %s at %s", sc.Name, action, at)}
	if c.dropped > 0 {
		q.Title += fmt.Sprintf(" (first %d events; %d more: narrow with --trace-filter)", maxSeqEvents, c.dropped)
	}
	involved := map[string]bool{}
	events := c.finish()
	for _, e := range events {
		involved[e.From] = true
		for _, r := range e.To {
			involved[r] = true
		}
	}
	for _, n := range sc.Nodes {
		if involved[n.Name] {
			q.Participants = append(q.Participants, n.Name)
		}
	}
	q.Events = events
	return q, nil
}

// writeSequence draws the chart into dir as sequence.svg or sequence.png.
func writeSequence(sc *scenarios.Scenario, opts simOptions, action string, window time.Duration, dir string, f plot.Format, dpi int) (string, error) {
	if window <= 0 {
		return "", usagef("--window %s: want a positive duration", window)
	}
	q, err := sequenceChart(sc, opts, action, window)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "sequence."+string(f))
	err = reports.WriteFileAtomic(path, func(w io.Writer) error {
		if f == plot.PNG {
			return q.WritePNG(w, dpi)
		}
		return q.WriteSVG(w)
	})
	if err != nil {
		return "", usagef("--out: %v", err)
	}
	return path, nil
}

// htmlSeqWindow is how long after each disruptive action the HTML
// report's sequence charts look.
const htmlSeqWindow = 5 * time.Second

// addPictures draws the network (roles at the end of the run) and a
// sequence chart for the first disruptive action into the HTML page.
// The chart re-runs the scenario with the run's seed and duration.
func addPictures(pg *plot.Page, sc *scenarios.Scenario, res *simResult) error {
	end := time.Duration(res.report.Duration)
	var b strings.Builder
	if err := topologyOf(sc, res, end).WriteSVG(&b); err != nil {
		return err
	}
	pg.Diagram = []byte(b.String())
	for _, a := range res.report.Actions {
		if !a.Disruptive {
			continue
		}
		opts := simOptions{seed: res.report.Seed, seedSet: true, until: end}
		q, err := sequenceChart(sc, opts, a.Text, htmlSeqWindow)
		if err != nil {
			return err
		}
		var s strings.Builder
		if err := q.WriteSVG(&s); err != nil {
			return err
		}
		pg.Sequences = append(pg.Sequences, plot.Figure{Title: q.Title, SVG: []byte(s.String())})
		break
	}
	return nil
}
