package keepalived

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// Lint reads a cluster's configs together: what `keepalived -t` cannot
// see because it checks one host. Each check names the keepalived (or RFC)
// rule it follows and what the receiver of an advert will do.

// Place is one more file:line a finding involves, on its node.
type Place struct {
	Pos  scenarios.Pos
	Node string
}

// LintNode is one node's config as lint reads it. Segment names the LAN
// an interface is on; nil: nodes whose instances use the same interface
// name are taken to share a LAN (as `vrrpsim import` guesses).
type LintNode struct {
	Name    string
	Config  *Config
	Segment func(iface string) string
	// Address is an interface's primary address (a scenario's), the
	// source of adverts without unicast_src_ip; nil: the config's
	// static_ipaddress on that interface, if any.
	Address func(iface string) netip.Addr
}

// LintSources reads every source and lints them together: the reader's
// errors and warnings (every fix-up keepalived applies silently) and the
// cluster checks. Notes (what the simulator does not model) are left out:
// they are not mistakes in the config. segment may be nil (see LintNode).
func LintSources(srcs []Source, opts Options, segment func(node, iface string) string) []Finding {
	var nodes []LintNode
	for _, src := range srcs {
		nodes = append(nodes, LintNode{Name: src.Node, Config: Load(src, opts), Segment: segmentFor(segment, src.Node)})
	}
	return Lint(nodes)
}

func segmentFor(f func(node, iface string) string, node string) func(string) string {
	if f == nil {
		return nil
	}
	return func(iface string) string { return f(node, iface) }
}

// Lint checks the configs together; findings are sorted by file, line
// and column.
func Lint(nodes []LintNode) []Finding {
	l := &linter{nodes: nodes}
	for _, n := range nodes {
		for _, f := range n.Config.Findings {
			if f.Severity == SevNote {
				continue
			}
			if strings.Contains(f.Msg, "its block is skipped") {
				f.Msg += "; keepalived 2.2.7 does not skip it: it reads the block's lines as keywords of the enclosing block, and its '}' closes that block"
			}
			f.Node = n.Name
			if len(f.Also) > 0 {
				f.Also = slices.Clone(f.Also)
				for i := range f.Also {
					f.Also[i].Node = n.Name
				}
			}
			l.out = append(l.out, f)
		}
	}
	l.groupRouters()
	l.duplicateVRIDs()
	for _, vr := range l.routers {
		l.compare(vr)
		l.owners(vr)
		l.weights(vr)
	}
	l.nopreempt()
	l.syncGroups()
	l.notifies()
	l.virtualServers()
	sortFindings(l.out)
	return l.out
}

// member is one node's instance of a virtual router.
type member struct {
	node string
	in   *Instance
	cfg  *Config
	src  netip.Addr // where its adverts come from, if known
}

// router is one virtual router: a VRID on a LAN (RFC 3768 section 7.3:
// one virtual MAC 00:00:5e:00:01:VRID per LAN).
type router struct {
	segment string
	vrid    int
	members []member
}

type linter struct {
	nodes   []LintNode
	routers []*router
	out     []Finding
}

// at is where an instance wrote key, or the instance itself.
func at(in *Instance, key string) scenarios.Pos {
	if p, ok := in.Src[key]; ok {
		return p
	}
	return in.Pos
}

func (l *linter) add(sev Severity, m member, key string, also []Place, format string, args ...any) {
	l.out = append(l.out, Finding{Pos: at(m.in, key), Severity: sev, Node: m.node, Also: also, Msg: fmt.Sprintf(format, args...)})
}

func place(m member, key string) Place { return Place{Pos: at(m.in, key), Node: m.node} }

func (l *linter) groupRouters() {
	idx := map[string]*router{}
	for _, n := range l.nodes {
		for _, in := range n.Config.Instances {
			if in.VRID == 0 || in.Interface == "" {
				continue
			}
			seg := in.Interface
			if n.Segment != nil {
				seg = n.Segment(in.Interface)
			}
			k := fmt.Sprintf("%s/%d", seg, in.VRID)
			vr := idx[k]
			if vr == nil {
				vr = &router{segment: seg, vrid: in.VRID}
				idx[k] = vr
				l.routers = append(l.routers, vr)
			}
			vr.members = append(vr.members, member{node: n.Name, in: in, cfg: n.Config, src: advertSource(n, in)})
		}
	}
}

