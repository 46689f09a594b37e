// Package lan models an Ethernet segment as one learning switch (IEEE
// 802.1D transparent bridging, as the Linux bridge does it): every attached
// interface is a switch port, the switch learns source MACs into a
// forwarding database (FDB) that ages out, forwards known unicast to one
// port and floods broadcast, multicast and unknown unicast to every other
// port. Frames are real bytes. Latency, jitter, loss, partitions, one-way
// block rules and link state are applied per (ingress, egress) pair so a
// scenario timeline can break the segment in the ways real LANs break.
//
// Everything runs on the sim kernel: no goroutines, no wall clock. Frames
// in flight live in pooled buffers so a steady flow allocates nothing.
package lan

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Defaults of Config.
const (
	// DefaultLatency is the one-way latency a port adds, in each direction
	// (host to switch, switch to host): a few metres of copper plus a store
	// and forward switch hop are in the microseconds.
	DefaultLatency = 10 * time.Microsecond
	// DefaultFDBAging is the Linux bridge ageing_time default (300 s,
	// BR_DEFAULT_AGEING_TIME) and the IEEE 802.1D recommended value.
	DefaultFDBAging = 300 * time.Second
)

// Config configures a segment. The zero value gives the defaults.
type Config struct {
	// Latency is the one-way latency added per port (ingress and egress).
	// Zero means DefaultLatency; a negative value means no latency.
	Latency time.Duration
	// FDBAging is how long an FDB entry lives without being refreshed by a
	// frame from that MAC. Zero means DefaultFDBAging; a negative value
	// means entries never age.
	FDBAging time.Duration
}

// withDefaults resolves zero and negative values.
func (c Config) withDefaults() Config {
	switch {
	case c.Latency == 0:
		c.Latency = DefaultLatency
	case c.Latency < 0:
		c.Latency = 0
	}
	if c.FDBAging == 0 {
		c.FDBAging = DefaultFDBAging
	}
	return c
}

// Receiver is what a port delivers frames to (a node's interface).
type Receiver interface {
	// Receive is called with a frame addressed to (or flooded to) the
	// port. The slice is valid only during the call and is shared with the
	// other receivers of the same frame: copy to keep it, never modify it.
	Receive(frame []byte)
}

// DecodedReceiver is a Receiver that takes the segment's decode of the
// frame: a flooded frame is decoded once and the one decoded view is
// shared, read-only, by every receiver (issue 14: 300 ports decoding each
// advert were a third of a large LAN's run time). decode decodes the frame
// being delivered on first use and returns the shared result; receivers
// that drop a frame before looking at it never pay for the decode. The
// view is valid only during the call.
type DecodedReceiver interface {
	ReceiveShared(frame []byte, decode func() (*wire.Frame, error))
}

// Counters count frames through the segment. Drops count deliveries (one
// frame flooded to three ports and lost on one counts one DropLoss).
type Counters struct {
	Sent      uint64 // frames handed to Port.Send
	Delivered uint64 // deliveries to a Receiver
	Unicast   uint64 // frames forwarded to the one port of a known destination
	Flooded   uint64 // frames flooded (broadcast, multicast, unknown unicast)
	Filtered  uint64 // known unicast whose destination is behind the ingress port (not sent back)

	DropLinkDown  uint64 // port link down (ingress or egress)
	DropLoss      uint64 // random loss (Impairment.Loss)
	DropPartition uint64 // ingress and egress in different partition groups
	DropBlocked   uint64 // matched a Block rule
	DropRunt      uint64 // shorter than an Ethernet header
	DropBadSource uint64 // source MAC multicast, broadcast or all zeros

	Learned uint64 // FDB entries created
	Moved   uint64 // FDB entries moved to another port
	Aged    uint64 // FDB entries expired
	Flushed uint64 // FDB entries removed because their port's link went down
}

// Drop reasons, as traced in sim.KindDrop records.
const (
	ReasonLinkDown  = "link_down"
	ReasonLoss      = "loss"
	ReasonPartition = "partition"
	ReasonBlocked   = "blocked"
	ReasonRunt      = "runt"
	ReasonBadSource = "bad_source"
)

// ethHeaderLen is dst(6) + src(6) + EtherType(2).
const ethHeaderLen = 14

