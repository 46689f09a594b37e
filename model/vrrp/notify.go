package vrrp

import (
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Notify holds an instance's notify commands (keepalived vrrp_instance
// notify_master, notify_backup, notify_fault, notify_stop, notify, and the
// global notify_fifo). They are never run: each one keepalived would fire
// is a sim.KindNote trace record with Event "notify" (NotifyRecord).
type Notify struct {
	Master, Backup, Fault, Stop []string // argv as keepalived splits the line
	// Generic is `notify SCRIPT`: keepalived appends INSTANCE NAME STATE
	// PRIORITY (vrrp_notify.c notify_script_exec).
	Generic []string
	// FIFO is the notify_fifo (or vrrp_notify_fifo) path; keepalived
	// writes `INSTANCE "NAME" STATE PRIORITY` to it on every transition.
	FIFO string
	// RxLowerPri is notify_master_rx_lower_pri: run when a MASTER hears
	// a lower-priority advert (another router took over while it did not
	// hear us), with the fifo line `INSTANCE "NAME" MASTER_RX_LOWER_PRI
	// PRIORITY` (vrrp.c vrrp_state_master_rx, send_event_notify).
	RxLowerPri []string
}

// NotifyEventRxLowerPri is the fifo word of notify_master_rx_lower_pri.
const NotifyEventRxLowerPri = "MASTER_RX_LOWER_PRI"

// Empty reports whether no notify is configured.
func (n Notify) Empty() bool {
	return len(n.Master) == 0 && len(n.Backup) == 0 && len(n.Fault) == 0 &&
		len(n.Stop) == 0 && len(n.Generic) == 0 && n.FIFO == "" && len(n.RxLowerPri) == 0
}

// NotifyStateStop is the state name keepalived passes on shutdown
// (VRRP_STATE_STOP); it is not a State of the speaker, which goes to INIT.
const NotifyStateStop = "STOP"

// NotifyCall is one notify keepalived would fire: the keyword, the state
// it reports and the argv it would exec (for notify_fifo: Argv[0] is the
// fifo path and Argv[1] the line written, without its newline).
type NotifyCall struct {
	Kind  string // notify_master, notify_backup, notify_fault, notify_stop, notify, notify_fifo
	State string // MASTER, BACKUP, FAULT or STOP
	Argv  []string
}

// Notify types: the first word keepalived passes to `notify` scripts.
const (
	NotifyInstance = "INSTANCE"
	NotifyGroup    = "GROUP" // a vrrp_sync_group; its priority is always 0
)

// NotifyCalls returns what keepalived 2.2.7 fires when instance (or sync
// group, typ NotifyGroup) name enters state with priority prio, in its
// order (vrrp_notify.c send_instance_notifies, send_group_notifies): the
// state's own notify_* script, then the generic `notify` script with TYPE
// NAME STATE PRIO appended (notify_script_exec), then the fifo line
// (notify_fifo: `TYPE "NAME" STATE PRIO`).
func (n Notify) NotifyCalls(typ, name, state string, prio int) []NotifyCall {
	var out []NotifyCall
	var own []string
	kind := ""
	switch state {
	case "MASTER":
		own, kind = n.Master, "notify_master"
	case "BACKUP":
		own, kind = n.Backup, "notify_backup"
	case "FAULT":
		own, kind = n.Fault, "notify_fault"
	case NotifyStateStop:
		own, kind = n.Stop, "notify_stop"
	case NotifyEventRxLowerPri:
		// send_event_notify: its own script and the fifo, not `notify`;
		// instances only.
		if typ != NotifyInstance {
			return nil
		}
		own, kind = n.RxLowerPri, "notify_master_rx_lower_pri"
	}
	if len(own) > 0 {
		out = append(out, NotifyCall{Kind: kind, State: state, Argv: append([]string(nil), own...)})
	}
	p := strconv.Itoa(prio)
	if len(n.Generic) > 0 && state != NotifyEventRxLowerPri {
		argv := append(append([]string(nil), n.Generic...), typ, name, state, p)
		out = append(out, NotifyCall{Kind: "notify", State: state, Argv: argv})
	}
	if n.FIFO != "" {
		line := typ + ` "` + name + `" ` + state + " " + p
		out = append(out, NotifyCall{Kind: "notify_fifo", State: state, Argv: []string{n.FIFO, line}})
	}
	return out
}

// QuoteArgv joins argv for a trace line, single-quoting words that hold
// blanks, quotes or are empty, as a shell would need them.
func QuoteArgv(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`;&|<>*?()[]{}#~") {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}

// notifyState traces the notifies for the instance entering state (a State
// name or NotifyStateStop). Members of a sync group that already sent
// notifies stay silent when the group is in the same state: keepalived
// then fires only the group's (send_instance_notifies, "We are already in
// the required state due to our sync group").
func (s *Speaker) notifyState(state string) {
	if s.cfg.Notify.Empty() {
		return
	}
	if s.notifiesSent && s.sync != nil && state == s.sync.state.String() {
		return
	}
	s.notifiesSent = true
	s.notifyEvent(state)
}

// notifyEvent traces the notifies of a state or of an event that is not
// a state change (send_event_notify: no sync group suppression).
func (s *Speaker) notifyEvent(event string) {
	for _, c := range s.cfg.Notify.NotifyCalls(NotifyInstance, s.cfg.Name, event, s.effective) {
		s.env.Trace(NotifyRecord(s.cfg.Name, c, s.effective))
	}
}

// NotifyRecord is the trace record of one notify: Kind KindNote, Event
// "notify", Comp = instance, From = keyword, To = state, Reason = the
// quoted argv (for notify_fifo: path, then the line), Value = priority.
func NotifyRecord(comp string, c NotifyCall, prio int) sim.Record {
	return sim.Record{Kind: sim.KindNote, Comp: comp, Event: "notify", From: c.Kind, To: c.State,
		Reason: QuoteArgv(c.Argv), Value: int64(prio)}
}

// SetNotify sets the group's notify commands (vrrp_sync_group notify_*).
func (g *SyncGroup) SetNotify(n Notify) { g.notify = n }

// notifyState traces the group's notifies for its new state
// (send_group_notifies, called by vrrp_sync_master/backup/fault after the
// members moved, and at start for a group in BACKUP or FAULT). A group has
// no node of its own: the first member's Env records them.
func (g *SyncGroup) notifyState(state string) {
	if g.notify.Empty() || len(g.members) == 0 {
		return
	}
	env := g.members[0].env
	for _, c := range g.notify.NotifyCalls(NotifyGroup, g.name, state, 0) {
		env.Trace(NotifyRecord(g.name, c, 0))
	}
}

func (n Notify) clone() Notify {
	c := n
	c.Master = append([]string(nil), n.Master...)
	c.Backup = append([]string(nil), n.Backup...)
	c.Fault = append([]string(nil), n.Fault...)
	c.Stop = append([]string(nil), n.Stop...)
	c.Generic = append([]string(nil), n.Generic...)
	c.RxLowerPri = append([]string(nil), n.RxLowerPri...)
	return c
}

// NotifyStop fires the STOP notifies of a stopped instance: keepalived
// calls them for every instance once all are shut down (vrrp_daemon.c
// vrrp_terminate_phase1 -> vrrp_notify.c notify_shutdown).
func (s *Speaker) NotifyStop() { s.notifyState(NotifyStateStop) }

// NotifyStop fires the group's STOP notifies, after its members'
// (notify_shutdown).
func (g *SyncGroup) NotifyStop() {
	g.notifyState(NotifyStateStop)
}

// NotifyStart fires the group's notifies at daemon start, before its
// members start, for a group in BACKUP or FAULT (vrrp_scheduler.c
// vrrp_init_state; a group starting as MASTER notifies when it gets
// there). The group's state is the one its first member's start sets.
func (g *SyncGroup) NotifyStart() {
	for _, m := range g.members {
		if m.running() {
			return // not a daemon start
		}
	}
	g.initState()
	if g.state == StateBackup || g.state == StateFault {
		g.notifyState(g.state.String())
	}
}
