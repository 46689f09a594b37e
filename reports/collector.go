// Package reports turns the trace of one run (sim.Records) into metrics:
// VRRP transitions, convergence per disruptive action, split-brain
// intervals, per-flow loss and outage windows, ARP and FDB convergence,
// drop counters and the verdicts of a scenario's expectations. It also holds
// the other consumers of the trace: the pcap writer, the tcpdump-style text
// trace and the golden trace used by regression tests.
//
// Reports read trace records only; they never import the models (DESIGN:
// reports -> sim). Everything here is deterministic: the same records give
// byte-identical JSON and text.
package reports

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// State names as emitted by the VRRP speaker (keepalived's names).
const (
	stateMaster = "MASTER"
	stateBackup = "BACKUP"
)

// Options tunes what a Collector keeps.
type Options struct {
	// Frames keeps a copy of every frame (see Collector.Frames). Only
	// needed by consumers that want the bytes after the run; the pcap and
	// text trace writers are tracers of their own and do not need it.
	Frames bool
	// Aggregate keeps each flow as an aggregate whose size does not grow
	// with the run (flowLog) instead of one entry per packet. The report
	// is the same; FlowSeries (the traffic plot) then has no packets.
	Aggregate bool
}

// Frame is a kept copy of a KindFrame record.
type Frame struct {
	At      sim.Time
	Segment string
	Port    string
	Data    []byte
}

// Collector gathers the records of one run. Feed it with Trace (usable as a
// sim.Tracer), then call Report. It is not safe for concurrent use, like the
// kernel that feeds it.
type Collector struct {
	opts Options
	seq  uint64   // records so far, in the order they came
	last sim.Time // time of the latest record
	cur  pos      // the place of the record being read
	// mark is the place of the latest state change of the record's part
	// as that record came (advertLog.add).
	mark pos

	lastState []pos // by part: the latest KindState come so far
	// hold: the parts run in windows (sim.Group.Windows) and the records
	// that need the run's order wait in held until Flush (window.go).
	hold bool
	held [][]heldRecord

	ifaces    []ifaceInfo
	macOwner  map[[6]byte]string // node MAC -> node name (virtual MACs excluded)
	nodeMACs  map[string][][6]byte
	routers   map[string]bool // nodes that run a VRRP instance
	instances map[string]bool

	portSeg  map[string]string       // "r1/eth0" -> the segment its frames enter
	instAddr map[nodeInst]netip.Addr // primary IP of each VRRP instance

	trans   []transition
	mevents []masterEvent
	seen    map[nodeInst]uint8 // VRID of every (node, instance) seen so far
	adverts map[nodeInst]*advertLog
	heard   map[nodeInst]*advertLog // adverts accepted by backups (Event "rx")
	actions []action

	neigh       map[hostIP]*neighLog // neigh.go
	neighKey    []hostIP             // first-seen order, sorted at report time
	neighKinds  []neighKind          // distinct changes without their time
	neighKindIx map[neighKind]uint32 // index in neighKinds
	fdb         []fdbChange

	flows  map[flowKey]*flowLog
	drops  map[string][]dropCount // by node: hashing one short name per drop, not three strings
	frames map[string]*frameCount
	// lastFrames is the count of the segment of the last frame: frames
	// come segment after segment, and the name's hash was a map lookup
	// per frame.
	lastFrames    *frameCount
	lastFramesSeg string
	kept          []Frame
	notesCnt      int

	// flowByID finds a flow by its records' number (sim.KindFlow Value2)
	// without hashing its two names; records without one (0) use flows.
	flowByID []*flowLog

	lb *lbLog // load balancing (lb.go)

	prio []PriorityChange // effective priority changes (priority.go)

	vrMemo   map[vrKey]string // analysis.vrouter's answers (memoVRouter)
	vrMemoAt uint64           // c.seq when vrMemo was started (records invalidate it)

	notify []Notify // notify commands keepalived would run (notify.go)
}

type nodeInst struct{ node, inst string }

// vrKey is an instance's VRID on a node, as analysis.vrouter is asked
// about it: once per master event per instance by the split-brain
// analysis, which made reports on 1000 instances take seconds.
type vrKey struct {
	node, inst string
	vrid       int64
}

// memoVRouter returns the virtual router found for k since the last
// record (records can change it: a later frame names the segment).
func (c *Collector) memoVRouter(k vrKey) (string, bool) {
	if c.vrMemo == nil || c.vrMemoAt != c.seq {
		c.vrMemo, c.vrMemoAt = make(map[vrKey]string), c.seq
	}
	vr, ok := c.vrMemo[k]
	return vr, ok
}