// Segment is one Ethernet broadcast domain: a learning switch and its ports.
type Segment struct {
	k        *sim.Kernel
	name     string
	cfg      Config
	rng      *rand.Rand
	traceDel bool // trace deliveries (TraceDeliveries)

	ports []*Port // attach order: the order of flooding and of equal-time deliveries

	fdb fdb

	im Impairment // whole-segment impairment

	partitioned bool
	islands     int // number of partition islands (1 when not partitioned)

	rules  []blockRule
	nextID int
	dec    *wire.Decoder
	frame  wire.Frame

	cnt Counters

	freePkts   []*packet
	freeBursts []*burst

	// The shared decode of the frame being delivered (DecodedReceiver):
	// rxGen says which packet rxFrame holds (packets are pooled, so a
	// generation number, not a pointer, names one).
	gen      uint64
	cur      *packet // the packet being delivered
	rxDec    *wire.Decoder
	rxFrame  wire.Frame
	rxErr    error
	rxGen    uint64
	decodes  uint64                      // frames decoded for delivery (tests)
	decodeFn func() (*wire.Frame, error) // s.decodeCurrent, bound once

	adv advertPath // flooded VRRP adverts (advert.go)
}

// New returns an empty segment named name (the name of the random stream
// "lan/"+name and of the trace records).
func New(k *sim.Kernel, name string, cfg Config) *Segment {
	s := &Segment{
		k:       k,
		name:    name,
		cfg:     cfg.withDefaults(),
		rng:     k.Stream("lan/" + name),
		islands: 1,
		rxDec:   wire.NewDecoder(),
		nextID:  1,
	}
	s.decodeFn = s.decodeCurrent
	s.fdb.init(s)
	return s
}

// Name returns the segment name.
func (s *Segment) Name() string { return s.name }

// Counters returns a snapshot of the segment counters.
func (s *Segment) Counters() Counters { return s.cnt }

// Ports returns the port names in attach order.
func (s *Segment) Ports() []string {
	names := make([]string, len(s.ports))
	for i, p := range s.ports {
		names[i] = p.name
	}
	return names
}

// Port is one switch port, the attachment of one node interface.
type Port struct {
	// What every frame through the port reads, first: a frame waits on
	// each separate cache line it touches (docs/performance.md).
	s     *Segment
	up    bool
	index int
	// epoch counts the times the link went down: a frame in flight
	// carries the epoch it started in, so one that was on the wire while
	// the link was down is lost even if the link is up again when it
	// arrives.
	epoch  uint64
	dr     DecodedReceiver // r, if it takes the shared decode
	name   string
	island int // partition island; all 0 when the segment is not partitioned
	im     Impairment
	// learned is the FDB entry the port's last frame refreshed, valid
	// while learnedGen equals the table's gen (fdb.learn).
	learned    *fdbEntry
	learnedGen uint64
	// sentTo is the FDB entry the port's last known unicast frame was
	// forwarded by, valid while sentToGen equals the table's gen: a
	// host's frames go to one router, a router's to its hosts.
	sentTo    *fdbEntry
	sentToGen uint64
	r         Receiver
	node      string
	iface     string
	// adv is the advert path's state of the port (advert.go), apart: a
	// port sits in its node's memory (AttachPort) among what every frame
	// reads, and adverts to ports that ignore them touch none of it.
	adv *portAdvert
}

// Attach adds a port for interface iface of node, delivering to r. The port
// is named "node/iface" and starts with its link up.
func (s *Segment) Attach(node, iface string, r Receiver) *Port {
	p := new(Port)
	s.AttachPort(p, node, iface, r)
	return p
}

// AttachPort is Attach into a port the caller holds in its own memory (a
// node's interface: a frame's delivery then finds the port, the interface
// and the node together). p must not be in use: it is overwritten.
func (s *Segment) AttachPort(p *Port, node, iface string, r Receiver) {
	*p = Port{s: s, index: len(s.ports), node: node, iface: iface, name: node + "/" + iface, r: r, up: true, adv: new(portAdvert)}
	p.dr, _ = r.(DecodedReceiver)
	// Every advert is delivered until the receiver says otherwise
	// (SetAdvertFilter).
	p.adv.f.All = true
	s.index(p, true)
	s.adv.gen++
	if s.partitioned {
		// A node attached during a partition is in no group: isolated.
		p.island = s.islands
		s.islands++
	}
	s.ports = append(s.ports, p)
}