// duplicateVRIDs: one node running two instances of one VRID on one LAN
// (vrrp.c vrrp_complete_init refuses a VRID duplicated on an interface).
func (l *linter) duplicateVRIDs() {
	for _, vr := range l.routers {
		seen := map[string]member{}
		for _, m := range vr.members {
			if prev, ok := seen[m.node]; ok {
				l.add(SevError, m, "virtual_router_id", []Place{place(prev, "virtual_router_id")},
					"(%s) VRID %d is also used by instance %s on %s's same LAN %s: keepalived refuses the config (vrrp_complete_init: VRID duplicated on the interface); valid: another virtual_router_id",
					m.in.Name, vr.vrid, prev.in.Name, m.node, vr.segment)
				continue
			}
			seen[m.node] = m
		}
	}
}

// compare checks what vrrp.c vrrp_check_packet compares between an advert
// and the receiving instance: a mismatch makes the receiver discard every
// advert of the other node, its master-down timer expires, and both are
// master (a split brain that lasts as long as the configs differ).
func (l *linter) compare(vr *router) {
	if len(vr.members) < 2 {
		return
	}
	ref := vr.members[0]
	dual := "each discards the other's adverts, so both become master of VRID %d"
	for _, m := range vr.members[1:] {
		if m.node == ref.node {
			continue
		}
		a, b := ref.in, m.in
		also := func(key string) []Place { return []Place{place(ref, key)} }
		what := fmt.Sprintf("%s (%s) and %s (%s)", m.node, b.Name, ref.node, a.Name)
		if a.Version != b.Version {
			l.add(SevError, m, "version", also("version"), "VRRP version %d and %d between %s: vrrp_check_packet drops a different version (version_mismatch); "+dual, b.Version, a.Version, what, vr.vrid)
			continue // the rest is not compared across versions
		}
		if a.Version == 2 {
			pa, pb := authPass(a), authPass(b)
			switch {
			case (pa == "") != (pb == ""):
				l.add(SevError, m, "authentication", also("authentication"), "authentication on one side only between %s: vrrp_check_packet drops an advert whose auth type differs (auth_type_mismatch); "+dual, what, vr.vrid)
			case pa != pb:
				l.add(SevError, m, "authentication", also("authentication"), "auth_pass differs between %s (compared after keepalived cuts it to 8 characters): vrrp_check_packet drops the advert (auth_mismatch); "+dual, what, vr.vrid)
			}
			if a.AdvertInt != b.AdvertInt {
				l.add(SevError, m, "advert_int", also("advert_int"), "advert_int %gs and %gs between %s: a VRRPv2 receiver drops an advert whose interval is not its own (vrrp_check_packet, RFC 3768 section 7.1: interval_mismatch); "+dual,
					b.AdvertInt.Seconds(), a.AdvertInt.Seconds(), what, vr.vrid)
			}
		} else if a.AdvertInt != b.AdvertInt {
			l.add(SevWarning, m, "advert_int", also("advert_int"), "advert_int %gs and %gs between %s: VRRPv3 accepts it, and a backup times the master with the master's interval (RFC 5798 section 6.4.2), so the takeover time depends on who is master",
				b.AdvertInt.Seconds(), a.AdvertInt.Seconds(), what)
		}
		l.unicast(vr, ref, m)
	}
	l.vipSets(vr)
}

