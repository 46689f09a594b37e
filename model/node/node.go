// Package node models the machines on the simulated LAN: routers (which run
// VRRP speakers and forward IPv4), hosts (with a default gateway and traffic
// sources) and servers (which answer echo traffic). A node glues the
// protocol speakers (vrrp, arp) to the wire (lan ports, real frames).
package node

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Kind is what a node is.
type Kind uint8

// Node kinds.
const (
	KindRouter Kind = iota + 1
	KindHost
	KindServer
)

func (k Kind) String() string {
	switch k {
	case KindRouter:
		return "router"
	case KindHost:
		return "host"
	case KindServer:
		return "server"
	}
	return "?"
}

// Route is a static route: packets for To go to the neighbour Via.
type Route struct {
	To  netip.Prefix
	Via netip.Addr
}

// Config describes a node.
type Config struct {
	Name       string
	Kind       Kind
	Routes     []Route
	Forwarding bool // routers forward IPv4 between interfaces
	// ArpAnnounce is net.ipv4.conf.all.arp_announce (0, 1 or 2): which
	// source address the node's own ARP requests carry. An interface's
	// own value counts where it is higher (IN_DEV_ARP_ANNOUNCE is the max).
	ArpAnnounce int
	// ArpIgnore is net.ipv4.conf.all.arp_ignore (0, 1, 2 or 8): which
	// requests for a local address the node answers (arp_ignore()).
	ArpIgnore int
	// ClockDrift is the node's clock error in parts per million (positive:
	// runs fast). The node's daemons read local time
	// v*(1+ClockDrift/1e6) and arm their timers in it, so every protocol
	// timer takes 1/(1+ClockDrift/1e6) of its span in true time
	// (clock.go). Values below -900000 ppm count as -900000.
	ClockDrift float64
	// TimerJitter adds a uniform 0..TimerJitter delay to each timer.
	TimerJitter time.Duration
	// Freezable lets the node be paused (freeze.go); its daemon timers
	// then go through a wrapper, so only nodes that may freeze set it.
	Freezable bool
	// Encoders, if set, are shared with the other nodes of the kernel
	// (nil: the node's own). Sharing is safe because a node copies what
	// it encodes onto the wire (lan.Port.Send) or into a queue before
	// any other node runs; it keeps the buffers in cache on a LAN of
	// thousands of nodes, where each node's own were a miss per packet.
	Encoders *Encoders
}

// Encoders are the buffers a node encodes IP packets into and frames
// them with; Frame never aliases IP's output.
type Encoders struct {
	IP, Frame *wire.Encoder
	// ping is the echo request payload of every ping flow: ping(8)'s
	// pattern starts after the timestamp, and any fixed bytes will do.
	// Never written, so one copy serves; on a LAN of thousands of hosts
	// the octets every ping copies stay in cache.
	ping []byte
}

// pingData returns size octets of the shared ping payload (read only).
func (e *Encoders) pingData(size int) []byte {
	if len(e.ping) < size {
		e.ping = fillPattern(size)
	}
	return e.ping[:size]
}

// NewEncoders returns a pair of encoders for nodes to share (Config).
func NewEncoders() *Encoders {
	return &Encoders{IP: wire.NewEncoder(), Frame: wire.NewEncoder()}
}

