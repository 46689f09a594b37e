package stepper

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// CondGrammar documents what `until` and `break` accept.
const CondGrammar = `conditions (an event makes it true):
  NODE STATE            a VRRP instance of NODE enters STATE (master, backup, fault, init)
  NODE/INSTANCE STATE   the same for one instance (r2/VI_1 master)
  NODE[/INSTANCE] priority  the effective priority changes (weighted track, set_priority)
  NODE loses            a traffic flow of NODE loses a packet
  NODE fails            a client connection of NODE ends other than ok
  NODE neigh IP [NUD]   NODE's neighbour entry for IP changes (to NUD: reachable, stale, failed...)
  state                 any VRRP state change
  split-brain           a second MASTER for one VRID on one segment
  action                the next scenario timeline action
  frame [EXPR]          the next frame (that the filter EXPR keeps: frame arp)
  match EXPR            the next record the filter EXPR keeps (node r2 and vrrp)
  drop [REASON]         something is dropped (with that counter name)
  vrid N                anything about VRID N (match vrid N)`

// Cond is a parsed condition of `until` or `break`.
type Cond struct {
	Text  string
	match func(s *Stepper, e *Event) bool
}

// Match reports whether event e (the current one) makes c true.
func (c Cond) Match(s *Stepper, e *Event) bool { return c.match(s, e) }

// anyRec is a condition on single records.
func anyRec(f func(s *Stepper, r *sim.Record) bool) func(*Stepper, *Event) bool {
	return func(s *Stepper, e *Event) bool {
		for i := range e.Recs {
			if f(s, &e.Recs[i]) {
				return true
			}
		}
		return false
	}
}

// ParseCond parses a condition; node names are checked against the world.
func (s *Stepper) ParseCond(text string) (Cond, error) {
	f := strings.Fields(text)
	c := Cond{Text: strings.Join(f, " ")}
	bad := func(format string, a ...any) (Cond, error) {
		return Cond{}, fmt.Errorf("condition %q: %s\n%s", c.Text, fmt.Sprintf(format, a...), CondGrammar)
	}
	if len(f) == 0 {
		return bad("empty")
	}
	switch f[0] {
	case "state":
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool { return r.Kind == sim.KindState })
		return c, nil
	case "split-brain":
		c.match = anyRec(func(s *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindState && r.To == vrrp.StateMaster.String() && s.masters(r) > 1
		})
		return c, nil
	case "action":
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool { return r.Kind == sim.KindAction })
		return c, nil
	case "frame", "match", "vrid":
		// Filter expressions (reports.ParseFilter, as --trace-filter):
		// frame [EXPR] is the next frame EXPR keeps, match EXPR the next
		// record it keeps, vrid N short for match vrid N.
		expr := strings.Join(f[1:], " ")
		if f[0] == "vrid" {
			expr = "vrid " + expr
		}
		var flt *reports.Filter
		if expr != "" {
			var err error
			if flt, err = reports.ParseFilter(expr, s.filterEnv); err != nil {
				return bad("%v", err)
			}
		} else if f[0] != "frame" {
			return bad("want %s EXPR", f[0])
		}
		frames := f[0] == "frame"
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return (!frames || r.Kind == sim.KindFrame) && flt.Match(r)
		})
		return c, nil
	case "drop":
		reason := ""
		if len(f) > 1 {
			reason = f[1]
		}
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindDrop && (reason == "" || r.Reason == reason)
		})
		return c, nil
	}
	if len(f) < 2 {
		return bad("unknown condition")
	}
	node, inst, _ := strings.Cut(f[0], "/")
	if _, ok := s.w.Node(node); !ok {
		return bad("no node %q; nodes: %s", node, strings.Join(s.nodeNames(), ", "))
	}
	switch verb := f[1]; verb {
	case "master", "backup", "fault", "init":
		if len(f) != 2 {
			return bad("want NODE %s", verb)
		}
		to := strings.ToUpper(verb)
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindState && r.Node == node && (inst == "" || r.Comp == inst) && r.To == to
		})
	case "priority":
		if len(f) != 2 {
			return bad("want NODE priority")
		}
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return isPriority(r) && r.Node == node && (inst == "" || r.Comp == inst)
		})
	case "loses":
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindFlow && r.Node == node && r.Event == "lost"
		})
	case "fails":
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindConn && r.Node == node && r.Event != "ok"
		})
	case "neigh":
		if len(f) < 3 || len(f) > 4 {
			return bad("want NODE neigh IP [NUD]")
		}
		ip, err := netip.ParseAddr(f[2])
		if err != nil {
			return bad("%v", err)
		}
		nud := ""
		if len(f) == 4 {
			nud = strings.ToUpper(f[3])
		}
		c.match = anyRec(func(_ *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindNeigh && r.Node == node && r.Addr == ip && (nud == "" || r.To == nud)
		})
	default:
		return bad("unknown verb %q", verb)
	}
	return c, nil
}

// masters counts the instances in MASTER with the VRID of state record r
// on the segment of r's instance.
func (s *Stepper) masters(r *sim.Record) int {
	seg := s.instanceSegment(r.Node, r.Comp)
	n := 0
	for _, nd := range s.w.Nodes() {
		for _, sp := range nd.Speakers() {
			if int64(sp.Config().VRID) == r.Value2 && sp.State() == vrrp.StateMaster && s.instanceSegment(nd.Name(), sp.Name()) == seg {
				n++
			}
		}
	}
	return n
}

func (s *Stepper) instanceSegment(node, inst string) string {
	n, ok := s.w.Node(node)
	if !ok {
		return ""
	}
	sp, ok := n.Speaker(inst)
	if !ok {
		return ""
	}
	i, ok := n.Interface(sp.Config().Interface)
	if !ok {
		return ""
	}
	return i.Segment()
}

func (s *Stepper) nodeNames() []string {
	var out []string
	for _, n := range s.w.Nodes() {
		out = append(out, n.Name())
	}
	return out
}

// isPriority reports whether r is a speaker's effective priority change.
func isPriority(r *sim.Record) bool { return r.Kind == sim.KindNote && r.Event == "priority" }
