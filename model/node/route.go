package node

import "net/netip"

// routeTable is the node's routing table compiled for lookups: the
// connected subnets of its interfaces (in interface, then address order)
// and its static routes, each IPv4 prefix as a number and a mask. route
// runs for every packet the node sends or forwards, and netip.Prefix.Contains
// on each prefix was a tenth of a busy director's CPU. The table is a pure
// function of the interfaces and Config.Routes; AddInterface drops it and
// the next route builds it again.
type routeTable struct {
	connected []routeEntry
	static    []routeEntry
}

type routeEntry struct {
	p         netip.Prefix
	v4        bool   // p is a valid IPv4 prefix: net and mask apply
	net, mask uint32 // p's network and netmask, as numbers
	iface     *Interface
	via       netip.Addr // static routes: the gateway
}

func newRouteEntry(p netip.Prefix, i *Interface, via netip.Addr) routeEntry {
	e := routeEntry{p: p, iface: i, via: via}
	if p.IsValid() && p.Addr().Is4() {
		e.v4 = true
		e.mask = ^uint32(0) << (32 - p.Bits()) // a /0 shifts by 32: mask 0
		e.net = ipv4Number(p.Addr()) & e.mask
	}
	return e
}

// contains is p.Contains(dst); d4 is dst as a number when dst is IPv4.
func (e *routeEntry) contains(dst netip.Addr, d4 uint32, is4 bool) bool {
	if e.v4 && is4 {
		return d4&e.mask == e.net
	}
	return e.p.Contains(dst)
}

func ipv4Number(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// routes returns the compiled table, building it if the interfaces changed.
func (n *Node) routes() *routeTable {
	if n.rt != nil {
		return n.rt
	}
	t := &routeTable{}
	for _, i := range n.ifaces {
		for _, p := range i.addrs {
			t.connected = append(t.connected, newRouteEntry(p, i, netip.Addr{}))
		}
	}
	for _, r := range n.cfg.Routes {
		// The gateway's interface: the first whose subnet holds it; nil
		// (no route) if none does.
		var out *Interface
	find:
		for _, i := range n.ifaces {
			for _, p := range i.addrs {
				if p.Contains(r.Via) {
					out = i
					break find
				}
			}
		}
		t.static = append(t.static, newRouteEntry(r.To, out, r.Via))
	}
	n.rt = t
	return t
}

// route is a longest prefix match (Linux fib_table_lookup) over the
// connected subnets, then the static routes: it returns the outgoing
// interface and the next hop (dst itself when on link). At equal prefix
// lengths the first listed wins.
func (n *Node) route(dst netip.Addr) (*Interface, netip.Addr, error) {
	t := n.routes()
	is4 := dst.Is4()
	var d4 uint32
	if is4 {
		d4 = ipv4Number(dst)
		if m := &n.rtLast; m.rt == t && m.dst == d4 {
			return m.iface, m.next, nil
		}
	}
	i, next, err := t.lookup(dst, d4, is4)
	if err == nil && is4 {
		n.rtLast = routeMemo{rt: t, dst: d4, iface: i, next: next}
	}
	return i, next, err
}

// routeMemo is the last IPv4 lookup and its answer: a host sends to one
// gateway and a router answers a few hosts, so most lookups repeat the
// last one. It holds only while rt is the table it was looked up in (a
// rebuilt table is another pointer, and the memo keeps the old one alive,
// so the address cannot come back).
type routeMemo struct {
	rt    *routeTable
	dst   uint32
	iface *Interface
	next  netip.Addr
	// src is sourceFor's answer for dst, once asked: a function of the
	// interface's addresses, which change only with the table.
	src    netip.Addr
	hasSrc bool
}

// lookup is route's longest prefix match over the table.
func (t *routeTable) lookup(dst netip.Addr, d4 uint32, is4 bool) (*Interface, netip.Addr, error) {
	var best *routeEntry
	for k := range t.connected {
		e := &t.connected[k]
		if e.contains(dst, d4, is4) && (best == nil || e.p.Bits() > best.p.Bits()) {
			best = e
		}
	}
	if best != nil {
		return best.iface, dst, nil
	}
	for k := range t.static {
		e := &t.static[k]
		if e.contains(dst, d4, is4) && (best == nil || e.p.Bits() > best.p.Bits()) {
			best = e
		}
	}
	if best == nil || best.iface == nil {
		return nil, netip.Addr{}, errNoRoute
	}
	return best.iface, best.via, nil
}