type hostIP struct {
	host string
	ip   netip.Addr
}

type flowKey struct{ node, name string }

// dropCount is one drop counter of a node. A node has a handful, so a
// linear scan finds one faster than hashing its three names.
type dropCount struct {
	comp, reason string
	n            int
}

// countDrop counts a KindDrop record: one drop, or Value drops for a
// tally (the advert path's unknown-VRID drops, traced at the end).
func (c *Collector) countDrop(r *sim.Record) {
	n := 1
	if r.Value > 0 {
		n = int(r.Value)
	}
	ds := c.drops[r.Node]
	for i := range ds {
		if ds[i].comp == r.Comp && ds[i].reason == r.Reason {
			ds[i].n += n
			return
		}
	}
	c.drops[r.Node] = append(ds, dropCount{comp: r.Comp, reason: r.Reason, n: n})
}

type ifaceInfo struct {
	node, iface string
	mac         [6]byte
	addr        netip.Addr
}

type transition struct {
	seq              pos
	at               sim.Time
	node, inst       string
	from, to, reason string
	prio             int64
	vrid             int64
	addr             netip.Addr
}

// masterEvent says a node started or stopped being master of an instance.
// Transitions make them, and so does a crash action: a crashed node is no
// longer master even if the model emits no state record for it.
type masterEvent struct {
	seq    pos
	at     sim.Time
	node   string
	inst   string
	vrid   int64
	master bool
}

// advertLog keeps the adverts of one instance that a report can ask about:
// the first, the last, and the last before each state change (the
// convergence of an action is measured from the last advert before its
// first transition: analysis.lastAdvert, lastHeard). An advert with no
// state change since the one before it replaces that one, so the log
// grows with the state changes, not with the run (issue 14).
type advertLog struct {
	vrid   int64
	count  int
	at     []sim.Time
	seq    []pos
	from   []netip.Addr // heard adverts only: the sender
	lastPr int64
}

// add logs an advert at record place seq; lastState is the place of the
// latest state change of its part.
func (l *advertLog) add(at sim.Time, seq, lastState pos, from netip.Addr, heard bool) {
	l.count++
	if n := len(l.seq); n >= 2 && lastState.before(l.seq[n-1]) {
		// No state change since the last advert: no query can want it.
		l.at[n-1], l.seq[n-1] = at, seq
		if heard {
			l.from[n-1] = from
		}
		return
	}
	l.at = append(l.at, at)
	l.seq = append(l.seq, seq)
	if heard {
		l.from = append(l.from, from)
	}
}

type action struct {
	seq        pos
	at         sim.Time
	text, verb string
	node       string
}

type fdbChange struct {
	at       sim.Time
	segment  string
	mac      [6]byte
	from, to string
	reason   string
}

// flowLog accounts one traffic flow as it runs. Packets are folded into
// the aggregate (flowAgg) in send order as soon as they and every packet
// sent before them have an outcome, so only the window of unresolved
// packets is kept: at most the flow's timeout over its interval (50 for a
// 20 ms ping with the 1 s timeout), however long the run. Without
// Options.Aggregate every packet is kept instead, for FlowSeries.
type flowLog struct {
	// What each of the flow's records reads first, together: a large
	// LAN's flows are far apart in memory (docs/performance.md).
	key     flowKey   // its names, checked when found by number (Collector.flowByID)
	keep    bool      // !Options.Aggregate
	head    int       // pending[:head] are folded already
	pending []flowPkt // unresolved packets (and resolved ones behind them), in send order
	agg     flowAgg

	pkts []flowPkt
	// index maps a sequence number to its position in pkts (keep mode).
	index map[int64]int
}

type flowPkt struct {
	seq      int64
	sent     sim.Time
	received bool
	lost     bool
}

// flowAgg is what the report says about a flow, folded packet by packet
// in send order (fold); finish closes it at the end of the run.
type flowAgg struct {
	sent, received, lost, inFlight int
	outage                         Seconds
	outages                        []Outage
	cur                            Outage // the run of losses being extended
	inRun                          bool   // cur is open
	lastLost                       sim.Time
}

// fold accounts the next packet in send order. An outage is a maximal run
// of consecutive lost packets: a packet that got through ends it
// (recovered, at its send time); one still in flight at the end of the run
// ends it without recovering it (at the last lost packet's send time).
func (a *flowAgg) fold(p flowPkt) {
	a.sent++
	switch {
	case p.received:
		// A late reply still proves the path works: count it received.
		a.received++
		if a.inRun {
			a.closeRun(p.sent, true)
		}
	case p.lost:
		a.lost++
		if !a.inRun {
			a.cur, a.inRun = Outage{Start: Seconds(p.sent), FirstSeq: p.seq}, true
		}
		a.cur.Lost++
		a.cur.LastSeq = p.seq
		a.lastLost = p.sent
	default:
		// Still in flight when the run ended: neither lost nor
		// received, so it ends a run of losses without recovering it.
		a.inFlight++
		if a.inRun {
			a.closeRun(a.lastLost, false)
		}
	}
}

