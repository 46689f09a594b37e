// Package scenarios defines the vrrpsim scenario file: its schema, a strict
// YAML loader whose every error names FILE:LINE:COL and what would be valid,
// semantic validation, and the embedded library of built-in scenarios.
//
// The package is pure data: it never imports the models. Turning a
// *Scenario into a running world is build.go's job.
package scenarios

import (
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Scenario is one parsed and validated scenario file. Every list keeps the
// order of the file, so building the world from it is deterministic.
type Scenario struct {
	Pos         Pos
	Name        string
	Description string
	Duration    time.Duration // default DefaultDuration
	Seed        uint64        // default DefaultSeed
	Segments    []*Segment
	Scripts     []*Script
	Nodes       []*Node
	Timeline    []*Event
	Expect      []*Expectation
	// Warnings are things the run will do that the author may not expect
	// (a DR real server without the VIP on lo...); the file still loads.
	Warnings []Warning

	// The source and overrides it was loaded from, so Set can re-load.
	file      string
	data      []byte
	overrides map[string]string
	root      confRoot // where keepalived_conf: paths were read
}

// Defaults for top-level keys.
const (
	DefaultDuration = 60 * time.Second
	DefaultSeed     = 1
)

// Segment is an Ethernet LAN: a learning switch with one port per attached
// interface.
type Segment struct {
	Pos      Pos
	Name     string
	Latency  time.Duration // one-way switch latency, default DefaultLatency
	Jitter   time.Duration // uniform extra 0..Jitter per frame
	Loss     float64       // drop probability 0..1 per frame
	FDBAging time.Duration // default DefaultFDBAging
}

// Segment defaults.
const (
	// DefaultLatency is a small store-and-forward delay of a LAN switch.
	DefaultLatency = 10 * time.Microsecond
	// DefaultFDBAging is the Linux bridge ageing_time (300 s) and the IEEE
	// 802.1D recommended default.
	DefaultFDBAging = 300 * time.Second
)

// Script is a keepalived vrrp_script. It is never executed: the timeline
// fails and recovers it (fail_script / recover_script).
type Script struct {
	Pos      Pos
	Name     string
	Interval time.Duration // keepalived default 1s; informational here
	Weight   int           // -253..253; 0 = a failing script puts the instance in FAULT
	Rise     int           // keepalived default 1
	Fall     int           // keepalived default 1
}

// NodeKind is what a node is.
type NodeKind string

// Node kinds.
const (
	KindRouter NodeKind = "router"
	KindHost   NodeKind = "host"
	KindServer NodeKind = "server"
)

// Node is a router, host or server.
type Node struct {
	Pos        Pos
	Name       string
	Kind       NodeKind
	Interfaces []*Interface
	Routes     []*Route
	VRRP       []*Instance  // routers only, file order
	SyncGroups []*SyncGroup // routers only (keepalived vrrp_sync_group)
	Traffic    []*Flow      // hosts and servers
	ARP        ARPConfig
	// ARPAnnounce is Linux net.ipv4.conf.*.arp_announce (0, 1 or 2).
	ARPAnnounce int
	// Forwarding is net.ipv4.ip_forward: default true for routers, false
	// otherwise.
	Forwarding bool
	// ClockDrift is this node's clock error in parts per million (+ runs
	// fast): its daemons read local time v*(1+ClockDrift/1e6), so each
	// protocol timer span d takes d/(1+ClockDrift/1e6) of virtual time.
	ClockDrift float64
	// ClockDriftRandom (clock_drift: {random: N}) draws the node's drift
	// uniformly in [-N, +N] ppm for each run, from the node's own random
	// stream, so `run --runs` explores it.
	ClockDriftRandom float64
	// TimerJitter adds a uniform 0..TimerJitter delay to each timer, as
	// scheduling latency does on a real box.
	TimerJitter time.Duration
	// ARPIgnore is net.ipv4.conf.all.arp_ignore (0, 1, 2 or 8).
	ARPIgnore int
	// Loopback and Tunnel are the addresses on lo and tunl0 (interfaces
	// named so, with no segment): the VIP of LVS-DR and LVS-TUN real
	// servers.
	Loopback, Tunnel []netip.Prefix
	HasTunnel        bool // a tunl0 interface was written
	// VirtualServers are keepalived virtual_server blocks (directors:
	// routers only), in file order.
	VirtualServers []*VirtualServer
	// Services are the TCP services a server answers.
	Services []*Service
	// FWMarks are the iptables mangle rules of a director (fwmark
	// virtual servers), in file order.
	FWMarks []*MarkRule
	// LVSSync is keepalived's lvs_sync_daemon and IPVSSysctl the
	// net.ipv4.vs sysctls of a director (lbsync.go); nil if not given.
	LVSSync    *LVSSync
	IPVSSysctl *IPVSSysctl
	// Proxy is the node's nginx (proxy.go), nil if none.
	Proxy *Proxy
	// Keepalived is the node's keepalived_conf: (nil: inline blocks); the
	// config gave VRRP, SyncGroups, VirtualServers and its static routes.
	Keepalived *ConfRef
}

// Interface is a node's attachment to a segment.
type Interface struct {
	Pos       Pos
	Name      string
	Segment   string
	Addresses []netip.Prefix // "address:" and/or "addresses:"; first is primary
	Gateway   netip.Addr     // hosts and servers: default route
	MAC       [6]byte        // zero: derived by the builder
	// ARPIgnore and ARPAnnounce are net.ipv4.conf.IFACE.arp_ignore and
	// arp_announce; Linux applies the higher of these and the node's.
	ARPIgnore, ARPAnnounce int
}

// Route is a static route.
type Route struct {
	Pos Pos
	To  netip.Prefix
	Via netip.Addr
}

// Instance is a keepalived vrrp_instance. Field names follow keepalived's
// keywords; zero values have been replaced by keepalived's defaults.
type Instance struct {
	Pos       Pos
	Name      string
	State     string // "MASTER" or "BACKUP" (keepalived default BACKUP)
	Interface string
	VRID      int // virtual_router_id 1..255
	Priority  int // 1..255, keepalived default 100
	AdvertInt time.Duration
	Version   int // 2 (RFC 3768) or 3 (RFC 5798), default 2
	NoPreempt bool
	// PreemptDelay is keepalived preempt_delay: after startup, a backup
	// ignores lower-priority adverts for this long before preempting.
	PreemptDelay time.Duration
	// VirtualIPs are the protected addresses; a bare address is /32 as in
	// keepalived.
	VirtualIPs []netip.Prefix
	Auth       *Auth // nil: no authentication
	UseVMAC    bool
	// Gratuitous ARP after becoming master (keepalived names and defaults).
	GARPMasterDelay         time.Duration // default 5s
	GARPMasterRepeat        int           // default 5
	GARPMasterRefresh       time.Duration // 0 = no periodic refresh
	GARPMasterRefreshRepeat int           // default 1
	GARPInterval            time.Duration // gap between GARPs of a burst, default 0
	UnicastSrcIP            netip.Addr
	UnicastPeers            []netip.Addr
	TrackInterfaces         []*Track
	TrackScripts            []*Track
	Notify                  Notify // notify_* commands: traced, never run (notify.go)
}

// keepalived defaults for a vrrp_instance (keepalived 2.2 vrrp_parser.c /
// vrrp.h).
const (
	DefaultPriority                = 100
	DefaultAdvertInt               = time.Second
	DefaultVersion                 = 2
	DefaultGARPMasterDelay         = 5 * time.Second
	DefaultGARPMasterRepeat        = 5
	DefaultGARPMasterRefreshRepeat = 1
)

// Auth is keepalived's authentication block (VRRPv2 only; RFC 5798 removed
// authentication).
type Auth struct {
	Pos  Pos
	Type string // "PASS" (RFC 3768 simple text) or "AH"
	Pass string // at most 8 characters: the 8-byte Authentication Data field
}

// Track is one tracked interface or script and its weight. keepalived: a
// weight of 0 means a failure puts the instance in FAULT; a negative weight
// lowers the priority by |weight| while failed, a positive one raises it
// while healthy.
type Track struct {
	Pos    Pos
	Name   string
	Weight int
}

// SyncGroup is a keepalived vrrp_sync_group: instances that change state
// together.
type SyncGroup struct {
	Pos       Pos
	Name      string
	Instances []string // instance names on the same router
	MemberPos []Pos    // where each of Instances was written
	Notify    Notify   // the group's notify_* commands (notify.go)
}

// ARP profiles.
const (
	ARPProfileLinux = "linux" // Linux neighbour states and timers (default)
	ARPProfileFixed = "fixed" // entries live for Timeout, no probing (many switches, Windows-like)
)

// ARPConfig is a node's neighbour cache configuration. Names and defaults
// are Linux's net.ipv4.neigh.default.* sysctls.
type ARPConfig struct {
	Pos                 Pos
	Profile             string        // ARPProfileLinux or ARPProfileFixed
	BaseReachableTime   time.Duration // 30s
	DelayFirstProbeTime time.Duration // 5s
	UcastSolicit        int           // 3
	McastSolicit        int           // 3
	AppSolicit          int           // 0
	RetransTime         time.Duration // 1s
	GCStaleTime         time.Duration // 60s
	Locktime            time.Duration // 1s (100 jiffies)
	ARPAccept           int           // net.ipv4.conf.*.arp_accept, 0
	Timeout             time.Duration // fixed profile: entry lifetime, default 4h (Cisco IOS)
	HZ                  int           // linux profile: CONFIG_HZ for the timer wheel, 250; 0 exact timers
}

// DefaultARP returns the Linux defaults.
func DefaultARP() ARPConfig {
	return ARPConfig{
		Profile:             ARPProfileLinux,
		BaseReachableTime:   30 * time.Second,
		DelayFirstProbeTime: 5 * time.Second,
		UcastSolicit:        3,
		McastSolicit:        3,
		RetransTime:         time.Second,
		GCStaleTime:         60 * time.Second,
		Locktime:            time.Second,
		Timeout:             4 * time.Hour,
		HZ:                  250,
	}
}

// FlowKind is a kind of traffic source.
type FlowKind string

// Flow kinds.
const (
	FlowPing   FlowKind = "ping"   // ICMP echo request every Interval, like ping -i
	FlowStream FlowKind = "stream" // UDP datagrams at Rate per second
	FlowHTTP   FlowKind = "http"   // TCP connections (HTTP/1.0 GET) at Rate per second
)

// Flow is a traffic source on a host. Its name defaults to "NODE/KIND-N"
// (N counts from 1 within the node), e.g. "h1/ping-1".
type Flow struct {
	Pos      Pos
	Name     string
	Node     string
	Kind     FlowKind
	To       netip.Addr
	Interval time.Duration // ping: default 1s
	Timeout  time.Duration // ping: a reply later than this is lost, default 1s
	Rate     float64       // stream: packets per second
	Port     int           // stream: UDP destination port, default 7 (echo, RFC 862: the server answers)
	Size     int           // payload bytes: ping default 56, stream default 100
	Start    sim.Time      // default 0
	Stop     sim.Time      // 0 = until the end of the run
	// http: To:ToPort, Rate new connections per second, evenly spaced or
	// Poisson, from Sources client addresses (see SourceAddrs), each
	// connection given up after ConnectTimeout, GET Path.
	ToPort         int
	Arrival        string
	Sources        int
	ConnectTimeout time.Duration
	// ResponseTimeout gives up a connection with no complete response
	// this long after its first SYN (curl --max-time); 0: never.
	ResponseTimeout time.Duration
	Path            string
	// RequestsPerConnection is HTTP/1.1 keep-alive: requests one
	// connection carries, the last with Connection: close; 1 (the
	// default): one HTTP/1.0 request per connection.
	RequestsPerConnection int
	// RequestGap is the pause between a keep-alive response and the next
	// request on the connection; 0: at once.
	RequestGap time.Duration
}

// Event is one timeline entry: an action at a virtual time.
type Event struct {
	Pos    Pos
	At     sim.Time
	Action Action
}
