package diagram

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Sequence is a message sequence chart (ITU-T Z.120 in spirit): one
// vertical lifeline per node, time running down, an arrow per frame from
// its sender to the nodes it reaches, state changes as boxes on the
// node's lifeline, timeline actions across the chart. Idle gaps are
// compressed and marked with their length, so a 3.6 s Master_Down wait
// does not take 3.6 screens.
type Sequence struct {
	Title        string
	Participants []string // left to right
	Events       []SeqEvent
}

// SeqKind says what a chart event is.
type SeqKind uint8

const (
	SeqFrame  SeqKind = iota + 1 // a frame: From -> To
	SeqState                     // a VRRP state change on From: Label "VI_1 MASTER", State "MASTER"
	SeqAction                    // a timeline action: Label
)

// SeqEvent is one row of the chart. Events must be in time order.
type SeqEvent struct {
	At    time.Duration
	Kind  SeqKind
	From  string
	To    []string // frame receivers (a broadcast lists every node it reaches)
	Label string
	Proto string // frames: vrrp, arp, icmp, udp, tcp (the arrow colour)
	State string // SeqState: the new state (the box colour)
	Lost  bool   // frames: nobody takes it (sent to a crashed node): dashed, with an X
}

var protoColor = map[string]string{"vrrp": "#1a73e8", "arp": "#e37400", "icmp": "#188038", "udp": "#188038", "tcp": "#9334e6"}

const (
	seqCol    = 190.0 // lifeline spacing, at least
	seqRow    = 22.0  // one event
	seqGapMin = 200 * time.Millisecond
	seqHead   = 40.0
	timeColW  = 90.0
)

// scene lays the chart out: columns by participant, one row per event,
// an extra break row where nothing happens for seqGapMin or more.
func (q *Sequence) scene() *scene {
	col := map[string]float64{}
	spacing := seqCol
	for _, e := range q.Events {
		if e.Kind == SeqFrame {
			spacing = max(spacing, textWidth(e.Label)+24)
		}
	}
	spacing = min(spacing, 320)
	for i, p := range q.Participants {
		col[p] = timeColW + spacing/2 + float64(i)*spacing
	}
	width := timeColW + spacing*float64(len(q.Participants))
	sc := &scene{}
	sc.text(margin, margin, q.Title, "start", textColor, true, "seq-title")
	y := seqHead + lineH
	var rows []float64
	var prev time.Duration
	for i, e := range q.Events {
		if i > 0 && e.At-prev >= seqGapMin {
			// A compressed gap: a dashed band with the idle time.
			y += seqRow
			sc.line(timeColW-10, y, width, y, "#bdc1c6", 1, true, "seq-gap")
			sc.text(timeColW-14, y+4, "+"+fmtDur(e.At-prev), "end", "#5f6368", false, "seq-gap-label")
			y += seqRow / 2
		}
		y += seqRow
		rows = append(rows, y)
		prev = e.At
	}
	bottom := y + seqRow
	// Lifelines and heads first, so arrows draw over them.
	for _, p := range q.Participants {
		x := col[p]
		sc.line(x, seqHead+lineH, x, bottom, "#9aa0a6", 1, false, "seq-lifeline")
		w := textWidth(p) + 2*boxPad
		sc.rect(x-w/2, seqHead-lineH, w, 2*lineH, kindFill["router"], busColor, "seq-head")
		sc.text(x, seqHead+4, p, "middle", textColor, true, "seq-name")
	}
	lastTime := time.Duration(-1)
	for i, e := range q.Events {
		y := rows[i]
		if e.At != lastTime {
			sc.text(timeColW-14, y+4, fmtTime(e.At), "end", "#5f6368", false, "seq-time")
			lastTime = e.At
		}
		switch e.Kind {
		case SeqAction:
			sc.line(timeColW, y, width, y, roleFill["FAULT"], 2, false, "seq-action")
			sc.text(timeColW+4, y-4, e.Label, "start", roleFill["FAULT"], true, "seq-action-label")
		case SeqState:
			x, ok := col[e.From]
			if !ok {
				continue
			}
			fill := roleFill[e.State]
			if fill == "" {
				fill = "#9aa0a6"
			}
			w := textWidth(e.Label) + 2*boxPad
			sc.rect(x-w/2, y-lineH+2, w, lineH+2, fill, "", "seq-state state-"+strings.ToLower(e.State))
			sc.text(x, y, e.Label, "middle", "#ffffff", true, "seq-state-label")
		case SeqFrame:
			x0, ok := col[e.From]
			if !ok {
				continue
			}
			clr := protoColor[e.Proto]
			if clr == "" {
				clr = textColor
			}
			left, right := x0, x0
			for _, r := range e.To {
				x1, ok := col[r]
				if !ok || r == e.From {
					continue
				}
				left, right = min(left, x1), max(right, x1)
				if e.Lost {
					sc.line(x0, y, x1, y, clr, 1.2, true, "seq-msg seq-lost msg-"+e.Proto)
					sc.line(x1-5, y-5, x1+5, y+5, roleFill["FAULT"], 2, false, "seq-lost-x")
					sc.line(x1-5, y+5, x1+5, y-5, roleFill["FAULT"], 2, false, "seq-lost-x")
					continue
				}
				sc.arrow(x0, y, x1, y, clr, "seq-msg msg-"+e.Proto, e.From+" -> "+r+": "+e.Label)
			}
			// The label sits over the arrow, on the wider side.
			lx, anchor := x0+6, "start"
			if x0-left > right-x0 {
				lx, anchor = x0-6, "end"
			}
			sc.text(lx, y-4, e.Label, anchor, clr, false, "seq-msg-label")
		}
	}
	sc.fit()
	return sc
}

func fmtTime(d time.Duration) string {
	return fmt.Sprintf("%.6f", d.Seconds())
}

func fmtDur(d time.Duration) string {
	s := d.Seconds()
	if s >= 1 {
		return fmt.Sprintf("%.3fs", s)
	}
	return fmt.Sprintf("%gms", math.Round(float64(d)/1e4)/100)
}

// WriteSVG writes the chart as SVG.
func (q *Sequence) WriteSVG(w io.Writer) error { return q.scene().writeSVG(w, q.Title) }

// WritePNG writes the chart as PNG at dpi.
func (q *Sequence) WritePNG(w io.Writer, dpi int) error { return q.scene().writePNG(w, dpi) }
