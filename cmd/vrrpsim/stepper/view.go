package stepper

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Describe renders one record on one line (no time): frames with
// wire.Summary (tcpdump -n style), the rest with their trace fields.
func Describe(r *sim.Record) string {
	switch r.Kind {
	case sim.KindFrame:
		return fmt.Sprintf("frame %s %s: %s", r.Node, r.Comp, wire.Summary(r.Frame))
	case sim.KindState:
		return fmt.Sprintf("%s %s %s -> %s (%s) prio %d vrid %d", r.Node, r.Comp, r.From, r.To, r.Reason, r.Value, r.Value2)
	case sim.KindAdvert:
		if r.Event == "rx" {
			return fmt.Sprintf("%s %s accepted advert from %s prio %d vrid %d: Master_Down_Timer restarted", r.Node, r.Comp, r.Addr, r.Value, r.Value2)
		}
		return fmt.Sprintf("%s %s sent advert prio %d vrid %d", r.Node, r.Comp, r.Value, r.Value2)
	case sim.KindAction:
		return "* " + r.Event
	case sim.KindNeigh:
		return fmt.Sprintf("%s %s neigh %s %s %s -> %s (%s)", r.Node, r.Comp, r.Addr, wire.MAC(r.MAC), none(r.From), none(r.To), r.Reason)
	case sim.KindFDB:
		return fmt.Sprintf("%s fdb %s %s -> %s (%s)", r.Node, wire.MAC(r.MAC), none(r.From), none(r.To), r.Reason)
	case sim.KindFlow:
		return fmt.Sprintf("%s %s %s seq %d", r.Node, r.Comp, r.Event, r.Value)
	case sim.KindDrop:
		if r.Value > 0 { // a tally (sim.KindDrop)
			return fmt.Sprintf("%s %s drop %s x%d", r.Node, r.Comp, r.Reason, r.Value)
		}
		return fmt.Sprintf("%s %s drop %s", r.Node, r.Comp, r.Reason)
	case sim.KindConn:
		s := fmt.Sprintf("%s %s connection to %s port %d: %s after %v", r.Node, r.Comp, r.Addr, r.Value2, r.Event, time.Duration(r.Value))
		if r.To != "" {
			s += " served by " + r.To
		}
		if r.Reason != "" {
			s += " (" + r.Reason + ")"
		}
		return s
	case sim.KindServe:
		return fmt.Sprintf("%s %s %s %s:%d", r.Node, r.Comp, r.Event, r.Addr, r.Value)
	case sim.KindNote:
		if r.Event == "priority" {
			return fmt.Sprintf("%s %s effective priority %s -> %s (%s) vrid %d", r.Node, r.Comp, r.From, r.To, r.Reason, r.Value2)
		}
	}
	// KindNote, KindIPVS and anything newer: every field that is set.
	var parts []string
	for _, f := range []string{r.Node, r.Comp, r.Event, r.From, r.To, r.Reason} {
		if f != "" {
			parts = append(parts, f)
		}
	}
	if r.Addr.IsValid() {
		parts = append(parts, r.Addr.String())
	}
	if r.Kind == sim.KindIPVS && (r.Value != 0 || r.Value2 != 0) {
		parts = append(parts, fmt.Sprintf("%d %d", r.Value, r.Value2))
	}
	return strings.Join(parts, " ")
}

func none(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// EventText renders an event: a header line and one indented line per
// record the filter shows.
func (s *Stepper) EventText(e *Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s\n", e.N, e.At)
	hidden := 0
	for i := range e.Recs {
		r := &e.Recs[i]
		if !s.shows(r) {
			hidden++
			continue
		}
		fmt.Fprintf(&b, "  %s\n", Describe(r))
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "  (%d record(s) hidden by the filter)\n", hidden)
	}
	return b.String()
}

// EventLine renders an event on one line for the UI's event list: its
// first shown record and how many more there are; ok is false when the
// filter hides all of them.
func (s *Stepper) EventLine(e *Event) (line string, ok bool) {
	first, n := "", 0
	for i := range e.Recs {
		if s.shows(&e.Recs[i]) {
			if n == 0 {
				first = Describe(&e.Recs[i])
			}
			n++
		}
	}
	if n == 0 {
		return "", false
	}
	line = fmt.Sprintf("#%-6d %12s  %s", e.N, e.At, first)
	if n > 1 {
		line += fmt.Sprintf("  (+%d)", n-1)
	}
	return line, true
}

// Where is the position line: event, time, kernel events run.
func (s *Stepper) Where() string {
	e := s.Current()
	at := ""
	if s.Now() != e.At {
		at = fmt.Sprintf(", clock %s", s.Now())
	}
	return fmt.Sprintf("at event #%d (t=%s%s; %d kernel events run; run ends at %s)", e.N, e.At, at, e.Fired, s.end)
}

// left renders a deadline relative to now.
func left(at, now sim.Time) string {
	return fmt.Sprintf("%s (in %s)", at, dur(at.Sub(now)))
}

// ago renders a past instant relative to now.
func ago(at, now sim.Time) string {
	return dur(now.Sub(at)) + " ago"
}

// dur prints a span to the microsecond, as sim.Time prints instants.
func dur(d time.Duration) string { return d.Round(time.Microsecond).String() }

func addrs(as []netip.Addr) string {
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	return strings.Join(out, " ")
}
