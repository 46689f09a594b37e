package stepper

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Filter hides records from the event lines (not from stepping: `next`
// still counts every event, so `back` undoes it exactly). A record is
// shown when it passes every non-empty part.
type Filter struct {
	Nodes  []string // the record's node (a frame's sending node)
	Protos []string // recProto; records about no protocol pass
	VRIDs  []int    // recVRID; records about no protocol pass, others fail
}

// Empty reports whether the filter shows everything.
func (f Filter) Empty() bool { return len(f.Nodes)+len(f.Protos)+len(f.VRIDs) == 0 }

func (f Filter) String() string {
	if f.Empty() {
		return "filter: off"
	}
	var parts []string
	if len(f.Nodes) > 0 {
		parts = append(parts, "node "+strings.Join(f.Nodes, ","))
	}
	if len(f.Protos) > 0 {
		parts = append(parts, "proto "+strings.Join(f.Protos, ","))
	}
	if len(f.VRIDs) > 0 {
		var v []string
		for _, id := range f.VRIDs {
			v = append(v, strconv.Itoa(id))
		}
		parts = append(parts, "vrid "+strings.Join(v, ","))
	}
	return "filter: " + strings.Join(parts, "; ")
}

// shows reports whether r passes the filter.
func (s *Stepper) shows(r *sim.Record) bool {
	f := &s.filter
	if len(f.Nodes) > 0 && !slices.Contains(f.Nodes, recNode(r)) {
		return false
	}
	p := s.recProto(r)
	if len(f.Protos) > 0 && p != "" && !slices.Contains(f.Protos, p) {
		return false
	}
	if len(f.VRIDs) > 0 && p != "" {
		id, ok := s.recVRID(r)
		if !ok || !slices.Contains(f.VRIDs, id) {
			return false
		}
	}
	return true
}

// SetFilter applies `filter node A,B`, `filter proto P,Q`, `filter vrid
// N,M` (each replaces that part) or `filter off`.
func (s *Stepper) SetFilter(args []string) error {
	if len(args) == 1 && args[0] == "off" {
		s.filter = Filter{}
		return nil
	}
	if len(args) != 2 {
		return fmt.Errorf("filter: want 'filter node|proto|vrid LIST' or 'filter off'")
	}
	list := strings.Split(args[1], ",")
	switch args[0] {
	case "node":
		for _, n := range list {
			if _, ok := s.w.Node(n); !ok {
				return fmt.Errorf("filter node: no node %q; nodes: %s", n, strings.Join(s.nodeNames(), ", "))
			}
		}
		s.filter.Nodes = list
	case "proto":
		for _, p := range list {
			if !slices.Contains(protocols, p) && !slices.Contains(recordProtocols, p) {
				return fmt.Errorf("filter proto: unknown %q; valid: %s, %s", p, strings.Join(protocols, ", "), strings.Join(recordProtocols, ", "))
			}
		}
		s.filter.Protos = list
	case "vrid":
		var ids []int
		for _, v := range list {
			id, err := strconv.Atoi(v)
			if err != nil || id < 1 || id > 255 {
				return fmt.Errorf("filter vrid: %q: want 1..255", v)
			}
			ids = append(ids, id)
		}
		s.filter.VRIDs = ids
	default:
		return fmt.Errorf("filter: unknown %q; want node, proto, vrid or off", args[0])
	}
	return nil
}

// recordProtocols are the protocol names of records that are not frames.
var recordProtocols = []string{"fdb", "ipvs"}

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