func (a *flowAgg) closeRun(end sim.Time, recovered bool) {
	a.cur.End, a.cur.Recovered = Seconds(end), recovered
	a.outage += a.cur.End - a.cur.Start
	a.outages = append(a.outages, a.cur)
	a.inRun = false
}

// metrics folds what is still pending into a copy of the aggregate (the
// log itself stays usable) and returns the flow's report.
func (f *flowLog) metrics(k flowKey) Flow {
	a, pkts := f.agg, f.pending[f.head:]
	if f.keep {
		a, pkts = flowAgg{}, f.pkts
	}
	a.outages = append([]Outage{}, a.outages...) // never nil: JSON []
	for _, p := range pkts {
		a.fold(p)
	}
	if a.inRun {
		a.closeRun(a.lastLost, false)
	}
	return Flow{Name: k.name, Node: k.node, Sent: a.sent, Received: a.received, Lost: a.lost,
		InFlight: a.inFlight, Outage: a.outage, Outages: a.outages}
}

// find returns the position in pending of the packet with sequence
// number seq. Sequence numbers normally grow by one per packet, so the
// first guess is exact.
func (f *flowLog) find(seq int64) (int, bool) {
	w := f.pending[f.head:]
	if len(w) == 0 {
		return 0, false
	}
	if i := seq - w[0].seq; i >= 0 && i < int64(len(w)) && w[i].seq == seq {
		return f.head + int(i), true
	}
	for i := len(w) - 1; i >= 0; i-- {
		if w[i].seq == seq {
			return f.head + i, true
		}
	}
	return 0, false
}

// advance folds the resolved packets at the head of the window and
// reuses its space.
func (f *flowLog) advance() {
	for f.head < len(f.pending) && (f.pending[f.head].received || f.pending[f.head].lost) {
		f.agg.fold(f.pending[f.head])
		f.head++
	}
	if f.head == len(f.pending) {
		f.pending, f.head = f.pending[:0], 0
	} else if f.head > 64 && f.head > len(f.pending)/2 {
		n := copy(f.pending, f.pending[f.head:])
		f.pending, f.head = f.pending[:n], 0
	}
}

type frameCount struct {
	frames, bytes int
	ported        []bool // by the record's port number: in portSeg already
}

// NewCollector returns an empty collector that does not keep frames.
func NewCollector() *Collector { return NewCollectorWith(Options{}) }

// NewCollectorWith returns an empty collector with options.
func NewCollectorWith(o Options) *Collector {
	return &Collector{
		opts:      o,
		macOwner:  make(map[[6]byte]string),
		nodeMACs:  make(map[string][][6]byte),
		routers:   make(map[string]bool),
		instances: make(map[string]bool),
		seen:      make(map[nodeInst]uint8),
		adverts:   make(map[nodeInst]*advertLog),
		heard:     make(map[nodeInst]*advertLog),
		portSeg:   make(map[string]string),
		instAddr:  make(map[nodeInst]netip.Addr),
		neigh:     make(map[hostIP]*neighLog),
		flows:     make(map[flowKey]*flowLog),
		drops:     make(map[string][]dropCount),
		frames:    make(map[string]*frameCount),
		lb:        newLBLog(),
	}
}

// Frames returns the frames kept when Options.Frames is set.
func (c *Collector) Frames() []Frame { return c.kept }

// Trace consumes one record of part 0. Its method value is a sim.Tracer.
func (c *Collector) Trace(r *sim.Record) { c.take(0, r) }

// take consumes one record of part p.
func (c *Collector) take(p int, r *sim.Record) {
	c.seq++
	if r.At > c.last {
		c.last = r.At
	}
	if c.perPacket(r.Kind) {
		c.read(r) // needs no place, never held (window.go)
		return
	}
	c.cur = pos{at: r.At, part: uint32(p), n: c.seq}
	for p >= len(c.lastState) {
		c.lastState = append(c.lastState, pos{})
	}
	c.mark = c.lastState[p]
	if r.Kind == sim.KindState {
		c.lastState[p] = c.cur
	}
	if c.hold {
		c.keep(p, r)
		return
	}
	c.read(r)
}

