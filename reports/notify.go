package reports

import (
	"fmt"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Notify is one notify command keepalived would have run (never run by
// the simulator): notify_master, notify_backup, notify_fault,
// notify_stop, the generic notify, or the notify_fifo line, in
// keepalived's order (vrrp_notify.c send_instance_notifies). The VRRP
// speaker traces them as KindNote "notify" records.
type Notify struct {
	At       Seconds `json:"t_s"`
	Node     string  `json:"node"`
	Instance string  `json:"instance"` // or the vrrp_sync_group
	Kind     string  `json:"kind"`
	State    string  `json:"state"`
	// Argv is the command line as a shell would need it quoted; for
	// notify_fifo the fifo path, then the line written.
	Argv     string `json:"argv"`
	Priority int64  `json:"priority"`
}

// onNotify keeps a "notify" note.
func (c *Collector) onNotify(r *sim.Record) {
	c.notify = append(c.notify, Notify{At: Seconds(r.At), Node: r.Node, Instance: r.Comp, Kind: r.From, State: r.To, Argv: r.Reason, Priority: r.Value})
}

// notifyText is the text report's section, empty when nothing was
// notified.
func (r *Report) notifyText() string {
	if len(r.Notifies) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nNotify commands (never run)\n")
	for _, n := range r.Notifies {
		fmt.Fprintf(&b, "  %12s  %s  %s  %s %s: %s\n", n.At.text(), n.Node, n.Instance, n.State, n.Kind, n.Argv)
	}
	return b.String()
}
