package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/vrrpsim/vrrpsim/sim"
)

// ExpectKind is what an expectation asserts.
type ExpectKind string

// Expectation kinds.
const (
	// ExpectMaster: at a time (At), or within Within after an action
	// (After), each listed instance has the listed master ("none" = no
	// master at all).
	ExpectMaster ExpectKind = "master"
	// ExpectNoSplitBrain: never two masters for one instance.
	ExpectNoSplitBrain ExpectKind = "no_split_brain"
	// ExpectSplitBrainAtMost: no split-brain interval longer than Max.
	ExpectSplitBrainAtMost ExpectKind = "split_brain_at_most"
	// ExpectLostAtMost: flow Flow loses at most Count packets.
	ExpectLostAtMost ExpectKind = "lost_at_most"
	// ExpectOutageAtMost: flow Flow's outage window is at most Max.
	ExpectOutageAtMost ExpectKind = "outage_at_most"
	// ExpectTransitionsAtMost: instance Instance changes state at most
	// Count times in total over all routers (after After, if set).
	ExpectTransitionsAtMost ExpectKind = "transitions_at_most"
	// ExpectARP: by time By (or Within after After), host ARP.Host's entry
	// for ARP.IP resolves to a MAC of node ARP.PointsTo.
	ExpectARP ExpectKind = "arp"
)

// NoMaster is the node name that means "no router is master".
const NoMaster = "none"

// Expectation is one `expect:` entry. It is only parsed and validated here;
// reports evaluate it against the trace.
type Expectation struct {
	Pos  Pos
	Kind ExpectKind
	At   sim.Time // master at a time; also the `by:` time of an arp check
	// After is the canonical text of a timeline action (see Action.String);
	// AfterEvent is its index in Scenario.Timeline (-1 when After is "").
	After      string
	AfterEvent int
	Within     time.Duration
	Master     []MasterWant
	Flow       string
	Count      int
	Max        time.Duration
	Instance   string
	ARP        *ARPWant
	Share      *ShareWant   // share (lb.go)
	Real       string       // removed, restored (checks.go)
	Survive    *SurviveWant // connections_survive_takeover (lbsync.go)

	afterPos Pos
}

// MasterWant says which node should be master of an instance.
type MasterWant struct {
	Pos      Pos
	Instance string
	Node     string // or NoMaster

	nodePos Pos
}

// ARPWant is a host's ARP entry that should point at a node.
type ARPWant struct {
	Pos      Pos
	Host     string
	IP       netip.Addr
	PointsTo string
}

// String is the readable form for reports, e.g. "at 9s: VI_1 master is r1",
// "within 3.7s after crash r1: VI_1 master is r2".
func (e Expectation) String() string {
	when := ""
	switch {
	case e.After != "" && e.Within > 0:
		when = fmt.Sprintf("within %s after %s: ", e.Within, e.After)
	case e.After != "":
		when = "after " + e.After + ": "
	case e.Kind == ExpectMaster:
		when = fmt.Sprintf("at %s: ", time.Duration(e.At))
	case e.Kind == ExpectARP:
		when = fmt.Sprintf("by %s: ", time.Duration(e.At))
	}
	switch e.Kind {
	case ExpectMaster:
		parts := make([]string, len(e.Master))
		for i, m := range e.Master {
			if m.Node == NoMaster {
				parts[i] = m.Instance + " has no master"
			} else {
				parts[i] = m.Instance + " master is " + m.Node
			}
		}
		return when + strings.Join(parts, ", ")
	case ExpectNoSplitBrain:
		return when + "no split brain"
	case ExpectSplitBrainAtMost:
		return when + "split brain at most " + e.Max.String()
	case ExpectLostAtMost:
		return fmt.Sprintf("%sflow %s lost at most %d", when, e.Flow, e.Count)
	case ExpectOutageAtMost:
		return fmt.Sprintf("%sflow %s outage at most %s", when, e.Flow, e.Max)
	case ExpectTransitionsAtMost:
		return fmt.Sprintf("%s%s transitions at most %d", when, e.Instance, e.Count)
	case ExpectARP:
		if e.ARP == nil {
			return when + "arp"
		}
		return fmt.Sprintf("%s%s ARP %s points to %s", when, e.ARP.Host, e.ARP.IP, e.ARP.PointsTo)
	case ExpectShare:
		if e.Share == nil {
			return when + "share"
		}
		return fmt.Sprintf("%s%s virtual_server %s: every real server's share within %g of its weight's", when, e.Share.Director, e.Share.VirtualServer, e.Share.Tolerance)
	case ExpectFailedAtMost:
		if e.Flow != "" {
			return fmt.Sprintf("%sflow %s failed connections at most %d", when, e.Flow, e.Count)
		}
		return fmt.Sprintf("%sfailed connections at most %d", when, e.Count)
	case ExpectNoBypass:
		return when + "no bypass of the director"
	case ExpectRemoved, ExpectRestored:
		return when + e.Real + " " + string(e.Kind)
	case ExpectSurvive:
		return when + e.Survive.String()
	}
	return when + string(e.Kind)
}