// read reads one record at c.cur.
func (c *Collector) read(r *sim.Record) {
	switch r.Kind {
	case sim.KindFrame:
		fc := c.lastFrames
		if fc == nil || r.Node != c.lastFramesSeg {
			fc = c.frames[r.Node]
			if fc == nil {
				fc = &frameCount{}
				c.frames[r.Node] = fc
			}
			c.lastFrames, c.lastFramesSeg = fc, r.Node
		}
		fc.frames++
		fc.bytes += len(r.Frame)
		// The port's segment, once per port: by the record's port
		// number, not a hash of its name per frame.
		if i := int(r.Value) - 1; i < 0 || i >= len(fc.ported) || !fc.ported[i] {
			if _, ok := c.portSeg[r.Comp]; !ok {
				c.portSeg[r.Comp] = r.Node
			}
			if i >= 0 && i < 1<<16 {
				if i >= len(fc.ported) {
					fc.ported = append(fc.ported, make([]bool, i+1-len(fc.ported))...)
				}
				fc.ported[i] = true
			}
		}
		if c.opts.Frames {
			c.kept = append(c.kept, Frame{At: r.At, Segment: r.Node, Port: r.Comp, Data: append([]byte(nil), r.Frame...)})
		}
		c.lb.onFrame(r)
	case sim.KindState:
		c.onState(r)
		c.lb.takeover.onState(c.lb.directors, r) // lbsync.go
	case sim.KindAdvert:
		c.onAdvert(r)
	case sim.KindAction:
		c.onAction(r)
	case sim.KindNeigh:
		c.onNeigh(r) // neigh.go
		c.lb.onNeigh(c, r)
	case sim.KindFDB:
		c.fdb = append(c.fdb, fdbChange{at: r.At, segment: r.Node, mac: r.MAC, from: r.From, to: r.To, reason: r.Reason})
	case sim.KindFlow:
		c.onFlow(r)
	case sim.KindDrop:
		c.countDrop(r)
	case sim.KindConn:
		c.lb.onConn(r)
	case sim.KindIPVS:
		c.lb.onIPVS(c, r)
	case sim.KindProxy:
		c.lb.onProxy(r)
	case sim.KindServe:
		c.lb.onServe(c, r)
	case sim.KindNote:
		c.notesCnt++
		c.lb.health.onNote(c, r)
		if r.Event == "iface" {
			c.onIface(r)
		}
		if r.Event == "priority" {
			c.onPriority(r)
		}
		if r.Event == "notify" {
			c.onNotify(r)
		}
	}
}

func (c *Collector) onIface(r *sim.Record) {
	c.ifaces = append(c.ifaces, ifaceInfo{node: r.Node, iface: r.Comp, mac: r.MAC, addr: r.Addr})
	// A VRRP virtual MAC is shared by whoever is master: it never names a
	// node (RFC 3768 section 7.3), so keep it out of the owner map.
	if _, virtual := vmacVRID(r.MAC); virtual || r.MAC == ([6]byte{}) {
		return
	}
	if _, ok := c.macOwner[r.MAC]; !ok {
		c.macOwner[r.MAC] = r.Node
	}
	c.nodeMACs[r.Node] = append(c.nodeMACs[r.Node], r.MAC)
}

func (c *Collector) onState(r *sim.Record) {
	k := nodeInst{r.Node, r.Comp}
	c.seen[k] = uint8(r.Value2)
	c.routers[r.Node] = true
	c.instances[r.Comp] = true
	if r.Addr.IsValid() {
		c.instAddr[k] = r.Addr
	}
	c.trans = append(c.trans, transition{
		seq: c.cur, at: r.At, node: r.Node, inst: r.Comp,
		from: r.From, to: r.To, reason: r.Reason,
		prio: r.Value, vrid: r.Value2, addr: r.Addr,
	})
	c.mevents = append(c.mevents, masterEvent{seq: c.cur, at: r.At, node: r.Node, inst: r.Comp, vrid: r.Value2, master: r.To == stateMaster})
}

func (c *Collector) onAdvert(r *sim.Record) {
	k := nodeInst{r.Node, r.Comp}
	if r.Event == "rx" {
		// A backup accepted an advert: its master-down timer runs from here.
		h := c.heard[k]
		if h == nil {
			h = &advertLog{vrid: r.Value2}
			c.heard[k] = h
		}
		h.add(r.At, c.cur, c.mark, r.Addr, true)
		return
	}
	if _, ok := c.seen[k]; !ok {
		c.seen[k] = uint8(r.Value2)
	}
	c.routers[r.Node] = true
	c.instances[r.Comp] = true
	a := c.adverts[k]
	if a == nil {
		a = &advertLog{vrid: r.Value2}
		c.adverts[k] = a
	}
	a.add(r.At, c.cur, c.mark, netip.Addr{}, false)
	a.lastPr = r.Value
}

