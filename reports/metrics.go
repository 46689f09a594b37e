package reports

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/vrrpsim/vrrpsim/sim"
)

// instances returns every VRRP instance name seen, sorted.
func (a *analysis) instances() []string { return sortedKeys(a.c.instances) }

// masters replays the master events of inst for which keep is true (keep
// must select a prefix of the run: records come in time order), of part
// only unless it is anyPart, and returns the nodes that are MASTER
// afterwards, sorted.
func (a *analysis) masters(inst string, part int64, keep func(e *masterEvent) bool) []string {
	is := make(map[string]bool)
	for _, i := range a.eventsOf(inst) {
		e := &a.c.mevents[i]
		if !keep(e) {
			break
		}
		if part == anyPart || int64(e.seq.part) == part {
			is[e.node] = e.master
		}
	}
	out := []string{}
	for _, n := range sortedKeys(is) {
		if is[n] {
			out = append(out, n)
		}
	}
	return out
}

// eventsOf returns the indices in c.mevents of inst's master events, in
// order. The per-instance analyses walk these instead of every instance's
// events: with a thousand instances that was a million steps per question.
func (a *analysis) eventsOf(inst string) []int {
	if a.byInst == nil {
		a.byInst = make(map[string][]int)
		for i := range a.c.mevents {
			e := &a.c.mevents[i]
			a.byInst[e.inst] = append(a.byInst[e.inst], i)
		}
	}
	return a.byInst[inst]
}

// mastersAt is the set of masters of inst once every record stamped at or
// before t has been applied.
func (a *analysis) mastersAt(inst string, t sim.Time) []string {
	return a.masters(inst, anyPart, func(e *masterEvent) bool { return e.at <= t })
}

// mastersBefore is the set of masters of inst in part part (sim.Group)
// just before record seq.
func (a *analysis) mastersBefore(inst string, part uint32, seq pos) []string {
	return a.masters(inst, int64(part), func(e *masterEvent) bool { return e.seq.before(seq) })
}

// anyPart makes masters replay the events of every part.
const anyPart = -1

// inPart reports whether instance inst has master events in part p. A
// world in parts that share nothing (sim.Group) has an action's effects in
// its own part only; a world of one part has everything in part 0.
func (a *analysis) inPart(inst string, p uint32) bool {
	if a.parts == nil {
		a.parts = make(map[partInst]bool)
		for i := range a.c.mevents {
			e := &a.c.mevents[i]
			a.parts[partInst{e.inst, e.seq.part}] = true
		}
	}
	return a.parts[partInst{inst, p}]
}

type partInst struct {
	inst string
	part uint32
}

// becameMaster returns when node last became master of inst at or before
// t, and whether it is master at t.
func (a *analysis) becameMaster(inst, node string, t sim.Time) (since sim.Time, master bool) {
	for _, i := range a.eventsOf(inst) {
		e := &a.c.mevents[i]
		if e.at > t {
			break
		}
		if e.node != node {
			continue
		}
		if e.master && !master {
			since = e.at
		}
		master = e.master
	}
	return since, master
}

// nextMaster returns the first time after t that node becomes master of inst.
func (a *analysis) nextMaster(inst, node string, t sim.Time) (sim.Time, bool) {
	for _, i := range a.eventsOf(inst) {
		if e := &a.c.mevents[i]; e.at > t && e.node == node && e.master {
			return e.at, true
		}
	}
	return 0, false
}

// vmacOwners returns the nodes that are master at t of an instance with
// this VRID: they answer for the virtual MAC (RFC 3768 section 7.3).
func (a *analysis) vmacOwners(vrid int, t sim.Time) map[string]bool {
	is := make(map[nodeInst]bool)
	for _, e := range a.c.mevents {
		if e.at > t {
			break
		}
		if e.vrid == int64(vrid) {
			is[nodeInst{e.node, e.inst}] = e.master
		}
	}
	out := make(map[string]bool)
	for k, m := range is {
		if m {
			out[k.node] = true
		}
	}
	return out
}

// actionAt returns the first applied action with this canonical text.
func (a *analysis) actionAt(text string) (action, bool) {
	for _, ac := range a.c.actions {
		if ac.text == text {
			return ac, true
		}
	}
	return action{}, false
}

