// Package lb is the LVS director: virtual services, their real servers,
// the IPVS connection table with its TCP states, timeouts and persistence
// templates, and NAT/DR/TUN/FULLNAT forwarding on real IPv4 packets.
//
// It follows linux/net/netfilter/ipvs: ip_vs_core.c (ip_vs_in, ip_vs_out,
// ip_vs_in_icmp, ip_vs_out_icmp, ip_vs_schedule, ip_vs_sched_persist,
// ip_vs_leave), ip_vs_conn.c (ip_vs_conn_new,
// ip_vs_conn_expire, ip_vs_check_template), ip_vs_proto_tcp.c
// (tcp_states, set_tcp_state), ip_vs_xmit.c (ip_vs_nat_xmit,
// ip_vs_dr_xmit, ip_vs_tunnel_xmit) and ip_vs_ctl.c (dest add, edit,
// delete, trash), with the kernel's default sysctls: conn_reuse_mode 1,
// expire_nodest_conn 0, expire_quiescent_template 0, sloppy_tcp 0,
// secure_tcp 0. FULLNAT is not in mainline Linux; it follows the
// Alibaba/DPVS FNAT mode (both addresses rewritten, a local address pool).
//
// The Director is a plain state machine: the node hands it packets (In,
// Out) and it answers through a small Env (timers, trace, output).
package lb

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Kind is a forwarding method (ipvsadm -m/-g/-i, keepalived lb_kind).
type Kind uint8

// Forwarding methods. The zero value is NAT, keepalived's default.
const (
	KindNAT     Kind = iota // IP_VS_CONN_F_MASQ: destination rewritten, replies rewritten back
	KindDR                  // IP_VS_CONN_F_DROUTE: only the Ethernet destination changes
	KindTUN                 // IP_VS_CONN_F_TUNNEL: IPIP to the real server
	KindFULLNAT             // FNAT: source and destination rewritten
)

// KindNames are the lb_kind spellings, indexed by Kind.
var KindNames = []string{"NAT", "DR", "TUN", "FULLNAT"}