// Node is one machine.
//
// The fields every packet reads come first, then the first interface (and
// in it its addresses and neighbour cache), so that they share a few
// adjacent cache lines: on a 1000-group LAN the nodes' state is far larger
// than a core's L2, and a packet to a node waits on each separate line it
// touches (docs/performance.md). Where the nodes lie matters as much: a
// world's nodes are side by side in one Block; allocated one by one, the
// 1000-group LAN ran 17-35% slower depending on Go's size class for a
// Node ("Fifth pass").
type Node struct {
	k    *sim.Kernel
	name string // cfg.Name, here: every trace record names the node

	up        bool // false after a crash, until restart
	daemonUp  bool // the VRRP daemon runs
	frozen    bool // paused (freeze.go)
	reloading bool // keepalived reloading: VRRP suspended (freeze.go)
	ipID      uint16

	ifaces []*Interface
	flows  []*Flow

	rt       *routeTable  // route.go: compiled routes, nil until used
	rtLast   routeMemo    // route.go: the last IPv4 lookup
	shared   *Encoders    // IP packets and their framing, shared or the node's own
	syncd    *syncDaemon  // keepalived's lvs_sync_daemon (lbsync.go), nil if none
	director *lb.Director // the LVS director (director.go), nil if none
	tcp      *tcp.Stack   // TCP services and clients (tcp.go), nil until used

	// lo and tunl hold the addresses of the loopback and IPIP tunnel
	// devices (loopback.go): local, but on no segment.
	lo, tunl []netip.Prefix

	// arpSrcLast is the last pair setARPSource wrote: a flow sends to one
	// neighbour from one source, so most writes would store what is there.
	arpSrcLast struct {
		next uint32
		src  netip.Addr
	}

	clock clock // the node's own clock (drift, jitter): neighbour timestamps

	// ifaceMem is ifaces' array while the node has one interface, and
	// iface0 that interface, in the node's own memory: a packet's
	// delivery then finds node and interface together.
	ifaceMem [1]*Interface
	iface0   Interface

	insts   []*instance
	groups  []*vrrp.SyncGroup
	expired []*freezeTimer // timers that expired while frozen, in order
	own     *ownDecode     // the node's own decoder, made on first use

	// arpSrc remembers the source address of the packet that triggered
	// resolution of a neighbour, for arp_announce 0 (Linux arp_solicit
	// uses the queued packet's source if it is local).
	// Keyed by the IPv4 neighbour as a number (setARPSource): it is
	// written for every packet sent, and hashing a netip.Addr costs more.
	arpSrc map[uint32]netip.Addr

	checks []*checkEnv // keepalived's health checkers (check.go)

	// cfg comes last: packets read only its name, which is with the hot
	// fields, and its 104 bytes between them cost 12% on a large LAN.
	cfg Config
}

// ownDecode is a node's own decoder and what it decodes into: a node whose
// frames come decoded by its segment (lan.DecodedReceiver) never needs
// one, and the two decoded frames would add 520 bytes to every node.
type ownDecode struct {
	dec   *wire.Decoder
	frame wire.Frame // a frame decoded by the node's own decoder
	inner wire.Frame // an IPIP packet's inner packet, decoded
}

// instance is a VRRP speaker and the interface it runs on.
type instance struct {
	sp    *vrrp.Speaker
	iface *Interface
	cfg   vrrp.Config
}

// New returns a node with no interfaces; it is up but nothing runs until
// Start.
func New(k *sim.Kernel, cfg Config) *Node {
	n := new(Node)
	n.init(k, cfg)
	return n
}

// init makes n, a zero Node, a new node (New).
func (n *Node) init(k *sim.Kernel, cfg Config) {
	e := cfg.Encoders
	if e == nil {
		e = NewEncoders()
	}
	*n = Node{
		k: k, name: cfg.Name, cfg: cfg, up: true,
		shared: e,
		arpSrc: make(map[uint32]netip.Addr),
		clock:  newClock(k, cfg),
	}
}

// Block is memory for the nodes of one world, allocated at once: its New
// places the nodes side by side in the order they are made, those of each
// kind together, and once a kind's room is used up allocates them one by
// one as New does. On a LAN too large for a core's L2, nodes in one array
// ran the 1000-group LAN 17-25% faster than nodes each allocated alone,
// and grouping them by kind a further 3-6%: the hosts' pings touch all
// hosts, then all masters, so each wave walks one dense run of memory
// (docs/performance.md, "Fifth pass"). A block lives as long as any of
// its nodes.
type Block struct {
	free map[Kind][]Node
}

// NewBlock returns a block with room for nodes of the given kinds, one
// per entry, in any order.
func NewBlock(kinds []Kind) *Block {
	count := map[Kind]int{}
	for _, k := range kinds {
		count[k]++
	}
	all := make([]Node, len(kinds))
	b := &Block{free: make(map[Kind][]Node, len(count))}
	for _, k := range slices.Sorted(maps.Keys(count)) {
		b.free[k], all = all[:count[k]:count[k]], all[count[k]:]
	}
	return b
}

// New is New in the block's next free place for cfg.Kind.
func (b *Block) New(k *sim.Kernel, cfg Config) *Node {
	free := b.free[cfg.Kind]
	if len(free) == 0 {
		return New(k, cfg)
	}
	n := &free[0]
	b.free[cfg.Kind] = free[1:]
	n.init(k, cfg)
	return n
}