func (c *Collector) onAction(r *sim.Record) {
	c.actions = append(c.actions, action{seq: c.cur, at: r.At, text: r.Event, verb: r.Comp, node: r.Node})
	// A crashed node runs nothing: whatever it was master of, it no longer
	// is. The speaker may not get to say so (a crash sends no priority-0
	// advertisement, RFC 3768 section 6.4.3 only covers a clean shutdown).
	if r.Comp != "crash" || r.Node == "" {
		return
	}
	for _, k := range sortedNodeInsts(c.seen) {
		if k.node == r.Node {
			c.mevents = append(c.mevents, masterEvent{seq: c.cur, at: r.At, node: k.node, inst: k.inst, vrid: int64(c.seen[k]), master: false})
		}
	}
}

func (c *Collector) onFlow(r *sim.Record) {
	k := flowKey{r.Node, r.Comp}
	id := int(r.Value2) - 1 // the flow's number (sim.KindFlow)
	var f *flowLog
	// The key check compares strings that share their bytes: one
	// pointer test each.
	if id >= 0 && id < len(c.flowByID) && c.flowByID[id] != nil && c.flowByID[id].key == k {
		f = c.flowByID[id]
	} else {
		f = c.flows[k]
	}
	if f == nil {
		f = &flowLog{agg: flowAgg{outages: []Outage{}}, keep: !c.opts.Aggregate}
		if f.keep {
			f.index = make(map[int64]int)
		}
		c.flows[k] = f
	}
	if id >= 0 && id < 1<<20 && (id >= len(c.flowByID) || c.flowByID[id] == nil) {
		if id >= len(c.flowByID) {
			c.flowByID = append(c.flowByID, make([]*flowLog, id+1-len(c.flowByID))...)
		}
		f.key = k
		c.flowByID[id] = f
	}
	if f.keep {
		f.onKept(r)
		return
	}
	i, ok := f.find(r.Value)
	switch r.Event {
	case "sent":
		if ok {
			// A reused sequence number starts a new packet. Only a packet
			// still pending can be found again: the model's flows never
			// reuse one (their sequence numbers only grow).
			f.pending[i].sent = r.At
			return
		}
		f.pending = append(f.pending, flowPkt{seq: r.Value, sent: r.At})
	case "received":
		if ok {
			f.pending[i].received = true
			f.advance()
		}
	case "lost":
		if ok {
			f.pending[i].lost = true
			f.advance()
		}
	}
}

// onKept is onFlow keeping every packet (no Options.Aggregate).
func (f *flowLog) onKept(r *sim.Record) {
	i, ok := f.index[r.Value]
	switch r.Event {
	case "sent":
		if ok {
			// A reused sequence number starts a new packet.
			f.pkts[i].sent = r.At
			return
		}
		f.index[r.Value] = len(f.pkts)
		f.pkts = append(f.pkts, flowPkt{seq: r.Value, sent: r.At})
	case "received":
		if ok {
			f.pkts[i].received = true
		}
	case "lost":
		if ok {
			f.pkts[i].lost = true
		}
	}
}

// macString formats a MAC the way ip(8) and tcpdump do.
func macString(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// vmacVRID recognises the VRRP virtual router MAC 00-00-5E-00-01-{VRID}
// (RFC 3768 section 7.3; RFC 5798 section 7.3 adds 00-00-5E-00-02-{VRID}
// for IPv6).
func vmacVRID(m [6]byte) (vrid int, ok bool) {
	if m[0] == 0 && m[1] == 0 && m[2] == 0x5e && m[3] == 0 && (m[4] == 1 || m[4] == 2) {
		return int(m[5]), true
	}
	return 0, false
}

// owner names who a MAC belongs to: a node name, "vmac:51" for the IPv4
// virtual MAC of VRID 51 ("vmac6:51" for IPv6), "" for the zero MAC, or
// the MAC itself when nobody announced it.
func (c *Collector) owner(m [6]byte) string {
	if m == ([6]byte{}) {
		return ""
	}
	if vrid, ok := vmacVRID(m); ok {
		if m[4] == 2 {
			return fmt.Sprintf("vmac6:%d", vrid)
		}
		return fmt.Sprintf("vmac:%d", vrid)
	}
	if n, ok := c.macOwner[m]; ok {
		return n
	}
	return macString(m)
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, "+")
}
