// Package sched holds the IPVS schedulers of the Linux kernel
// (net/netfilter/ipvs/ip_vs_*.c), each a plain value that picks a
// destination for a new connection from a virtual service's destination
// list, with the kernel's list order, counters and per-scheduler state.
//
// The service and its destinations mirror struct ip_vs_service and struct
// ip_vs_dest (include/net/ip_vs.h): destinations are kept newest first,
// because ip_vs_add_dest -> __ip_vs_update_dest inserts with list_add_rcu
// at the head of svc->destinations; the schedulers' tie-breaks walk that
// list. Counters follow ip_vs_conn.c: a new connection counts as inactive
// (ip_vs_bind_dest with IP_VS_CONN_F_INACTIVE from dest->conn_flags) until
// the protocol moves it to ESTABLISHED; templates count as persistconns.
//
// Nothing here allocates per pick, reads a clock or keeps global state.
package sched

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Dest is a real server as the schedulers see it (struct ip_vs_dest).
type Dest struct {
	Name   string
	Addr   netip.AddrPort
	Weight int // 0..65535; 0 quiesces: no new connections
	// LastWeight is dest->last_weight: the latest non-zero weight, or the
	// weight it was added with (__ip_vs_update_dest). mh builds its table
	// from it, so a quiesced destination keeps its slots.
	LastWeight int

	Active   int // activeconns: connections in ESTABLISHED
	Inactive int // inactconns: every other state, and all UDP
	Persist  int // persistconns: persistence templates bound to it

	// UThreshold and LThreshold are the upper and lower connection
	// thresholds (ipvsadm -x / -y); 0 means none.
	UThreshold, LThreshold int
	// Overloaded is IP_VS_DEST_F_OVERLOAD: set when the connections reach
	// UThreshold (ip_vs_bind_dest), cleared with hysteresis
	// (ip_vs_unbind_dest). Schedulers skip overloaded destinations.
	Overloaded bool
	// Available is IP_VS_DEST_F_AVAILABLE: the destination is in its
	// service's list. A removed destination keeps serving the connections
	// bound to it but is never picked.
	Available bool

	svc *Service
}

// Conns is ip_vs_dest_totalconns: active plus inactive connections.
func (d *Dest) Conns() int { return d.Active + d.Inactive }

// connOverhead is ip_vs_dest_conn_overhead (include/net/ip_vs.h): an
// inactive connection weighs 1/256 of an active one.
func connOverhead(d *Dest) int { return d.Active<<8 + d.Inactive }

// Flags are the scheduler flags of a service (IP_VS_SVC_F_SCHED1..3),
// named as ipvsadm -b and keepalived's lvs_sched flags name them.
type Flags uint8

// Scheduler flags. sh and mh read SCHED1 as "-port" (hash the source port
// too) and SCHED2 as "-fallback" (skip an unavailable destination).
const (
	FlagSHFallback Flags = 1 << iota // IP_VS_SVC_F_SCHED_SH_FALLBACK (SCHED1)
	FlagSHPort                       // IP_VS_SVC_F_SCHED_SH_PORT (SCHED2)
	FlagMHFallback                   // IP_VS_SVC_F_SCHED_MH_FALLBACK (SCHED1)
	FlagMHPort                       // IP_VS_SVC_F_SCHED_MH_PORT (SCHED2)
)

// FlagNames are the flag spellings accepted in files and on the command
// line, in the order Flags.String prints them.
var FlagNames = []string{"sh-fallback", "sh-port", "mh-fallback", "mh-port"}

// ParseFlag returns the flag called name.
func ParseFlag(name string) (Flags, bool) {
	for i, n := range FlagNames {
		if n == name {
			return Flags(1 << i), true
		}
	}
	return 0, false
}

