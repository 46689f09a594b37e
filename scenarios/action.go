package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// ActionKind names a timeline action; the value is the YAML key.
type ActionKind string

// Timeline actions.
const (
	ActCrash            ActionKind = "crash"             // node dies silently (no priority-0 advert)
	ActRestart          ActionKind = "restart"           // crashed node boots again, daemon starts
	ActStop             ActionKind = "stop"              // keepalived stops gracefully (priority-0 advert, RFC 3768 section 6.4.3)
	ActStart            ActionKind = "start"             // keepalived starts
	ActKill             ActionKind = "kill"              // keepalived killed (kill -9): adverts stop, VIPs stay on the interfaces
	ActLinkDown         ActionKind = "link_down"         // node's interface loses carrier
	ActLinkUp           ActionKind = "link_up"           //
	ActPortDown         ActionKind = "port_down"         // switch port of a node on a segment goes down
	ActPortUp           ActionKind = "port_up"           //
	ActPartition        ActionKind = "partition"         // segment split into groups that cannot hear each other
	ActHeal             ActionKind = "heal"              // partition removed
	ActImpair           ActionKind = "impair"            // change loss/latency/jitter of a segment or one port
	ActBlock            ActionKind = "block"             // drop a class of frames on a segment
	ActUnblock          ActionKind = "unblock"           // remove a block by id
	ActSetPriority      ActionKind = "set_priority"      // change an instance's configured priority (reload)
	ActFailScript       ActionKind = "fail_script"       // tracked script starts failing
	ActRecoverScript    ActionKind = "recover_script"    //
	ActFailInterface    ActionKind = "fail_interface"    // tracked interface reported down, link stays up
	ActRecoverInterface ActionKind = "recover_interface" //
	ActInject           ActionKind = "inject"            // put a crafted frame on a segment
)

// actionKinds lists every action in the order used by "valid:" hints.
var actionKinds = []ActionKind{
	ActCrash, ActRestart, ActStop, ActStart, ActKill, ActLinkDown, ActLinkUp,
	ActPortDown, ActPortUp, ActPartition, ActHeal, ActImpair, ActBlock,
	ActUnblock, ActSetPriority, ActFailScript, ActRecoverScript,
	ActFailInterface, ActRecoverInterface, ActInject,
	ActFailService, ActSlowService, ActRecoverService, ActSetWeight, ActAddRealServer, ActRemoveRealServer, ActMiscCheck,
	ActReload, ActFreeze, ActStopProxy, ActStartProxy,
}

// Block classes: which frames a block drops.
var blockClasses = []string{"vrrp", "arp", "garp", "icmp", "udp", "all"}

// Action is what a timeline entry does. One flat struct for every kind: the
// fields an action does not use stay zero.
type Action struct {
	Pos       Pos
	Kind      ActionKind
	Node      string     // crash..start, link_*, port_*, set_priority, *_script, *_interface, impair (port)
	Interface string     // link_*, *_interface
	Segment   string     // port_*, partition, heal, impair, block, unblock, inject
	Instance  string     // set_priority
	Priority  int        // set_priority
	Script    string     // *_script
	Groups    [][]string // partition: nodes in each group; a node not listed is alone
	// impair: only the fields written change (nil = unchanged).
	Loss    *float64
	Latency *time.Duration
	Jitter  *time.Duration
	// block / unblock.
	Class string // block: vrrp, arp, garp, icmp, udp or all
	From  string // block: only frames from this node; inject: sending node ("" = an injector port)
	To    string // block: only frames to this node
	ID    string // block / unblock: name of the block
	Frame *Frame // inject
	// Load balancing (lb.go).
	Port          int           // *_service
	How           string        // fail_service: refuse or blackhole
	ResponseTime  time.Duration // slow_service
	VirtualServer string        // set_weight, *_real_server: "ADDR PORT" as written
	RealServer    string        // node name or "ADDR PORT"
	Weight        int           // set_weight, add_real_server
	Status        int           // fail_service how: status: the HTTP status
	Exit          int           // misc_check: the script's exit status
	// reload, freeze (reload.go, freeze.go).
	Duration time.Duration
	Reload   *Reload // reload: the new configuration; nil = the same
}

