package scenarios

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// World is a scenario turned into segments and nodes on a kernel, ready to
// run. Build it, Start it, then run the kernel.
type World struct {
	ks       []*sim.Kernel // one per part (parts.go)
	part     Partition
	sc       *Scenario
	segments map[string]*lan.Segment
	nodes    []*node.Node
	byName   map[string]*node.Node
	blocks   map[string]int            // "segment/id" -> lan rule id
	inject   map[string]*lan.Port      // per segment: a port for frames not sent by a node
	impairs  map[string]lan.Impairment // current impairment per "segment" or "segment/node"
	enc      *wire.Encoder
	encoders *node.Encoders // shared by the nodes (node.Config.Encoders)
	block    []*node.Block  // by part: the part's nodes' memory, side by side
}

// injectorMAC is the source MAC of injected frames that name no node: a
// locally administered address no builder-derived MAC uses.
var injectorMAC = wire.MAC{0x02, 0xee, 0x00, 0x00, 0x00, 0x01}

// Build creates the scenario's segments and nodes on k. Errors name the
// scenario position of what could not be built.
func Build(sc *Scenario, k *sim.Kernel) (*World, error) {
	return build(sc, onePart(), []*sim.Kernel{k}, node.NewEncoders())
}

// build is Build with the parts' kernels and the encoders the nodes share
// (nil: each its own, which tests compare with).
func build(sc *Scenario, p Partition, ks []*sim.Kernel, shared *node.Encoders) (*World, error) {
	if len(ks) != p.Parts() {
		return nil, fmt.Errorf("%s: %d parts need %d kernels, not %d", sc.Pos, p.Parts(), p.Parts(), len(ks))
	}
	w := &World{ks: ks, part: p, sc: sc, segments: map[string]*lan.Segment{}, byName: map[string]*node.Node{},
		blocks: map[string]int{}, inject: map[string]*lan.Port{}, impairs: map[string]lan.Impairment{}, enc: wire.NewEncoder(),
		encoders: shared}
	kinds := make([][]node.Kind, p.Parts())
	for _, sn := range sc.Nodes {
		pt := p.node(sn.Name)
		kinds[pt] = append(kinds[pt], nodeKind(sn.Kind))
	}
	for _, pk := range kinds {
		w.block = append(w.block, node.NewBlock(pk))
	}
	for _, s := range sc.Segments {
		seg := lan.New(w.segKernel(s.Name), s.Name, lan.Config{Latency: s.Latency, FDBAging: s.FDBAging})
		if s.Loss > 0 || s.Jitter > 0 {
			im := lan.Impairment{Loss: s.Loss, Jitter: s.Jitter}
			seg.SetImpairment(im)
			w.impairs[s.Name] = im
		}
		w.segments[s.Name] = seg
	}
	for ni, sn := range sc.Nodes {
		n, err := w.buildNode(ni, sn)
		if err != nil {
			return nil, err
		}
		w.nodes = append(w.nodes, n)
		w.byName[sn.Name] = n
	}
	// A segment that receives injected frames from no node gets an extra
	// port, attached after the nodes so their port order is unchanged.
	for _, ev := range sc.Timeline {
		a := ev.Action
		if a.Kind == ActInject && a.From == "" && w.inject[a.Segment] == nil {
			w.inject[a.Segment] = w.segments[a.Segment].Attach("injector", "eth0", discard{})
		}
	}
	return w, nil
}

// discard is a receiver that ignores every frame.
type discard struct{}

func (discard) Receive([]byte) {}

// nodeKind is the model's kind for a scenario node's kind.
func nodeKind(k NodeKind) node.Kind {
	switch k {
	case KindRouter:
		return node.KindRouter
	case KindHost:
		return node.KindHost
	default:
		return node.KindServer
	}
}

// nodeMAC derives a stable MAC for interface ii of node ni: locally
// administered 02:00:00:00:NN:II (1-based), unless the file gives one.
func nodeMAC(ni, ii int, given [6]byte) wire.MAC {
	if given != ([6]byte{}) {
		return wire.MAC(given)
	}
	return wire.MAC{0x02, 0x00, 0x00, byte((ni + 1) >> 8), byte(ni + 1), byte(ii + 1)}
}