// decoder returns the node's own decoder, made on first use: frames from a
// segment come decoded (lan.DecodedReceiver), so most nodes never need one
// (a gopacket parser is 1.7 KB and a dozen allocations, per node of every
// sweep run).
func (n *Node) decoder() *ownDecode {
	if n.own == nil {
		n.own = &ownDecode{dec: wire.NewDecoder()}
	}
	return n.own
}

// Name returns the node's name.
func (n *Node) Name() string { return n.cfg.Name }

// Kind returns the node's kind.
func (n *Node) Kind() Kind { return n.cfg.Kind }

// Up reports whether the node runs (not crashed).
func (n *Node) Up() bool { return n.up }

// Interfaces returns the node's interfaces in the order they were added.
func (n *Node) Interfaces() []*Interface { return n.ifaces }

// Interface returns the interface called name.
func (n *Node) Interface(name string) (*Interface, bool) {
	for _, i := range n.ifaces {
		if i.name == name {
			return i, true
		}
	}
	return nil, false
}

// Speaker returns the VRRP speaker of the instance called name.
func (n *Node) Speaker(name string) (*vrrp.Speaker, bool) {
	for _, in := range n.insts {
		if in.sp.Name() == name {
			return in.sp, true
		}
	}
	return nil, false
}

// Speakers returns every VRRP speaker of the node in configuration order.
func (n *Node) Speakers() []*vrrp.Speaker {
	out := make([]*vrrp.Speaker, len(n.insts))
	for i, in := range n.insts {
		out[i] = in.sp
	}
	return out
}

// Flows returns the node's traffic sources.
func (n *Node) Flows() []*Flow { return n.flows }

func (n *Node) trace(r sim.Record) {
	if !n.k.Tracing() {
		return
	}
	r.Node = n.name
	n.k.Trace(r)
}

func (n *Node) drop(comp, reason string) {
	n.trace(sim.Record{Kind: sim.KindDrop, Comp: comp, Reason: reason})
}

func (n *Node) note(comp, event, reason string) {
	n.trace(sim.Record{Kind: sim.KindNote, Comp: comp, Event: event, Reason: reason})
}

// AddInterface creates an interface attached to seg.
func (n *Node) AddInterface(name string, mac wire.MAC, addrs []netip.Prefix, seg *lan.Segment, arpCfg arp.Config) (*Interface, error) {
	if _, dup := n.Interface(name); dup {
		return nil, fmt.Errorf("node %s: duplicate interface %s", n.cfg.Name, name)
	}
	if err := arpCfg.Validate(); err != nil {
		return nil, fmt.Errorf("node %s interface %s: %w", n.cfg.Name, name, err)
	}
	i := new(Interface)
	if len(n.ifaces) == 0 {
		i = &n.iface0
		n.ifaces = n.ifaceMem[:0]
	}
	*i = Interface{node: n, name: name, mac: mac, linkUp: true, seg: seg.Name(),
		vmacs: make(map[wire.MAC]int)}
	i.addrs = append(i.addrMem[:0:len(i.addrMem)], addrs...)
	i.arpEnv = arpEnv{i: i, rnd: n.k.Stream("arp/" + n.cfg.Name + "/" + name)}
	arp.Init(&i.cache, arpCfg.WithDefaults(), &i.arpEnv)
	seg.AttachPort(&i.port, n.cfg.Name, name, i)
	i.port.SetAdvertFilter(i.AdvertFilter())
	n.ifaces = append(n.ifaces, i)
	n.rt = nil // route.go: rebuilt with the new subnets
	return i, nil
}

// AddVRRP adds a VRRP instance on the named interface.
func (n *Node) AddVRRP(cfg vrrp.Config) (*vrrp.Speaker, error) {
	i, ok := n.Interface(cfg.Interface)
	if !ok {
		return nil, fmt.Errorf("node %s: vrrp instance %s: no interface %q", n.cfg.Name, cfg.Name, cfg.Interface)
	}
	if !cfg.PrimaryIP.IsValid() {
		p, ok := i.Primary()
		if !ok {
			return nil, fmt.Errorf("node %s: vrrp instance %s: interface %s has no IPv4 address", n.cfg.Name, cfg.Name, i.name)
		}
		cfg.PrimaryIP = p.Addr()
	}
	in := &instance{iface: i, cfg: cfg}
	sp, err := vrrp.New(cfg, &vrrpEnv{in: in, n: n})
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.cfg.Name, err)
	}
	in.sp = sp
	in.cfg = sp.Config()
	n.insts = append(n.insts, in)
	n.advertFiltersChanged()
	return sp, nil
}

