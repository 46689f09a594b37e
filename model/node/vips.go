package node

import (
	"net/netip"
	"slices"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// vipSet is the virtual IPs an interface holds as VRRP master, each with
// the MAC it answers ARP from. While it is short it is a list in the
// interface's own memory: hasAddr looks an address up in it for every
// packet the node receives, and a map there cost two more cache lines per
// packet on a large LAN (docs/performance.md). Past vipFew addresses it is
// a map, so that a router holding hundreds of VIPs stays O(1).
type vipSet struct {
	few  []HeldVIP // the VIPs, while at most vipFew; its array is mem at first
	mem  [1]HeldVIP
	many map[netip.Addr]wire.MAC // the VIPs instead of few, past vipFew
}

// vipFew is the longest list searched linearly.
const vipFew = 8

// get returns the MAC a VIP is held with.
func (s *vipSet) get(a netip.Addr) (wire.MAC, bool) {
	if s.many != nil {
		m, ok := s.many[a]
		return m, ok
	}
	for k := range s.few {
		if s.few[k].IP == a {
			return s.few[k].MAC, true
		}
	}
	return wire.MAC{}, false
}

// has reports whether a is held.
func (s *vipSet) has(a netip.Addr) bool {
	_, ok := s.get(a)
	return ok
}

// set holds a with mac (replacing the MAC if a is held already).
func (s *vipSet) set(a netip.Addr, mac wire.MAC) {
	if s.many != nil {
		s.many[a] = mac
		return
	}
	for k := range s.few {
		if s.few[k].IP == a {
			s.few[k].MAC = mac
			return
		}
	}
	if len(s.few) == vipFew {
		s.many = make(map[netip.Addr]wire.MAC, 2*vipFew)
		for _, v := range s.few {
			s.many[v.IP] = v.MAC
		}
		s.many[a] = mac
		s.few = nil
		return
	}
	if s.few == nil {
		s.few = s.mem[:0]
	}
	s.few = append(s.few, HeldVIP{a, mac})
}

// del releases a.
func (s *vipSet) del(a netip.Addr) {
	if s.many != nil {
		delete(s.many, a)
		return
	}
	for k := range s.few {
		if s.few[k].IP == a {
			s.few = slices.Delete(s.few, k, k+1)
			return
		}
	}
}

// clear releases every VIP.
func (s *vipSet) clear() {
	s.few, s.many = s.few[:0], nil
}

// len is the number of VIPs held.
func (s *vipSet) len() int {
	if s.many != nil {
		return len(s.many)
	}
	return len(s.few)
}

// all returns the VIPs held, in IP order.
func (s *vipSet) all() []HeldVIP {
	out := make([]HeldVIP, 0, s.len())
	if s.many != nil {
		for ip, mac := range s.many {
			out = append(out, HeldVIP{ip, mac})
		}
	} else {
		out = append(out, s.few...)
	}
	slices.SortFunc(out, func(a, b HeldVIP) int { return a.IP.Compare(b.IP) })
	return out
}
