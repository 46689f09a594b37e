package lan

import (
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// FDBEntry is one learned MAC as the stepper's `show mac` prints it (the
// fields `bridge fdb show` / brctl showmacs print: port, MAC, age).
type FDBEntry struct {
	MAC     wire.MAC
	Port    string // "node/iface"
	Island  int    // partition group (0 when the segment is whole)
	Updated sim.Time
}

// PortStatus is one switch port.
type PortStatus struct {
	Name   string
	LinkUp bool
	Island int
}

// FDB returns the learned MACs, oldest refresh first (the aging list
// order, so no map order shows).
func (s *Segment) FDB() []FDBEntry {
	var out []FDBEntry
	for e := s.fdb.head; e != nil; e = e.next {
		out = append(out, FDBEntry{MAC: e.key.mac, Port: e.port.name, Island: e.key.island, Updated: e.updated})
	}
	return out
}

// Aging returns the FDB ageing time (negative: entries never age).
func (s *Segment) Aging() time.Duration { return s.cfg.FDBAging }

// PortStatus returns the ports in attach order.
func (s *Segment) PortStatus() []PortStatus {
	out := make([]PortStatus, len(s.ports))
	for i, p := range s.ports {
		out[i] = PortStatus{Name: p.name, LinkUp: p.up, Island: p.island}
	}
	return out
}