// vipSets reports each VIP list that differs from the first one written,
// once, naming every node of both lists.
func (l *linter) vipSets(vr *router) {
	var sets [][]member
	index := map[string]int{} // vipKey -> sets index
	for _, m := range vr.members {
		k := vipKey(m.in.VirtualIPs)
		i, ok := index[k]
		if !ok {
			i = len(sets)
			index[k] = i
			sets = append(sets, nil)
		}
		sets[i] = append(sets[i], m)
	}
	if len(sets) < 2 {
		return
	}
	who := func(ms []member) string {
		s := make([]string, len(ms))
		for i, m := range ms {
			s[i] = m.node + " (" + m.in.Name + ")"
		}
		return strings.Join(s, ", ")
	}
	first := sets[0]
	for _, set := range sets[1:] {
		var also []Place
		for _, m := range append(append([]member{}, set[1:]...), first...) {
			also = append(also, place(m, "virtual_ipaddress"))
		}
		a, b := first[0].in, set[0].in
		var msg string
		if a.Name != b.Name {
			msg = fmt.Sprintf("VRID %d on LAN %s is used by two different groups, %s with VIPs %s and %s with %s: one virtual MAC for both; each side discards the other's adverts (vrrp_check_packet: addr_list_mismatch) and each has a master; valid: another virtual_router_id for one of them",
				vr.vrid, vr.segment, who(set), vipList(b.VirtualIPs), who(first), vipList(a.VirtualIPs))
		} else {
			msg = fmt.Sprintf("virtual_ipaddress lists of VRID %d differ: %s has %s, %s has %s; vrrp_check_packet drops an advert whose address count or addresses are not its own (addr_list_mismatch), so each side discards the other's adverts and both become master",
				vr.vrid, who(set), vipList(b.VirtualIPs), who(first), vipList(a.VirtualIPs))
		}
		l.out = append(l.out, Finding{Pos: at(b, "virtual_ipaddress"), Severity: SevError, Node: set[0].node, Also: also, Msg: msg})
	}
}

func authPass(in *Instance) string {
	if in.Auth == nil {
		return ""
	}
	return in.Auth.Pass
}

// unicast: an advert reaches only the unicast peers of its sender; a
// multicast advert on a unicast instance, or the reverse, is dropped
// (cast_mismatch).
func (l *linter) unicast(vr *router, a, b member) {
	ua, ub := len(a.in.UnicastPeers) > 0, len(b.in.UnicastPeers) > 0
	if ua != ub {
		l.add(SevError, b, "unicast_peer", []Place{place(a, "unicast_peer")}, "%s (%s) and %s (%s) disagree on unicast: one sends to its unicast_peer list, the other multicasts, and each drops the other's adverts (cast_mismatch); both become master of VRID %d",
			b.node, b.in.Name, a.node, a.in.Name, vr.vrid)
		return
	}
	if !ua {
		return
	}
	for _, p := range [][2]member{{a, b}, {b, a}} {
		from, to := p[0], p[1]
		if to.src.IsValid() && !slices.Contains(from.in.UnicastPeers, to.src) {
			what := "the unicast_src_ip"
			if !to.in.UnicastSrcIP.IsValid() {
				what = "the " + to.in.Interface + " address"
			}
			l.add(SevError, from, "unicast_peer", []Place{place(to, "unicast_src_ip")}, "%s's unicast_peer list does not hold %s, %s of %s: %s never hears %s's adverts and becomes master too (VRID %d)",
				from.node, to.src, what, to.node, to.node, from.node, vr.vrid)
		}
	}
}

// advertSource is the address a unicast instance sends from: its
// unicast_src_ip, else the interface's primary address (keepalived takes
// the interface's first IPv4 address), when known.
func advertSource(n LintNode, in *Instance) netip.Addr {
	if in.UnicastSrcIP.IsValid() {
		return in.UnicastSrcIP
	}
	if n.Address != nil {
		return n.Address(in.Interface)
	}
	for _, a := range n.Config.StaticAddrs {
		if a.Dev == in.Interface && a.Prefix.Bits() < 32 {
			return a.Prefix.Addr()
		}
	}
	return netip.Addr{}
}

// vipKey is a VIP list as vrrp_check_packet compares it: the set of
// addresses, in no order (the prefix length is not in the advert).
func vipKey(ps []netip.Prefix) string {
	as := make([]string, len(ps))
	for i, p := range ps {
		as[i] = p.Addr().String()
	}
	sort.Strings(as)
	return strings.Join(as, " ")
}

