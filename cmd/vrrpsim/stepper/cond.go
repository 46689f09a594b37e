package stepper

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
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
  frame [PROTO]         the next frame (of arp, vrrp, icmp, udp, tcp, ipip, ip)
  drop [REASON]         something is dropped (with that counter name)
  vrid N                anything about VRID N (state, advert, VRRP frame)`

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
	case "frame":
		proto := ""
		if len(f) > 1 {
			proto = f[1]
			if !slices.Contains(protocols, proto) {
				return bad("unknown protocol %q; valid: %s", proto, strings.Join(protocols, ", "))
			}
		}
		c.match = anyRec(func(s *Stepper, r *sim.Record) bool {
			return r.Kind == sim.KindFrame && (proto == "" || s.recProto(r) == proto)
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
	case "vrid":
		if len(f) != 2 {
			return bad("want vrid N")
		}
		id, err := strconv.Atoi(f[1])
		if err != nil || id < 1 || id > 255 {
			return bad("VRID %q: want 1..255", f[1])
		}
		c.match = anyRec(func(s *Stepper, r *sim.Record) bool { v, ok := s.recVRID(r); return ok && v == id })
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

// protocols are the frame protocols filters and conditions name.
var protocols = []string{"arp", "vrrp", "icmp", "udp", "tcp", "ipip", "ip", "other"}

// frameProto names the innermost protocol of a frame.
func (s *Stepper) frameProto(b []byte) string {
	_ = s.dec.Decode(b, &s.fr) // a malformed frame is named by what decoded
	switch {
	case s.fr.HasARP:
		return "arp"
	case s.fr.HasVRRP:
		return "vrrp"
	case s.fr.HasICMP:
		return "icmp"
	case s.fr.HasUDP:
		return "udp"
	case s.fr.HasTCP:
		return "tcp"
	case s.fr.HasIPIP:
		return "ipip"
	case s.fr.HasIP:
		return "ip"
	}
	return "other"
}

// recProto is the protocol a record is about, "" for records about none
// (actions, notes, drops: filters by protocol let them through).
func (s *Stepper) recProto(r *sim.Record) string {
	switch r.Kind {
	case sim.KindFrame:
		return s.frameProto(r.Frame)
	case sim.KindState, sim.KindAdvert:
		return "vrrp"
	case sim.KindNeigh:
		return "arp"
	case sim.KindFDB:
		return "fdb"
	case sim.KindFlow:
		return "icmp"
	case sim.KindConn, sim.KindServe:
		return "tcp"
	case sim.KindIPVS:
		return "ipvs"
	case sim.KindNote:
		if isPriority(r) {
			return "vrrp"
		}
	}
	return ""
}

// recVRID is the VRID a record is about.
func (s *Stepper) recVRID(r *sim.Record) (int, bool) {
	switch r.Kind {
	case sim.KindState, sim.KindAdvert:
		return int(r.Value2), true
	case sim.KindNote:
		if isPriority(r) {
			return int(r.Value2), true
		}
	case sim.KindFrame:
		if s.frameProto(r.Frame) == "vrrp" {
			return int(s.fr.VRRP.VRID), true
		}
	}
	return 0, false
}

// isPriority reports whether r is a speaker's effective priority change.
func isPriority(r *sim.Record) bool { return r.Kind == sim.KindNote && r.Event == "priority" }

// recNode is the node a record is about: a frame's sending node.
func recNode(r *sim.Record) string {
	if r.Kind == sim.KindFrame {
		n, _, _ := strings.Cut(r.Comp, "/")
		return n
	}
	return r.Node
}
