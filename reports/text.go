package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// WriteJSON writes the report as indented JSON with a stable key order
// (struct field order, slices sorted) and seconds without exponents.
func (r *Report) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "ping -> 10.0.0.254" readable
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("reports: encoding JSON: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("reports: writing JSON: %w", err)
	}
	return nil
}

// width returns the length of the longest string, at least min.
func width(min int, ss ...string) int {
	w := min
	for _, s := range ss {
		if len(s) > w {
			w = len(s)
		}
	}
	return w
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// short prints a time or span in seconds with two decimals, for the outage
// windows of the flow lines.
func short(s Seconds) string {
	t := sim.Time(s)
	// Round to the nearest centisecond with integer arithmetic.
	cs := (int64(t) + int64(5*sim.Millisecond)) / int64(10*sim.Millisecond)
	if t < 0 {
		cs = (int64(t) - int64(5*sim.Millisecond)) / int64(10*sim.Millisecond)
	}
	sign := ""
	if cs < 0 {
		sign, cs = "-", -cs
	}
	return fmt.Sprintf("%s%d.%02d", sign, cs/100, cs%100)
}

// WriteText writes the human summary: header, transitions, convergence,
// flows, split brain, ARP convergence, switch FDB, drops and expectations.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("scenario %s", r.Scenario)
	if r.File != "" {
		p(" (%s)", r.File)
	}
	p("\n")
	line := r.Summary
	if line == "" {
		line, _, _ = strings.Cut(strings.TrimSpace(r.Description), "\n")
	}
	if line = strings.TrimSpace(line); line != "" {
		p("  %s\n", line)
	}
	p("seed %d, duration %s s\n", r.Seed, Seconds(r.Duration).text())

	p("\nVRRP transitions\n")
	if len(r.Transitions) == 0 {
		p("  none\n")
	}
	var nodes, insts []string
	for _, t := range r.Transitions {
		nodes = append(nodes, t.Node)
		insts = append(insts, t.Instance)
	}
	nw, iw := width(2, nodes...), width(4, insts...)
	for _, t := range r.Transitions {
		p("  %12s  %-*s  %-*s  %s -> %s  (%s, prio %d)\n",
			t.At.text(), nw, t.Node, iw, t.Instance, t.From, t.To, t.Reason, t.Priority)
	}
	b.WriteString(r.priorityText())
	b.WriteString(r.notifyText())

	p("\nConvergence\n")
	if len(r.Convergence) == 0 {
		p("  no disruptive action\n")
	}
	for _, cv := range r.Convergence {
		p("  %s at %s: %s %s -> %s", cv.Action, cv.At.text(), cv.Instance,
			joinOr(cv.OldMaster, "none"), joinOr(cv.NewMaster, "none"))
		if cv.Detect != nil {
			p(", detected after %s s (%s master", cv.Detect.text(), cv.DetectNode)
			if cv.SinceLastAdvert != nil {
				if cv.LastHeard != nil {
					p(", %s s after it last heard %s at %s", cv.SinceLastAdvert.text(), joinOr(cv.OldMaster, r.senderName(cv.LastHeardFrom)), cv.LastHeard.text())
				} else {
					p(", %s s after %s's last advert at %s", cv.SinceLastAdvert.text(), joinOr(cv.OldMaster, "?"), cv.LastAdvert.text())
				}
			}
			p(")")
		} else {
			p(", no new master")
		}
		if cv.Converged != nil {
			p(", converged after %s s", cv.Converged.text())
		}
		p(", %s\n", plural(cv.Transitions, "transition", "transitions"))
	}

	p("\nFlows\n")
	if len(r.Flows) == 0 {
		p("  none\n")
	}
	for _, f := range r.Flows {
		pct := 0.0
		if f.Sent > 0 {
			pct = 100 * float64(f.Lost) / float64(f.Sent)
		}
		p("  %s %s: sent %d, received %d, lost %d (%.1f%%)", f.Node, f.Name, f.Sent, f.Received, f.Lost, pct)
		if f.InFlight > 0 {
			p(", in flight %d", f.InFlight)
		}
		if len(f.Outages) == 0 {
			p(", no outage\n")
			continue
		}
		var wins []string
		for _, o := range f.Outages {
			wins = append(wins, short(o.Start)+"–"+short(o.End))
		}
		p(", outage %s s [%s]\n", short(f.Outage), strings.Join(wins, ", "))
	}

	p("\nSplit brain\n")
	if len(r.SplitBrain) == 0 {
		p("  none\n")
	}
	for _, sb := range r.SplitBrain {
		end := sb.End.text()
		if sb.UntilEnd {
			end += " (end of run)"
		}
		p("  %s %s -> %s (%s s): %s\n", sb.Instance, sb.Start.text(), end, sb.Duration.text(), strings.Join(sb.Masters, ", "))
	}
	if len(r.SplitBrain) > 0 {
		p("  total %s s\n", r.SplitBrainTotal.text())
	}

	p("\nARP convergence\n")
	if len(r.ARP) == 0 {
		p("  no neighbour entry changed owner\n")
	}
	for _, e := range r.ARP {
		p("  %s %s: %s\n", e.Host, e.IP, strings.Join(e.Owners, " -> "))
		for _, mv := range e.Moves {
			p("    %12s  %s -> %s (%s)", mv.At.text(), mv.From, mv.To, mv.MAC)
			if mv.AfterAction != nil {
				p(", %s s after %s", mv.AfterAction.text(), mv.Action)
			}
			p("\n")
		}
	}

	// Where each switch sends frames for the virtual and router MACs: a
	// move is what a GARP (or any frame from the new port) does.
	p("\nSwitch FDB\n")
	moves := 0
	for _, sg := range r.FDB {
		for _, c := range sg.Changes {
			if c.Reason == "learn" && c.From == "" && c.At == 0 {
				continue
			}
			moves++
			p("  %12s  %s %s (%s): %s", c.At.text(), sg.Segment, c.MAC, c.Owner, c.Reason)
			if c.From != "" {
				p(" %s ->", c.From)
			}
			p(" %s\n", orNone(c.Port))
		}
	}
	if moves == 0 {
		p("  no entry moved\n")
	}

	if r.LB != nil {
		var lb strings.Builder
		writeLBText(&lb, r.LB)
		b.WriteString(lb.String())
	}

	if len(r.Drops) > 0 {
		p("\nDrops\n")
		for _, d := range r.Drops {
			p("  %s %s %s: %d\n", d.Node, d.Comp, d.Reason, d.Count)
		}
	}

	if len(r.Expectations) > 0 {
		p("\nExpectations\n")
		for _, x := range r.Expectations {
			verdict := "PASS"
			switch {
			case x.NotReached:
				verdict = "NOT REACHED"
			case !x.OK:
				verdict = "FAIL"
			}
			loc := ""
			if x.Line > 0 {
				loc = fmt.Sprintf("line %d: ", x.Line)
			}
			p("  %s  %s%s -- %s\n", verdict, loc, x.Text, x.Detail)
		}
	}
	failed, unreached := r.Failed(), r.NotReached()
	if unreached > 0 {
		p("\nexpectations: %d passed, %d failed, %d not reached (after the end of the run)\n", len(r.Expectations)-failed-unreached, failed, unreached)
	} else {
		p("\nexpectations: %d passed, %d failed\n", len(r.Expectations)-failed, failed)
	}

	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("reports: writing text report: %w", err)
	}
	return nil
}

// senderName names the sender of an advert by its address: the node with
// that interface address ("evil (10.0.0.66)"), the bare address, or "?".
func (r *Report) senderName(addr string) string {
	if addr == "" {
		return "?"
	}
	for _, i := range r.Interfaces {
		if a, _, _ := strings.Cut(i.Addr, "/"); a == addr {
			return i.Node + " (" + addr + ")"
		}
	}
	return addr
}
