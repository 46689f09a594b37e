package scenarios

import (
	"github.com/goccy/go-yaml/ast"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/sim"
)

// freeze: {node: r1, duration: 4s} pauses a node as a VM pause or CPU
// starvation does (model/node/freeze.go): no timer of its daemons fires
// and frames to it are dropped; at the end its expired timers run at
// once, in deadline order (keepalived's "thread timer expired"). A frozen
// master keeps its VIPs, so a freeze longer than the backup's
// Master_Down_Interval leaves two masters until the thawed one's first
// advert reaches the other.
const ActFreeze ActionKind = "freeze"

// freezeAction decodes freeze and reload (reload.go); false for other kinds.
func (d *decoder) freezeAction(a *Action, k ActionKind, n ast.Node, path, what string, name func(*object, string, refKind, string) string) bool {
	switch k {
	case ActFreeze:
		o, ok := d.args(n, path, what, []string{"node", "duration"}, nil)
		if !ok {
			return true
		}
		a.Node = name(o, "node", refNode, "")
		if v, ok := o.duration("duration"); ok {
			if v <= 0 {
				o.bad("duration", "freeze duration %v is not positive; valid: a duration like 4s", v)
			}
			a.Duration = v
		}
		return true
	case ActReload:
		d.reloadAction(a, n, path, what, name)
		return true
	}
	return false
}

// freezes reports whether the timeline freezes the named node, so only
// such nodes get freezable timers.
func (sc *Scenario) freezes(name string) bool {
	for _, ev := range sc.Timeline {
		if ev.Action.Kind == ActFreeze && ev.Action.Node == name {
			return true
		}
	}
	return false
}

// doFreeze pauses the node now and thaws it Duration later.
func (w *World) doFreeze(n *node.Node, a Action) error {
	if err := n.Freeze(); err != nil {
		return err
	}
	k := w.actionKernel(a)
	k.After(a.Duration, func() {
		k.Trace(sim.Record{Kind: sim.KindNote, Node: a.Node, Comp: "timeline", Event: "freeze_end", Reason: a.String()})
		n.Thaw()
	})
	return nil
}