func vipList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Addr().String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// owners: priority 255 is the address owner (RFC 3768 section 5.3.4);
// two of them both claim the VIPs as their own.
func (l *linter) owners(vr *router) {
	var own []member
	for _, m := range vr.members {
		if m.in.Priority == 255 {
			own = append(own, m)
		}
	}
	for _, m := range own[min(1, len(own)):] {
		l.add(SevError, m, "priority", []Place{place(own[0], "priority")}, "two address owners (priority 255) of VRID %d: %s and %s; RFC 3768 section 5.3.4 allows one, both start as master and the higher primary address wins the tie (section 6.4.3); valid: one router at 255 at most",
			vr.vrid, own[0].node, m.node)
	}
}

// effective is the priority while every tracked object is healthy,
// computed by the speaker's rule (vrrp.PriorityAfter,
// vrrp_set_effective_priority): the positive weights of what is up are
// added; the address owner's is never changed; the result stays in 1..254.
func effective(in *Instance) int {
	c := vrrp.Config{Priority: in.Priority}
	for _, t := range tracksOf(in) {
		c.TrackScripts = append(c.TrackScripts, vrrp.Track{Name: t.Name, Weight: t.Weight, HasWeight: t.Weight != 0})
	}
	p, _ := vrrp.PriorityAfter(c, nil, nil)
	return p
}

func tracksOf(in *Instance) []*scenarios.Track {
	return append(append([]*scenarios.Track{}, in.TrackInterfaces...), in.TrackScripts...)
}

// weights: a tracked script or interface with a weight only matters if
// its failure changes who is master; and the sum must stay in 1..254
// (vrrp_set_effective_priority clamps it).
func (l *linter) weights(vr *router) {
	for _, m := range vr.members {
		in := m.in
		if in.Priority == 255 {
			for _, t := range tracksOf(in) {
				if t.Weight != 0 {
					l.out = append(l.out, Finding{Pos: t.Pos, Severity: SevWarning, Node: m.node, Also: []Place{place(m, "priority")},
						Msg: fmt.Sprintf("(%s) weight %d of %s does nothing: the address owner's priority 255 is never changed by tracking (vrrp_set_effective_priority)", in.Name, t.Weight, t.Name)})
				}
			}
			continue
		}
		hi, lo := in.Priority, in.Priority
		for _, t := range tracksOf(in) {
			if t.Weight > 0 {
				hi += t.Weight
			} else {
				lo += t.Weight
			}
		}
		if hi > 254 {
			l.add(SevWarning, m, "priority", nil, "(%s) priority %d plus the positive track weights is %d: keepalived caps the effective priority at 254 (vrrp_set_effective_priority), so the weights above it change nothing", in.Name, in.Priority, hi)
		}
		if lo < 1 {
			l.add(SevWarning, m, "priority", nil, "(%s) priority %d with every negative track weight failed is %d: keepalived stops at 1 (vrrp_set_effective_priority)", in.Name, in.Priority, lo)
		}
	}
	if len(vr.members) < 2 {
		return
	}
	// Only the healthy master (highest effective priority) can lose the
	// role by a tracked failure: compare it with the best other node.
	top := 0
	for i, o := range vr.members {
		if effective(o.in) > effective(vr.members[top].in) {
			top = i
		}
	}
	m := vr.members[top]
	mine := effective(m.in)
	best, bestOf := -1, member{}
	for _, o := range vr.members {
		if o.node != m.node && effective(o.in) > best {
			best, bestOf = effective(o.in), o
		}
	}
	if mine > best && m.in.Priority != 255 {
		healthy := m.in.Priority
		for _, t := range tracksOf(m.in) {
			healthy += max(0, t.Weight)
		}
		for _, t := range tracksOf(m.in) {
			if t.Weight == 0 {
				continue // FAULT: always a takeover
			}
			failed := failedPriority(healthy, t)
			also := []Place{place(m, "priority"), place(bestOf, "priority")}
			var fix string
			if t.Weight < 0 {
				fix = fmt.Sprintf("a weight of %d would hand over", t.Weight-(failed-best+1))
			} else {
				fix = fmt.Sprintf("no weight of %s can, as without it %s is at %d: a base priority below %d would", t.Name, m.node, failed, best)
			}
			switch {
			case failed > best:
				l.out = append(l.out, Finding{Pos: t.Pos, Severity: SevWarning, Node: m.node, Also: also,
					Msg: fmt.Sprintf("(%s) %s failing cannot change who is master: %s goes from %d to %d, still above %s's %d; %s (vrrp_set_effective_priority; the backup preempts only a lower priority, RFC 3768 section 6.4.2)",
						m.in.Name, t.Name, m.node, mine, failed, bestOf.node, best, fix)})
			case failed == best:
				l.out = append(l.out, Finding{Pos: t.Pos, Severity: SevWarning, Node: m.node, Also: also,
					Msg: fmt.Sprintf("(%s) %s failing brings %s to %d, equal to %s's: the tie goes to the higher primary IP address (RFC 3768 section 6.4.3), not the weight; %s",
						m.in.Name, t.Name, m.node, failed, bestOf.node, strings.Replace(fix, "would hand over", "makes it certain", 1))})
			}
		}
	}
}

