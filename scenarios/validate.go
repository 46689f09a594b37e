package scenarios

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// index holds lookups built once for validation.
type index struct {
	nodes    map[string]*Node
	segments map[string]*Segment
	scripts  map[string]*Script
	flows    map[string]*Flow
}

func names[T any](list []T, name func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = name(x)
	}
	return out
}

func nodeNames(s *Scenario) []string { return names(s.Nodes, func(n *Node) string { return n.Name }) }

// validate checks everything that needs the whole file: references, address
// plans, VRRP rules that involve two fields, timeline and expectations.
func (d *decoder) validate(s *Scenario) {
	ix := index{nodes: map[string]*Node{}, segments: map[string]*Segment{}, scripts: map[string]*Script{}, flows: map[string]*Flow{}}
	for _, sg := range s.Segments {
		ix.segments[sg.Name] = sg
	}
	for _, sc := range s.Scripts {
		ix.scripts[sc.Name] = sc
	}
	for _, n := range s.Nodes {
		ix.nodes[n.Name] = n
		for _, f := range n.Traffic {
			if prev, dup := ix.flows[f.Name]; dup {
				d.add(f.Pos, "duplicate flow name %q (first at %s); valid: a name used once", f.Name, prev.Pos)
				continue
			}
			ix.flows[f.Name] = f
		}
	}
	d.checkRefs(s, ix)
	d.checkAddresses(s)
	d.checkUnicast(s)
	for _, n := range s.Nodes {
		d.checkNode(n, ix)
	}
	for _, ac := range d.adverts {
		d.checkAdvertInt(ac)
	}
	d.checkInstanceNames(s)
	d.checkTimeline(s, ix)
	d.checkExpect(s, ix)
	d.checkLB(s, ix)
	d.checkLBSync(s) // lbsync.go
	s.Warnings = d.warnings
}

// checkInstanceNames: reports and expectations name a virtual router by
// its instance name (master: {VI_1: r1}), so every instance called VI_1
// must be the same virtual router: one VRID on one segment.
func (d *decoder) checkInstanceNames(s *Scenario) {
	type vr struct {
		vrid    int
		segment string
		where   Pos
		node    string
	}
	seen := map[string]vr{}
	// The other way round: one VRID on one segment is one virtual router
	// (RFC 3768 section 7.3: one virtual MAC), so it has one name; two
	// names would hide a split brain between them from the report.
	named := map[[2]string]string{}
	for _, n := range s.Nodes {
		for _, in := range n.VRRP {
			ifc := n.iface(in.Interface)
			if ifc == nil {
				continue // reported elsewhere
			}
			cur := vr{in.VRID, ifc.Segment, in.Pos, n.Name}
			k := [2]string{strconv.Itoa(in.VRID), ifc.Segment}
			if other, ok := named[k]; ok && other != in.Name && in.VRID != 0 {
				o := seen[other]
				d.add(in.Pos, "vrrp instance %s of %s is VRID %d on segment %s, as instance %s of %s (%s) is: one virtual router under two names; valid: the same instance name on every router of VRID %d, or another virtual_router_id",
					in.Name, n.Name, in.VRID, ifc.Segment, other, o.node, o.where, in.VRID)
				continue
			} else if !ok {
				named[k] = in.Name
			}
			prev, ok := seen[in.Name]
			if !ok {
				seen[in.Name] = cur
				continue
			}
			if prev.vrid != cur.vrid || prev.segment != cur.segment {
				d.add(in.Pos, "vrrp instance %s of %s is VRID %d on segment %s, but %s's %s (%s) is VRID %d on %s; valid: one instance name per virtual router (reports and expectations identify virtual routers by name)",
					in.Name, n.Name, cur.vrid, cur.segment, prev.node, in.Name, prev.where, prev.vrid, prev.segment)
			}
		}
	}
}

