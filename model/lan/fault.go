package lan

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// Impairment degrades deliveries, in the spirit of Linux netem.
type Impairment struct {
	// Loss is the probability in [0,1] that a delivery is dropped. Values
	// outside are clamped; NaN means 0.
	Loss float64
	// Latency is added to the one-way delay (negative means 0).
	Latency time.Duration
	// Jitter adds a uniform random delay in [0, Jitter). As with netem,
	// jitter may reorder frames.
	Jitter time.Duration
}

// clean clamps out-of-range values so a bad scenario value cannot panic
// the random draws.
func (im Impairment) clean() Impairment {
	switch {
	case math.IsNaN(im.Loss) || im.Loss < 0:
		im.Loss = 0
	case im.Loss > 1:
		im.Loss = 1
	}
	im.Latency = max(im.Latency, 0)
	im.Jitter = max(im.Jitter, 0)
	return im
}

// combinedLoss is the probability that a delivery is lost when it crosses
// independent lossy stages (segment, ingress port, egress port).
func combinedLoss(ps ...float64) float64 {
	keep := 1.0
	for _, p := range ps {
		keep *= 1 - p
	}
	return 1 - keep
}

// Partition splits the segment into groups of node names. Frames never
// cross groups; a node in no group is isolated (it only reaches its own
// other ports). Each group keeps its own FDB (entries learned before the
// partition stay in the group of their port). Partition replaces any
// earlier partition. It returns an error, and changes nothing, for an
// unknown node name or a node listed twice.
func (s *Segment) Partition(groups [][]string) error {
	known := make(map[string]bool, len(s.ports))
	for _, p := range s.ports {
		known[p.node] = true
	}
	group := make(map[string]int)
	for gi, g := range groups {
		for _, n := range g {
			if !known[n] {
				return fmt.Errorf("lan %s: partition: unknown node %q (attached: %s)", s.name, n, strings.Join(s.nodeNames(), ", "))
			}
			if prev, dup := group[n]; dup {
				return fmt.Errorf("lan %s: partition: node %q is in group %d and group %d", s.name, n, prev+1, gi+1)
			}
			group[n] = gi
		}
	}
	// Islands: one per group, then one per isolated node in attach order.
	islands := len(groups)
	isolated := make(map[string]int)
	for _, p := range s.ports {
		if gi, ok := group[p.node]; ok {
			p.island = gi
			continue
		}
		if is, ok := isolated[p.node]; ok {
			p.island = is
			continue
		}
		isolated[p.node] = islands
		p.island = islands
		islands++
	}
	s.partitioned = true
	s.islands = max(islands, 1)
	s.fdb.rekey()
	return nil
}

// Heal ends a partition: one switch again. For a MAC learned in several
// groups the most recently refreshed entry is kept.
func (s *Segment) Heal() {
	if !s.partitioned {
		return
	}
	for _, p := range s.ports {
		p.island = 0
	}
	s.partitioned = false
	s.islands = 1
	s.fdb.rekey()
}

// nodeNames lists the attached nodes in attach order, once each.
func (s *Segment) nodeNames() []string {
	var names []string
	seen := make(map[string]bool)
	for _, p := range s.ports {
		if !seen[p.node] {
			seen[p.node] = true
			names = append(names, p.node)
		}
	}
	return names
}

// Class selects the frames a Block rule applies to.
type Class uint8

// Frame classes.
const (
	ClassAll  Class = iota // every frame
	ClassVRRP              // IPv4 protocol 112
	ClassARP               // any ARP
	ClassGARP              // gratuitous ARP only (sender IP == target IP)
	ClassICMP              // IPv4 protocol 1
	ClassUDP               // IPv4 protocol 17
	numClasses
)

var classNames = [numClasses]string{"all", "vrrp", "arp", "garp", "icmp", "udp"}

// String returns the name ParseClass accepts.
func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// ParseClass parses "all", "vrrp", "arp", "garp", "icmp" or "udp".
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if s == n {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("lan: unknown frame class %q (want one of %s)", s, strings.Join(classNames[:], ", "))
}

// Rule blocks one class of frames in one direction between nodes.
type Rule struct {
	Class Class
	From  string // sending node, "" = any
	To    string // receiving node, "" = any
}

type blockRule struct {
	id int
	Rule
}

// Block installs r and returns its id for Unblock. Rules are one way: a
// rule From a To b does not stop b's frames to a.
func (s *Segment) Block(r Rule) (id int) {
	id = s.nextID
	s.nextID++
	s.rules = append(s.rules, blockRule{id: id, Rule: r})
	return id
}

// Unblock removes the rule with the given id; it reports whether it existed.
func (s *Segment) Unblock(id int) bool {
	for i, r := range s.rules {
		if r.id == id {
			s.rules = append(s.rules[:i], s.rules[i+1:]...)
			return true
		}
	}
	return false
}

// classSet is the set of classes one frame belongs to, computed at most
// once per frame (the frame is decoded once, not once per receiver).
type classSet uint8

const classUnknown classSet = 0
const classDone classSet = 1 << 7

func (cs classSet) has(c Class) bool { return c == ClassAll || cs&(1<<c) != 0 }

// classify decodes the frame with the segment's decoder. A frame that does
// not decode cleanly keeps whatever the decoder recognised before the error
// (so a VRRP packet with a bad checksum is still IPv4 protocol 112).
func (s *Segment) classify(b []byte) classSet {
	cs := classDone
	f := &s.frame
	// Clear the flags only, so the decoder can reuse the VRRP address slice.
	f.HasARP, f.HasIP, f.HasVRRP, f.HasICMP, f.HasUDP = false, false, false, false, false
	if s.dec == nil {
		s.dec = wire.NewDecoder() // only segments with block rules classify
	}
	_ = s.dec.Decode(b, f)
	if f.HasARP {
		cs |= 1 << ClassARP
		if f.ARP.IsGratuitous() {
			cs |= 1 << ClassGARP
		}
	}
	if f.HasIP {
		switch f.IP.Protocol {
		case wire.ProtoVRRP:
			cs |= 1 << ClassVRRP
		case wire.ProtoICMP:
			cs |= 1 << ClassICMP
		case wire.ProtoUDP:
			cs |= 1 << ClassUDP
		}
	}
	return cs
}

// blocked reports whether a rule stops the delivery from in to out.
func (s *Segment) blocked(b []byte, in, out *Port, cs *classSet) bool {
	for _, r := range s.rules {
		if r.From != "" && r.From != in.node || r.To != "" && r.To != out.node {
			continue
		}
		if r.Class != ClassAll && *cs == classUnknown {
			*cs = s.classify(b)
		}
		if cs.has(r.Class) {
			return true
		}
	}
	return false
}