func (k Kind) String() string {
	if int(k) < len(KindNames) {
		return KindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// ParseKind returns the forwarding method called name ("NAT", "DR"...).
func ParseKind(name string) (Kind, error) {
	for i, n := range KindNames {
		if n == name {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown lb_kind %q; valid: NAT, DR, TUN, FULLNAT", name)
}

// DefaultSched is the scheduler of a service that names none: ipvsadm's
// and keepalived's default (IPVS_DEF_SCHED "wlc").
const DefaultSched = "wlc"

// MaxWeight is the largest weight IPVS accepts (ip_vs_add_dest: -ERANGE
// above INT_MAX; ipvsadm and keepalived limit it to 65535).
const MaxWeight = 65535

// RealConfig is a real server of a virtual service (keepalived
// real_server, ipvsadm -a).
type RealConfig struct {
	Name string
	Addr netip.AddrPort // port 0: the virtual port (ip_vs_schedule)
	// Weight is 0..65535; 0 quiesces the server (no new connections).
	Weight int
	// UThreshold and LThreshold are the connection thresholds (ipvsadm
	// -x, -y; keepalived uthreshold, lthreshold); 0 means none.
	UThreshold, LThreshold int
}

// ServiceConfig is a virtual service (keepalived virtual_server).
type ServiceConfig struct {
	// Name identifies the service in runtime operations; empty: the
	// kernel's display name ("TCP 10.0.0.100:80", "FWM 1").
	Name string
	// Proto is 6 (TCP) or 17 (UDP).
	Proto uint8
	// VIP is the virtual address and port; port 0 is a persistent
	// "all ports" service. Unset for a fwmark service.
	VIP netip.AddrPort
	// FWMark selects packets by firewall mark instead of VIP (keepalived
	// virtual_server fwmark N); marks come from the director's MarkRules.
	FWMark uint32
	// Sched is the scheduler name (lb_algo); empty: DefaultSched.
	Sched string
	Flags sched.Flags
	Kind  Kind
	// PersistenceTimeout > 0 makes the service persistent (ipvsadm -p,
	// keepalived persistence_timeout).
	PersistenceTimeout time.Duration
	// PersistenceGranularity is the client netmask length of persistence
	// (ipvsadm -M, keepalived persistence_granularity): 1..32, 0 means 32.
	PersistenceGranularity int
	// OPS is one-packet scheduling (ipvsadm -o): each UDP datagram is
	// scheduled on its own and no entry is kept.
	OPS bool
	// Sorry is keepalived's sorry_server: put in the service when it has
	// no real server left.
	Sorry *RealConfig
	// LocalAddrs is the FULLNAT local address pool (the sources the real
	// servers see). Required for FULLNAT, unused otherwise.
	LocalAddrs []netip.Addr
	// Reals in configuration order; they are added in that order, so the
	// last one heads the kernel's list.
	Reals []RealConfig
}

// Protocol numbers of the services.
const (
	ProtoTCP uint8 = 6
	ProtoUDP uint8 = 17
)

// DisplayName is the service as ipvsadm -L and the trace name it:
// "TCP 10.0.0.100:80", "UDP 10.0.0.100:53", "FWM 1".
func (c *ServiceConfig) DisplayName() string {
	if c.FWMark != 0 {
		return fmt.Sprintf("FWM %d", c.FWMark)
	}
	p := "TCP"
	if c.Proto == ProtoUDP {
		p = "UDP"
	}
	return p + " " + c.VIP.String()
}

func (c *ServiceConfig) granularity() int {
	if c.PersistenceGranularity == 0 {
		return 32
	}
	return c.PersistenceGranularity
}

func (c *ServiceConfig) schedName() string {
	if c.Sched == "" {
		return DefaultSched
	}
	return c.Sched
}

// Validate checks c as ipvsadm and the kernel would (ip_vs_add_service,
// ip_vs_add_dest). Errors name the service and the bad value.
func (c *ServiceConfig) Validate() error {
	name := c.DisplayName()
	if c.Proto != ProtoTCP && c.Proto != ProtoUDP {
		return fmt.Errorf("virtual server %s: protocol %d; valid: TCP (6), UDP (17)", name, c.Proto)
	}
	if c.FWMark == 0 && !c.VIP.Addr().Is4() {
		return fmt.Errorf("virtual server %s: virtual address %v is not IPv4", name, c.VIP.Addr())
	}
	if c.FWMark != 0 && c.VIP.IsValid() {
		return fmt.Errorf("virtual server %s: a fwmark service has no virtual address (got %v)", name, c.VIP)
	}
	if c.FWMark == 0 && c.VIP.Port() == 0 && c.PersistenceTimeout == 0 {
		// ip_vs_add_service: "port zero only supported in persistent services"
		return fmt.Errorf("virtual server %s: port 0 (all ports) needs persistence_timeout", name)
	}
	if _, err := sched.New(c.schedName(), nil); err != nil {
		return fmt.Errorf("virtual server %s: lb_algo: %w", name, err)
	}
	if int(c.Kind) >= len(KindNames) {
		return fmt.Errorf("virtual server %s: lb_kind %d; valid: NAT, DR, TUN, FULLNAT", name, c.Kind)
	}
	if c.PersistenceTimeout < 0 {
		return fmt.Errorf("virtual server %s: persistence_timeout %v is negative", name, c.PersistenceTimeout)
	}
	if g := c.PersistenceGranularity; g < 0 || g > 32 {
		return fmt.Errorf("virtual server %s: persistence_granularity /%d; valid: /1../32", name, g)
	}
	if c.Kind == KindFULLNAT && len(c.LocalAddrs) == 0 {
		return fmt.Errorf("virtual server %s: FULLNAT needs a local address pool", name)
	}
	for _, a := range c.LocalAddrs {
		if !a.Is4() {
			return fmt.Errorf("virtual server %s: local address %v is not IPv4", name, a)
		}
	}
	for i := range c.Reals {
		r := &c.Reals[i]
		if err := r.validate(name); err != nil {
			return err
		}
		for _, o := range c.Reals[:i] {
			if o.Addr == r.Addr {
				return fmt.Errorf("virtual server %s: real server %s: address %v already used by %s", name, r.Name, r.Addr, o.Name)
			}
			if o.Name == r.Name {
				return fmt.Errorf("virtual server %s: two real servers named %q", name, r.Name)
			}
		}
	}
	if c.Sorry != nil {
		if err := c.Sorry.validate(name); err != nil {
			return fmt.Errorf("sorry_server: %w", err)
		}
	}
	return nil
}

func (r *RealConfig) validate(svc string) error {
	if r.Name == "" {
		return fmt.Errorf("virtual server %s: real server %v has no name", svc, r.Addr)
	}
	if !r.Addr.Addr().Is4() {
		return fmt.Errorf("virtual server %s: real server %s: address %v is not IPv4", svc, r.Name, r.Addr.Addr())
	}
	if r.Weight < 0 || r.Weight > MaxWeight {
		return fmt.Errorf("virtual server %s: real server %s: weight %d; valid: 0..%d", svc, r.Name, r.Weight, MaxWeight)
	}
	if r.UThreshold < 0 || r.LThreshold < 0 {
		return fmt.Errorf("virtual server %s: real server %s: thresholds must not be negative", svc, r.Name)
	}
	if r.UThreshold != 0 && r.LThreshold > r.UThreshold {
		// ip_vs_add_dest: l_threshold > u_threshold is -ERANGE
		return fmt.Errorf("virtual server %s: real server %s: lthreshold %d above uthreshold %d", svc, r.Name, r.LThreshold, r.UThreshold)
	}
	return nil
}

// Env is what the director needs of the node it runs on.
type Env interface {
	// Now is the node's clock; NewTimer arms timers on it.
	Now() sim.Time
	NewTimer(fn func()) sim.Resettable
	// Trace records r with the node's name filled in.
	Trace(r sim.Record)
	// Rand is the node's random stream for randomised schedulers.
	Rand() sched.Rand
	// Output routes a finished IPv4 packet by its destination address
	// (ip_vs_nat_send_or_cont -> dst_output). pkt is only borrowed.
	Output(pkt []byte) error
	// OutputTo sends pkt to the on-link neighbour next, whatever the
	// packet's destination (ip_vs_dr_xmit: the route to the real
	// server). pkt is only borrowed.
	OutputTo(next netip.Addr, pkt []byte) error
	// Source is the address the node sends from towards dst (the outer
	// source of ip_vs_tunnel_xmit: the route's preferred source).
	Source(dst netip.Addr) (netip.Addr, bool)
	// Unreachable sends ICMP port unreachable to the sender of pkt
	// (ip_vs_leave when no destination can take a new connection).
	Unreachable(pkt []byte)
}

// Verdict is what happens to a packet handed to the director.
type Verdict uint8

// Verdicts (the netfilter verdicts of ip_vs_in/ip_vs_out).
const (
	// Pass: not IPVS's; the node processes it normally (NF_ACCEPT).
	Pass Verdict = iota
	// Consumed: IPVS forwarded it through Env (NF_STOLEN).
	Consumed
	// Dropped: IPVS dropped it (NF_DROP); a Stats counter says why.
	Dropped
)

func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Consumed:
		return "consumed"
	case Dropped:
		return "dropped"
	}
	return "?"
}

// Stats counts packets by outcome, one counter per drop reason.
type Stats struct {
	InPkts, OutPkts uint64 // forwarded towards real servers, replies rewritten
	Conns           uint64 // connection entries created
	Templates       uint64 // persistence templates created
	Reused          uint64 // SYN on a TIME_WAIT/CLOSE entry: expired and rescheduled (conn_reuse_mode)
	NotSyn          uint64 // TCP non-SYN with no entry: passed to the local stack (tcp_conn_schedule)
	NoDest          uint64 // dropped: no destination could take a new connection (ip_vs_leave)
	DestUnavailable uint64 // dropped: the entry's real server was removed (expire_nodest_conn 0)
	PortMismatch    uint64 // dropped: non-persistent port-zero lookup (ip_vs_schedule, ignored -1)
	TTLExceeded     uint64 // dropped: TTL would reach 0 (decrement_ttl)
	NoLocalPort     uint64 // dropped: FULLNAT local ports exhausted
	OutputErr       uint64 // dropped: no route, link down or encoding failed
	BadPacket       uint64 // dropped: truncated TCP/UDP header
}

// MarkRule sets a firewall mark on packets before IPVS sees them, as an
// iptables -t mangle PREROUTING ... -j MARK --set-mark rule does for a
// keepalived fwmark service. The first matching rule wins.
type MarkRule struct {
	Proto          uint8        // 0: any
	Dst            netip.Prefix // destination address
	PortLo, PortHi uint16       // destination port range; 0, 0: any
	Mark           uint32
}

func (r *MarkRule) match(proto uint8, dst netip.AddrPort) bool {
	if r.Proto != 0 && r.Proto != proto {
		return false
	}
	if !r.Dst.Contains(dst.Addr()) {
		return false
	}
	if r.PortLo == 0 && r.PortHi == 0 {
		return true
	}
	return dst.Port() >= r.PortLo && dst.Port() <= r.PortHi
}
