package node

import (
	"fmt"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// tosCS6 is the DSCP keepalived sets on adverts (IPTOS_PREC_INTERNETCONTROL,
// as in the captured frames).
const tosCS6 = 0xc0

// receiveVRRP hands an advertisement to the instance with its VRID on the
// interface it arrived on.
func (n *Node) receiveVRRP(i *Interface, f *wire.Frame) {
	if !n.daemonUp || n.reloading {
		return // a reloading keepalived has closed its sockets
	}
	for _, in := range n.insts {
		if in.iface == i && in.cfg.VRID == f.VRRP.VRID {
			adv := f.VRRP
			in.sp.HandleAdvertisement(f.IP.Src, f.IP.Dst, f.IP.TTL, &adv)
			return
		}
	}
	if n.cfg.Kind == KindRouter && len(n.insts) > 0 {
		n.drop(i.name, "vrrp_unknown_vrid")
	}
}

// AdvertFilter is what receiveVRRP does with an advert arriving on i now,
// for the segment's advert path (lan.AdvertFilterer): nothing while the
// node, its link or its daemon is down or reloading; every advert while
// frozen (receive counts each as a "frozen" drop); else the instances'
// VRIDs, and a router with instances counts the others as
// vrrp_unknown_vrid.
func (i *Interface) AdvertFilter() lan.AdvertFilter {
	n := i.node
	var f lan.AdvertFilter
	switch {
	case !n.up || !i.linkUp:
		return f
	case n.frozen:
		f.All = true
		return f
	case !n.daemonUp || n.reloading:
		return f
	}
	for _, in := range n.insts {
		if in.iface == i {
			f.Want(in.cfg.VRID)
		}
	}
	f.Count = n.cfg.Kind == KindRouter && len(n.insts) > 0
	return f
}

// advertFiltersChanged installs every interface's advert filter again.
// It follows each change of what AdvertFilter reads: up, linkUp, frozen,
// daemonUp, reloading and the instances (a test runs every built-in with
// the segment verifying the filters at each advert).
func (n *Node) advertFiltersChanged() {
	for _, i := range n.ifaces {
		i.port.SetAdvertFilter(i.AdvertFilter())
	}
}

// FlushAdvertDrops traces the vrrp_unknown_vrid drops the advert path
// counted on each interface since the last flush, as one KindDrop record
// whose Value is their number. The world calls it at the end of a run.
func (n *Node) FlushAdvertDrops() {
	for _, i := range n.ifaces {
		d := i.port.AdvertDrops()
		if d == i.advertDropsTraced {
			continue
		}
		n.trace(sim.Record{Kind: sim.KindDrop, Comp: i.name, Reason: "vrrp_unknown_vrid", Value: int64(d - i.advertDropsTraced)})
		i.advertDropsTraced = d
	}
}

// SetSyncGroupNotify sets the notify commands of a vrrp_sync_group added
// with AddSyncGroup (traced when fired, never run).
func (n *Node) SetSyncGroupNotify(name string, nt vrrp.Notify) error {
	for _, g := range n.groups {
		if g.Name() == name {
			g.SetNotify(nt)
			return nil
		}
	}
	return fmt.Errorf("node %s: no sync group %q", n.cfg.Name, name)
}

// vrrpEnv connects one VRRP speaker to its node and interface.
type vrrpEnv struct {
	n  *Node
	in *instance
}

func (e *vrrpEnv) Now() sim.Time                 { return e.n.clock.now() }
func (e *vrrpEnv) NewTimer(fn func()) vrrp.Timer { return e.n.newTimer(fn) }
func (e *vrrpEnv) Trace(r sim.Record)            { e.n.trace(r) }

// srcMAC is the Ethernet source of adverts and GARPs: the virtual MAC with
// use_vmac (RFC 3768 section 7.3), else the interface's own MAC.
func (e *vrrpEnv) srcMAC() wire.MAC {
	if e.in.cfg.UseVMAC {
		return wire.VirtualMAC(e.in.cfg.VRID)
	}
	return e.in.iface.mac
}

// SendAdvert sends an advertisement with IP TTL 255 and protocol 112
// (RFC 3768 section 5.2), to the VRRP group or a unicast peer.
func (e *vrrpEnv) SendAdvert(src, dst netip.Addr, adv *wire.VRRP) {
	n, i := e.n, e.in.iface
	if !n.up || !i.linkUp {
		return
	}
	hdr := wire.IPv4Header{TOS: tosCS6, ID: n.nextID(), TTL: 255, Protocol: wire.ProtoVRRP, Src: src, Dst: dst}
	pkt, err := n.shared.IP.VRRPPacket(hdr, adv, wire.EncodeOptions{})
	if err != nil {
		n.drop(i.name, "encode")
		return
	}
	if dst.IsMulticast() {
		i.port.Send(n.shared.Frame.Ethernet(wire.MulticastMAC(dst), e.srcMAC(), wire.EtherTypeIPv4, pkt))
		return
	}
	n.setARPSource(dst, src)
	i.cache.Output(dst, pkt) // unicast_peer: resolved like any neighbour
}

// SendGARP broadcasts a gratuitous ARP request for vip, as keepalived does
// (sender = target = vip, target MAC ff:ff:ff:ff:ff:ff).
func (e *vrrpEnv) SendGARP(vip netip.Addr) {
	n, i := e.n, e.in.iface
	if !n.up || !i.linkUp {
		return
	}
	mac := e.srcMAC()
	a := wire.ARP{Op: wire.ARPRequest, SenderMAC: mac, SenderIP: vip, TargetMAC: wire.Broadcast, TargetIP: vip}
	frame, err := n.shared.Frame.ARPFrame(wire.Broadcast, mac, a)
	if err != nil {
		n.drop(i.name, "encode")
		return
	}
	i.port.Send(frame)
}

// SetMaster adds or removes the virtual IPs (and the virtual MAC) on the
// interface, as keepalived adds the VIPs to the interface on becoming
// master.
func (e *vrrpEnv) SetMaster(master bool) {
	i, cfg := e.in.iface, e.in.cfg
	vm := wire.VirtualMAC(cfg.VRID)
	owned := false
	for _, v := range cfg.VIPs {
		owned = i.vips.has(v)
		if owned {
			break
		}
	}
	if master == owned {
		return
	}
	for _, v := range cfg.VIPs {
		if master {
			i.vips.set(v, e.srcMAC())
		} else {
			i.vips.del(v)
		}
	}
	if cfg.UseVMAC {
		if master {
			i.vmacs[vm]++
		} else if i.vmacs[vm]--; i.vmacs[vm] <= 0 {
			delete(i.vmacs, vm)
		}
	}
	e.n.syncFollow(cfg.Name, master) // lvs_sync_daemon (lbsync.go)
}
