package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// PriorityChange is a change of an instance's effective priority that is
// not a state change: a weighted track_interface or track_script went
// down or up, or a set_priority action (keepalived vrrp_track.c
// vrrp_set_effective_priority). The speaker traces them as KindNote
// "priority" records.
type PriorityChange struct {
	At       Seconds `json:"t_s"`
	Node     string  `json:"node"`
	Instance string  `json:"instance"`
	VRID     int64   `json:"vrid"`
	From     int64   `json:"from"`
	To       int64   `json:"to"`
	Reason   string  `json:"reason"`
}

// isPriorityNote reports whether r is a speaker's effective priority
// change (trace filters count it as VRRP, with its VRID in Value2).
func isPriorityNote(r *sim.Record) bool { return r.Kind == sim.KindNote && r.Event == "priority" }

// onPriority keeps a "priority" note.
func (c *Collector) onPriority(r *sim.Record) {
	from, _ := strconv.ParseInt(r.From, 10, 64)
	c.prio = append(c.prio, PriorityChange{At: Seconds(r.At), Node: r.Node, Instance: r.Comp, VRID: r.Value2, From: from, To: r.Value, Reason: r.Reason})
}

// priorityText is the text report's section, empty when no priority moved.
func (r *Report) priorityText() string {
	if len(r.Priorities) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nEffective priority changes\n")
	for _, p := range r.Priorities {
		fmt.Fprintf(&b, "  %12s  %s  %s  %d -> %d  (%s)\n", p.At.text(), p.Node, p.Instance, p.From, p.To, p.Reason)
	}
	return b.String()
}
