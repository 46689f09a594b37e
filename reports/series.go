package reports

import (
	"cmp"
	"slices"

	"github.com/vrrpsim/vrrpsim/sim"
)

// This file exposes the raw series the collector keeps, for consumers that
// draw the whole run rather than the summary metrics (reports/plot). Every
// result is sorted so that it never depends on map iteration order.

// NeighHistory is every change of one node's neighbour entry for one IP,
// in record order. Report.ARP lists only the entries whose owner moved;
// this lists them all.
type NeighHistory struct {
	Host    string
	IP      string
	Changes []ARPChange
}

// NeighHistories returns the history of every neighbour entry, sorted by
// host then IP.
func (c *Collector) NeighHistories() []NeighHistory {
	keys := c.neighKeys()
	out := make([]NeighHistory, 0, len(keys))
	for _, k := range keys {
		h := NeighHistory{Host: k.host, IP: k.ip.String(), Changes: []ARPChange{}}
		for ch := range c.neighChanges(k) {
			h.Changes = append(h.Changes, c.arpChange(ch))
		}
		out = append(out, h)
	}
	return out
}

// FlowPacket is one packet of a traffic flow: when it was sent and what
// became of it (neither Received nor Lost: still in flight at the end).
type FlowPacket struct {
	Seq      int64
	Sent     sim.Time
	Received bool
	Lost     bool
}

// FlowPackets is the per-packet account of one flow, in send order.
type FlowPackets struct {
	Node    string
	Name    string
	Packets []FlowPacket
}

// FlowSeries returns every flow's packets, sorted by node then flow name
// (the order of Report.Flows).
func (c *Collector) FlowSeries() []FlowPackets {
	keys := make([]flowKey, 0, len(c.flows))
	for k := range c.flows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y flowKey) int {
		return cmp.Or(cmp.Compare(x.node, y.node), cmp.Compare(x.name, y.name))
	})
	out := make([]FlowPackets, 0, len(keys))
	for _, k := range keys {
		f := c.flows[k]
		fp := FlowPackets{Node: k.node, Name: k.name, Packets: make([]FlowPacket, len(f.pkts))}
		for i, p := range f.pkts {
			fp.Packets[i] = FlowPacket{Seq: p.seq, Sent: p.sent, Received: p.received, Lost: p.lost}
		}
		out = append(out, fp)
	}
	return out
}