// convergence measures every instance after every disruptive action of
// its part, up to the part's next one: in a world in parts that share
// nothing (four LANs that no router joins, sim.Group) a crash on one LAN
// cannot move another's master, so it is neither measured against the
// other LAN's instances nor cut short by the other LAN's actions.
func (a *analysis) convergence(disruptive map[string]bool) []Convergence {
	var acts []action
	for _, ac := range a.c.actions {
		if disruptive[ac.text] {
			acts = append(acts, ac)
		}
	}
	out := []Convergence{}
	for i, ac := range acts {
		part := ac.seq.part
		endSeq, endAt := endOfRun, a.end
		for _, next := range acts[i+1:] {
			if next.seq.part == part {
				endSeq, endAt = next.seq, next.at
				break
			}
		}
		for _, inst := range a.instances() {
			if !a.inPart(inst, part) {
				continue
			}
			cv := Convergence{
				Action: ac.text, At: Seconds(ac.at), Instance: inst,
				OldMaster: a.mastersBefore(inst, part, ac.seq),
				NewMaster: a.mastersBefore(inst, part, endSeq),
				WindowEnd: Seconds(endAt),
			}
			var first, last *transition
			for j := range a.c.trans {
				t := &a.c.trans[j]
				if t.inst != inst || t.seq.part != part || !ac.seq.before(t.seq) || !t.seq.before(endSeq) {
					continue
				}
				cv.Transitions++
				last = t
				if first == nil && t.to == stateMaster {
					first = t
				}
			}
			if first != nil {
				cv.DetectNode = first.node
				cv.Detect = secPtr(first.at - ac.at)
				if at, ok := a.lastAdvert(inst, cv.OldMaster, first.seq); ok {
					cv.LastAdvert = secPtr(at)
					cv.SinceLastAdvert = secPtr(first.at - at)
				}
				// The new master's Master_Down_Timer ran from the last
				// advert it accepted (RFC 3768 section 6.4.2): measure from
				// there when the trace has it, so switch latency does not
				// blur the Master_Down_Interval.
				if at, from, ok := a.lastHeard(inst, first.node, first.seq); ok {
					cv.LastHeard = secPtr(at)
					cv.SinceLastAdvert = secPtr(first.at - at)
					if len(cv.OldMaster) == 0 && from.IsValid() {
						// No master before (a forged advert): name the
						// sender it heard instead of "?" (issue 13).
						cv.LastHeardFrom = from.String()
					}
				}
			}
			if last != nil {
				cv.Converged = secPtr(last.at - ac.at)
			}
			out = append(out, cv)
		}
	}
	return out
}

// lastHeard returns when node last accepted an advertisement of inst
// before record seq, provided it stayed in BACKUP since: entering BACKUP
// (at startup, after a reboot, on yielding to a higher priority) starts
// the Master_Down_Timer afresh (RFC 3768 section 6.4.1), so an advert heard
// before that no longer times the takeover.
func (a *analysis) lastHeard(inst, node string, seq pos) (sim.Time, netip.Addr, bool) {
	l := a.c.heard[nodeInst{node, inst}]
	if l == nil {
		return 0, netip.Addr{}, false
	}
	i, _ := slices.BinarySearchFunc(l.seq, seq, pos.compare)
	if i == 0 {
		return 0, netip.Addr{}, false
	}
	if l.seq[i-1].before(a.enteredBackup(inst, node, seq)) {
		return 0, netip.Addr{}, false
	}
	return l.at[i-1], l.from[i-1], true
}

// enteredBackup returns the place of node's latest transition of inst to
// BACKUP before record seq (the zero place if none).
func (a *analysis) enteredBackup(inst, node string, seq pos) pos {
	var last pos
	for _, t := range a.c.trans {
		if !t.seq.before(seq) {
			break
		}
		if t.inst == inst && t.node == node && t.to == stateBackup {
			last = t.seq
		}
	}
	return last
}

// lastAdvert returns the latest advertisement of inst sent by any of nodes
// before record seq.
func (a *analysis) lastAdvert(inst string, nodes []string, seq pos) (sim.Time, bool) {
	var best sim.Time
	found := false
	for _, n := range nodes {
		l := a.c.adverts[nodeInst{n, inst}]
		if l == nil {
			continue
		}
		// Adverts are logged in record order: find the last one before seq.
		i, _ := slices.BinarySearchFunc(l.seq, seq, pos.compare)
		if i == 0 {
			continue
		}
		if at := l.at[i-1]; !found || at > best {
			best, found = at, true
		}
	}
	return best, found
}

// flows accounts loss and outages per flow, sorted by node then name.
func (a *analysis) flows() []Flow {
	keys := make([]flowKey, 0, len(a.c.flows))
	for k := range a.c.flows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y flowKey) int {
		return cmp.Or(cmp.Compare(x.node, y.node), cmp.Compare(x.name, y.name))
	})
	out := []Flow{}
	for _, k := range keys {
		out = append(out, a.c.flows[k].metrics(k))
	}
	return out
}

// vrouter names the virtual router an instance belongs to: its VRID on
// the segment its interface is attached to (found from the frames the
// instance's primary address sends). Two masters conflict only within one
// virtual router (RFC 3768 section 1: a VRID is scoped to a LAN); pairs of
// routers on different LANs may well use the same instance name and VRID.
// The segment is "" when unknown (no frame seen): then the VRID alone.
func (a *analysis) vrouter(node, inst string, vrid int64) string {
	k := vrKey{node, inst, vrid}
	if vr, ok := a.c.memoVRouter(k); ok {
		return vr
	}
	seg := ""
	if addr, ok := a.c.instAddr[nodeInst{node, inst}]; ok {
		for _, i := range a.c.ifaces {
			if i.node == node && i.addr == addr {
				seg = a.c.portSeg[node+"/"+i.iface]
				break
			}
		}
	}
	vr := fmt.Sprintf("%s#%d", seg, vrid)
	a.c.vrMemo[k] = vr
	return vr
}