func (w *World) buildNode(ni int, sn *Node) (*node.Node, error) {
	cfg := node.Config{Name: sn.Name, Forwarding: sn.Forwarding, ArpAnnounce: sn.ARPAnnounce, ArpIgnore: sn.ARPIgnore,
		ClockDrift: sn.ClockDrift, TimerJitter: sn.TimerJitter, Freezable: w.sc.freezes(sn.Name)}
	if sn.ClockDriftRandom > 0 {
		// Uniform in [-N, +N] ppm from the node's own stream: adding a
		// node does not change another node's draw.
		r := w.nodeKernel(sn.Name).Stream("clock-drift/" + sn.Name)
		cfg.ClockDrift = (2*r.Float64() - 1) * sn.ClockDriftRandom
	}
	cfg.Kind = nodeKind(sn.Kind)
	for _, r := range sn.Routes {
		cfg.Routes = append(cfg.Routes, node.Route{To: r.To, Via: r.Via})
	}
	for _, ifc := range sn.Interfaces {
		if ifc.Gateway.IsValid() {
			cfg.Routes = append(cfg.Routes, node.Route{To: netip.MustParsePrefix("0.0.0.0/0"), Via: ifc.Gateway})
		}
	}
	cfg.Encoders = w.encoders
	n := w.block[w.part.node(sn.Name)].New(w.nodeKernel(sn.Name), cfg)
	acfg := arpConfig(sn.ARP)
	extra := sourceAddrs(sn)
	for ii, ifc := range sn.Interfaces {
		seg := w.segments[ifc.Segment]
		if seg == nil {
			return nil, fmt.Errorf("%s: interface %s: no segment %q", ifc.Pos, ifc.Name, ifc.Segment)
		}
		addrs := ifc.Addresses
		if ii == 0 && len(extra) > 0 {
			addrs = append(append([]netip.Prefix{}, addrs...), extra...)
		}
		i, err := n.AddInterface(ifc.Name, nodeMAC(ni, ii, ifc.MAC), addrs, seg, acfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", ifc.Pos, err)
		}
		if err := i.SetARPSysctls(ifc.ARPIgnore, ifc.ARPAnnounce); err != nil {
			return nil, fmt.Errorf("%s: %v", ifc.Pos, err)
		}
	}
	if err := w.buildLB(n, sn); err != nil {
		return nil, err
	}
	if err := w.buildProxy(n, sn); err != nil {
		return nil, err
	}
	for _, in := range sn.VRRP {
		if _, err := n.AddVRRP(vrrpConfig(in)); err != nil {
			return nil, fmt.Errorf("%s: %v", in.Pos, err)
		}
	}
	for _, g := range sn.SyncGroups {
		names := make([]string, len(g.Instances))
		for i, m := range g.Instances {
			names[i] = string(m)
		}
		if err := n.AddSyncGroup(g.Name, names); err != nil {
			return nil, fmt.Errorf("%s: %v", g.Pos, err)
		}
		if err := n.SetSyncGroupNotify(g.Name, g.Notify.vrrp()); err != nil {
			return nil, fmt.Errorf("%s: %v", g.Pos, err)
		}
	}
	if err := w.buildLBSync(n, sn); err != nil { // lbsync.go
		return nil, err
	}
	for _, f := range sn.Traffic {
		if f.Kind == FlowHTTP {
			continue // buildLB: a TCP client, not a packet flow
		}
		fc := node.FlowConfig{Name: f.Name, To: f.To, Size: f.Size, Timeout: f.Timeout,
			Start: f.Start.Sub(0), Stop: f.Stop.Sub(0), Port: uint16(f.Port)}
		if f.Kind == FlowPing {
			fc.Kind, fc.Interval = node.FlowPing, f.Interval
		} else {
			fc.Kind = node.FlowStream
			if f.Rate > 0 {
				fc.Interval = time.Duration(float64(time.Second) / f.Rate)
			}
		}
		if _, err := n.AddFlow(fc); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Pos, err)
		}
	}
	return n, nil
}

func arpConfig(a ARPConfig) arp.Config {
	c := arp.Config{
		BaseReachableTime: a.BaseReachableTime, DelayFirstProbeTime: a.DelayFirstProbeTime,
		RetransTime: a.RetransTime, GCStaleTime: a.GCStaleTime, Locktime: a.Locktime,
		UcastSolicit: a.UcastSolicit, McastSolicit: a.McastSolicit, AppSolicit: a.AppSolicit,
		ArpAccept: a.ARPAccept, FixedTimeout: a.Timeout, HZ: a.HZ,
	}
	if a.Profile == ARPProfileFixed {
		c.Profile = arp.ProfileFixed
	}
	if a.HZ == 0 {
		c.HZ = -1 // `hz: 0`: exact timers (arp.Config's zero is the default HZ)
	}
	return c
}

