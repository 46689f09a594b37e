package node

import (
	"fmt"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Device names of the interfaces that sit on no segment.
const (
	Loopback = "lo"    // addresses here are local: LVS-DR real servers hold the VIP on lo
	Tunnel   = "tunl0" // the IPIP fallback device: LVS-TUN real servers hold the VIP here
)

// AddLoopback adds addresses to the node's loopback device (ip addr add
// VIP/32 dev lo). They are local addresses of the node, so with arp_ignore
// 0 the node answers ARP for them on every interface (arp_process looks
// the target up in the local routing table, not on the interface).
func (n *Node) AddLoopback(addrs []netip.Prefix) error {
	if err := checkVirtualAddrs(n, Loopback, addrs); err != nil {
		return err
	}
	n.lo = append(n.lo, addrs...)
	n.noteDevice(Loopback, addrs)
	return nil
}

// AddTunnel brings up the IPIP tunnel device tunl0 with addrs: the node
// then decapsulates IPIP packets addressed to it (ipip_rcv on the
// fallback tunnel) and accepts inner packets for those addresses.
func (n *Node) AddTunnel(addrs []netip.Prefix) error {
	if err := checkVirtualAddrs(n, Tunnel, addrs); err != nil {
		return err
	}
	n.tunl = append(n.tunl, addrs...)
	if n.tunl == nil {
		n.tunl = []netip.Prefix{}
	}
	n.noteDevice(Tunnel, addrs)
	return nil
}

func checkVirtualAddrs(n *Node, dev string, addrs []netip.Prefix) error {
	for _, p := range addrs {
		if !p.Addr().Is4() {
			return fmt.Errorf("node %s: %s: %v is not an IPv4 address", n.cfg.Name, dev, p)
		}
	}
	return nil
}

// noteDevice announces a device's addresses in the trace, like the
// interfaces' "iface" notes, so reports know which node holds a VIP.
func (n *Node) noteDevice(dev string, addrs []netip.Prefix) {
	for _, p := range addrs {
		n.trace(sim.Record{Kind: sim.KindNote, Comp: dev, Event: "addr", Addr: p.Addr()})
	}
}

// LoopbackAddrs returns the addresses held on lo.
func (n *Node) LoopbackAddrs() []netip.Prefix { return n.lo }

// TunnelAddrs returns the addresses held on tunl0 (nil: no tunnel device).
func (n *Node) TunnelAddrs() []netip.Prefix { return n.tunl }

func (n *Node) onLoopback(a netip.Addr) bool { return holds(n.lo, a) }
func (n *Node) onTunnel(a netip.Addr) bool   { return holds(n.tunl, a) }

func holds(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Addr() == a {
			return true
		}
	}
	return false
}

// SetARPSysctls sets the interface's own net.ipv4.conf.IFACE.arp_ignore and
// arp_announce. Linux applies the higher of the interface's value and
// conf/all's (IN_DEV_ARP_IGNORE, IN_DEV_ARP_ANNOUNCE use IN_DEV_MAXCONF).
func (i *Interface) SetARPSysctls(ignore, announce int) error {
	if err := ValidArpIgnore(ignore); err != nil {
		return fmt.Errorf("interface %s: %w", i.name, err)
	}
	if announce < 0 || announce > 2 {
		return fmt.Errorf("interface %s: arp_announce %d; valid: 0, 1, 2", i.name, announce)
	}
	i.arpIgnore, i.arpAnnounce = ignore, announce
	return nil
}

// ValidArpIgnore checks an arp_ignore value: the modes Linux implements
// and vrrpsim models (3, scope-host addresses, is not modelled).
func ValidArpIgnore(v int) error {
	switch v {
	case 0, 1, 2, 8:
		return nil
	}
	return fmt.Errorf("arp_ignore %d; valid: 0 (any local address), 1 (only addresses on the incoming interface), 2 (1, and the sender on the same subnet), 8 (never reply)", v)
}

func (i *Interface) effArpIgnore() int   { return max(i.arpIgnore, i.node.cfg.ArpIgnore) }
func (i *Interface) effArpAnnounce() int { return max(i.arpAnnounce, i.node.cfg.ArpAnnounce) }

// ignoresARP is Linux arp_ignore(in_dev, sip, tip) for a request whose
// target tip is a local address of the node: true means do not reply.
//
//	0: reply for any local address, on any interface;
//	1: only if tip is configured on the incoming interface;
//	2: as 1, and sip must be on a subnet of that address
//	   (inet_confirm_addr with the sender);
//	8: never reply.
func (i *Interface) ignoresARP(sip, tip netip.Addr) bool {
	switch i.effArpIgnore() {
	case 0:
		return false
	case 1:
		return !i.hasAddr(tip)
	case 2:
		if i.vips.has(tip) {
			return false // a VRRP VIP is held with the interface's prefix
		}
		for _, p := range i.addrs {
			if p.Addr() == tip && p.Contains(sip) {
				return false
			}
		}
		return true
	}
	return true
}

// receiveIPIP decapsulates an IPIP packet addressed to the node, as
// ipip_rcv does on the fallback device tunl0: without tunl0 the packet is
// dropped (the kernel answers with an ICMP protocol unreachable, not
// modelled). The inner packet is then handled as if it arrived on tunl0:
// delivered if it is for a local address, dropped otherwise (tunl0 does
// not forward here).
func (n *Node) receiveIPIP(i *Interface, f *wire.Frame) {
	if n.tunl == nil {
		n.drop(i.name, "ipip_no_tunnel")
		return
	}
	d := n.decoder()
	in := &d.inner
	if err := d.dec.DecodeIPv4(f.Payload, in); err != nil {
		n.drop(Tunnel, decodeReason(err))
		return
	}
	if !n.isLocal(in.IP.Dst) {
		n.drop(Tunnel, "not_for_us")
		return
	}
	n.deliverLocal(i, in)
}
