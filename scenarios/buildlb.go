package scenarios

import (
	"fmt"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/tcp"
)

// sourceAddrs are the extra addresses the http flows of sn need on its
// first interface (SourceAddrs beyond the interface's own), with the
// interface's prefix length.
func sourceAddrs(sn *Node) []netip.Prefix {
	if len(sn.Interfaces) == 0 || len(sn.Interfaces[0].Addresses) == 0 {
		return nil
	}
	own := sn.Interfaces[0].Addresses
	bits := own[0].Bits()
	var out []netip.Prefix
	seen := map[netip.Addr]bool{}
	for _, p := range own {
		seen[p.Addr()] = true
	}
	for _, f := range sn.Traffic {
		if f.Kind != FlowHTTP {
			continue
		}
		for _, a := range f.SourceAddrs(sn) {
			if !seen[a] {
				seen[a] = true
				out = append(out, netip.PrefixFrom(a, bits))
			}
		}
	}
	return out
}

// buildLB adds a node's load-balancing parts: lo and tunl0 addresses, its
// TCP services and HTTP clients, and its LVS director.
func (w *World) buildLB(n *node.Node, sn *Node) error {
	if len(sn.Loopback) > 0 {
		if err := n.AddLoopback(sn.Loopback); err != nil {
			return fmt.Errorf("%s: %v", sn.Pos, err)
		}
	}
	if sn.HasTunnel {
		if err := n.AddTunnel(sn.Tunnel); err != nil {
			return fmt.Errorf("%s: %v", sn.Pos, err)
		}
	}
	for _, sv := range sn.Services {
		cfg := tcp.ServiceConfig{Port: uint16(sv.Port), ResponseTime: sv.ResponseTime, ResponseSize: sv.ResponseSize}
		if err := n.AddService(cfg); err != nil {
			return fmt.Errorf("%s: %v", sv.Pos, err)
		}
	}
	for _, f := range sn.Traffic {
		if f.Kind != FlowHTTP {
			continue
		}
		cfg := tcp.ClientConfig{Name: f.Name, To: netip.AddrPortFrom(f.To, uint16(f.ToPort)), Rate: f.Rate,
			Sources: f.SourceAddrs(sn), ConnectTimeout: f.ConnectTimeout, ResponseTimeout: f.ResponseTimeout, Start: f.Start.Sub(0), Stop: f.Stop.Sub(0), Path: f.Path,
			Requests: f.RequestsPerConnection, RequestGap: f.RequestGap}
		if f.Arrival == ArrivalPoisson {
			cfg.Arrival = tcp.ArrivalPoisson
		}
		if _, err := n.AddClient(cfg); err != nil {
			return fmt.Errorf("%s: %v", f.Pos, err)
		}
	}
	if len(sn.VirtualServers) == 0 {
		return nil
	}
	var cfgs []lb.ServiceConfig
	for _, vs := range sn.VirtualServers {
		c, err := w.serviceConfig(vs)
		if err != nil {
			return err
		}
		cfgs = append(cfgs, c)
	}
	d, err := n.AddDirector(cfgs)
	if err != nil {
		return fmt.Errorf("%s: %v", sn.VirtualServers[0].Pos, err)
	}
	for _, r := range sn.FWMarks {
		mr := lb.MarkRule{Dst: r.Dst, PortLo: uint16(r.PortLo), PortHi: uint16(r.PortHi), Mark: r.Mark}
		switch r.Protocol {
		case "TCP":
			mr.Proto = lb.ProtoTCP
		case "UDP":
			mr.Proto = lb.ProtoUDP
		}
		d.AddMarkRule(mr)
	}
	return w.buildChecks(n, sn)
}