func (d *decoder) checkRefs(s *Scenario, ix index) {
	for _, r := range d.refs {
		switch r.kind {
		case refNode:
			if ix.nodes[r.name] == nil {
				d.add(r.pos, "unknown node %q in %s; valid: %s", r.name, r.what, quoteList(nodeNames(s)))
			}
		case refSegment:
			if ix.segments[r.name] == nil {
				d.add(r.pos, "unknown segment %q in %s; valid: %s", r.name, r.what,
					quoteList(names(s.Segments, func(x *Segment) string { return x.Name })))
			}
		case refScript:
			if ix.scripts[r.name] == nil {
				d.add(r.pos, "unknown script %q in %s; valid: %s (define it under scripts:)", r.name, r.what,
					quoteList(names(s.Scripts, func(x *Script) string { return x.Name })))
			}
		case refInterface:
			n := ix.nodes[r.node]
			if n == nil {
				continue // reported as an unknown node
			}
			if n.iface(r.name) == nil {
				d.add(r.pos, "unknown interface %q of node %s in %s; valid: %s", r.name, n.Name, r.what,
					quoteList(names(n.Interfaces, func(x *Interface) string { return x.Name })))
			}
		case refInstance:
			n := ix.nodes[r.node]
			if n == nil {
				continue
			}
			if n.instance(r.name) == nil {
				d.add(r.pos, "unknown vrrp instance %q of node %s in %s; valid: %s", r.name, n.Name, r.what,
					quoteList(names(n.VRRP, func(x *Instance) string { return x.Name })))
			}
		}
	}
}

func (n *Node) iface(name string) *Interface {
	for _, i := range n.Interfaces {
		if i.Name == name {
			return i
		}
	}
	return nil
}

