package node

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// FlowKind is the kind of traffic source.
type FlowKind uint8

// Traffic source kinds.
const (
	FlowPing   FlowKind = iota + 1 // ICMP echo request/reply, like ping(8)
	FlowStream                     // constant-rate UDP to an echo service
)

// Defaults of traffic sources.
const (
	DefaultPingInterval = time.Second // ping(8)
	DefaultPingSize     = 56          // ping(8) data bytes
	DefaultTimeout      = time.Second // a reply later than this counts as lost
	DefaultStreamPort   = 7           // the echo service (RFC 862)
	DefaultStreamSize   = 64
)

// FlowConfig describes a traffic source on a host.
type FlowConfig struct {
	Name     string
	Kind     FlowKind
	To       netip.Addr
	Interval time.Duration // between packets (stream: 1/rate)
	Size     int           // payload bytes
	Timeout  time.Duration // reply deadline
	Start    time.Duration // first packet at this virtual time
	Stop     time.Duration // no packet at or after this time (0: never)
	Port     uint16        // stream destination port
}

// Flow is a running traffic source. It counts what it sent and what came
// back, and traces every packet so reports can find the outages.
type Flow struct {
	n   *Node
	cfg FlowConfig
	id  uint16
	key int64 // sim.Kernel.Serial: Value2 of the flow's records
	seq int64

	tick    *sim.Timer
	expire  *sim.Timer
	out     []pending // outstanding packets in send order
	payload []byte
	running bool

	Sent, Received, Lost, Late int64
}

type pending struct {
	seq      int64
	deadline sim.Time
	done     bool
}

// AddFlow adds a traffic source to the node.
func (n *Node) AddFlow(cfg FlowConfig) (*Flow, error) {
	if !cfg.To.Is4() {
		return nil, fmt.Errorf("node %s: flow %s: destination %v is not an IPv4 address", n.cfg.Name, cfg.Name, cfg.To)
	}
	if cfg.Kind == FlowPing {
		cfg.Interval = durationOr(cfg.Interval, DefaultPingInterval)
		if cfg.Size == 0 {
			cfg.Size = DefaultPingSize
		}
	} else {
		if cfg.Interval <= 0 {
			return nil, fmt.Errorf("node %s: flow %s: rate must be positive", n.cfg.Name, cfg.Name)
		}
		if cfg.Size < 8 {
			cfg.Size = DefaultStreamSize
		}
		if cfg.Port == 0 {
			cfg.Port = DefaultStreamPort
		}
	}
	cfg.Timeout = durationOr(cfg.Timeout, DefaultTimeout)
	f := &Flow{n: n, cfg: cfg, id: uint16(0x1000 + len(n.flows)), key: n.k.Serial()}
	if cfg.Kind == FlowPing {
		f.payload = n.shared.pingData(cfg.Size) // read only: shared by the world's ping flows
	} else {
		f.payload = fillPattern(cfg.Size) // a UDP flow writes its sequence number in
	}
	f.tick = n.k.NewTimer(f.send)
	f.expire = n.k.NewTimer(f.onExpire)
	n.flows = append(n.flows, f)
	return f, nil
}

// fillPattern returns n octets 0, 1, 2... (mod 256).
func fillPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// Name returns the flow's name.
func (f *Flow) Name() string { return f.cfg.Name }

// Config returns the flow's configuration.
func (f *Flow) Config() FlowConfig { return f.cfg }

func (f *Flow) start() {
	if f.running {
		return
	}
	f.running = true
	first := sim.Time(f.cfg.Start)
	if now := f.n.k.Now(); first < now {
		first = now
	}
	f.tick.ResetAt(first)
}

func (f *Flow) stop() {
	f.running = false
	f.tick.Stop()
}

func (f *Flow) trace(event string, seq int64) {
	k := f.n.k
	if !k.Tracing() {
		return
	}
	// Built in place (sim.Kernel.Record): two records per packet.
	r := k.Record(sim.KindFlow)
	r.Node, r.Comp, r.Event, r.Value, r.Value2, r.Addr = f.n.name, f.cfg.Name, event, seq, f.key, f.cfg.To
	k.Emit()
}