// String is the canonical text of an action. Reports print it and an
// expectation's `after:` must match it exactly:
//
//	crash r1, restart r1, stop r2, start r2
//	link_down r1/eth1, link_up r1/eth1
//	port_down lan/r1, port_up lan/r1
//	partition lan, heal lan
//	impair lan, impair lan/r1 (one port)
//	block lan/ID, or without id: block lan vrrp [from r1] [to r2]
//	unblock lan/ID
//	set_priority r1/VI_1=90
//	fail_script r1/chk_nginx, recover_script r1/chk_nginx
//	fail_interface r1/eth1, recover_interface r1/eth1
//	inject lan vrrp [from r3]
func (a Action) String() string {
	k := string(a.Kind)
	switch a.Kind {
	case ActCrash, ActRestart, ActStop, ActStart, ActKill:
		return k + " " + a.Node
	case ActLinkDown, ActLinkUp, ActFailInterface, ActRecoverInterface:
		return k + " " + a.Node + "/" + a.Interface
	case ActPortDown, ActPortUp:
		return k + " " + a.Segment + "/" + a.Node
	case ActPartition, ActHeal:
		return k + " " + a.Segment
	case ActImpair:
		if a.Node != "" {
			return k + " " + a.Segment + "/" + a.Node
		}
		return k + " " + a.Segment
	case ActBlock:
		if a.ID != "" {
			return k + " " + a.Segment + "/" + a.ID
		}
		s := k + " " + a.Segment + " " + a.Class
		if a.From != "" {
			s += " from " + a.From
		}
		if a.To != "" {
			s += " to " + a.To
		}
		return s
	case ActUnblock:
		return k + " " + a.Segment + "/" + a.ID
	case ActSetPriority:
		return fmt.Sprintf("%s %s/%s=%d", k, a.Node, a.Instance, a.Priority)
	case ActFailScript, ActRecoverScript:
		return k + " " + a.Node + "/" + a.Script
	case ActInject:
		s := k + " " + a.Segment
		if a.Frame != nil {
			s += " " + string(a.Frame.Kind)
		}
		if a.From != "" {
			s += " from " + a.From
		}
		return s
	}
	if s := reloadString(a); s != "" {
		return s
	}
	if s := lbActionString(a); s != "" {
		return s
	}
	return k
}

// Detail returns the action's parameters that String leaves out (partition
// groups, impairment values), for trace lines; "" if none.
func (a Action) Detail() string {
	var parts []string
	switch a.Kind {
	case ActReload, ActFreeze:
		return reloadDetail(a)
	case ActPartition:
		for _, g := range a.Groups {
			parts = append(parts, "["+strings.Join(g, " ")+"]")
		}
	case ActImpair:
		if a.Loss != nil {
			parts = append(parts, fmt.Sprintf("loss=%g", *a.Loss))
		}
		if a.Latency != nil {
			parts = append(parts, "latency="+a.Latency.String())
		}
		if a.Jitter != nil {
			parts = append(parts, "jitter="+a.Jitter.String())
		}
	case ActBlock:
		if a.ID != "" {
			parts = append(parts, "class="+a.Class)
			if a.From != "" {
				parts = append(parts, "from="+a.From)
			}
			if a.To != "" {
				parts = append(parts, "to="+a.To)
			}
		}
	}
	return strings.Join(parts, " ")
}

// FrameKind is a kind of injected frame.
type FrameKind string

// Injectable frames.
const (
	FrameVRRP FrameKind = "vrrp"
	FrameARP  FrameKind = "arp"
	FrameRaw  FrameKind = "raw"
)

// Frame is a crafted frame for `inject`. Exactly one of VRRP, ARP, Raw is set.
type Frame struct {
	Pos  Pos
	Kind FrameKind
	VRRP *VRRPFrame
	ARP  *ARPFrame
	Raw  []byte // the whole Ethernet frame, from a hex string
}

// VRRPFrame is an advertisement to inject. Unset fields take the values a
// correct speaker would send, so a test can change just one thing.
type VRRPFrame struct {
	VRID      int // 0..255 (0 is invalid on the wire: a test of the receiver)
	Priority  int // 0..255
	Src       netip.Addr
	Version   int           // default 2
	AdvertInt time.Duration // default 1s
	AuthPass  string        // v2 simple text auth; "" = none
	Addrs     []netip.Addr
	Checksum  *uint16 // nil = computed; set = written literally (fault injection)
	TTL       int     // default 255 (RFC 3768 section 7.1 requires 255)
}

// ARPFrame is an ARP packet to inject (RFC 826).
type ARPFrame struct {
	Op        string // "request" or "reply"
	SenderIP  netip.Addr
	SenderMAC [6]byte
	TargetIP  netip.Addr
	TargetMAC [6]byte // zero when not given
}
