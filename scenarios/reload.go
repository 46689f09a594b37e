package scenarios

import (
	"github.com/goccy/go-yaml/ast"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// reload: {node: r1, duration: 2s, config: new.conf} is keepalived's
// reload (SIGHUP: vrrp_daemon.c reload_vrrp_thread). For its duration the
// node's VRRP instances send and read no advert (the thread master is
// destroyed and the sockets closed) but keep their state and VIPs; then
// the new configuration applies, instances kept by name
// (model/vrrp/reload.go): a MASTER stays MASTER and advertises at once, a
// BACKUP waits a fresh Master_Down_Interval. So a reload longer than the
// backup's Master_Down_Interval is a takeover, and a reload that changes
// the VIP list makes the peers discard this node's adverts (vrrp.c
// vrrp_check_packet) until they are reloaded too.
//
// The new configuration is either config: PATH (a keepalived.conf read
// with the reader, relative to the scenario file, config_id: ID for its
// @ID lines) or vrrp: {...} (instances written as in the node's vrrp:
// block). Without either the same configuration is reloaded.
const ActReload ActionKind = "reload"

func (d *decoder) reloadAction(a *Action, n ast.Node, path, what string, name func(*object, string, refKind, string) string) {
	o, ok := d.args(n, path, what, []string{"node"}, []string{"duration", "config", "config_id", "vrrp"})
	if !ok {
		return
	}
	a.Node = name(o, "node", refNode, "")
	if v, ok := o.duration("duration"); ok {
		if v < 0 {
			o.bad("duration", "reload duration %v is negative; valid: a duration like 2s", v)
		}
		a.Duration = v
	}
	if o.has("config") && o.has("vrrp") {
		d.add(o.keyAt("vrrp"), "%s has both config and vrrp; valid: one of them, or neither to reload the same configuration", what)
	}
	if v, ok := o.str("config"); ok {
		a.Reload = &Reload{Pos: o.at("config"), Config: v}
		if id, ok := o.str("config_id"); ok {
			a.Reload.ConfigID, a.Reload.HasConfigID = id, true
		}
	} else if o.has("config_id") {
		d.add(o.keyAt("config_id"), "%s has config_id without config; valid: config: PATH and config_id: ID together", what)
	}
	if o.has("vrrp") {
		nd := &Node{Name: a.Node, Kind: KindRouter}
		a.Reload = &Reload{Pos: o.at("vrrp"), Inline: true}
		for _, ve := range d.defined(d.named(o.node("vrrp"), path+".vrrp", "vrrp instances of "+what), "vrrp instance") {
			a.Reload.VRRP = append(a.Reload.VRRP, d.instance(ve, nd, path+".vrrp."+ve.key))
		}
	}
}

// Reload is the new configuration of a reload action (nil: the same).
type Reload struct {
	Pos         Pos
	Config      string // keepalived.conf path as written ("" for inline)
	ConfigID    string
	HasConfigID bool
	Inline      bool        // written as vrrp: in the action
	VRRP        []*Instance // the instances after the reload
}

// readReloadConfs reads the keepalived.conf of every reload action, with
// the reader keepalived_conf: uses (kaconf_conf.go).
func (d *decoder) readReloadConfs(s *Scenario, root confRoot) {
	for _, ev := range s.Timeline {
		r := ev.Action.Reload
		if ev.Action.Kind != ActReload || r == nil || r.Inline {
			continue
		}
		if keepalivedReader == nil {
			d.add(r.Pos, "reload config needs the keepalived.conf reader, which this program does not include; valid: import github.com/vrrpsim/vrrpsim/scenarios/keepalived")
			return
		}
		clean, ok := confPath(r.Config)
		if !ok {
			d.add(r.Pos, "reload config %q leaves the scenario's directory; valid: a relative path to a file inside it, like r1/new.conf", r.Config)
			continue
		}
		if root.fs == nil { // opened once, for every reload action
			opened, closeRoot, err := root.open()
			if err != nil {
				d.add(r.Pos, "cannot open the scenario's directory %s: %v", root.dir, err)
				return
			}
			defer closeRoot()
			root = opened
		}
		kc := root.read(ev.Action.Node, clean, r.ConfigID, r.HasConfigID)
		for _, e := range kc.Errors {
			d.add(e.Pos, "%s [reload of node %s]", e.Msg, ev.Action.Node)
		}
		d.warnings = append(d.warnings, kc.Warnings...)
		r.VRRP = kc.VRRP
		for _, in := range r.VRRP {
			d.ref(in.Pos, refInterface, in.Interface, ev.Action.Node, "vrrp instance "+in.Name+" of the reload of "+ev.Action.Node)
		}
	}
}

// reloadString is Action.String for freeze and reload ("" for others):
//
//	freeze r1, reload r1
func reloadString(a Action) string {
	switch a.Kind {
	case ActFreeze, ActReload:
		return string(a.Kind) + " " + a.Node
	}
	return ""
}

// reloadDetail is Action.Detail for freeze and reload:
// duration=2s [config=new.conf | vrrp=VI_1,VI_2].
func reloadDetail(a Action) string {
	s := "duration=" + a.Duration.String()
	if a.Kind == ActReload && a.Reload != nil {
		if a.Reload.Inline {
			s += " vrrp="
			for i, in := range a.Reload.VRRP {
				if i > 0 {
					s += ","
				}
				s += in.Name
			}
		} else {
			s += " config=" + a.Reload.Config
		}
	}
	return s
}

// doReload suspends the node's VRRP now and applies the new
// configuration Duration later.
func (w *World) doReload(n *node.Node, a Action) error {
	n.BeginReload()
	var cfgs []vrrp.Config
	if a.Reload != nil {
		cfgs = []vrrp.Config{}
		for _, in := range a.Reload.VRRP {
			cfgs = append(cfgs, vrrpConfig(in))
		}
	}
	k := w.actionKernel(a)
	k.After(a.Duration, func() {
		k.Trace(sim.Record{Kind: sim.KindNote, Node: a.Node, Comp: "timeline", Event: "reload_end", Reason: a.String()})
		if err := n.EndReload(cfgs); err != nil {
			k.Trace(sim.Record{Kind: sim.KindDrop, Node: a.Node, Comp: "timeline", Reason: "action_failed: " + err.Error()})
		}
	})
	return nil
}