// send emits the next packet and schedules the one after.
func (f *Flow) send() {
	n := f.n
	now := n.k.Now()
	if f.cfg.Stop > 0 && now >= sim.Time(f.cfg.Stop) {
		f.running = false
		return
	}
	f.tick.Reset(f.cfg.Interval)
	src, ok := n.sourceFor(f.cfg.To)
	if !ok {
		n.drop(f.cfg.Name, "no_route")
		return
	}
	f.seq++
	seq := f.seq
	hdr := wire.IPv4Header{ID: n.nextID(), TTL: 64, Src: src, Dst: f.cfg.To}
	var pkt []byte
	var err error
	if f.cfg.Kind == FlowPing {
		hdr.Protocol = wire.ProtoICMP
		pkt, err = n.shared.IP.ICMPPacket(hdr, wire.ICMPEcho{Type: wire.ICMPEchoRequest, ID: f.id, Seq: uint16(seq)}, f.payload)
	} else {
		hdr.Protocol = wire.ProtoUDP
		binary.BigEndian.PutUint64(f.payload, uint64(seq))
		pkt, err = n.shared.IP.UDPPacket(hdr, wire.UDPHeader{SrcPort: f.id, DstPort: f.cfg.Port}, f.payload)
	}
	if err != nil {
		n.drop(f.cfg.Name, "encode")
		return
	}
	f.Sent++
	f.trace("sent", seq)
	f.out = append(f.out, pending{seq: seq, deadline: now.Add(f.cfg.Timeout)})
	if !f.expire.Armed() {
		f.expire.ResetAt(f.out[0].deadline)
	}
	n.sendIP(src, f.cfg.To, pkt)
}

// onExpire declares lost every outstanding packet past its deadline.
func (f *Flow) onExpire() {
	now := f.n.k.Now()
	for len(f.out) > 0 && f.out[0].deadline <= now {
		p := f.out[0]
		f.out = f.out[1:]
		if !p.done {
			f.Lost++
			f.trace("lost", p.seq)
		}
	}
	f.compact()
	if len(f.out) > 0 {
		f.expire.ResetAt(f.out[0].deadline)
	}
}

// compact drops answered packets from the head of the window and reuses
// the backing array.
func (f *Flow) compact() {
	i := 0
	for i < len(f.out) && f.out[i].done {
		i++
	}
	if i > 0 || cap(f.out) > 4*len(f.out)+64 {
		f.out = append(f.out[:0], f.out[i:]...)
	}
}

// Masks for answered: an ICMP echo carries the low 16 bits of the
// sequence number, a stream datagram all 64.
const (
	seqICMP   int64 = 0xffff
	seqStream int64 = -1
)

// answered records a reply for the outstanding packet whose sequence number,
// masked, equals seq.
func (f *Flow) answered(seq, mask int64) {
	for k := range f.out {
		p := &f.out[k]
		if !p.done && p.seq&mask == seq {
			p.done = true
			f.Received++
			f.trace("received", p.seq)
			f.compact()
			return
		}
	}
	f.Late++
}

// deliverLocal handles a packet addressed to the node itself.
func (n *Node) deliverLocal(i *Interface, fr *wire.Frame) {
	ip := fr.IP
	switch {
	case fr.HasTCP:
		n.receiveTCP(fr) // tcp.go
	case fr.HasICMP && fr.ICMP.Type == wire.ICMPEchoRequest:
		// Answer from the address that was asked (a VIP when master),
		// as Linux does for echo requests (icmp_reply).
		hdr := wire.IPv4Header{ID: n.nextID(), TTL: 64, Protocol: wire.ProtoICMP, Src: ip.Dst, Dst: ip.Src}
		m := fr.ICMP
		m.Type = wire.ICMPEchoReply
		pkt, err := n.shared.IP.ICMPPacket(hdr, m, fr.Payload)
		if err != nil {
			n.drop(i.name, "encode")
			return
		}
		n.sendIP(ip.Dst, ip.Src, pkt)
	case fr.HasICMP && fr.ICMP.Type == wire.ICMPEchoReply:
		for _, f := range n.flows {
			if f.cfg.Kind == FlowPing && f.id == fr.ICMP.ID && f.cfg.To == ip.Src {
				f.answered(int64(fr.ICMP.Seq), seqICMP)
				return
			}
		}
	case fr.HasUDP && fr.UDP.DstPort == DefaultStreamPort:
		// The echo service (RFC 862): send the datagram back.
		hdr := wire.IPv4Header{ID: n.nextID(), TTL: 64, Protocol: wire.ProtoUDP, Src: ip.Dst, Dst: ip.Src}
		pkt, err := n.shared.IP.UDPPacket(hdr, wire.UDPHeader{SrcPort: fr.UDP.DstPort, DstPort: fr.UDP.SrcPort}, fr.Payload)
		if err != nil {
			n.drop(i.name, "encode")
			return
		}
		n.sendIP(ip.Dst, ip.Src, pkt)
	case fr.HasUDP:
		for _, f := range n.flows {
			if f.cfg.Kind == FlowStream && f.id == fr.UDP.DstPort && len(fr.Payload) >= 8 {
				f.answered(int64(binary.BigEndian.Uint64(fr.Payload)), seqStream)
				return
			}
		}
	}
}
