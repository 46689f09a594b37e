package stepper

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// The `filter` command takes the trace-filter language of `vrrpsim run
// --trace-filter` (reports.ParseFilter): `filter vrrp and vrid 51`,
// `filter node r1 or action`, `filter not arp`. It hides records from the
// event lines, not events from stepping: `next` still counts every event,
// so `back` undoes it exactly.

// SetFilterEnv tells the filter how to classify frames and which
// segments the nodes are on (cmd passes the one --trace-filter uses).
// Without it, protocol and segment filters never match a frame.
func (s *Stepper) SetFilterEnv(env reports.FilterEnv) { s.filterEnv = env }

// SetFilter applies `filter EXPR` or, with "off", removes the filter.
func (s *Stepper) SetFilter(expr string) error {
	expr = strings.TrimSpace(expr)
	if expr == "off" {
		s.filter, s.filterText = nil, ""
		return nil
	}
	f, err := reports.ParseFilter(expr, s.filterEnv)
	if err != nil {
		return err
	}
	s.filter, s.filterText = f, expr
	return nil
}

// FilterText describes the filter in effect.
func (s *Stepper) FilterText() string {
	if s.filter == nil {
		return "filter: off"
	}
	return "filter: " + s.filterText
}

// shows reports whether r passes the filter.
func (s *Stepper) shows(r *sim.Record) bool { return s.filter.Match(r) }

// breakpoint is a condition that stops next, run, until and continue.
type breakpoint struct {
	id int
	c  Cond
}

// AddBreak adds a breakpoint and returns its number.
func (s *Stepper) AddBreak(c Cond) int {
	s.nextBreak++
	s.breaks = append(s.breaks, breakpoint{s.nextBreak, c})
	return s.nextBreak
}

// DeleteBreak removes breakpoint id (0: all of them).
func (s *Stepper) DeleteBreak(id int) error {
	if id == 0 {
		s.breaks = nil
		return nil
	}
	i := slices.IndexFunc(s.breaks, func(b breakpoint) bool { return b.id == id })
	if i < 0 {
		return fmt.Errorf("delete: no breakpoint %d", id)
	}
	s.breaks = slices.Delete(s.breaks, i, i+1)
	return nil
}

// Breaks lists the breakpoints, one per line.
func (s *Stepper) Breaks() []string {
	var out []string
	for _, b := range s.breaks {
		out = append(out, fmt.Sprintf("%d: %s", b.id, b.c.Text))
	}
	return out
}

func (s *Stepper) breakHit(e *Event) *Hit {
	for _, b := range s.breaks {
		if b.c.Match(s, e) {
			return &Hit{Break: b.id, Cond: b.c.Text}
		}
	}
	return nil
}
