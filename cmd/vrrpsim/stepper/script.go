package stepper

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Help lists the commands; the names are a contract (issue 15): labs,
// docs and tests outside the project script them.
const Help = `commands:
  next [N]               step N events forward (default 1)
  back [N]               step N events back (default 1), by re-running from the start
  run TIME               run to virtual time TIME (e.g. 12s, 1m30s)
  until CONDITION        run until CONDITION holds (see below)
  continue               run until a breakpoint or the end of the run
  goto N                 go to event N (forward or back)
  break [CONDITION]      add a breakpoint (next, run, until, continue stop at it); list them
  delete [N]             delete breakpoint N (all without N)
  filter EXPR            show only matching records; EXPR as --trace-filter:
                         vrrp, arp, icmp, udp, tcp, action, node N, segment S,
                         vrid V, joined by and/or/not and parentheses
  filter off             show everything
  show vrrp [NODE]       VRRP instances: state, priorities and tracks, timers, counters
  show arp NODE          neighbour cache: NUD state, ages, timer
  show mac SEGMENT       switch forwarding database per port, with ages
  show ipvs [NODE]       LVS director: services, real servers, connection entries
  show nginx [NODE]      nginx: each worker's upstream servers, weights, conns, fails
  show interfaces [NODE] interfaces, addresses, links, VIPs held
  frame [K]              the current event's K-th frame (default 1), every layer and hex
  events [N]             the last N events (default 10)
  where                  the current position
  help                   this text
Commands are separated by ';' or new lines; '#' starts a comment.
An event is a kernel event that emitted a trace record; events that
change nothing visible are run but not counted.

`

// Exec runs one command line and returns its output.
func (s *Stepper) Exec(line string) (string, error) {
	// A command is printable text: a control character (an escape
	// sequence pasted into --script) would otherwise be echoed back in a
	// breakpoint or condition and reach the terminal.
	if strings.ContainsFunc(line, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) {
		return "", fmt.Errorf("command %q holds control characters; valid: printable text (see help)", line)
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", nil
	}
	cmd, args := f[0], f[1:]
	switch cmd {
	case "next", "n":
		n, err := count(cmd, args)
		if err != nil {
			return "", err
		}
		evs, hit := s.Next(n)
		return s.ranText(evs, hit, true), nil
	case "back", "b":
		n, err := count(cmd, args)
		if err != nil {
			return "", err
		}
		if err := s.Back(n); err != nil {
			return "", err
		}
		return s.EventText(s.Current()), nil
	case "goto":
		if len(args) != 1 {
			return "", fmt.Errorf("goto: want an event number")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 0 {
			return "", fmt.Errorf("goto %q: want an event number 0 or more", args[0])
		}
		if err := s.Goto(n); err != nil {
			return "", err
		}
		return s.EventText(s.Current()), nil
	case "run":
		if len(args) != 1 {
			return "", fmt.Errorf("run: want a virtual time such as 12s")
		}
		d, err := scenarios.ParseDuration(args[0])
		if err != nil || d < 0 {
			return "", fmt.Errorf("run %q: want a virtual time such as 12s or 1m30s", args[0])
		}
		evs, hit := s.RunTo(sim.Time(d))
		return s.ranText(evs, hit, false), nil
	case "until":
		c, err := s.ParseCond(strings.Join(args, " "))
		if err != nil {
			return "", err
		}
		evs, hit := s.Until(c)
		out := s.ranText(evs, hit, false)
		if hit == nil {
			out += fmt.Sprintf("the run ended before: %s\n", c.Text)
		}
		return out, nil
	case "continue", "c":
		evs, hit := s.RunTo(s.end)
		return s.ranText(evs, hit, false), nil
	case "break":
		if len(args) == 0 {
			bs := s.Breaks()
			if len(bs) == 0 {
				return "no breakpoints\n", nil
			}
			return strings.Join(bs, "\n") + "\n", nil
		}
		c, err := s.ParseCond(strings.Join(args, " "))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("breakpoint %d: %s\n", s.AddBreak(c), c.Text), nil
	case "delete":
		id := 0
		if len(args) > 0 {
			var err error
			if id, err = strconv.Atoi(args[0]); err != nil || id < 1 {
				return "", fmt.Errorf("delete %q: want a breakpoint number", args[0])
			}
		}
		return "", s.DeleteBreak(id)
	case "filter":
		if len(args) > 0 {
			if err := s.SetFilter(strings.Join(args, " ")); err != nil {
				return "", err
			}
		}
		return s.FilterText() + "\n", nil
	case "show":
		return s.Show(args)
	case "frame":
		k := 1
		if len(args) > 0 {
			var err error
			if k, err = strconv.Atoi(args[0]); err != nil {
				return "", fmt.Errorf("frame %q: want a frame number", args[0])
			}
		}
		return s.FrameText(k)
	case "events":
		n, err := count(cmd, args)
		if err != nil {
			return "", err
		}
		if len(args) == 0 {
			n = 10
		}
		var b strings.Builder
		for _, e := range s.History(n) {
			if l, ok := s.EventLine(e); ok {
				b.WriteString(l + "\n")
			}
		}
		return b.String(), nil
	case "where":
		return s.Where() + "\n", nil
	case "help", "?":
		return Help + CondGrammar + "\n", nil
	}
	return "", fmt.Errorf("unknown command %q; 'help' lists them", cmd)
}

// count parses the optional N of next, back and events.
func count(cmd string, args []string) (int, error) {
	if len(args) == 0 {
		return 1, nil
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || len(args) > 1 {
		return 0, fmt.Errorf("%s %s: want a count of 1 or more", cmd, strings.Join(args, " "))
	}
	return n, nil
}

// ranText reports a forward run: every event for next (all events
// stepped), the last one for run, until and continue, then why it stopped.
func (s *Stepper) ranText(evs []*Event, hit *Hit, every bool) string {
	var b strings.Builder
	if every {
		for _, e := range evs {
			b.WriteString(s.EventText(e))
		}
	} else if len(evs) > 0 {
		b.WriteString(s.EventText(evs[len(evs)-1]))
	}
	switch {
	case hit != nil && hit.Break > 0:
		fmt.Fprintf(&b, "stopped at breakpoint %d: %s\n", hit.Break, hit.Cond)
	case hit != nil:
		fmt.Fprintf(&b, "stopped: %s\n", hit.Cond)
	case len(evs) == 0:
		fmt.Fprintf(&b, "no more events before %s\n", s.Now())
	}
	if !every || hit != nil {
		b.WriteString(s.Where() + "\n")
	}
	return b.String()
}

// Script splits a script into commands: ';' and new lines separate them,
// '#' comments to the end of the line.
func Script(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, c := range strings.Split(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}