// Name returns "node/iface".
func (p *Port) Name() string { return p.name }

// Node returns the node name.
func (p *Port) Node() string { return p.node }

// LinkUp reports whether the port's link is up.
func (p *Port) LinkUp() bool { return p.up }

// SetLink brings the port's link up or down. While down nothing enters the
// segment from the port and nothing is delivered to it, including frames
// already in flight. Taking a link down flushes the FDB entries learned on
// the port, as the Linux bridge does when a port is disabled
// (br_stp_disable_port -> br_fdb_delete_by_port) and as switches do on
// link loss, so traffic to those MACs is flooded until they are learned
// again.
func (p *Port) SetLink(up bool) {
	if p.up == up {
		return
	}
	p.s.linkChanging(p, up)
	p.up = up
	if !up {
		p.epoch++
		p.s.fdb.flushPort(p)
	}
}

// SetImpairment sets the port's impairment: its loss applies to every
// delivery into or out of the port, its latency and jitter are added to
// the port's latency in both directions.
func (p *Port) SetImpairment(im Impairment) {
	if p.im != (Impairment{}) {
		p.s.adv.impaired--
	}
	p.im = im.clean()
	if p.im.Loss > 0 || p.im.Latency != 0 || p.im.Jitter > 0 {
		p.s.adv.impaired++
	} else {
		p.im = Impairment{}
	}
}

// SetImpairment sets the whole-segment impairment, added to the port
// settings: its loss applies to every delivery, its latency and jitter are
// added once per delivery (on the egress side).
func (s *Segment) SetImpairment(im Impairment) { s.im = im.clean() }

// Lookup returns the port name the FDB holds for mac. While the segment is
// partitioned each group has its own FDB; Lookup then returns the entry
// refreshed most recently.
func (s *Segment) Lookup(mac wire.MAC) (port string, ok bool) {
	e := s.fdb.lookupAny(mac)
	if e == nil {
		return "", false
	}
	return e.port.name, true
}

// packet is one frame in flight: a pooled copy of the bytes, shared by the
// deliveries of a flood and released when the last one is done.
type packet struct {
	s      *Segment
	buf    []byte
	in     *Port
	epoch  uint64 // in.epoch when the frame left the sender
	gen    uint64 // names this use of the pooled packet (Segment.rxGen)
	refs   int
	arrive func() // prebuilt closure: scheduling it allocates nothing
}

// burst is the deliveries of one frame that leave the switch together: to
// consecutive egress ports (in port order) with the same delay. It is
// queued as one batch of events (sim.Kernel.AtN), one event per delivery,
// so a flood to 300 ports is one queue entry, not 300 (issue 14).
type burst struct {
	s      *Segment
	pkt    *packet
	outs   []*Port
	epochs []uint64 // out.epoch when the switch sent the frame to out
	fire   func(i int)
	// all: a clean flood (Segment.clean) to every port but pkt.in, in
	// port order, without outs and epochs: a port whose link went down
	// after gen (portAdvert.lastDown) lost the frame.
	all bool
	gen uint64
	n   int
}

func (s *Segment) getPacket() *packet {
	if n := len(s.freePkts); n > 0 {
		p := s.freePkts[n-1]
		s.freePkts = s.freePkts[:n-1]
		return p
	}
	p := &packet{s: s}
	p.arrive = func() { p.s.forward(p) }
	return p
}

func (s *Segment) release(p *packet) {
	p.refs--
	if p.refs > 0 {
		return
	}
	p.in = nil
	s.freePkts = append(s.freePkts, p)
}

func (s *Segment) getBurst(pkt *packet) *burst {
	var b *burst
	if n := len(s.freeBursts); n > 0 {
		b = s.freeBursts[n-1]
		s.freeBursts = s.freeBursts[:n-1]
	} else {
		b = &burst{s: s}
		b.fire = b.deliver
	}
	b.pkt = pkt
	return b
}

// send queues the burst's deliveries after delay.
func (b *burst) send(delay time.Duration) {
	if !b.all {
		b.n = len(b.outs)
	}
	b.pkt.refs += b.n
	b.s.k.AtN(b.s.k.Now().Add(delay), b.n, b.fire)
}

