package scenarios

import (
	"fmt"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// apply carries out one timeline action at the current virtual time. The
// loader has validated every reference, so a failure here is a bug in a
// model; it is traced, not fatal.
func (w *World) apply(a Action) {
	w.actionKernel(a).Trace(sim.Record{Kind: sim.KindAction, Event: a.String(), Comp: string(a.Kind), Node: a.Node, Reason: a.Detail()})
	if err := w.do(a); err != nil {
		w.actionKernel(a).Trace(sim.Record{Kind: sim.KindDrop, Node: a.Node, Comp: "timeline", Reason: "action_failed: " + err.Error()})
	}
}

func (w *World) do(a Action) error {
	n := w.byName[a.Node]
	needNode := func() error {
		if n == nil {
			return fmt.Errorf("%s: no node %q", a.Pos, a.Node)
		}
		return nil
	}
	seg := w.segments[a.Segment]
	switch a.Kind {
	case ActCrash, ActRestart, ActStop, ActStart, ActKill, ActLinkDown, ActLinkUp,
		ActSetPriority, ActFailScript, ActRecoverScript, ActFailInterface, ActRecoverInterface,
		ActReload, ActFreeze:
		if err := needNode(); err != nil {
			return err
		}
	case ActPortDown, ActPortUp, ActPartition, ActHeal, ActImpair, ActBlock, ActUnblock, ActInject:
		if seg == nil {
			return fmt.Errorf("%s: no segment %q", a.Pos, a.Segment)
		}
	}
	switch a.Kind {
	case ActCrash:
		n.Crash()
	case ActRestart:
		n.Restart()
	case ActStop:
		n.StopDaemon()
	case ActKill:
		n.KillDaemon()
	case ActStart:
		n.StartDaemon()
	case ActLinkDown:
		return n.SetLink(a.Interface, false)
	case ActLinkUp:
		return n.SetLink(a.Interface, true)
	case ActFailInterface:
		return n.SetTrackedInterface(a.Interface, false)
	case ActRecoverInterface:
		return n.SetTrackedInterface(a.Interface, true)
	case ActFailScript:
		n.SetScript(a.Script, false)
	case ActRecoverScript:
		n.SetScript(a.Script, true)
	case ActSetPriority:
		return n.SetPriority(a.Instance, a.Priority)
	case ActPortDown, ActPortUp:
		p, err := w.port(a.Segment, a.Node)
		if err != nil {
			return err
		}
		p.SetLink(a.Kind == ActPortUp)
	case ActPartition:
		return seg.Partition(a.Groups)
	case ActHeal:
		seg.Heal()
	case ActImpair:
		return w.impair(seg, a)
	case ActBlock:
		cls, err := lan.ParseClass(a.Class)
		if err != nil {
			return err
		}
		id := seg.Block(lan.Rule{Class: cls, From: a.From, To: a.To})
		if a.ID != "" {
			w.blocks[a.Segment+"/"+a.ID] = id
		}
	case ActUnblock:
		id, ok := w.blocks[a.Segment+"/"+a.ID]
		if !ok || !seg.Unblock(id) {
			return fmt.Errorf("%s: no active block %q on %s", a.Pos, a.ID, a.Segment)
		}
		delete(w.blocks, a.Segment+"/"+a.ID)
	case ActInject:
		return w.injectFrame(a)
	case ActReload:
		return w.doReload(n, a)
	case ActFreeze:
		return w.doFreeze(n, a)
	case ActFailService, ActSlowService, ActRecoverService, ActSetWeight, ActAddRealServer, ActRemoveRealServer, ActMiscCheck:
		return w.lbDo(n, a)
	case ActStopProxy, ActStartProxy:
		return w.proxyDo(n, a)
	default:
		return fmt.Errorf("%s: action %q not implemented", a.Pos, a.Kind)
	}
	return nil
}

// port finds the switch port of a node's interface on a segment.
func (w *World) port(segment, nodeName string) (*lan.Port, error) {
	n := w.byName[nodeName]
	if n == nil {
		return nil, fmt.Errorf("no node %q", nodeName)
	}
	for _, i := range n.Interfaces() {
		if i.Segment() == segment {
			return i.Port(), nil
		}
	}
	return nil, fmt.Errorf("node %s has no interface on segment %s", nodeName, segment)
}

func (w *World) impair(seg *lan.Segment, a Action) error {
	key := a.Segment
	var p *lan.Port
	if a.Node != "" {
		var err error
		if p, err = w.port(a.Segment, a.Node); err != nil {
			return err
		}
		key += "/" + a.Node
	}
	im := w.impairs[key] // only the values the action names change
	if a.Loss != nil {
		im.Loss = *a.Loss
	}
	if a.Latency != nil {
		im.Latency = *a.Latency
	}
	if a.Jitter != nil {
		im.Jitter = *a.Jitter
	}
	w.impairs[key] = im
	if p != nil {
		p.SetImpairment(im)
	} else {
		seg.SetImpairment(im)
	}
	return nil
}

// injectFrame puts a crafted frame on a segment, from a node's port or
// from the segment's injector port.
func (w *World) injectFrame(a Action) error {
	var port *lan.Port
	src := injectorMAC
	if a.From != "" {
		p, err := w.port(a.Segment, a.From)
		if err != nil {
			return err
		}
		port = p
		n := w.byName[a.From]
		for _, i := range n.Interfaces() {
			if i.Port() == p {
				src = i.MAC()
			}
		}
	} else {
		port = w.inject[a.Segment]
	}
	frame, err := w.craft(a.Frame, src)
	if err != nil {
		return fmt.Errorf("%s: %v", a.Pos, err)
	}
	port.Send(frame)
	return nil
}

// craft encodes an injected frame. Unset VRRP fields take the values a
// correct speaker would send.
func (w *World) craft(f *Frame, src wire.MAC) ([]byte, error) {
	switch f.Kind {
	case FrameRaw:
		return f.Raw, nil
	case FrameARP:
		a := f.ARP
		op := wire.ARPRequest
		if a.Op == "reply" {
			op = wire.ARPReply
		}
		dst := wire.Broadcast
		if op == wire.ARPReply && a.TargetMAC != ([6]byte{}) {
			dst = wire.MAC(a.TargetMAC)
		}
		smac := wire.MAC(a.SenderMAC)
		if smac.IsZero() {
			smac = src
		}
		return w.enc.ARPFrame(dst, smac, wire.ARP{Op: op, SenderMAC: smac, SenderIP: a.SenderIP, TargetMAC: wire.MAC(a.TargetMAC), TargetIP: a.TargetIP})
	case FrameVRRP:
		v := f.VRRP
		version := v.Version
		if version == 0 {
			version = 2
		}
		interval := v.AdvertInt
		if interval == 0 {
			interval = time.Second
		}
		ai, err := wire.VRRPAdverInt(uint8(version), interval)
		if err != nil {
			return nil, err
		}
		adv := wire.VRRP{Version: uint8(version), Type: wire.VRRPAdvertisement, VRID: uint8(v.VRID),
			Priority: uint8(v.Priority), AdverInt: ai, Addrs: v.Addrs}
		if v.AuthPass != "" {
			adv.AuthType = 1
			copy(adv.AuthData[:], v.AuthPass)
		}
		opt := wire.EncodeOptions{}
		if v.Checksum != nil {
			adv.Checksum, opt.KeepChecksum = *v.Checksum, true
		}
		ttl := v.TTL
		if ttl == 0 {
			ttl = 255
		}
		hdr := wire.IPv4Header{TOS: 0xc0, ID: 1, TTL: uint8(ttl), Protocol: wire.ProtoVRRP, Src: v.Src, Dst: wire.VRRPGroup}
		pkt, err := w.enc.VRRPPacket(hdr, &adv, opt)
		if err != nil {
			return nil, err
		}
		out := append([]byte(nil), pkt...)
		return append([]byte(nil), wire.NewEncoder().Ethernet(wire.MulticastMAC(wire.VRRPGroup), src, wire.EtherTypeIPv4, out)...), nil
	}
	return nil, fmt.Errorf("unknown frame kind %q", f.Kind)
}