func vrrpConfig(in *Instance) vrrp.Config {
	c := vrrp.Config{
		Name: in.Name, Interface: in.Interface, VRID: uint8(in.VRID), Version: in.Version,
		Priority: in.Priority, AdvertInt: in.AdvertInt, NoPreempt: in.NoPreempt,
		PreemptDelay: in.PreemptDelay, UseVMAC: in.UseVMAC,
		GARPMasterDelay: garpDelay(in.GARPMasterDelay), GARPMasterRepeat: max(in.GARPMasterRepeat, 1),
		GARPMasterRefresh: in.GARPMasterRefresh, GARPMasterRefreshRepeat: in.GARPMasterRefreshRepeat,
		GARPInterval: in.GARPInterval, PrimaryIP: in.UnicastSrcIP, UnicastPeers: in.UnicastPeers,
		InitialState: vrrp.StateBackup,
	}
	if in.State == "MASTER" {
		c.InitialState = vrrp.StateMaster
	}
	for _, p := range in.VirtualIPs {
		c.VIPs = append(c.VIPs, p.Addr())
	}
	if in.Auth != nil {
		c.AuthPass = in.Auth.Pass
	}
	for _, t := range in.TrackInterfaces {
		c.TrackInterfaces = append(c.TrackInterfaces, vrrp.Track{Name: t.Name, Weight: t.Weight, HasWeight: t.Weight != 0})
	}
	for _, t := range in.TrackScripts {
		c.TrackScripts = append(c.TrackScripts, vrrp.Track{Name: t.Name, Weight: t.Weight, HasWeight: t.Weight != 0})
	}
	c.Notify = in.Notify.vrrp()
	return c
}

// garp_master_repeat 0 is raised to 1, as keepalived's parser does (the
// loader fills the default 5 when the key is absent).

// garpDelay maps garp_master_delay: the loader fills keepalived's 5 s
// default, so a 0 here was written in the file and means "no second burst".
func garpDelay(d time.Duration) time.Duration {
	if d == 0 {
		return vrrp.GARPDelayOff
	}
	return d
}

// Node returns the node called name.
func (w *World) Node(name string) (*node.Node, bool) { n, ok := w.byName[name]; return n, ok }

// Nodes returns the nodes in file order.
func (w *World) Nodes() []*node.Node { return w.nodes }

// Segment returns the segment called name.
func (w *World) Segment(name string) (*lan.Segment, bool) { s, ok := w.segments[name]; return s, ok }

// TraceDeliveries makes every segment trace the frames it delivers to each
// port (sim.KindDeliver), for captures that show who saw what.
func (w *World) TraceDeliveries() {
	for _, s := range w.sc.Segments {
		w.segments[s.Name].TraceDeliveries(true)
	}
}

// Finish closes the run's tallies: the vrrp_unknown_vrid drops that the
// segments' advert path counted without an event per advert are traced
// now, one record per interface (node.FlushAdvertDrops). Call it once the
// kernel has run to the end, before the report is read.
func (w *World) Finish() {
	for _, n := range w.nodes {
		n.FlushAdvertDrops()
	}
}

// SetAdvertPath turns the segments' advert path on (the default) or off
// (every flooded advert one event per port, as tests compare).
func (w *World) SetAdvertPath(on bool) {
	for _, s := range w.sc.Segments {
		w.segments[s.Name].SetAdvertPath(on)
	}
}

// VerifyAdvertFilters makes every segment check its ports' advert filters
// at each advert (lan.Segment.VerifyAdvertFilters); AdvertFilterErr
// returns the first one found out of date.
func (w *World) VerifyAdvertFilters() {
	for _, s := range w.sc.Segments {
		w.segments[s.Name].VerifyAdvertFilters(true)
	}
}

// AdvertFilterErr returns the first out-of-date advert filter found in
// verify mode, or nil.
func (w *World) AdvertFilterErr() error {
	for _, s := range w.sc.Segments {
		if err := w.segments[s.Name].AdvertFilterErr(); err != nil {
			return err
		}
	}
	return nil
}

// ActionTexts returns the canonical text of every timeline action, in order.
func (w *World) ActionTexts() []string {
	out := make([]string, len(w.sc.Timeline))
	for i, ev := range w.sc.Timeline {
		out[i] = ev.Action.String()
	}
	return out
}

// Start boots every node at the current virtual time (in file order) and
// schedules the timeline.
func (w *World) Start() {
	for _, n := range w.nodes {
		n.Start()
	}
	for _, ev := range w.sc.Timeline {
		ev := ev
		w.actionKernel(ev.Action).At(ev.At, func() { w.apply(ev.Action) })
	}
}

func (w *World) nodeKernel(name string) *sim.Kernel { return w.ks[w.part.node(name)] }
func (w *World) segKernel(name string) *sim.Kernel  { return w.ks[w.part.seg(name)] }

// actionKernel is the kernel of the part an action acts on (Parts puts
// everything it names in one).
func (w *World) actionKernel(a Action) *sim.Kernel {
	if a.Node == "" && a.Segment != "" {
		return w.segKernel(a.Segment)
	}
	return w.nodeKernel(a.Node)
}