// deliver is the burst's delivery i; the last one returns the burst to
// the pool.
func (b *burst) deliver(i int) {
	s, pkt, last := b.s, b.pkt, i == b.n-1
	var out *Port
	var epoch uint64
	if b.all {
		if i >= pkt.in.index {
			i++ // the flood skips its ingress port
		}
		out, epoch = s.ports[i], s.ports[i].epoch
		if out.adv.lastDown > b.gen {
			epoch-- // down (and maybe up again) since the flood left
		}
	} else {
		out, epoch = b.outs[i], b.epochs[i]
	}
	if last {
		b.pkt, b.outs, b.epochs, b.all = nil, b.outs[:0], b.epochs[:0], false
		s.freeBursts = append(s.freeBursts, b)
	}
	s.deliver(pkt, out, epoch)
}

// Send puts a copy of frame on the wire from port p. It never blocks: the
// frame reaches the switch after the port's latency.
func (p *Port) Send(frame []byte) {
	s := p.s
	s.cnt.Sent++
	if len(frame) < ethHeaderLen {
		s.drop(p, ReasonRunt, &s.cnt.DropRunt)
		return
	}
	if !p.up {
		s.drop(p, ReasonLinkDown, &s.cnt.DropLinkDown)
		return
	}
	pkt := s.getPacket()
	pkt.buf = append(pkt.buf[:0], frame...)
	pkt.in = p
	pkt.epoch = p.epoch
	pkt.refs = 1
	s.gen++
	pkt.gen = s.gen
	if k := s.k; k.Tracing() {
		r := k.Record(sim.KindFrame) // in place: a record per frame
		r.Node, r.Comp, r.Frame, r.Value = s.name, p.name, pkt.buf, int64(p.index)+1
		k.Emit()
	}
	s.k.At(s.k.Now().Add(s.portDelay(p, 0, 0)), pkt.arrive)
}

// forward is the switch: learn the source, then forward or flood.
func (s *Segment) forward(pkt *packet) {
	defer s.release(pkt)
	in := pkt.in
	if !in.up || in.epoch != pkt.epoch {
		// The link went down while the frame was on it.
		s.drop(in, ReasonLinkDown, &s.cnt.DropLinkDown)
		return
	}
	var dst, src wire.MAC
	copy(dst[:], pkt.buf[0:6])
	copy(src[:], pkt.buf[6:12])

	// Linux br_handle_frame drops a frame whose source is not a valid
	// unicast address (is_valid_ether_addr: not multicast, not broadcast,
	// not all zeros) before learning or forwarding it.
	if src.IsGroup() || src.IsZero() {
		s.drop(in, ReasonBadSource, &s.cnt.DropBadSource)
		return
	}

	// IEEE 802.1D 8.7 / Linux br_fdb_update: learn the source address on
	// the port it arrived on.
	s.fdb.learn(src, in)

	cls := classUnknown
	if !dst.IsGroup() {
		// The memo: a removed entry is zeroed (recycle), so its key no
		// longer matches; gen also guards rekeying and removal.
		e := in.sentTo
		if e == nil || in.sentToGen != s.fdb.gen || e.key != (fdbKey{dst, in.island}) {
			e = s.fdb.lookup(dst, in.island)
			in.sentTo, in.sentToGen = e, s.fdb.gen
		}
		if e != nil {
			if e.port == in {
				// Linux br_forward/should_deliver: never send a frame
				// back out of the port it came in on.
				s.cnt.Filtered++
				return
			}
			s.cnt.Unicast++
			if delay, ok := s.offer(pkt, e.port, &cls); ok {
				b := s.getBurst(pkt)
				b.outs, b.epochs = append(b.outs, e.port), append(b.epochs, e.port.epoch)
				b.send(delay)
			}
			return
		}
	}
	s.cnt.Flooded++
	if vrid, ok := s.advertVRID(pkt); ok {
		s.floodAdvert(pkt, vrid)
		return
	}
	if s.clean() {
		b := s.getBurst(pkt)
		b.all, b.gen, b.n = true, s.adv.gen, len(s.ports)-1
		b.send(s.portDelay(in, s.im.Latency, 0))
		return
	}
	// One burst per run of ports with the same delay (all of them, unless
	// latencies or jitter differ): the deliveries take the sequence
	// numbers, and so the order, that one event per port would take.
	var b *burst
	var bDelay time.Duration
	for _, out := range s.ports {
		if out == in {
			continue
		}
		delay, ok := s.offer(pkt, out, &cls)
		if !ok {
			continue
		}
		if b != nil && delay != bDelay {
			b.send(bDelay)
			b = nil
		}
		if b == nil {
			b, bDelay = s.getBurst(pkt), delay
		}
		b.outs, b.epochs = append(b.outs, out), append(b.epochs, out.epoch)
	}
	if b != nil {
		b.send(bDelay)
	}
}