// failedPriority is the effective priority while t fails and the rest is
// healthy: a negative weight counts, a positive one no longer does
// (vrrp_set_effective_priority), kept in 1..254. healthy is the priority
// plus every positive weight, before the clamp.
func failedPriority(healthy int, t *scenarios.Track) int {
	if t.Weight < 0 {
		return max(1, min(254, healthy+t.Weight))
	}
	return max(1, min(254, healthy-t.Weight))
}

// nopreempt: keepalived clears nopreempt on an instance that starts as
// MASTER (vrrp_complete_instance); the reader warns at the instance, this
// cites both lines.
func (l *linter) nopreempt() {
	for _, n := range l.nodes {
		for _, in := range n.Config.Instances {
			np, ok1 := in.Src["nopreempt"]
			st, ok2 := in.Src["state"]
			if ok1 && ok2 && in.wanted == "MASTER" {
				l.out = append(l.out, Finding{Pos: np, Severity: SevWarning, Node: n.Name, Also: []Place{{Pos: st, Node: n.Name}},
					Msg: fmt.Sprintf("(%s) nopreempt with state MASTER: keepalived clears nopreempt (vrrp_complete_instance), so this router preempts when it comes back; valid: state BACKUP on every router with nopreempt", in.Name)})
			}
		}
	}
}

// master is the router's healthy master among members not on node skip:
// the highest effective priority, "" when two share it.
func master(vr *router, skip string) (member, bool) {
	best, tie := -1, false
	var m member
	for _, o := range vr.members {
		if o.node == skip {
			continue
		}
		switch e := effective(o.in); {
		case e > best:
			best, tie, m = e, false, o
		case e == best:
			tie = true
		}
	}
	return m, best >= 0 && !tie
}

// syncGroups: a vrrp_sync_group moves its members together (vrrp_sync.c:
// one member's FAULT or BACKUP takes the others along); if they are not
// all mastered by the same router, the group fights the priorities.
func (l *linter) syncGroups() {
	byName := map[[2]string]*router{} // node, instance -> its router
	for _, vr := range l.routers {
		for _, m := range vr.members {
			if _, ok := byName[[2]string{m.node, m.in.Name}]; !ok {
				byName[[2]string{m.node, m.in.Name}] = vr
			}
		}
	}
	find := func(node, name string) *router { return byName[[2]string{node, name}] }
	type key struct {
		vr   *router
		skip string
	}
	type won struct {
		m  member
		ok bool
	}
	masters := map[key]won{}
	masterOf := func(vr *router, skip string) (member, bool) {
		w, ok := masters[key{vr, skip}]
		if !ok {
			w.m, w.ok = master(vr, skip)
			masters[key{vr, skip}] = w
		}
		return w.m, w.ok
	}
	for _, n := range l.nodes {
		for _, g := range n.Config.SyncGroups {
			for _, skip := range []string{"", n.Name} {
				var owners []string
				var also []Place
				for _, name := range g.Instances {
					vr := find(n.Name, name)
					if vr == nil || len(vr.members) < 2 {
						continue
					}
					m, ok := masterOf(vr, skip)
					if !ok {
						continue
					}
					owners = append(owners, name+" -> "+m.node)
					also = append(also, place(m, "priority"))
				}
				if len(owners) < 2 || allSameMaster(owners) {
					continue
				}
				when := "when every router is healthy"
				if skip != "" {
					when = "after a fault on " + n.Name + " (the whole group leaves master there)"
				}
				l.out = append(l.out, Finding{Pos: g.Pos, Severity: SevWarning, Node: n.Name, Also: also,
					Msg: fmt.Sprintf("vrrp_sync_group %s: its members have different masters %s (%s), but a sync group moves them together (vrrp_sync.c), so they flap or end split across routers; valid: priorities that make one router master of every member",
						g.Name, when, strings.Join(owners, ", "))})
				break
			}
		}
	}
}