var expectKeys = []string{"at", "after", "within", "by", "master", "no_split_brain", "split_brain_at_most",
	"flow", "lost_at_most", "outage_at_most", "transitions_at_most", "instance", "arp",
	"share", "failed_connections_at_most", "no_bypass", "removed", "restored", "connections_survive_takeover"}

// expectShapes lists, per kind, the keys that go with it.
var expectShapes = []struct {
	kind ExpectKind
	key  string // the key that selects this kind
	keys []string
}{
	{ExpectMaster, "master", []string{"master", "at", "after", "within"}},
	{ExpectNoSplitBrain, "no_split_brain", []string{"no_split_brain", "after"}},
	{ExpectSplitBrainAtMost, "split_brain_at_most", []string{"split_brain_at_most", "after"}},
	{ExpectLostAtMost, "lost_at_most", []string{"lost_at_most", "flow"}},
	{ExpectOutageAtMost, "outage_at_most", []string{"outage_at_most", "flow"}},
	{ExpectTransitionsAtMost, "transitions_at_most", []string{"transitions_at_most", "instance", "after", "within"}},
	{ExpectARP, "arp", []string{"arp", "by", "after", "within"}},
	{ExpectShare, "share", []string{"share"}},
	{ExpectFailedAtMost, "failed_connections_at_most", []string{"failed_connections_at_most", "flow"}},
	{ExpectNoBypass, "no_bypass", []string{"no_bypass"}},
	{ExpectRemoved, "removed", []string{"removed", "after", "within"}},
	{ExpectRestored, "restored", []string{"restored", "after", "within"}},
	{ExpectSurvive, "connections_survive_takeover", []string{"connections_survive_takeover"}},
}

