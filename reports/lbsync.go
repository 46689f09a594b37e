package reports

// Director takeovers and the connections they break: when a director
// becomes VRRP master for an instance another director held, every client
// connection still open when the old master let go is counted as
// survived (it completed) or broken (it failed), and the new master's
// IPVS sync daemon is named: with a backup daemon running it had the
// entries the old master synced (model/lb/sync.go), without it none.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// syncComp is the trace component of the IPVS sync daemon's records
// (lb.SyncComp; reports never import model).
const syncComp = "ipvs-sync"

// takeoverLog is the takeover part of lbLog; its zero value is ready.
type takeoverLog struct {
	master   map[string]string // instance -> node holding it ("" when none)
	last     map[string]string // instance -> the last node that held it
	backup   map[string]bool   // node -> backup sync daemon running
	received map[string]int    // node -> sync entries its backup daemon received
	// gaps count, per instance whose master let go, the connections
	// that end before anyone takes over; a takeover adopts them.
	gaps map[string]*gap
	list []*takeover
}

// gap is an instance without a master: since left, the connections open
// then that ended.
type gap struct {
	left                 sim.Time
	open, survived, lost int
}

// count counts a connection [start, end] that was open at left.
func (g *gap) count(start, end sim.Time, ok bool) {
	if start < g.left && end > g.left {
		g.open++
		if ok {
			g.survived++
		} else {
			g.lost++
		}
	}
}

type takeover struct {
	gap
	at                 sim.Time
	instance, from, to string
	sync               bool
	synced             int
}

func (t *takeoverLog) init() {
	if t.master == nil {
		t.master, t.last = map[string]string{}, map[string]string{}
		t.backup, t.received, t.gaps = map[string]bool{}, map[string]int{}, map[string]*gap{}
	}
}

// onSync follows the sync daemons' start/stop/recv records.
func (t *takeoverLog) onSync(r *sim.Record) {
	t.init()
	switch {
	case r.Event == "start" && r.To == "backup":
		t.backup[r.Node] = true
	case r.Event == "stop" && r.To == "backup":
		t.backup[r.Node] = false
	case r.Event == "recv":
		t.received[r.Node] += int(r.Value)
	}
}

// onState spots a director taking an instance over from another one.
// directors are the nodes with virtual services.
func (t *takeoverLog) onState(directors map[string]bool, r *sim.Record) {
	if !directors[r.Node] {
		return
	}
	t.init()
	inst := r.Comp
	switch {
	case r.To == "MASTER":
		prev, holder := t.last[inst], t.master[inst]
		t.master[inst], t.last[inst] = r.Node, r.Node
		g := t.gaps[inst]
		delete(t.gaps, inst)
		if prev == "" || prev == r.Node {
			return
		}
		// The instances of a sync group move together: one takeover.
		if n := len(t.list); n > 0 && t.list[n-1].to == r.Node && t.list[n-1].at == r.At {
			return
		}
		tk := &takeover{gap: gap{left: r.At}, at: r.At, instance: inst, from: prev, to: r.Node,
			sync: t.backup[r.Node], synced: t.received[r.Node]}
		if holder == "" && g != nil {
			tk.gap = *g // let go earlier: what ended since counts
		}
		t.list = append(t.list, tk)
	case r.From == "MASTER":
		if t.master[inst] == r.Node {
			t.master[inst] = ""
			t.gaps[inst] = &gap{left: r.At}
		}
	}
}

// onConn counts a finished client connection for every takeover it
// spanned: started before the old master let go, ended after. A whole
// answer with an HTTP error status survived (the connection did). With
// keep-alive flows each record is a request, counted from its own start.
func (t *takeoverLog) onConn(r *sim.Record) {
	start, ok := r.At-sim.Time(r.Value), r.Event == "ok" || r.Event == "http_error"
	for _, tk := range t.list {
		tk.count(start, r.At, ok)
	}
	for _, g := range t.gaps { // counts only: the order does not show
		g.count(start, r.At, ok)
	}
}

// Takeover is one director taking a VIP over from another.
type Takeover struct {
	At       Seconds `json:"t_s"`
	Left     Seconds `json:"old_master_left_s"`
	Instance string  `json:"instance"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	// Sync: the new master ran an IPVS backup sync daemon;
	// SyncedEntries is how many entries it had received.
	Sync          bool `json:"sync"`
	SyncedEntries int  `json:"synced_entries"`
	// Open connections: still open when the old master let go; each
	// either survived (completed) or broke.
	Open     int `json:"open_connections"`
	Survived int `json:"survived"`
	Broken   int `json:"broken"`
}

func (t *takeoverLog) report() []Takeover {
	var out []Takeover
	for _, tk := range t.list {
		out = append(out, Takeover{At: Seconds(tk.at), Left: Seconds(tk.left), Instance: tk.instance, From: tk.from, To: tk.to,
			Sync: tk.sync, SyncedEntries: tk.synced, Open: tk.open, Survived: tk.survived, Broken: tk.lost})
	}
	return out
}

// writeTakeoverText prints one line per takeover.
func writeTakeoverText(b *strings.Builder, ts []Takeover) {
	for _, t := range ts {
		sync := "no sync daemon"
		if t.Sync {
			sync = "sync daemon: " + strconv.Itoa(t.SyncedEntries) + " entries received"
		}
		fmt.Fprintf(b, "  takeover %s %s %s -> %s (%s): %d connections open when %s let go at %s, %d survived, %d broken\n",
			t.At.text(), t.Instance, t.From, t.To, sync, t.Open, t.From, t.Left.text(), t.Survived, t.Broken)
	}
}

// checkSurvive: of the connections open at the director takeovers, at
// least atLeast (and at most atMost) survived. No takeover fails it.
func (r *Report) checkSurvive(atLeast, atMost float64) (bool, string) {
	if r.LB == nil || len(r.LB.Takeovers) == 0 {
		return false, "no director takeover in this run"
	}
	open, ok := 0, 0
	for _, t := range r.LB.Takeovers {
		open += t.Open
		ok += t.Survived
	}
	if open == 0 {
		return false, fmt.Sprintf("%d takeover(s), but no connection was open at them", len(r.LB.Takeovers))
	}
	frac := float64(ok) / float64(open)
	detail := fmt.Sprintf("%d of %d connections open at %d takeover(s) survived (%.1f%%)", ok, open, len(r.LB.Takeovers), 100*frac)
	return frac >= atLeast-1e-9 && frac <= atMost+1e-9, detail
}