func (n *Node) instance(name string) *Instance {
	for _, in := range n.VRRP {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// onSegment reports whether the node has an interface on the segment.
func (n *Node) onSegment(seg string) bool {
	for _, i := range n.Interfaces {
		if i.Segment == seg {
			return true
		}
	}
	return false
}

// checkAddresses: no address on two interfaces, no network or broadcast
// address as a host address.
func (d *decoder) checkAddresses(s *Scenario) {
	type owner struct {
		pos  Pos
		what string
	}
	seen := map[netip.Addr]owner{}
	for _, n := range s.Nodes {
		for _, ifc := range n.Interfaces {
			for _, p := range ifc.Addresses {
				what := n.Name + "/" + ifc.Name
				if prev, dup := seen[p.Addr()]; dup {
					d.add(ifc.Pos, "duplicate address %s on %s (also on %s at %s); valid: each interface address once", p.Addr(), what, prev.what, prev.pos)
					continue
				}
				seen[p.Addr()] = owner{ifc.Pos, what}
				if why := notUnicast(p.Addr()); why != "" {
					d.add(ifc.Pos, "address %s of %s is %s; valid: a unicast host address", p.Addr(), what, why)
					continue
				}
				// RFC 1122 section 3.2.1.3: the all-zeros and all-ones host
				// parts are not host addresses (except on /31, RFC 3021).
				if p.Bits() <= 30 {
					net := p.Masked().Addr()
					if p.Addr() == net {
						d.add(ifc.Pos, "address %s of %s is the network address of %s; valid: a host address inside it", p, what, p.Masked())
					} else if p.Addr() == broadcast(p) {
						d.add(ifc.Pos, "address %s of %s is the broadcast address of %s; valid: a host address inside it", p, what, p.Masked())
					}
				}
			}
		}
	}
}

// checkUnicast (issue 13): a VIP, an interface address, a unicast peer or
// source must be an address a host can own and answer ARP for; a MAC with
// the group bit set cannot be an interface's source address (IEEE 802.3
// clause 3.2.3: the I/G bit), and two interfaces with one MAC on one
// segment make the switch flap between their ports.
func (d *decoder) checkUnicast(s *Scenario) {
	type macOwner struct {
		pos  Pos
		what string
	}
	macs := map[string]map[[6]byte]macOwner{}
	for _, n := range s.Nodes {
		for _, ifc := range n.Interfaces {
			if ifc.MAC == ([6]byte{}) {
				continue // derived by the builder, unique
			}
			what := n.Name + "/" + ifc.Name
			mac := net.HardwareAddr(ifc.MAC[:]).String()
			if ifc.MAC[0]&1 != 0 {
				d.add(ifc.Pos, "mac %s of %s has the group (multicast) bit set; valid: a unicast MAC, e.g. 02:00:00:00:00:01 (locally administered)", mac, what)
				continue
			}
			if macs[ifc.Segment] == nil {
				macs[ifc.Segment] = map[[6]byte]macOwner{}
			}
			if prev, dup := macs[ifc.Segment][ifc.MAC]; dup {
				d.add(ifc.Pos, "mac %s of %s is also the mac of %s (at %s) on segment %s; valid: one MAC per interface on a segment", mac, what, prev.what, prev.pos, ifc.Segment)
				continue
			}
			macs[ifc.Segment][ifc.MAC] = macOwner{ifc.Pos, what}
		}
		for _, in := range n.VRRP {
			for _, v := range in.VirtualIPs {
				if why := notUnicast(v.Addr()); why != "" {
					d.add(in.Pos, "virtual_ipaddress %s of vrrp instance %s of %s is %s; valid: a unicast host address", v.Addr(), in.Name, n.Name, why)
				}
			}
			for _, a := range in.UnicastPeers {
				if why := notUnicast(a); why != "" {
					d.add(in.Pos, "unicast_peer %s of vrrp instance %s of %s is %s; valid: the peer's unicast interface address", a, in.Name, n.Name, why)
				}
			}
		}
	}
}

// notUnicast says why a is not a host's unicast IPv4 address, or "".
func notUnicast(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address (127.0.0.0/8)"
	case a.IsMulticast():
		return "a multicast address (224.0.0.0/4)"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the limited broadcast address"
	}
	return ""
}

func broadcast(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// connected reports whether a is inside a subnet of one of n's interfaces.
func (n *Node) connected(a netip.Addr) bool {
	for _, i := range n.Interfaces {
		for _, p := range i.Addresses {
			if p.Masked().Contains(a) {
				return true
			}
		}
	}
	return false
}

func (n *Node) owns(a netip.Addr) bool {
	for _, i := range n.Interfaces {
		for _, p := range i.Addresses {
			if p.Addr() == a {
				return true
			}
		}
	}
	return false
}

func (d *decoder) checkNode(n *Node, ix index) {
	for _, ifc := range n.Interfaces {
		if ifc.Gateway.IsValid() {
			on := false
			var subnets []string
			for _, p := range ifc.Addresses {
				subnets = append(subnets, p.Masked().String())
				if p.Masked().Contains(ifc.Gateway) {
					on = true
				}
			}
			if !on {
				d.add(ifc.Pos, "gateway %s of %s/%s is not on its subnet; valid: an address in %s", ifc.Gateway, n.Name, ifc.Name, quoteList(subnets))
			}
		}
	}
	for _, r := range n.Routes {
		if r.Via.IsValid() && !n.connected(r.Via) {
			d.add(r.Pos, "route next hop %s of %s is not on a connected subnet; valid: an address in a subnet of %s's interfaces", r.Via, n.Name, n.Name)
		}
	}
	// Two instances with one VRID on one interface would share a virtual
	// MAC (RFC 3768 section 7.3: 00-00-5E-00-01-{VRID}).
	type key struct {
		ifc  string
		vrid int
	}
	vrids := map[key]*Instance{}
	for _, in := range n.VRRP {
		k := key{in.Interface, in.VRID}
		if prev, dup := vrids[k]; dup && in.VRID != 0 {
			d.add(in.Pos, "vrrp instance %s of %s uses virtual_router_id %d on %s, as %s does (at %s); valid: one instance per VRID per interface", in.Name, n.Name, in.VRID, in.Interface, prev.Name, prev.Pos)
		} else {
			vrids[k] = in
		}
		// RFC 5798 section 5.2.1: VRRPv3 has no authentication.
		if in.Auth != nil && in.Version == 3 {
			d.add(in.Auth.Pos, "authentication in vrrp instance %s of %s: VRRPv3 (RFC 5798) has none; valid: version 2 or no authentication", in.Name, n.Name)
		}
		if in.UnicastSrcIP.IsValid() && !n.owns(in.UnicastSrcIP) {
			d.add(in.Pos, "unicast_src_ip %s of vrrp instance %s is not an address of %s; valid: one of its interface addresses", in.UnicastSrcIP, in.Name, n.Name)
		}
		for _, t := range in.TrackScripts {
			if t.Weight == weightFromScript {
				t.Weight = 0
				if sc := ix.scripts[t.Name]; sc != nil {
					t.Weight = sc.Weight
				}
			}
		}
	}
	member := map[string]string{}
	for _, g := range n.SyncGroups {
		for i, m := range g.Instances {
			if prev, dup := member[m]; dup {
				d.add(g.MemberPos[i], "vrrp instance %s of %s is in sync groups %s and %s; valid: at most one sync group per instance", m, n.Name, prev, g.Name)
			}
			member[m] = g.Name
		}
	}
}

// checkAdvertInt: RFC 3768 section 5.3.7 carries Adver Int in whole
// seconds (8 bits); RFC 5798 section 5.2.7 carries centiseconds in 12 bits.
func (d *decoder) checkAdvertInt(ac advertCheck) {
	in := ac.in
	v := in.AdvertInt
	switch in.Version {
	case 3:
		if v < 10*time.Millisecond || v > 4095*10*time.Millisecond || v%(10*time.Millisecond) != 0 {
			d.add(ac.pos, "advert_int %s invalid for VRRPv3 instance %s; valid: 10ms..40.95s in steps of 10ms (RFC 5798 centiseconds)", v, in.Name)
		}
	default:
		// keepalived 2.2.7 vrrp_complete_instance: a VRRPv2 interval of
		// 256 s or more becomes 255 s, a fractional one is rounded to the
		// nearest second (half up, at least 1 s), each with a warning;
		// the advert carries the whole seconds (RFC 3768 section 5.3.7).
		switch {
		case v <= 0:
			d.add(ac.pos, "advert_int %s invalid for VRRPv2 instance %s; valid: whole seconds 1..255 (RFC 3768), or version: 3 for sub-second", v, in.Name)
		case v >= 256*time.Second:
			in.AdvertInt = 255 * time.Second
			d.warn(ac.pos, "advert_int %s of VRRPv2 instance %s is out of range: keepalived sets it to 255s (Adver Int 255 on the wire); valid: whole seconds 1..255", v, in.Name)
		case v%time.Second != 0:
			r := max((v+time.Second/2)/time.Second*time.Second, time.Second)
			in.AdvertInt = r
			d.warn(ac.pos, "advert_int %s of VRRPv2 instance %s is not whole seconds: keepalived rounds it to %s and sends Adver Int %d (RFC 3768 carries seconds); use version: 3 for sub-second adverts", v, in.Name, r, int(r/time.Second))
		}
	}
}

func (d *decoder) checkTimeline(s *Scenario, ix index) {
	end := sim.D(s.Duration)
	// An injected frame is encoded now, as the run would: one that cannot
	// be (more addresses than the count field holds) fails here, not
	// silently at run time while the expectations pass (issue 13).
	enc := &World{enc: wire.NewEncoder()}
	for _, ev := range s.Timeline {
		if ev.At > end {
			d.add(ev.Pos, "timeline action %s at %s is after the end of the run; valid: at most duration %s", ev.Action, ev.At.Sub(0), s.Duration)
		}
		if f := ev.Action.Frame; f != nil {
			if _, err := enc.craft(f, wire.MAC{0x02, 0, 0, 0, 0, 1}); err != nil {
				d.add(ev.Pos, "the injected frame cannot be encoded: %v; valid: a frame the wire format can carry", err)
			}
		}
	}
	for _, pc := range d.ports {
		n := ix.nodes[pc.node]
		if n != nil && ix.segments[pc.segment] != nil && !n.onSegment(pc.segment) {
			var on []string
			for _, m := range s.Nodes {
				if m.onSegment(pc.segment) {
					on = append(on, m.Name)
				}
			}
			d.add(pc.pos, "node %s in %s has no interface on segment %s; valid: %s", pc.node, pc.what, pc.segment, quoteList(on))
		}
	}
	for _, ev := range s.Timeline {
		if ev.Action.Kind != ActPartition {
			continue
		}
		seen := map[string]bool{}
		for _, g := range ev.Action.Groups {
			for _, m := range g {
				if seen[m] {
					d.add(ev.Action.Pos, "node %s is in two groups of partition %s; valid: each node in at most one group", m, ev.Action.Segment)
				}
				seen[m] = true
			}
		}
	}
	for _, u := range d.unblocks {
		found := false
		var ids []string
		for _, ev := range s.Timeline {
			a := ev.Action
			if a.Kind == ActBlock && a.Segment == u.segment && a.ID != "" {
				ids = append(ids, a.ID)
				found = found || a.ID == u.id
			}
		}
		if !found {
			d.add(u.pos, "unblock of unknown block id %q on segment %s; valid: %s (the id: of a block action)", u.id, u.segment, quoteList(ids))
		}
	}
	for _, su := range d.scriptUses {
		n := ix.nodes[su.node]
		if n == nil || ix.scripts[su.script] == nil {
			continue
		}
		tracked := false
		for _, in := range n.VRRP {
			for _, t := range in.TrackScripts {
				tracked = tracked || t.Name == su.script
			}
		}
		if !tracked {
			d.add(su.pos, "no vrrp instance of %s tracks script %s; valid: add it to an instance's track_script", su.node, su.script)
		}
	}
}

// after resolves an `after:` text to a timeline index. The text is an
// action's canonical form (Action.String); when several actions share it,
// "TEXT @TIME" (e.g. "crash r1 @40s") picks the one at that time.
func (d *decoder) after(s *Scenario, text string, p Pos) int {
	want, at, hasAt := strings.Cut(text, " @")
	var atT sim.Time
	if hasAt {
		dur, err := ParseDuration(strings.TrimSpace(at))
		if err != nil {
			d.add(p, "bad time %q in after %q; valid: %s", at, text, durationHint)
			return -1
		}
		atT = sim.D(dur)
	}
	want = strings.TrimSpace(want)
	match := -1
	count := 0
	var valid []string
	for i, ev := range s.Timeline {
		t := ev.Action.String()
		valid = append(valid, fmt.Sprintf("%q", t))
		if t == want && (!hasAt || ev.At == atT) {
			count++
			if match < 0 {
				match = i
			}
		}
	}
	switch {
	case count == 0:
		d.add(p, "after %q matches no timeline action; valid: %s", text, quoteList(valid))
		return -1
	case count > 1:
		d.add(p, "after %q matches %d timeline actions; valid: add the time, e.g. %q", text, count, fmt.Sprintf("%s @%s", want, s.Timeline[match].At.Sub(0)))
		return -1
	}
	return match
}

func (d *decoder) checkExpect(s *Scenario, ix index) {
	end := sim.D(s.Duration)
	for _, e := range s.Expect {
		e.AfterEvent = -1
		if e.After != "" {
			e.AfterEvent = d.after(s, e.After, e.afterPos)
		}
		if e.Kind == ExpectMaster || e.Kind == ExpectARP {
			if e.After == "" && e.At > end {
				d.add(e.Pos, "expectation %q is after the end of the run; valid: at most duration %s", e, s.Duration)
			}
			if e.AfterEvent >= 0 && s.Timeline[e.AfterEvent].At.Add(e.Within) > end {
				d.add(e.Pos, "expectation %q ends after the end of the run (%s); valid: a shorter within or a longer duration", e, s.Duration)
			}
		}
		for _, m := range e.Master {
			if m.Node == NoMaster {
				if !anyInstance(s, m.Instance) {
					d.add(m.Pos, "unknown vrrp instance %q in expectation; valid: %s", m.Instance, quoteList(instanceNames(s)))
				}
				continue
			}
			n := ix.nodes[m.Node]
			switch {
			case n == nil:
				d.add(m.nodePos, "unknown node %q in expectation; valid: %s or %s", m.Node, quoteList(nodeNames(s)), NoMaster)
			case n.instance(m.Instance) == nil:
				d.add(m.Pos, "node %s has no vrrp instance %q; valid: %s", m.Node, m.Instance,
					quoteList(names(n.VRRP, func(x *Instance) string { return x.Name })))
			}
		}
		if e.Instance != "" && !anyInstance(s, e.Instance) {
			d.add(e.Pos, "unknown vrrp instance %q in expectation; valid: %s", e.Instance, quoteList(instanceNames(s)))
		}
		if e.Flow != "" && ix.flows[e.Flow] == nil {
			var fl []string
			for _, n := range s.Nodes {
				for _, f := range n.Traffic {
					fl = append(fl, f.Name)
				}
			}
			d.add(e.Pos, "unknown flow %q in expectation; valid: %s", e.Flow, quoteList(fl))
		}
		if e.ARP != nil {
			if ix.nodes[e.ARP.Host] == nil {
				d.add(e.ARP.Pos, "unknown node %q (host) in arp expectation; valid: %s", e.ARP.Host, quoteList(nodeNames(s)))
			}
			if ix.nodes[e.ARP.PointsTo] == nil {
				d.add(e.ARP.Pos, "unknown node %q (points_to) in arp expectation; valid: %s", e.ARP.PointsTo, quoteList(nodeNames(s)))
			}
		}
	}
}

func anyInstance(s *Scenario, name string) bool {
	for _, n := range s.Nodes {
		if n.instance(name) != nil {
			return true
		}
	}
	return false
}

func instanceNames(s *Scenario) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range s.Nodes {
		for _, in := range n.VRRP {
			if !seen[in.Name] {
				seen[in.Name] = true
				out = append(out, in.Name)
			}
		}
	}
	return out
}