// serviceConfig maps a virtual_server block onto the director's config.
func (w *World) serviceConfig(vs *VirtualServer) (lb.ServiceConfig, error) {
	kind, err := lb.ParseKind(vs.LBKind)
	if err != nil {
		return lb.ServiceConfig{}, fmt.Errorf("%s: %v", vs.Pos, err)
	}
	c := serviceKey(vs)
	c.Sched, c.Kind, c.OPS, c.LocalAddrs = vs.LBAlgo, kind, vs.OPS, vs.LocalAddrs
	c.PersistenceTimeout, c.PersistenceGranularity = vs.PersistenceTimeout, vs.PersistenceGranularity
	for _, f := range vs.Flags {
		fl, ok := sched.ParseFlag(f)
		if !ok {
			return c, fmt.Errorf("%s: unknown scheduler flag %q", vs.Pos, f)
		}
		c.Flags |= fl
	}
	for _, rs := range vs.Reals {
		c.Reals = append(c.Reals, w.realConfig(rs))
	}
	if vs.Sorry != nil {
		r := w.realConfig(vs.Sorry)
		c.Sorry = &r
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %v", vs.Pos, err)
	}
	return c, nil
}

func (w *World) realConfig(rs *RealServer) lb.RealConfig {
	return lb.RealConfig{Name: w.sc.RealServerName(rs), Addr: rs.Addr, Weight: rs.Weight, UThreshold: rs.UThreshold, LThreshold: rs.LThreshold}
}

// lbDo carries out the load-balancing timeline actions.
func (w *World) lbDo(n *node.Node, a Action) error {
	if n == nil {
		return fmt.Errorf("%s: no node %q", a.Pos, a.Node)
	}
	switch a.Kind {
	case ActFailService, ActSlowService, ActRecoverService:
		f := tcp.Fault{Kind: tcp.FaultNone}
		switch {
		case a.Kind == ActSlowService:
			f = tcp.Fault{Kind: tcp.FaultSlow, ResponseTime: a.ResponseTime}
		case a.Kind == ActFailService && a.How == FailBlackhole:
			f.Kind = tcp.FaultBlackhole
		case a.Kind == ActFailService && a.How == FailStatus:
			f = tcp.Fault{Kind: tcp.FaultStatus, Status: a.Status}
		case a.Kind == ActFailService:
			f.Kind = tcp.FaultRefuse
		}
		return n.SetServiceFault(uint16(a.Port), f)
	}
	if a.Kind == ActMiscCheck {
		return w.miscCheckDo(n, a)
	}
	d := n.Director()
	if d == nil {
		return fmt.Errorf("%s: node %s is not a director", a.Pos, a.Node)
	}
	sn := w.nodeSpec(a.Node)
	vs := sn.virtualServer(a.VirtualServer)
	if vs == nil {
		return fmt.Errorf("%s: node %s has no virtual_server %q", a.Pos, a.Node, a.VirtualServer)
	}
	svc := w.serviceName(vs)
	real := a.RealServer
	if rs := w.sc.realServer(vs, a.RealServer); rs != nil {
		real = w.sc.RealServerName(rs)
	} else if ap, ok := parseAddrPort(a.RealServer); ok {
		real = w.sc.RealServerName(&RealServer{Addr: ap})
	}
	switch a.Kind {
	case ActSetWeight:
		return d.SetWeight(svc, real, a.Weight)
	case ActAddRealServer:
		ap, ok := parseAddrPort(a.RealServer)
		if !ok {
			return fmt.Errorf("%s: bad real_server %q", a.Pos, a.RealServer)
		}
		rc := lb.RealConfig{Name: real, Addr: ap, Weight: a.Weight}
		kind, _ := lb.ParseKind(vs.LBKind)
		if err := n.CheckReal(kind, svc, rc); err != nil {
			return err
		}
		return d.AddReal(svc, rc)
	case ActRemoveRealServer:
		return d.RemoveReal(svc, real)
	}
	return fmt.Errorf("%s: action %q not implemented", a.Pos, a.Kind)
}

// serviceName is the name the director knows a virtual server by.
func (w *World) serviceName(vs *VirtualServer) string {
	c := serviceKey(vs)
	return c.DisplayName()
}

// serviceKey is the part of a virtual server's config that names it:
// protocol (TCP unless protocol: UDP; the decoder upper-cases it), VIP,
// fwmark.
func serviceKey(vs *VirtualServer) lb.ServiceConfig {
	c := lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: vs.VIP, FWMark: vs.FWMark}
	if vs.Protocol == "UDP" {
		c.Proto = lb.ProtoUDP
	}
	return c
}

func (w *World) nodeSpec(name string) *Node {
	for _, sn := range w.sc.Nodes {
		if sn.Name == name {
			return sn
		}
	}
	return nil
}