// offer applies link state, partition, block rules and loss to the
// delivery of pkt to out, and returns its delay if it survives.
func (s *Segment) offer(pkt *packet, out *Port, cls *classSet) (time.Duration, bool) {
	in := pkt.in
	if !out.up {
		s.drop(out, ReasonLinkDown, &s.cnt.DropLinkDown)
		return 0, false
	}
	if in.island != out.island {
		s.drop(out, ReasonPartition, &s.cnt.DropPartition)
		return 0, false
	}
	if len(s.rules) > 0 && s.blocked(pkt.buf, in, out, cls) {
		s.drop(out, ReasonBlocked, &s.cnt.DropBlocked)
		return 0, false
	}
	if loss := combinedLoss(s.im.Loss, in.im.Loss, out.im.Loss); loss > 0 && s.rng.Float64() < loss {
		s.drop(out, ReasonLoss, &s.cnt.DropLoss)
		return 0, false
	}
	return s.portDelay(out, s.im.Latency, s.im.Jitter), true
}

// deliver hands a frame to the egress port's receiver.
func (s *Segment) deliver(pkt *packet, out *Port, epoch uint64) {
	defer s.release(pkt)
	if !out.up || out.epoch != epoch {
		// The link is down, or went down (and maybe up again) while
		// the frame was on it.
		s.drop(out, ReasonLinkDown, &s.cnt.DropLinkDown)
		return
	}
	s.cnt.Delivered++
	if s.traceDel && s.k.Tracing() {
		s.k.Trace(sim.Record{Kind: sim.KindDeliver, Node: s.name, Comp: out.name, Frame: pkt.buf})
	}
	switch {
	case out.dr != nil:
		s.cur = pkt
		out.dr.ReceiveShared(pkt.buf, s.decodeFn)
		s.cur = nil
	case out.r != nil:
		out.r.Receive(pkt.buf)
	}
}

// decodeCurrent decodes the frame being delivered, once for all its
// receivers: the deliveries of a flood run back to back, so the decode of
// the previous delivery is usually the one wanted.
func (s *Segment) decodeCurrent() (*wire.Frame, error) {
	if s.cur == nil {
		return nil, fmt.Errorf("lan %s: decode outside a delivery", s.name)
	}
	if s.rxGen != s.cur.gen {
		s.rxErr = s.rxDec.Decode(s.cur.buf, &s.rxFrame)
		s.rxGen = s.cur.gen
		s.decodes++
	}
	return &s.rxFrame, s.rxErr
}

// TraceDeliveries makes the segment trace every frame it hands to a port
// (sim.KindDeliver), not only the frames that enter it.
func (s *Segment) TraceDeliveries(on bool) { s.traceDel = on }

// portDelay is the one-way delay through port p plus extra latency and
// jitter. Jitter is uniform in [0, jitter) from the segment's stream,
// drawn only when non-zero so enabling jitter on one segment does not
// change the numbers drawn elsewhere.
func (s *Segment) portDelay(p *Port, extra, jitter time.Duration) time.Duration {
	d := s.cfg.Latency + p.im.Latency + extra
	if j := p.im.Jitter + jitter; j > 0 {
		d += time.Duration(s.rng.Int64N(int64(j)))
	}
	return d
}

func (s *Segment) drop(p *Port, reason string, counter *uint64) {
	*counter++
	if s.k.Tracing() {
		s.k.Trace(sim.Record{Kind: sim.KindDrop, Node: s.name, Comp: p.name, Reason: reason})
	}
}

// String describes the segment for debugging.
func (s *Segment) String() string {
	return fmt.Sprintf("lan %s (%d ports)", s.name, len(s.ports))
}