// AddSyncGroup makes the named instances fail over together.
func (n *Node) AddSyncGroup(name string, members []string) error {
	var sps []*vrrp.Speaker
	for _, m := range members {
		sp, ok := n.Speaker(m)
		if !ok {
			return fmt.Errorf("node %s: sync group %s: no vrrp instance %q", n.cfg.Name, name, m)
		}
		sps = append(sps, sp)
	}
	n.groups = append(n.groups, vrrp.NewSyncGroup(name, sps...))
	return nil
}

// Start brings the node up at the current time: announces its interfaces
// in the trace, starts the VRRP daemon and the traffic sources.
func (n *Node) Start() {
	for _, i := range n.ifaces {
		p, _ := i.Primary()
		n.trace(sim.Record{Kind: sim.KindNote, Comp: i.name, Event: "iface", MAC: i.mac, Addr: p.Addr()})
	}
	n.up = true
	n.startDaemon()
	for _, f := range n.flows {
		f.start()
	}
	n.startTCP()
	n.startChecks()
}

func (n *Node) startDaemon() {
	n.daemonUp = true
	n.advertFiltersChanged()
	n.syncStart() // lvs_sync_daemon (lbsync.go)
	// vrrp_init_state notifies the groups in BACKUP or FAULT first.
	for _, g := range n.groups {
		g.NotifyStart()
	}
	for _, in := range n.insts {
		in.sp.Start()
	}
}

// Crash stops the node at once: no goodbye, nothing sent, all state lost.
func (n *Node) Crash() {
	if !n.up {
		return
	}
	n.up = false
	n.daemonUp = false
	n.frozen, n.expired, n.reloading = false, nil, false
	n.advertFiltersChanged()
	for _, in := range n.insts {
		in.sp.Halt()
	}
	for _, i := range n.ifaces {
		i.cache.Flush()
		i.vips.clear()
		clear(i.vmacs)
	}
	for _, f := range n.flows {
		f.stop()
	}
	n.crashTCP()
	n.stopChecks()
	clear(n.arpSrc)
	n.arpSrcLast.src = netip.Addr{} // no write is known to be there
	if n.director != nil {
		n.director.Flush() // a crashed director loses its connection table
	}
	n.note("", "crash", "")
}

// Restart boots a crashed node: the daemon starts again from its initial
// state, with empty caches.
func (n *Node) Restart() {
	if n.up {
		n.Crash()
	}
	n.note("", "restart", "")
	n.up = true
	n.startDaemon()
	for _, f := range n.flows {
		f.start()
	}
	n.startTCP()
	n.startChecks()
}

// StopDaemon stops the VRRP daemon gracefully (SIGTERM): masters send a
// priority-0 advertisement (RFC 3768 section 6.4.3). The node keeps
// forwarding.
func (n *Node) StopDaemon() {
	if !n.up || !n.daemonUp {
		return
	}
	n.daemonUp = false
	// A reload in progress ends with the daemon (freeze.go).
	n.reloading = false
	n.advertFiltersChanged()
	n.syncStop() // lvs_sync_daemon (lbsync.go)
	for _, in := range n.insts {
		in.sp.Shutdown()
	}
	// notify_shutdown: every instance's STOP notifies, then the groups'.
	for _, in := range n.insts {
		in.sp.NotifyStop()
	}
	for _, g := range n.groups {
		g.NotifyStop()
	}
}

// KillDaemon kills keepalived with SIGKILL (kill -9): no priority-0
// advert and no clean-up, so the VIPs (and VMACs) it had added stay on the
// interfaces. The kernel keeps answering ARP for them and receiving their
// traffic while no advert leaves: the backup takes over after
// Master_Down_Interval and both answer for the VIP (issue 13).
func (n *Node) KillDaemon() {
	if !n.up || !n.daemonUp {
		return
	}
	n.daemonUp = false
	n.reloading = false
	n.advertFiltersChanged()
	type kept struct {
		vips  []HeldVIP
		vmacs map[wire.MAC]int
	}
	saved := make([]kept, len(n.ifaces))
	for k, i := range n.ifaces {
		saved[k] = kept{i.vips.all(), maps.Clone(i.vmacs)}
	}
	for _, in := range n.insts {
		in.sp.Halt() // the speaker's state is gone with the process
	}
	for k, i := range n.ifaces {
		for _, v := range saved[k].vips {
			i.vips.set(v.IP, v.MAC)
		}
		maps.Copy(i.vmacs, saved[k].vmacs)
	}
	n.note("", "kill", "")
}

