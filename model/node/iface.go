package node

import (
	"errors"
	"math/rand/v2"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Interface is a network interface of a node, attached to one segment.
type Interface struct {
	// What every packet reads, first (see Node): the node, carrier,
	// MAC, addresses, port and neighbour cache.
	node   *Node
	linkUp bool
	mac    wire.MAC
	addrs  []netip.Prefix
	arpEnv arpEnv // the cache calls it on every packet
	// vips are the virtual IPs this interface owns as VRRP master, with
	// the MAC it answers ARP with (the vmac with use_vmac, else its own).
	vips vipSet
	// addrMem holds addrs when there are at most two: every packet
	// received reads them (isLocal), so they live in the interface.
	addrMem [2]netip.Prefix
	// port is the switch port, in the interface (lan.Segment.AttachPort):
	// every frame the interface sends or receives reads it.
	port lan.Port
	// cache is the neighbour cache, in the interface (arp.Init), read by
	// every packet sent.
	cache arp.Cache

	name string
	seg  string
	// vmacs are virtual MACs the interface accepts frames for (a
	// use_vmac master); counted, as several instances may share one.
	vmacs map[wire.MAC]int

	// arpIgnore and arpAnnounce are net.ipv4.conf.IFACE.arp_ignore and
	// arp_announce (loopback.go); the node's values count where higher.
	arpIgnore, arpAnnounce int

	advertDropsTraced uint64 // FlushAdvertDrops
}

// Name returns the interface name.
func (i *Interface) Name() string { return i.name }

// MAC returns the interface's own MAC.
func (i *Interface) MAC() wire.MAC { return i.mac }

// Addrs returns the configured addresses.
func (i *Interface) Addrs() []netip.Prefix { return i.addrs }

// Primary returns the first configured address.
func (i *Interface) Primary() (netip.Prefix, bool) {
	if len(i.addrs) == 0 {
		return netip.Prefix{}, false
	}
	return i.addrs[0], true
}

// Segment returns the name of the segment the interface is attached to.
func (i *Interface) Segment() string { return i.seg }

// Port returns the switch port the interface is plugged into.
func (i *Interface) Port() *lan.Port { return &i.port }

// Cache returns the interface's neighbour cache.
func (i *Interface) Cache() *arp.Cache { return &i.cache }

// LinkUp reports the carrier state.
func (i *Interface) LinkUp() bool { return i.linkUp }

// addrFor is Linux inet_select_addr(dev, dst, RT_SCOPE_LINK): the first
// address of the interface whose subnet holds dst, else the primary one.
func (i *Interface) addrFor(dst netip.Addr) (netip.Addr, bool) {
	for _, p := range i.addrs {
		if p.Contains(dst) {
			return p.Addr(), true
		}
	}
	p, ok := i.Primary()
	return p.Addr(), ok
}

// onLink is Linux inet_addr_onlink(in_dev, a, b): one subnet of the
// interface holds both addresses.
func (i *Interface) onLink(a, b netip.Addr) bool {
	for _, p := range i.addrs {
		if p.Contains(a) && p.Contains(b) {
			return true
		}
	}
	return false
}

func (i *Interface) hasAddr(a netip.Addr) bool {
	for _, p := range i.addrs {
		if p.Addr() == a {
			return true
		}
	}
	return i.vips.has(a)
}

// onVMAC reports whether a is a VIP this interface holds on a virtual
// MAC (use_vmac master).
func (i *Interface) onVMAC(a netip.Addr) bool {
	vm, ok := i.vips.get(a)
	return ok && vm != i.mac
}

// accepts is the NIC's destination filter: its own MAC, broadcast,
// multicast, and the virtual MAC while it is a use_vmac master. A backup
// thus never accepts frames for the virtual MAC (RFC 3768 section 6.4.2).
func (i *Interface) accepts(dst wire.MAC) bool {
	if dst == i.mac || dst.IsGroup() {
		return true
	}
	return i.vmacs[dst] > 0
}

// Receive is called by the segment for every frame delivered to the port.
func (i *Interface) Receive(b []byte) { i.receive(b, nil) }

// ReceiveShared is Receive with the segment's decode of the frame, shared
// by every port the frame is flooded to (lan.DecodedReceiver).
func (i *Interface) ReceiveShared(b []byte, decode func() (*wire.Frame, error)) {
	i.receive(b, decode)
}

// receive handles a delivered frame, decoded by decode if it is not nil
// (read-only then), else by the node's own decoder.
func (i *Interface) receive(b []byte, decode func() (*wire.Frame, error)) {
	n := i.node
	if !n.up || !i.linkUp {
		return
	}
	if n.frozen {
		n.drop(i.name, "frozen") // freeze.go: a paused guest reads nothing
		return
	}
	var f *wire.Frame
	var err error
	if decode != nil {
		f, err = decode()
	} else {
		d := n.decoder()
		f = &d.frame
		err = d.dec.Decode(b, f)
	}
	if err != nil {
		n.drop(i.name, decodeReason(err))
		return
	}
	if !i.accepts(f.Dst) {
		return // not for us: a real NIC filters it silently
	}
	switch {
	case f.HasARP:
		i.receiveARP(f)
	case f.HasIP:
		i.receiveIP(f, b)
	}
}

// decodeReason names the drop counter for a frame that failed to decode.
func decodeReason(err error) string {
	switch {
	case errors.Is(err, wire.ErrBadChecksum):
		return "bad_checksum"
	case errors.Is(err, wire.ErrTruncated):
		return "truncated"
	case errors.Is(err, wire.ErrBadVersion):
		return "bad_version"
	case errors.Is(err, wire.ErrBadType):
		return "bad_type"
	case errors.Is(err, wire.ErrBadLength):
		return "bad_length"
	}
	return "malformed"
}

func (i *Interface) receiveARP(f *wire.Frame) {
	a := f.ARP
	// Linux arp_process: the target of a request is looked up in the
	// local routing table, so any address of the node counts (lo and
	// tunl0 included), and arp_ignore then decides whether this interface
	// answers. A request it must not answer is consumed without touching
	// the cache ("goto out_consume_skb"): that is what makes arp_ignore 1
	// on an LVS-DR real server stay out of the clients' and the router's
	// way.
	local := i.node.isLocal(a.TargetIP)
	if local && a.Op == wire.ARPRequest && !a.IsGratuitous() && a.SenderIP != a.TargetIP &&
		i.ignoresARP(a.SenderIP, a.TargetIP) {
		i.node.drop(i.name, "arp_ignore")
		return
	}
	// use_vmac: the VIP lives on keepalived's macvlan, which gets
	// broadcasts and frames for the virtual MAC and answers from it; the
	// base interface gets what is sent to the real MAC, and keepalived
	// sets arp_ignore 1 there (vrrp_if_config.c set_interface_parameters),
	// so a request for the VIP sent to the real MAC (a host's PROBE after
	// its entry drifted there) is consumed unanswered.
	if local && a.Op == wire.ARPRequest && !a.IsGratuitous() && f.Dst == i.mac && i.onVMAC(a.TargetIP) {
		i.node.drop(i.name, "arp_ignore")
		return
	}
	// The cache learns from the packet first, then a request for one of
	// our addresses is answered.
	i.cache.HandleARP(&a, f.Dst == i.mac, local)
	if a.Op != wire.ARPRequest || !local || a.IsGratuitous() {
		return
	}
	mac := i.mac
	if vm, ok := i.vips.get(a.TargetIP); ok {
		mac = vm
	}
	reply := wire.ARP{Op: wire.ARPReply, SenderMAC: mac, SenderIP: a.TargetIP, TargetMAC: a.SenderMAC, TargetIP: a.SenderIP}
	frame, err := i.node.shared.Frame.ARPFrame(a.SenderMAC, mac, reply)
	if err != nil {
		i.node.drop(i.name, "encode")
		return
	}
	i.port.Send(frame)
}

func (i *Interface) receiveIP(f *wire.Frame, raw []byte) {
	n := i.node
	ip := f.IP
	if f.HasVRRP {
		n.receiveVRRP(i, f)
		return
	}
	if n.receiveSync(i, f) { // IPVS sync messages (lbsync.go)
		return
	}
	if ip.Dst.IsMulticast() || ip.Dst == limitedBroadcast {
		return
	}
	if f.HasIPIP && n.isLocal(ip.Dst) {
		n.receiveIPIP(i, f)
		return
	}
	if n.ipvs(f, raw) { // the director's hooks (director.go)
		return
	}
	if n.isLocal(ip.Dst) {
		if n.onLoopback(ip.Dst) || n.onTunnel(ip.Dst) {
			// A packet for a VIP held on lo/tunl0 that came as a plain
			// frame: from a DR director, or from a host whose ARP entry
			// for the VIP points here (the DR ARP trap). Reports tell the
			// two apart by the sender MAC.
			n.trace(sim.Record{Kind: sim.KindServe, Comp: i.name, Event: "vip", Addr: ip.Src, MAC: f.Src})
		}
		n.deliverLocal(i, f)
		return
	}
	if !n.cfg.Forwarding {
		n.drop(i.name, "not_for_us")
		return
	}
	// Linux ip_forward drops what did not arrive addressed to the host at
	// the link layer (skb->pkt_type != PACKET_HOST), and RFC 1812 section
	// 5.3.4 forbids forwarding a packet received in a link-layer broadcast
	// or multicast: every router on the LAN would forward a copy.
	if f.Dst.IsGroup() {
		n.drop(i.name, "l2_broadcast_not_forwarded")
		return
	}
	n.forward(f, raw)
}

// forward routes a frame received for another host (RFC 1812).
func (n *Node) forward(f *wire.Frame, raw []byte) {
	out, next, err := n.route(f.IP.Dst)
	if err != nil {
		n.drop("ip", "no_route")
		return
	}
	if !out.linkUp {
		n.drop(out.name, "link_down")
		return
	}
	if f.IP.TTL <= 1 {
		n.drop("ip", "ttl_exceeded")
		return
	}
	// Strip the Ethernet header: the neighbour layer frames the packet
	// again; Forward fixes TTL and checksum.
	fwd, err := n.shared.IP.Forward(raw, wire.MAC{}, out.mac)
	if err != nil {
		n.drop("ip", "forward_error")
		return
	}
	out.cache.Output(next, fwd[14:])
}

// limitedBroadcast is 255.255.255.255 (RFC 919): never forwarded (RFC 1812
// section 5.3.5.1), and nothing here answers it.
var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// arpEnv connects an interface's neighbour cache to the node.
type arpEnv struct {
	i   *Interface
	rnd *rand.Rand
}

func (e *arpEnv) Now() sim.Time                       { return e.i.node.clock.now() }
func (e *arpEnv) NewTimer(fn func()) arp.Timer        { return e.i.node.newTimer(fn) }
func (e *arpEnv) Rand() *rand.Rand                    { return e.rnd }
func (e *arpEnv) Trace(r sim.Record)                  { r.Comp = e.i.name; e.i.node.trace(r) }
func (e *arpEnv) Unreachable(ip netip.Addr, _ []byte) { e.i.node.drop(e.i.name, "neigh_failed") }

// SendRequest sends an ARP request for target. The sender address follows
// arp_announce (Linux arp_solicit), given the source s of the packet that
// triggered resolution:
//
//	0: s if it is a local address of the node (on any interface, such as
//	   a master's VIP);
//	1: s if it is local and on a subnet of this interface together with
//	   the target ("restrict announcements of saddr in same subnet");
//	2: never s.
//
// Otherwise, inet_select_addr: the interface's address on the target's
// subnet, else its primary address.
//
// Linux only has such a packet while the entry is INCOMPLETE: neigh_probe
// passes the tail of arp_queue, and packets are queued only until the
// entry resolves. A unicast request (PROBE state, dst = the cached MAC)
// has none, so arp_solicit falls back to inet_select_addr whatever
// arp_announce says.
func (e *arpEnv) SendRequest(target netip.Addr, dst wire.MAC) {
	i, n := e.i, e.i.node
	if !n.up || !i.linkUp {
		return
	}
	src, ok := i.addrFor(target)
	if !ok {
		return
	}
	mac := i.mac
	if s, ok := n.arpSource(target); ok && dst.IsGroup() && n.isLocal(s) {
		switch i.effArpAnnounce() {
		case 0:
			src = s
		case 1:
			if i.onLink(target, s) {
				src = s
			}
		}
	}
	// arp_solicit passes no target_hw to arp_send_dst, and arp_create then
	// zeroes the target hardware address: every request Linux sends,
	// including a unicast probe (PROBE state) whose Ethernet destination
	// is the cached MAC, carries 00:00:00:00:00:00 there (issue 13).
	a := wire.ARP{Op: wire.ARPRequest, SenderMAC: mac, SenderIP: src, TargetIP: target}
	frame, err := n.shared.Frame.ARPFrame(dst, mac, a)
	if err != nil {
		n.drop(i.name, "encode")
		return
	}
	i.port.Send(frame)
}

// Transmit frames an IPv4 packet to mac and sends it.
func (e *arpEnv) Transmit(mac wire.MAC, pkt []byte) {
	i := e.i
	if !i.node.up || !i.linkUp {
		return
	}
	i.port.Send(i.node.shared.Frame.Ethernet(mac, i.mac, wire.EtherTypeIPv4, pkt))
}

// setARPSource remembers src as the source of the last packet sent to the
// neighbour next, for SendRequest. Only IPv4 neighbours are ARPed (an
// ARP request for another address is never encoded), so only they are kept.
func (n *Node) setARPSource(next, src netip.Addr) {
	if !next.Is4() {
		return
	}
	k := ipv4Number(next)
	if l := &n.arpSrcLast; l.next == k && l.src == src && src.IsValid() {
		return // the map holds it already
	}
	n.arpSrc[k] = src
	n.arpSrcLast.next, n.arpSrcLast.src = k, src
}

// arpSource returns what setARPSource remembered for target.
func (n *Node) arpSource(target netip.Addr) (netip.Addr, bool) {
	if !target.Is4() {
		return netip.Addr{}, false
	}
	s, ok := n.arpSrc[ipv4Number(target)]
	return s, ok
}