func allSameMaster(owners []string) bool {
	_, first, _ := strings.Cut(owners[0], " -> ")
	for _, o := range owners[1:] {
		if _, m, _ := strings.Cut(o, " -> "); m != first {
			return false
		}
	}
	return true
}

// notifies: keepalived forks each notify script and does not wait for it
// (notify.c notify_exec), so two scripts fired by one transition, or by
// transitions in quick succession, run concurrently in no fixed order.
func (l *linter) notifies() {
	for _, n := range l.nodes {
		for _, in := range n.Config.Instances {
			var generic *Notify
			byCmd := map[string][]Notify{}
			var cmds []string
			for i := range in.Notify {
				nt := in.Notify[i]
				if nt.Kind == "notify" {
					generic = &in.Notify[i]
				}
				c := strings.Join(nt.Argv, " ")
				if len(byCmd[c]) == 0 {
					cmds = append(cmds, c)
				}
				byCmd[c] = append(byCmd[c], nt)
			}
			if generic != nil {
				for _, nt := range in.Notify {
					if nt.Kind == "notify" || nt.Kind == "notify_deleted" || nt.Kind == "notify_master_rx_lower_pri" {
						continue
					}
					l.out = append(l.out, Finding{Pos: nt.Pos, Severity: SevWarning, Node: n.Name, Also: []Place{{Pos: generic.Pos, Node: n.Name}},
						Msg: fmt.Sprintf("(%s) %s and notify both run on the same transition, as two processes keepalived does not wait for (notify.c notify_exec): they race, in no fixed order; valid: one of them", in.Name, nt.Kind)})
				}
			}
			sort.Strings(cmds)
			for _, c := range cmds {
				same := byCmd[c]
				if len(same) < 2 || c == "" {
					continue
				}
				kinds := make([]string, len(same))
				var also []Place
				for i, nt := range same {
					kinds[i] = nt.Kind
					if i > 0 {
						also = append(also, Place{Pos: nt.Pos, Node: n.Name})
					}
				}
				l.out = append(l.out, Finding{Pos: same[0].Pos, Severity: SevWarning, Node: n.Name, Also: also,
					Msg: fmt.Sprintf("(%s) %q is the command of %s: a quick transition back runs it again while the first run may still be going (notify.c notify_exec does not wait), and the last to finish wins, whatever the final state", in.Name, c, strings.Join(kinds, " and "))})
			}
		}
	}
}

// FromNode wraps a scenario node's inline instances for lint; each
// value's place is the instance's.
func FromNode(nd *scenarios.Node) *Config {
	cfg := &Config{SyncGroups: nd.SyncGroups}
	for _, in := range nd.VRRP {
		cfg.Instances = append(cfg.Instances, &Instance{Instance: in, Src: map[string]scenarios.Pos{}})
	}
	for _, vs := range nd.VirtualServers {
		cfg.VirtualServers = append(cfg.VirtualServers, &VirtualServer{VirtualServer: vs, Src: map[string]scenarios.Pos{}})
	}
	return cfg
}