func (d *decoder) expectation(n ast.Node, path string) *Expectation {
	o := d.object(n, path, "expectation", expectKeys)
	e := &Expectation{Pos: o.pos, AfterEvent: -1}
	var selectors []string
	var keys []string
	for _, sh := range expectShapes {
		if o.has(sh.key) {
			selectors = append(selectors, sh.key)
			e.Kind, keys = sh.kind, sh.keys
		}
	}
	if len(selectors) != 1 {
		if len(selectors) == 0 && o.unknown > 0 {
			return nil // the unknown key is likely the misspelt kind: said once
		}
		var all []string
		for _, sh := range expectShapes {
			all = append(all, sh.key)
		}
		d.add(o.pos, "expectation has %d kinds (%s); valid: exactly one of %s", len(selectors), strings.Join(selectors, ", "), quoteList(all))
		return nil
	}
	for _, k := range expectKeys {
		if o.has(k) && !contains(keys, k) {
			d.add(o.keyAt(k), "key %q does not go with %s in an expectation; valid keys: %s", k, selectors[0], quoteList(keys))
		}
	}
	if v, ok := o.str("after"); ok {
		e.After, e.afterPos = v, o.at("after")
	}
	if v, ok := o.duration("within"); ok {
		e.Within = v
	}
	switch e.Kind {
	case ExpectMaster:
		if v, ok := o.time("at"); ok {
			e.At = v
		}
		d.whenCheck(o, e, "at")
		for _, me := range d.named(o.node("master"), path+".master", "master of expectation") {
			s, ok := scalarText(d.unwrap(me.val))
			if !ok || s == "" {
				d.add(d.pos(me.val), "master of %s must be a node name, got %s; valid: {%s: NODE} or {%s: none}", me.key, describe(me.val), me.key, me.key)
				continue
			}
			e.Master = append(e.Master, MasterWant{Pos: me.keyPos, Instance: me.key, Node: s, nodePos: d.pos(me.val)})
		}
		if len(e.Master) == 0 {
			d.add(o.at("master"), "master expectation names no instance; valid: master: {VI_1: r1}")
		}
	case ExpectNoSplitBrain:
		if v, ok := o.boolean("no_split_brain"); ok && !v {
			o.bad("no_split_brain", "false asserts nothing; valid: true, or remove the expectation")
		}
	case ExpectSplitBrainAtMost:
		e.Max, _ = o.duration("split_brain_at_most")
	case ExpectLostAtMost, ExpectOutageAtMost:
		if v, ok := o.str("flow"); ok {
			e.Flow = v
		} else if !o.has("flow") {
			o.missing(o.pos, "missing key \"flow\" in expectation; valid: flow: NAME (e.g. h1/ping-1)")
		}
		if e.Kind == ExpectLostAtMost {
			if v, ok := o.intIn("lost_at_most", 0, 1<<40); ok {
				e.Count = int(v)
			}
		} else {
			e.Max, _ = o.duration("outage_at_most")
		}
	case ExpectTransitionsAtMost:
		if v, ok := o.intIn("transitions_at_most", 0, 1<<30); ok {
			e.Count = int(v)
		}
		if v, ok := o.str("instance"); ok {
			e.Instance = v
		} else if !o.has("instance") {
			o.missing(o.pos, "missing key \"instance\" in expectation; valid: instance: NAME of a vrrp instance")
		}
		// reports count the transitions from the action until within
		// after it (to the end of the run without within).
		if o.has("within") && !o.has("after") {
			d.add(o.keyAt("within"), "expectation with within needs after; valid: after: ACTION TEXT like \"crash r1\"")
		}
	case ExpectARP:
		if v, ok := o.time("by"); ok {
			e.At = v
		}
		d.whenCheck(o, e, "by")
		ao := d.object(o.node("arp"), path+".arp", "arp expectation", []string{"host", "ip", "points_to"})
		w := &ARPWant{Pos: ao.pos}
		for _, k := range []string{"host", "ip", "points_to"} {
			if !ao.has(k) {
				ao.missing(ao.pos, "missing key %q in arp expectation; valid: {host: h1, ip: 10.0.0.254, points_to: r2}", k)
			}
		}
		w.Host, _ = ao.str("host")
		w.IP, _ = ao.addr("ip")
		w.PointsTo, _ = ao.str("points_to")
		e.ARP = w
	case ExpectShare:
		e.Share = d.shareWant(o, path)
	case ExpectFailedAtMost:
		if v, ok := o.intIn("failed_connections_at_most", 0, 1<<40); ok {
			e.Count = int(v)
		}
		if v, ok := o.str("flow"); ok {
			e.Flow = v
		}
	case ExpectSurvive:
		e.Survive = d.surviveWant(o) // lbsync.go
	case ExpectNoBypass:
		if v, ok := o.boolean("no_bypass"); ok && !v {
			o.bad("no_bypass", "false asserts nothing; valid: true, or remove the expectation")
		}
	case ExpectRemoved, ExpectRestored:
		d.healthWant(o, e)
	}
	return e
}

// whenCheck: a master or arp expectation is either at a time, or within a
// span after an action, not both.
func (d *decoder) whenCheck(o *object, e *Expectation, atKey string) {
	hasAt, hasAfter, hasWithin := o.has(atKey), o.has("after"), o.has("within")
	switch {
	case hasAt && (hasAfter || hasWithin):
		d.add(o.pos, "expectation has both %s and after/within; valid: %s: TIME, or after: ACTION with within: DURATION", atKey, atKey)
	case !hasAt && !hasAfter:
		d.add(o.pos, "expectation needs a time; valid: %s: TIME, or after: ACTION with within: DURATION", atKey)
	case hasAfter && !hasWithin:
		d.add(o.pos, "expectation after %q needs within; valid: within: DURATION like 3.7s", e.After)
	case hasWithin && !hasAfter:
		d.add(o.pos, "expectation with within needs after; valid: after: ACTION TEXT like \"crash r1\"")
	}
}
