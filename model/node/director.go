package node

// The LVS director on a node: the IPVS hooks in the receive path and the
// lb.Env that lets the director send through the node's routing table and
// neighbour caches.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// AddDirector makes the node an LVS director with the given virtual
// services. It checks what the kernel cannot fix later:
//   - a DR real server must sit on a subnet of one of the node's
//     interfaces (ip_vs_dr_xmit only changes the Ethernet destination, so
//     it needs L2 adjacency);
//   - a TUN real server must be routable;
//   - a FULLNAT local address must be an address of the node, or the
//     real servers' replies to it would never come back;
//   - no real server may be the director itself (LOCALNODE is not
//     modelled).
//
// Interfaces must be added first.
func (n *Node) AddDirector(cfgs []lb.ServiceConfig) (*lb.Director, error) {
	if n.director != nil {
		return nil, fmt.Errorf("node %s: already has a director", n.cfg.Name)
	}
	for i := range cfgs {
		if err := n.checkDirector(&cfgs[i]); err != nil {
			return nil, fmt.Errorf("node %s: %w", n.cfg.Name, err)
		}
	}
	env := &directorEnv{n: n, rnd: n.k.Stream("lb/" + n.cfg.Name)}
	d, err := lb.New(cfgs, env)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.cfg.Name, err)
	}
	n.director = d
	return d, nil
}

// Director returns the node's LVS director (nil if it has none).
func (n *Node) Director() *lb.Director { return n.director }

// CheckReal checks that real can be reached the way the service's
// forwarding method needs (see AddDirector); the loader and the timeline
// call it before adding a real server at run time.
func (n *Node) CheckReal(kind lb.Kind, service string, real lb.RealConfig) error {
	ip := real.Addr.Addr()
	if n.isLocal(ip) {
		// IP_VS_CONN_F_LOCALNODE hands such packets to the local stack.
		return fmt.Errorf("virtual server %s: real server %s (%v) is an address of the director itself; a local real server (LOCALNODE) is not modelled", service, real.Name, ip)
	}
	switch kind {
	case lb.KindDR:
		if !n.onSegment(ip) {
			return fmt.Errorf("virtual server %s: DR real server %s (%v) is not on a segment of the director: DR needs L2 adjacency", service, real.Name, ip)
		}
	case lb.KindTUN:
		if _, _, err := n.route(ip); err != nil {
			return fmt.Errorf("virtual server %s: TUN real server %s (%v): %w", service, real.Name, ip, err)
		}
	}
	return nil
}

func (n *Node) checkDirector(c *lb.ServiceConfig) error {
	name := c.DisplayName()
	for _, r := range c.Reals {
		if err := n.CheckReal(c.Kind, name, r); err != nil {
			return err
		}
	}
	if c.Sorry != nil {
		if err := n.CheckReal(c.Kind, name, *c.Sorry); err != nil {
			return fmt.Errorf("sorry_server: %w", err)
		}
	}
	if c.Kind == lb.KindFULLNAT {
		for _, a := range c.LocalAddrs {
			if !n.isLocal(a) {
				return fmt.Errorf("virtual server %s: FULLNAT local address %v is not an address of the node", name, a)
			}
		}
	}
	return nil
}

// onSegment reports whether ip is on a connected subnet of an interface.
func (n *Node) onSegment(ip netip.Addr) bool {
	for _, i := range n.ifaces {
		for _, p := range i.addrs {
			if p.Contains(ip) {
				return true
			}
		}
	}
	return false
}

// ipvs hands a received IPv4 packet to the director, where Linux's IPVS
// hooks sit: LOCAL_IN (ip_vs_in) for a packet addressed to the node,
// FORWARD (ip_vs_out: NAT replies) for one it would route. True: IPVS
// consumed or dropped it.
func (n *Node) ipvs(f *wire.Frame, raw []byte) bool {
	if n.director == nil || len(raw) <= ethHeaderLen {
		return false
	}
	pkt := raw[ethHeaderLen:]
	var v lb.Verdict
	switch {
	case n.isLocal(f.IP.Dst):
		v = n.director.In(pkt, f)
	case n.cfg.Forwarding && !f.Dst.IsGroup():
		v = n.director.Out(pkt, f)
	default:
		return false
	}
	return v != lb.Pass
}

// ethHeaderLen is the Ethernet II header in front of a received packet.
const ethHeaderLen = 14

// directorEnv connects a director to its node.
type directorEnv struct {
	n   *Node
	rnd *rand.Rand
}

func (e *directorEnv) Now() sim.Time                            { return e.n.clock.now() }
func (e *directorEnv) NewTimer(fn func()) sim.Resettable        { return e.n.newTimer(fn) }
func (e *directorEnv) Trace(r sim.Record)                       { e.n.trace(r) }
func (e *directorEnv) Rand() sched.Rand                         { return e.rnd }
func (e *directorEnv) Source(dst netip.Addr) (netip.Addr, bool) { return e.n.sourceFor(dst) }

var errNodeDown = errors.New("node is down")

// Output routes pkt by its destination address.
func (e *directorEnv) Output(pkt []byte) error {
	dst := netip.AddrFrom4([4]byte(pkt[16:20]))
	i, next, err := e.n.route(dst)
	if err != nil {
		return err
	}
	return e.send(i, next, pkt)
}

// OutputTo sends pkt to the on-link neighbour next (LVS-DR).
func (e *directorEnv) OutputTo(next netip.Addr, pkt []byte) error {
	i, hop, err := e.n.route(next)
	if err != nil {
		return err
	}
	if hop != next {
		return fmt.Errorf("%v is not on a connected subnet", next)
	}
	return e.send(i, next, pkt)
}

// send hands pkt to the neighbour layer of i, like sendIP, remembering its
// source for arp_announce.
func (e *directorEnv) send(i *Interface, next netip.Addr, pkt []byte) error {
	if !e.n.up {
		return errNodeDown
	}
	if !i.linkUp {
		return fmt.Errorf("%s: link down", i.name)
	}
	e.n.setARPSource(next, netip.AddrFrom4([4]byte(pkt[12:16])))
	i.cache.Output(next, pkt)
	return nil
}

// Unreachable answers pkt with ICMP port unreachable, as ip_vs_leave's
// icmp_send does: from the address the packet was sent to (a local
// address), carrying its IPv4 header and first 8 octets (RFC 792).
func (e *directorEnv) Unreachable(pkt []byte) {
	n := e.n
	hl := int(pkt[0]&0x0f) * 4
	quote := pkt[:min(len(pkt), hl+8)]
	src := netip.AddrFrom4([4]byte(pkt[16:20]))
	dst := netip.AddrFrom4([4]byte(pkt[12:16]))
	b, err := n.shared.IP.ICMPPacket(wire.IPv4Header{TTL: 64, ID: n.nextID(), Src: src, Dst: dst},
		wire.ICMPEcho{Type: wire.ICMPUnreachable, Code: icmpPortUnreachable}, quote)
	if err != nil {
		n.drop("ipvs", "encode")
		return
	}
	n.sendIP(src, dst, b)
}

// icmpPortUnreachable is ICMP code 3 of Destination Unreachable (RFC 792).
const icmpPortUnreachable = 3
