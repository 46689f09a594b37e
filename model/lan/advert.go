package lan

import (
	"fmt"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// The advert path (issue 14). A VRRP advertisement is flooded to every
// port of its LAN, but on a LAN of G groups only the two routers of its
// group (and nodes in unusual states) do anything with it: the other
// routers' keepalived drops it as an unknown VRID (vrrp_dispatcher_read
// finds no vrrp_t for it) and hosts ignore it. Delivering it as an event
// to every port made a LAN's cost grow with G squared. On the advert path
// a flood is delivered as events only to the ports whose receiver wants
// it, in port order as before; the rest is one event at the same arrival
// time that counts each ignoring port's drop in O(1): a router's drops
// are a formula over per-VRID arrival counters, settled whenever its
// filter or link changes and read at the end of a run (AdvertDrops).
//
// What a user sees is the same except two things: kernel event counts
// (the stepper's "kernel events run", --limit events, the sweep's events
// column) are lower, and the trace shows a router's unknown-VRID drops
// as one tally record per port at the end of the run instead of one line
// per advert (keepalived, by default, logs no line for them either:
// log_unknown_vrids is off). Report counters are exact.

// AdvertFilter says what a port's receiver does with a VRRP advertisement
// (an IPv4 frame with IP protocol 112) flooded to it. The zero value
// ignores every advert silently (a host, a router whose daemon is down).
type AdvertFilter struct {
	// All: every advert needs a full delivery (a frozen guest counts each
	// frame it misses; a receiver that cannot tell). The default of a new
	// port.
	All bool
	// Count: an advert for a VRID not in VRIDs is dropped and counted (a
	// router's keepalived: vrrp_unknown_vrid).
	Count bool
	// VRIDs have an instance on the port: adverts for them are delivered.
	VRIDs [4]uint64
}

// Want marks vrid as delivered.
func (f *AdvertFilter) Want(vrid uint8) { f.VRIDs[vrid>>6] |= 1 << (vrid & 63) }

// Wants reports whether adverts for vrid are delivered.
func (f *AdvertFilter) Wants(vrid uint8) bool { return f.All || f.VRIDs[vrid>>6]&(1<<(vrid&63)) != 0 }

// AdvertFilterer is a Receiver that can say which filter it should have
// now; the segment compares it with the installed one in verify mode
// (VerifyAdvertFilters), which tests use to prove the filters are kept up
// to date.
type AdvertFilterer interface {
	AdvertFilter() AdvertFilter
}

// portAdvert is a port's advert filter and its drop counter. counted
// holds the drops settled so far; while the filter counts, the drops since
// the last settle are (arrived - base) minus the arrivals for the port's
// own VRIDs since then (vridBase).
type portAdvert struct {
	f        AdvertFilter
	counted  int64 // settled drops, with the corrections of advertArrive
	base     uint64
	vridBase []vridCount // the port's VRIDs and s.adv.byVRID[vrid] at the last settle
	lastDown uint64      // s.adv.gen when the link last went down
}

type vridCount struct {
	vrid uint8
	at   uint64
}

// advertPath is the segment's side of the advert path.
type advertPath struct {
	off      bool // SetAdvertPath(false): every flood delivered to every port
	verify   bool
	verr     error
	arrived  uint64      // advert floods arrived on the advert path
	byVRID   [256]uint64 // the same, per VRID
	gen      uint64      // bumps on every filter or link change
	down     int         // ports with the link down
	impaired int         // ports with loss, jitter or extra latency
	full     []*Port     // ports with All, in port order
	want     [256][]*Port
	free     []*advertFlood
}

// advertFlood is one advert flood in flight on the advert path.
type advertFlood struct {
	s       *Segment
	pkt     *packet
	vrid    uint8
	targets []*Port // ports with a delivery of their own, in port order
	gen     uint64  // s.adv.gen when it left the switch
	arrive  func()
}

// SetAdvertPath turns the advert path on (the default) or off. Off, every
// flooded advert is one event per port: the reference the tests compare
// the path with.
func (s *Segment) SetAdvertPath(on bool) { s.adv.off = !on }

// VerifyAdvertFilters makes the segment check, at every advert it floods
// and delivers, that each port's installed filter is what its receiver
// says it should be (AdvertFilterer). The first difference is kept for
// AdvertFilterErr.
func (s *Segment) VerifyAdvertFilters(on bool) { s.adv.verify = on }

// AdvertFilterErr returns the first filter found out of date in verify
// mode, or nil.
func (s *Segment) AdvertFilterErr() error { return s.adv.verr }

// SetAdvertFilter installs the port's advert filter. A receiver calls it
// whenever what it would do with an advert changes.
func (p *Port) SetAdvertFilter(f AdvertFilter) {
	if p.adv.f == f {
		return
	}
	s := p.s
	s.settle(p)
	s.index(p, false)
	p.adv.f = f
	p.adv.vridBase = p.adv.vridBase[:0]
	if f.Count && !f.All {
		for v := range 256 {
			if f.Wants(uint8(v)) {
				p.adv.vridBase = append(p.adv.vridBase, vridCount{vrid: uint8(v), at: s.adv.byVRID[v]})
			}
		}
	}
	s.index(p, true)
	s.adv.gen++
}

// AdvertDrops returns the adverts the port's filter has dropped and
// counted since the port was attached.
func (p *Port) AdvertDrops() uint64 {
	return uint64(p.adv.counted + p.s.accrued(p))
}

// countsAdvert reports whether the formula counts an advert for vrid
// arriving at p now.
func (p *Port) countsAdvert(vrid uint8) bool {
	return p.up && p.adv.f.Count && !p.adv.f.Wants(vrid)
}

// accrued is the drops counted at p since its last settle.
func (s *Segment) accrued(p *Port) int64 {
	a := p.adv
	if !p.up || !a.f.Count || a.f.All {
		return 0
	}
	n := s.adv.arrived - a.base
	for _, vc := range a.vridBase {
		n -= s.adv.byVRID[vc.vrid] - vc.at
	}
	return int64(n)
}

// settle moves p's accrued drops into counted and restarts the formula.
func (s *Segment) settle(p *Port) {
	a := p.adv
	a.counted += s.accrued(p)
	a.base = s.adv.arrived
	for i := range a.vridBase {
		a.vridBase[i].at = s.adv.byVRID[a.vridBase[i].vrid]
	}
}

// linkChanging is SetLink's part, called before the link changes: the
// formula stops (or restarts) counting with the link.
func (s *Segment) linkChanging(p *Port, up bool) {
	s.settle(p)
	s.adv.gen++
	if up {
		s.adv.down--
	} else {
		s.adv.down++
		p.adv.lastDown = s.adv.gen
	}
}

// index adds p to the lists its filter puts it in (add false: removes it).
func (s *Segment) index(p *Port, add bool) {
	edit := func(ps []*Port) []*Port {
		if add {
			return insertPort(ps, p)
		}
		return removePort(ps, p)
	}
	f := &p.adv.f
	if f.All {
		s.adv.full = edit(s.adv.full)
		return
	}
	for v := range 256 {
		if f.Wants(uint8(v)) {
			s.adv.want[v] = edit(s.adv.want[v])
		}
	}
}

// insertPort inserts p into ps, kept in port order.
func insertPort(ps []*Port, p *Port) []*Port {
	i := 0
	for i < len(ps) && ps[i].index < p.index {
		i++
	}
	ps = append(ps, nil)
	copy(ps[i+1:], ps[i:])
	ps[i] = p
	return ps
}

func removePort(ps []*Port, p *Port) []*Port {
	for i, q := range ps {
		if q == p {
			return append(ps[:i], ps[i+1:]...)
		}
	}
	return ps
}

// vrrpMAC is the IPv4 VRRP group's MAC, 01:00:5e:00:00:12 (224.0.0.18).
var vrrpMAC = wire.MulticastMAC(wire.VRRPGroup)

// clean reports whether a flood leaves the switch as one burst to every
// other port with no random draw: no loss, no jitter, no port with its
// own impairment, no partition or block rule, every link up.
func (s *Segment) clean() bool {
	return s.adv.down == 0 && s.adv.impaired == 0 && !s.partitioned && len(s.rules) == 0 &&
		s.im.Loss == 0 && s.im.Jitter == 0
}

// advertVRID returns the VRID of pkt if its flood can take the advert
// path: a VRRP advert that decodes (so every receiver reaches keepalived's
// dispatcher), on a segment where a flood is one burst with no random
// draws (no loss, no jitter, equal latencies, no partition or block rule,
// every link up), and no delivery is traced.
func (s *Segment) advertVRID(pkt *packet) (uint8, bool) {
	if s.adv.off || s.traceDel || !s.clean() {
		return 0, false
	}
	if len(pkt.buf) < ethHeaderLen || wire.MAC(pkt.buf[0:6]) != vrrpMAC {
		return 0, false
	}
	s.cur = pkt
	f, err := s.decodeCurrent()
	s.cur = nil
	if err != nil || !f.HasIP || !f.HasVRRP || f.HasARP {
		return 0, false
	}
	return f.VRRP.VRID, true
}

// floodAdvert floods pkt on the advert path: a delivery event for each
// port that wants VRID vrid, and one event for the rest.
func (s *Segment) floodAdvert(pkt *packet, vrid uint8) {
	in := pkt.in
	if s.adv.verify {
		s.verifyFilters(in)
	}
	fl := s.getAdvertFlood(pkt)
	fl.vrid = vrid
	fl.gen = s.adv.gen
	// Merge the two port-ordered lists: what wants every advert, and
	// what wants this VRID.
	full, want := s.adv.full, s.adv.want[vrid]
	for len(full) > 0 || len(want) > 0 {
		var p *Port
		if len(want) == 0 || (len(full) > 0 && full[0].index < want[0].index) {
			p, full = full[0], full[1:]
		} else {
			p, want = want[0], want[1:]
		}
		if p != in {
			fl.targets = append(fl.targets, p)
		}
	}
	delay := s.portDelay(in, s.im.Latency, 0) // every port's: none is impaired
	pkt.refs++
	s.k.At(s.k.Now().Add(delay), fl.arrive)
	if len(fl.targets) > 0 {
		b := s.getBurst(pkt)
		for _, p := range fl.targets {
			b.outs, b.epochs = append(b.outs, p), append(b.epochs, p.epoch)
		}
		b.send(delay)
	}
}

// advertArrive is the flood's arrival at the ports without a delivery of
// their own. The formula counts it for every port that counts now; the
// ports it must not count for (the sender, the ports with their own
// delivery) are corrected one by one. If a filter or a link changed while
// the advert was on the wire, the ports whose link went down get their
// link_down drop and the ports that now want it get their delivery, as
// one event per port would have done.
func (fl *advertFlood) advertArrive() {
	s, pkt, vrid := fl.s, fl.pkt, fl.vrid
	s.adv.arrived++
	s.adv.byVRID[vrid]++
	if in := pkt.in; in.countsAdvert(vrid) {
		in.adv.counted--
	}
	for _, p := range fl.targets {
		if p.countsAdvert(vrid) {
			p.adv.counted--
		}
	}
	delivered := uint64(len(s.ports) - 1 - len(fl.targets))
	if s.adv.gen != fl.gen {
		t := 0
		for _, p := range s.ports {
			if p == pkt.in {
				continue
			}
			if t < len(fl.targets) && fl.targets[t] == p {
				t++
				continue
			}
			switch {
			case p.adv.lastDown > fl.gen:
				// Down (and maybe up again) while the advert flew.
				delivered--
				if p.countsAdvert(vrid) {
					p.adv.counted--
				}
				s.drop(p, ReasonLinkDown, &s.cnt.DropLinkDown)
			case p.adv.f.Wants(vrid):
				delivered--
				pkt.refs++
				s.deliver(pkt, p, p.epoch)
			}
		}
	}
	s.cnt.Delivered += delivered
	if s.adv.verify {
		s.verifyFilters(pkt.in)
	}
	fl.pkt, fl.targets = nil, fl.targets[:0]
	s.adv.free = append(s.adv.free, fl)
	s.release(pkt)
}

func (s *Segment) getAdvertFlood(pkt *packet) *advertFlood {
	var fl *advertFlood
	if n := len(s.adv.free); n > 0 {
		fl = s.adv.free[n-1]
		s.adv.free = s.adv.free[:n-1]
	} else {
		fl = &advertFlood{s: s}
		fl.arrive = fl.advertArrive
	}
	fl.pkt = pkt
	return fl
}

// verifyFilters compares every port's filter with its receiver's.
func (s *Segment) verifyFilters(in *Port) {
	if s.adv.verr != nil {
		return
	}
	for _, p := range s.ports {
		fr, ok := p.r.(AdvertFilterer)
		if !ok {
			if !p.adv.f.All {
				s.adv.verr = fmt.Errorf("lan %s: port %s: advert filter %+v, but its receiver cannot tell (want All)", s.name, p.name, p.adv.f)
			}
			continue
		}
		if want := fr.AdvertFilter(); want != p.adv.f {
			s.adv.verr = fmt.Errorf("lan %s at %s: port %s: advert filter %+v installed, receiver says %+v",
				s.name, time.Duration(s.k.Now()), p.name, p.adv.f, want)
			return
		}
	}
}
