package reports

import (
	"flag"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sec converts seconds written in a test to virtual time.
func sec(s float64) sim.Time { return sim.Time(math.Round(s * float64(sim.Second))) }

// story builds a run's records by hand, in any order; records() sorts them
// by time, keeping the order of records written for the same instant.
type story struct{ recs []sim.Record }

var (
	macR1 = [6]byte{0x02, 0, 0, 0, 0x01, 0x01}
	macR2 = [6]byte{0x02, 0, 0, 0, 0x02, 0x01}
	macH1 = [6]byte{0x02, 0, 0, 0, 0x0a, 0x01}
	vmac  = [6]byte{0x00, 0x00, 0x5e, 0x00, 0x01, 51}
	vip   = netip.MustParseAddr("10.0.0.254")
)

func (s *story) add(r sim.Record) { s.recs = append(s.recs, r) }

func (s *story) iface(node, ifc string, mac [6]byte, addr string) {
	s.add(sim.Record{Kind: sim.KindNote, Event: "iface", Node: node, Comp: ifc, MAC: mac, Addr: netip.MustParseAddr(addr)})
}

func (s *story) state(at sim.Time, node, inst, from, to, reason string, prio int64) {
	s.add(sim.Record{At: at, Kind: sim.KindState, Node: node, Comp: inst, From: from, To: to, Reason: reason, Value: prio, Value2: 51})
}

func (s *story) advert(at sim.Time, node, inst string, prio int64) {
	s.add(sim.Record{At: at, Kind: sim.KindAdvert, Node: node, Comp: inst, Value: prio, Value2: 51})
}

// adverts adds one advert per second from first while before end.
func (s *story) adverts(first, end sim.Time, node, inst string, prio int64) {
	for t := first; t < end; t += sim.Second {
		s.advert(t, node, inst, prio)
	}
}

func (s *story) action(at sim.Time, verb, node, text string) {
	s.add(sim.Record{At: at, Kind: sim.KindAction, Comp: verb, Node: node, Event: text})
}

func (s *story) neigh(at sim.Time, host string, ip netip.Addr, mac [6]byte, from, to, reason string) {
	s.add(sim.Record{At: at, Kind: sim.KindNeigh, Node: host, Comp: "eth0", Addr: ip, MAC: mac, From: from, To: to, Reason: reason})
}

func (s *story) fdb(at sim.Time, seg string, mac [6]byte, from, to, reason string) {
	s.add(sim.Record{At: at, Kind: sim.KindFDB, Node: seg, MAC: mac, From: from, To: to, Reason: reason})
}

func (s *story) flow(at sim.Time, node, name, event string, seq int64) {
	s.add(sim.Record{At: at, Kind: sim.KindFlow, Node: node, Comp: name, Event: event, Value: seq})
}

// ping sends one packet per interval from start while before end; a packet
// sent inside a down window [down0, down1) is lost after timeout, the
// others come back after rtt.
func (s *story) ping(node, name string, start, end sim.Time, interval, rtt, timeout time.Duration, down ...[2]sim.Time) {
	seq := int64(0)
	for t := start; t < end; t = t.Add(interval) {
		s.flow(t, node, name, "sent", seq)
		lost := false
		for _, d := range down {
			if t >= d[0] && t < d[1] {
				lost = true
			}
		}
		if lost {
			if t.Add(timeout) < end {
				s.flow(t.Add(timeout), node, name, "lost", seq)
			}
		} else if t.Add(rtt) < end {
			s.flow(t.Add(rtt), node, name, "received", seq)
		}
		seq++
	}
}

func (s *story) drop(at sim.Time, node, comp, reason string) {
	s.add(sim.Record{At: at, Kind: sim.KindDrop, Node: node, Comp: comp, Reason: reason})
}

func (s *story) frame(at sim.Time, seg, port string, n int) {
	s.add(sim.Record{At: at, Kind: sim.KindFrame, Node: seg, Comp: port, Frame: make([]byte, n)})
}

func (s *story) records() []sim.Record {
	out := slices.Clone(s.recs)
	slices.SortStableFunc(out, func(x, y sim.Record) int {
		switch {
		case x.At < y.At:
			return -1
		case x.At > y.At:
			return 1
		}
		return 0
	})
	return out
}

func (s *story) collect() *Collector {
	c := NewCollector()
	recs := s.records()
	for i := range recs {
		c.Trace(&recs[i])
	}
	return c
}

// Times of the master-crash story. r1 (150) wins the election after
// master_down_interval = 3*1s + (256-150)/256 s = 3.4140625 s (RFC 3768
// section 6.1), advertises every second, and crashes at 10 s. Its last
// advert left at 9.4140625 s, so r2 (100) takes over one
// master_down_interval = 3 + 156/256 = 3.609375 s later, at 13.0234375 s.
var (
	crashR1Master   = sec(3.4140625)
	crashLastAdvert = sec(9.4140625)
	crashR2Master   = sec(13.0234375)
	crashGARP       = sec(13.0235)
	crashEnd        = sec(30)
)

// masterCrash is the master-crash example: r1 crashes at 10 s, r2 takes
// over; h1 pings the virtual IP every 100 ms from 4 s and loses what it
// sends from the crash until its ARP entry points at r2.
func masterCrash() *story {
	s := &story{}
	s.iface("h1", "eth0", macH1, "10.0.0.10")
	s.iface("r1", "eth0", macR1, "10.0.0.1")
	s.iface("r2", "eth0", macR2, "10.0.0.2")
	s.state(0, "r1", "VI_1", "INIT", "BACKUP", "startup", 150)
	s.state(0, "r2", "VI_1", "INIT", "BACKUP", "startup", 100)
	s.state(crashR1Master, "r1", "VI_1", "BACKUP", "MASTER", "master_down_expired", 150)
	s.fdb(crashR1Master, "lan", macR1, "", "r1/eth0", "learn")
	s.adverts(crashR1Master, sec(10), "r1", "VI_1", 150)
	s.frame(crashR1Master, "lan", "r1/eth0", 60)
	s.fdb(sec(4), "lan", macH1, "", "h1/eth0", "learn")
	s.neigh(sec(4), "h1", vip, [6]byte{}, "", "INCOMPLETE", "resolve")
	s.neigh(sec(4.0001), "h1", vip, macR1, "INCOMPLETE", "REACHABLE", "reply")
	s.action(sec(10), "crash", "r1", "crash r1")
	s.drop(sec(10.5), "h1", "eth0", "arp_not_for_us")
	s.drop(sec(11.5), "h1", "eth0", "arp_not_for_us")
	s.drop(sec(12), "r2", "VI_1", "vrrp_bad_ttl")
	s.state(crashR2Master, "r2", "VI_1", "BACKUP", "MASTER", "master_down_expired", 100)
	s.fdb(crashR2Master, "lan", macR2, "", "r2/eth0", "learn")
	s.frame(crashR2Master, "lan", "r2/eth0", 60)
	s.neigh(crashGARP, "h1", vip, macR2, "REACHABLE", "STALE", "garp")
	s.adverts(crashR2Master, crashEnd, "r2", "VI_1", 100)
	// Packets sent from 10 s until the GARP at 13.0235 s go to a dead MAC.
	s.ping("h1", "ping 10.0.0.254", sec(4), crashEnd, 100*time.Millisecond, time.Millisecond, time.Second,
		[2]sim.Time{sec(10), crashGARP})
	return s
}

var crashMeta = Meta{
	Scenario:    "master-crash",
	Description: "Two routers share virtual IP 10.0.0.254 (VRID 51).\nr1 crashes at 10s.",
	File:        "examples/master-crash.yaml",
	Seed:        1,
	Duration:    crashEnd,
	Disruptive:  []string{"crash r1"},
}