// splitBrain finds the intervals with two or more masters of one virtual
// router (instance name, segment, VRID).
func (a *analysis) splitBrain() ([]SplitBrain, Seconds) {
	out := []SplitBrain{}
	var total Seconds
	for _, inst := range a.instances() {
		var vrs []string
		for _, i := range a.eventsOf(inst) {
			e := &a.c.mevents[i]
			if vr := a.vrouter(e.node, e.inst, e.vrid); !slices.Contains(vrs, vr) {
				vrs = append(vrs, vr)
			}
		}
		slices.Sort(vrs)
		for _, vr := range vrs {
			sb, t := a.splitBrainOf(inst, vr)
			out = append(out, sb...)
			total += t
		}
	}
	return out, total
}

// splitBrainOf finds the split-brain intervals of instance inst within
// virtual router vr.
func (a *analysis) splitBrainOf(inst, vr string) ([]SplitBrain, Seconds) {
	out := []SplitBrain{}
	var total Seconds
	is := make(map[string]bool)
	count := 0
	var cur *SplitBrain
	union := make(map[string]bool)
	for _, i := range a.eventsOf(inst) {
		e := &a.c.mevents[i]
		if a.vrouter(e.node, e.inst, e.vrid) != vr {
			continue
		}
		if is[e.node] != e.master {
			if e.master {
				count++
			} else {
				count--
			}
			is[e.node] = e.master
		}
		switch {
		case count >= 2 && cur == nil:
			cur = &SplitBrain{Instance: inst, Start: Seconds(e.at)}
			clear(union)
			for n, m := range is {
				if m {
					union[n] = true
				}
			}
		case count >= 2:
			if e.master {
				union[e.node] = true
			}
		case cur != nil:
			cur.End = Seconds(e.at)
			if cur.End > cur.Start { // same-instant handovers are not split brain
				cur.Duration = cur.End - cur.Start
				cur.Masters = sortedKeys(union)
				total += cur.Duration
				out = append(out, *cur)
			}
			cur = nil
		}
	}
	if cur != nil && Seconds(a.end) > cur.Start {
		cur.End, cur.UntilEnd = Seconds(a.end), true
		cur.Duration = cur.End - cur.Start
		cur.Masters = sortedKeys(union)
		total += cur.Duration
		out = append(out, *cur)
	}
	return out, total
}

// lastDisruptiveBefore returns the latest disruptive action of seq's part
// before seq.
func (a *analysis) lastDisruptiveBefore(disruptive map[string]bool, seq pos) (action, bool) {
	var found action
	ok := false
	for _, ac := range a.c.actions {
		if !ac.seq.before(seq) {
			break
		}
		if disruptive[ac.text] && ac.seq.part == seq.part {
			found, ok = ac, true
		}
	}
	return found, ok
}

// arp lists the neighbour entries whose link address changed owner.
func (a *analysis) arp(disruptive map[string]bool) []ARPEntry {
	out := []ARPEntry{}
	for _, k := range a.c.neighKeys() {
		e := ARPEntry{Host: k.host, IP: k.ip.String(), Owners: []string{}, Moves: []ARPMove{}, Changes: []ARPChange{}}
		prev := ""
		for ch := range a.c.neighChanges(k) {
			// The owner is the MAC's: only a new MAC can bring a new one.
			if !ch.switched {
				continue
			}
			own := a.c.owner(ch.mac)
			if own == "" {
				continue // INCOMPLETE or FAILED: no link address to compare
			}
			if !slices.Contains(e.Owners, own) {
				e.Owners = append(e.Owners, own)
			}
			if prev != "" && own != prev {
				mv := ARPMove{At: Seconds(ch.at), From: prev, To: own, MAC: macString(ch.mac)}
				if ac, ok := a.lastDisruptiveBefore(disruptive, ch.seq); ok {
					mv.Action = ac.text
					mv.AfterAction = secPtr(ch.at - ac.at)
				}
				e.Moves = append(e.Moves, mv)
			}
			prev = own
		}
		if len(e.Moves) == 0 {
			continue // most entries: their changes are not printed, so not built
		}
		for ch := range a.c.neighChanges(k) {
			e.Changes = append(e.Changes, a.c.arpChange(ch))
		}
		out = append(out, e)
	}
	return out
}

// fdb lists, per segment, the FDB changes of virtual MACs and of the MACs
// of nodes that run VRRP.
func (a *analysis) fdb() []FDBSegment {
	bySeg := make(map[string][]FDBChange)
	for _, ch := range a.c.fdb {
		_, virtual := vmacVRID(ch.mac)
		if !virtual && !a.c.routers[a.c.macOwner[ch.mac]] {
			continue
		}
		bySeg[ch.segment] = append(bySeg[ch.segment], FDBChange{
			At: Seconds(ch.at), MAC: macString(ch.mac), Owner: a.c.owner(ch.mac),
			Port: ch.to, From: ch.from, Reason: ch.reason,
		})
	}
	out := []FDBSegment{}
	for _, seg := range sortedKeys(bySeg) {
		out = append(out, FDBSegment{Segment: seg, Changes: bySeg[seg]})
	}
	return out
}
