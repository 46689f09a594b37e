package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TextTrace writes a tcpdump-style line per frame, interleaved with lines
// for the behaviour around it: VRRP state changes, timeline actions,
// neighbour and FDB changes, notes, drops and lost flow packets.
type TextTrace struct {
	w       io.Writer
	summary func([]byte) string
	line    []byte
	err     error
}

// NewTextTrace returns a text trace writing to w. summary renders a frame
// on one line (the integrator passes wire.Summary: reports never decode
// frames themselves); nil prints the frame length only.
func NewTextTrace(w io.Writer, summary func([]byte) string) *TextTrace {
	return &TextTrace{w: w, summary: summary}
}

// Err returns the first write error, if any; after it nothing is written.
func (t *TextTrace) Err() error { return t.err }

// Trace writes the line for r, if r deserves one (adverts do not: their
// frames already have a line).
func (t *TextTrace) Trace(r *sim.Record) {
	if t.err != nil {
		return
	}
	var s string
	switch r.Kind {
	case sim.KindFrame:
		if t.summary != nil {
			s = t.summary(r.Frame)
		} else {
			s = fmt.Sprintf("%s %s frame, length %d", r.Node, r.Comp, len(r.Frame))
		}
	case sim.KindState:
		s = fmt.Sprintf("%s %s %s -> %s (%s)", r.Node, r.Comp, r.From, r.To, r.Reason)
	case sim.KindAction:
		s = "* " + r.Event
	case sim.KindNeigh:
		s = fmt.Sprintf("%s %s neigh %s %s %s -> %s (%s)", r.Node, r.Comp, r.Addr, macString(r.MAC), orNone(r.From), orNone(r.To), r.Reason)
	case sim.KindFDB:
		s = fmt.Sprintf("%s fdb %s %s -> %s (%s)", r.Node, macString(r.MAC), orNone(r.From), orNone(r.To), r.Reason)
	case sim.KindFlow:
		if r.Event != "lost" {
			return
		}
		s = fmt.Sprintf("%s %s lost seq %d", r.Node, r.Comp, r.Value)
	case sim.KindDrop:
		s = fmt.Sprintf("%s %s drop %s", r.Node, r.Comp, r.Reason)
		if r.Value > 0 {
			s += fmt.Sprintf(" x%d", r.Value)
		}
	case sim.KindNote:
		var parts []string
		event := r.Event
		if event == "notify" { // notify.go: which command, on entering which state
			event = r.To + " " + r.From
		}
		for _, f := range []string{r.Node, r.Comp, event, r.Reason} {
			if f != "" {
				parts = append(parts, f)
			}
		}
		s = strings.Join(parts, " ")
	case sim.KindProxy:
		if s = proxyLine(r); s == "" {
			return
		}
	default:
		return
	}
	b := append(t.line[:0], fmt.Sprintf("%10s ", r.At)...)
	b = append(b, s...)
	b = append(b, '\n')
	t.line = b
	if _, err := t.w.Write(b); err != nil {
		t.err = fmt.Errorf("reports: writing text trace at %s: %w", r.At, err)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// GoldenTrace writes the behaviour of a run, one line per record, for
// regression tests (STYLE.md "Golden tests"): fixed-width virtual time,
// kind, node, component, event, then key=value pairs in a fixed order per
// kind. Per-packet noise (frames, adverts, flow packets that got through)
// is left out; a flow shows up only where an outage starts and ends.
type GoldenTrace struct {
	w     io.Writer
	flows map[flowKey]*goldenFlow
	err   error
}

// goldenFlow replays a flow's packets in send order, like the report's
// outage windows: a reply to a later packet can arrive before an earlier
// one is given up on, so a packet's fate is only applied once every packet
// sent before it has one.
type goldenFlow struct {
	queue []goldenPkt   // unresolved head first
	pos   map[int64]int // sequence number -> index in queue
	out   bool          // in an outage
	start sim.Time      // send time of its first lost packet
	lost  int
}

type goldenPkt struct {
	seq      int64
	sent     sim.Time
	resolved bool
	received bool
}

// NewGoldenTrace returns a golden trace writing to w.
func NewGoldenTrace(w io.Writer) *GoldenTrace {
	return &GoldenTrace{w: w, flows: make(map[flowKey]*goldenFlow)}
}

// Err returns the first write error, if any.
func (g *GoldenTrace) Err() error { return g.err }

// kv is one key=value pair of a golden line.
type kv struct{ k, v string }

// Trace writes the line for r, if r is behaviour.
func (g *GoldenTrace) Trace(r *sim.Record) {
	switch r.Kind {
	case sim.KindState:
		g.line(r.At, "state", r.Node, r.Comp, "transition",
			kv{"from", r.From}, kv{"to", r.To}, kv{"reason", r.Reason},
			kv{"prio", strconv.FormatInt(r.Value, 10)}, kv{"vrid", strconv.FormatInt(r.Value2, 10)})
	case sim.KindAction:
		g.line(r.At, "action", r.Node, r.Comp, "apply", kv{"text", r.Event})
	case sim.KindNeigh:
		g.line(r.At, "neigh", r.Node, r.Comp, "change",
			kv{"ip", addrString(r)}, kv{"mac", macString(r.MAC)},
			kv{"from", r.From}, kv{"to", r.To}, kv{"reason", r.Reason})
	case sim.KindFDB:
		g.line(r.At, "fdb", r.Node, "fdb", r.Reason,
			kv{"mac", macString(r.MAC)}, kv{"from", r.From}, kv{"to", r.To})
	case sim.KindDrop:
		if r.Value > 0 {
			g.line(r.At, "drop", r.Node, r.Comp, "drop", kv{"reason", r.Reason}, kv{"count", strconv.FormatInt(r.Value, 10)})
			break
		}
		g.line(r.At, "drop", r.Node, r.Comp, "drop", kv{"reason", r.Reason})
	case sim.KindNote:
		pairs := []kv{{"reason", r.Reason}}
		if r.Event == "priority" {
			pairs = append(pairs, kv{"from", r.From}, kv{"to", r.To})
		}
		if r.Event == "notify" {
			pairs = append(pairs, kv{"kind", r.From}, kv{"state", r.To})
		}
		if r.MAC != ([6]byte{}) {
			pairs = append(pairs, kv{"mac", macString(r.MAC)})
		}
		if r.Addr.IsValid() {
			pairs = append(pairs, kv{"addr", r.Addr.String()})
		}
		g.line(r.At, "note", r.Node, r.Comp, r.Event, pairs...)
	case sim.KindFlow:
		g.flow(r)
	case sim.KindProxy:
		if r.Event == "failed" || r.Event == "probe" || r.Event == "recovered" {
			g.line(r.At, "proxy", r.Node, r.Comp, r.Event, kv{"server", r.To}, kv{"client", addrString(r)})
		}
	}
}

func addrString(r *sim.Record) string {
	if r.Addr.IsValid() {
		return r.Addr.String()
	}
	return ""
}

func (g *GoldenTrace) flow(r *sim.Record) {
	k := flowKey{r.Node, r.Comp}
	f := g.flows[k]
	if f == nil {
		f = &goldenFlow{pos: make(map[int64]int)}
		g.flows[k] = f
	}
	if r.Event == "sent" {
		f.pos[r.Value] = len(f.queue)
		f.queue = append(f.queue, goldenPkt{seq: r.Value, sent: r.At})
		return
	}
	i, ok := f.pos[r.Value]
	if !ok || (r.Event != "received" && r.Event != "lost") {
		return // a late reply to a packet already given up on, or noise
	}
	f.queue[i].resolved, f.queue[i].received = true, r.Event == "received"
	// Apply the fates that are now known, in send order.
	n := 0
	for n < len(f.queue) && f.queue[n].resolved {
		p := f.queue[n]
		delete(f.pos, p.seq)
		switch {
		case p.received && f.out:
			g.line(r.At, "flow", r.Node, r.Comp, "outage_end",
				kv{"seq", strconv.FormatInt(p.seq, 10)}, kv{"sent", p.sent.String()},
				kv{"lost", strconv.Itoa(f.lost)}, kv{"since", f.start.String()})
			f.out, f.lost = false, 0
		case !p.received:
			f.lost++
			if !f.out {
				f.out, f.start = true, p.sent
				g.line(r.At, "flow", r.Node, r.Comp, "outage_start",
					kv{"seq", strconv.FormatInt(p.seq, 10)}, kv{"sent", p.sent.String()})
			}
		}
		n++
	}
	if n > 0 {
		f.queue = append(f.queue[:0], f.queue[n:]...)
		for j, p := range f.queue {
			f.pos[p.seq] = j
		}
	}
}

// line writes "   10.000000 state  r2       VI_1     transition from=... ".
func (g *GoldenTrace) line(at sim.Time, kind, node, comp, event string, pairs ...kv) {
	if g.err != nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%12s %-6s %-8s %-10s %s", at, kind, dash(node), dash(comp), dash(event))
	for _, p := range pairs {
		b.WriteByte(' ')
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(quoteIfNeeded(p.v))
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(g.w, b.String()); err != nil {
		g.err = fmt.Errorf("reports: writing golden trace at %s: %w", at, err)
	}
}

// dash keeps a column one token: "-" when empty, quoted when it has spaces.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return quoteIfNeeded(s)
}

// quoteIfNeeded keeps values one token each: empty values and values with
// spaces, quotes or '=' are Go-quoted.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return strconv.Quote(s)
	}
	return s
}