// StartDaemon starts the VRRP daemon again. keepalived removes the
// addresses of its instances left on the interfaces by an earlier run
// (vrrp_restore_interfaces_startup) before it starts them, so VIPs left by
// a kill -9 go away here.
func (n *Node) StartDaemon() {
	if !n.up || n.daemonUp {
		return
	}
	for _, in := range n.insts {
		for _, v := range in.cfg.VIPs {
			in.iface.vips.del(v)
		}
		if in.cfg.UseVMAC {
			delete(in.iface.vmacs, wire.VirtualMAC(in.cfg.VRID))
		}
	}
	n.startDaemon()
}

// SetLink brings an interface's link (carrier) down or up. VRRP instances
// learn of it like keepalived does from netlink.
func (n *Node) SetLink(iface string, up bool) error {
	i, ok := n.Interface(iface)
	if !ok {
		return fmt.Errorf("node %s has no interface %q", n.cfg.Name, iface)
	}
	i.linkUp = up
	i.port.SetLink(up)
	n.advertFiltersChanged()
	if !up {
		i.cache.Flush()
	}
	n.setTrackedInterface(iface, up)
	return nil
}

// SetTrackedInterface tells the VRRP daemon an interface failed or
// recovered without touching the link (tracking only).
func (n *Node) SetTrackedInterface(iface string, up bool) error {
	if _, ok := n.Interface(iface); !ok {
		return fmt.Errorf("node %s has no interface %q", n.cfg.Name, iface)
	}
	n.setTrackedInterface(iface, up)
	return nil
}

func (n *Node) setTrackedInterface(iface string, up bool) {
	for _, in := range n.insts {
		in.sp.SetInterfaceUp(iface, up)
	}
}

// SetScript sets the result of a tracked vrrp_script.
func (n *Node) SetScript(name string, ok bool) {
	for _, in := range n.insts {
		in.sp.SetScriptOK(name, ok)
	}
}

// SetPriority changes the configured priority of an instance.
func (n *Node) SetPriority(instance string, p int) error {
	sp, ok := n.Speaker(instance)
	if !ok {
		return fmt.Errorf("node %s has no vrrp instance %q", n.cfg.Name, instance)
	}
	sp.SetBasePriority(p)
	return nil
}

// nextID returns the next IPv4 identification. Linux picks IDs per
// destination; any value is valid for unfragmented packets (RFC 6864).
func (n *Node) nextID() uint16 {
	n.ipID++
	return n.ipID
}

// errNoRoute is returned when no route covers a destination.
var errNoRoute = errors.New("no route to host")

// isLocal reports whether addr is one of the node's addresses, or a virtual
// IP it currently owns as VRRP master.
func (n *Node) isLocal(addr netip.Addr) bool {
	for _, i := range n.ifaces {
		if i.hasAddr(addr) {
			return true
		}
	}
	return n.onLoopback(addr) || n.onTunnel(addr)
}

// sendIP routes an encoded IPv4 packet whose destination is dst.
func (n *Node) sendIP(src, dst netip.Addr, pkt []byte) {
	i, next, err := n.route(dst)
	if err != nil {
		n.drop("ip", "no_route")
		return
	}
	if !i.linkUp {
		n.drop(i.name, "link_down")
		return
	}
	n.setARPSource(next, src)
	i.cache.Output(next, pkt)
}

// sourceFor picks the source address for a packet to dst, as Linux does
// without a bound source: the outgoing interface's address on the subnet
// of the next hop (the connected route's preferred source, or
// inet_select_addr towards the gateway), else its primary address.
func (n *Node) sourceFor(dst netip.Addr) (netip.Addr, bool) {
	i, next, err := n.route(dst)
	if err != nil {
		return netip.Addr{}, false
	}
	// An IPv4 lookup that succeeded is the memo's (route).
	m := &n.rtLast
	if dst.Is4() && m.hasSrc {
		return m.src, true
	}
	src, ok := i.addrFor(next)
	if dst.Is4() && ok {
		m.src, m.hasSrc = src, true
	}
	return src, ok
}

// durationOr returns d, or def when d is zero.
func durationOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