func (f Flags) String() string {
	var out []string
	for i, n := range FlagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// Request is what a scheduler may look at when a new connection arrives:
// the first packet's addresses (the kernel's struct ip_vs_iphdr) and
// protocol.
type Request struct {
	Proto  uint8          // IP protocol (6 TCP, 17 UDP)
	Client netip.AddrPort // source address and port
	Dst    netip.AddrPort // destination: the virtual service, or for fwmark/dh/lblc the packet's own
	// Now is the virtual time since the start of the run, for the
	// schedulers whose tables age (lblc, lblcr read jiffies).
	Now time.Duration
}

// Scheduler is one IPVS scheduling algorithm (struct ip_vs_scheduler).
// The service calls AddDest, DelDest and UpdDest after it changed its list,
// as ip_vs_ctl.c calls the scheduler's add_dest, del_dest and upd_dest.
type Scheduler interface {
	// Name is the name ipvsadm -s takes ("wrr").
	Name() string
	// Init binds the scheduler to its service (init_service).
	Init(svc *Service)
	// AddDest runs after d was linked at the head of the list.
	AddDest(svc *Service, d *Dest)
	// DelDest runs after d was unlinked; idx is where it stood.
	DelDest(svc *Service, d *Dest, idx int)
	// UpdDest runs after d's weight changed.
	UpdDest(svc *Service, d *Dest)
	// Schedule picks a destination for a new connection, or nil when no
	// destination can take it (the kernel's "no destination available").
	Schedule(svc *Service, r *Request) *Dest
}

// noState gives the schedulers that keep no state of their own (the
// kernel leaves init_service, add_dest, del_dest and upd_dest NULL) the
// hooks that do nothing.
type noState struct{}

func (noState) Init(*Service)                {}
func (noState) AddDest(*Service, *Dest)      {}
func (noState) DelDest(*Service, *Dest, int) {}
func (noState) UpdDest(*Service, *Dest)      {}

// Rand is the random source of the randomised schedulers (twos): the run's
// seeded stream, never a global one.
type Rand interface {
	Uint32() uint32
}

// Service is a virtual service's destination list and scheduler (the part
// of struct ip_vs_service the schedulers touch).
type Service struct {
	Flags Flags
	// Dests is svc->destinations: newest first. Read it; change it only
	// through Add, Remove and SetWeight so the scheduler hears of it.
	Dests []*Dest
	sched Scheduler
}

// NewService returns an empty service scheduled by s.
func NewService(s Scheduler, flags Flags) *Service {
	svc := &Service{Flags: flags, sched: s}
	s.Init(svc)
	return svc
}

// Scheduler returns the service's scheduler.
func (s *Service) Scheduler() Scheduler { return s.sched }

// Add links d at the head of the list, as ipvsadm -a does
// (__ip_vs_update_dest: list_add_rcu, then sched->add_dest).
func (s *Service) Add(d *Dest) error {
	if d.svc != nil {
		return fmt.Errorf("destination %s is already in a service", d.Name)
	}
	for _, o := range s.Dests {
		if o.Addr == d.Addr {
			return fmt.Errorf("destination %s: address %v already used by %s", d.Name, d.Addr, o.Name)
		}
	}
	d.svc, d.Available = s, true
	d.LastWeight = d.Weight
	s.Dests = append(s.Dests, nil)
	copy(s.Dests[1:], s.Dests)
	s.Dests[0] = d
	s.sched.AddDest(s, d)
	return nil
}

// Remove unlinks d, as ipvsadm -d does (__ip_vs_unlink_dest: clear
// AVAILABLE, list_del_rcu, then sched->del_dest). Connections bound to d
// keep their counters until they are unbound.
func (s *Service) Remove(d *Dest) bool {
	for i, o := range s.Dests {
		if o == d {
			copy(s.Dests[i:], s.Dests[i+1:])
			s.Dests[len(s.Dests)-1] = nil
			s.Dests = s.Dests[:len(s.Dests)-1]
			d.Available, d.svc = false, nil
			s.sched.DelDest(s, d, i)
			return true
		}
	}
	return false
}

// SetWeight changes d's weight, as ipvsadm -e does (__ip_vs_update_dest
// with add=0, then sched->upd_dest).
func (s *Service) SetWeight(d *Dest, w int) {
	d.Weight = w
	if w != 0 {
		d.LastWeight = w
	}
	if d.svc == s {
		s.sched.UpdDest(s, d)
	}
}

// SetThresholds changes d's connection thresholds, as ipvsadm -e -x -y
// does: __ip_vs_update_dest clears the overload flag when the new upper
// threshold is 0 or above the old one.
func SetThresholds(d *Dest, upper, lower int) {
	if upper == 0 || upper > d.UThreshold {
		d.Overloaded = false
	}
	d.UThreshold, d.LThreshold = upper, lower
}

// Schedule picks a destination for a new connection (nil: none).
func (s *Service) Schedule(r *Request) *Dest { return s.sched.Schedule(s, r) }

// Find returns the destination called name.
func (s *Service) Find(name string) *Dest {
	for _, d := range s.Dests {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Bind counts a new connection on d (ip_vs_bind_dest): inactive until
// Activate, and the overload flag is set when the connections reach the
// upper threshold.
func Bind(d *Dest) {
	d.Inactive++
	checkOverload(d)
}

// BindTemplate counts a persistence template on d. ip_vs_bind_dest runs
// the overload check for templates too (on active+inactive only).
func BindTemplate(d *Dest) {
	d.Persist++
	checkOverload(d)
}

// UnbindTemplate releases a persistence template; ip_vs_unbind_dest runs
// the hysteresis for templates as for connections.
func UnbindTemplate(d *Dest) {
	if d.Persist > 0 {
		d.Persist--
	}
	relieveOverload(d)
}

func checkOverload(d *Dest) {
	if d.UThreshold != 0 && d.Conns() >= d.UThreshold {
		d.Overloaded = true
	}
}

// Activate moves a connection of d from inactive to active (the protocol
// reached ESTABLISHED: set_tcp_state clears IP_VS_CONN_F_INACTIVE).
func Activate(d *Dest) {
	if d.Inactive > 0 {
		d.Inactive--
	}
	d.Active++
}

// Deactivate moves a connection of d from active to inactive (it left
// ESTABLISHED).
func Deactivate(d *Dest) {
	if d.Active > 0 {
		d.Active--
	}
	d.Inactive++
}

// Unbind releases a connection of d (ip_vs_unbind_dest), active or not,
// and runs the overload hysteresis: with a lower threshold the flag clears
// below it; with only an upper one, below three quarters of it; with
// neither, at once.
func Unbind(d *Dest, active bool) {
	if active {
		if d.Active > 0 {
			d.Active--
		}
	} else if d.Inactive > 0 {
		d.Inactive--
	}
	relieveOverload(d)
}

// relieveOverload is the tail of ip_vs_unbind_dest: the overload flag
// clears below LThreshold if set, else below 3/4 of UThreshold if set,
// else at once.
func relieveOverload(d *Dest) {
	switch {
	case d.LThreshold != 0:
		if d.Conns() < d.LThreshold {
			d.Overloaded = false
		}
	case d.UThreshold != 0:
		if d.Conns()*4 < d.UThreshold*3 {
			d.Overloaded = false
		}
	default:
		d.Overloaded = false
	}
}

// New returns the scheduler called name ("rr", "wrr", ...). rnd feeds the
// randomised ones; it may be nil for the others.
func New(name string, rnd Rand) (Scheduler, error) {
	mk, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown scheduler %q; valid: %s", name, strings.Join(Names, ", "))
	}
	s := mk(rnd)
	if _, ok := s.(randomised); ok && rnd == nil {
		return nil, fmt.Errorf("scheduler %q draws random numbers and needs the run's random stream (got none)", name)
	}
	return s, nil
}

// randomised marks the schedulers that draw from their Rand (twos).
type randomised interface{ drawsRandom() }

// Names lists the schedulers the kernel ships, in ipvsadm(8)'s order.
var Names = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"}

// registry maps each name to its constructor; each scheduler's file adds
// itself in an init function.
var registry = map[string]func(Rand) Scheduler{}

func register(name string, mk func(Rand) Scheduler) { registry[name] = mk }
