package reports

import (
	"cmp"
	"encoding/binary"
	"iter"
	"slices"

	"github.com/vrrpsim/vrrpsim/sim"
)

// The neighbour (ARP) cache history of a run. Report.ARP prints every
// change of each entry whose owner moved, and which entries move is known
// only at the end, so every change of every entry is kept. A long run makes
// about four changes per entry per reachable cycle (REACHABLE -> STALE ->
// DELAY -> REACHABLE, neigh_timer_handler), so each change is kept in a few
// octets rather than as a struct of five strings (issue 14: memory that
// follows the network, not the run's length).

// neighKind is a change without its time: the interface, the link address
// and the transition. An entry repeats a handful of them, so the collector
// keeps each distinct one once (Collector.neighKinds) and a change names it
// by index. Their number follows the network (entries x transitions), not
// the run.
type neighKind struct {
	iface    string
	mac      [6]byte
	from, to string
	reason   string
}

// neighChange is one change of a neighbour entry, as the report reads it.
type neighChange struct {
	neighKind
	at sim.Time
	// switched: the link address is not zero and not the one before it
	// (macSwitch). The owner is the MAC's, so only there can it move.
	switched bool
	// seq is the record's place, known only where switched (a move is
	// matched with the action before it by place); zero elsewhere.
	seq pos
}

// neighLog is the history of one neighbour entry (node, IP), in record
// order.
type neighLog struct {
	n        int    // changes
	enc      []byte // per change: varint(at - at of the change before), uvarint(kind index)
	switches []pos  // record place of each change that switched (neighChange.seq)
	lastAt   sim.Time
	lastMAC  [6]byte // latest non-zero link address, for switches
}

// macSwitch says whether mac starts a new link address after *last, the
// latest non-zero one, and remembers it. A zero MAC (INCOMPLETE, FAILED)
// has no owner and switches nothing.
func macSwitch(last *[6]byte, mac [6]byte) bool {
	if mac == ([6]byte{}) || mac == *last {
		return false
	}
	*last = mac
	return true
}

// onNeigh keeps one KindNeigh record.
func (c *Collector) onNeigh(r *sim.Record) {
	k := hostIP{r.Node, r.Addr}
	l := c.neigh[k]
	if l == nil {
		l = &neighLog{}
		c.neigh[k] = l
		c.neighKey = append(c.neighKey, k)
	}
	nk := neighKind{iface: r.Comp, mac: r.MAC, from: r.From, to: r.To, reason: r.Reason}
	ix, ok := c.neighKindIx[nk]
	if !ok {
		if c.neighKindIx == nil {
			c.neighKindIx = make(map[neighKind]uint32)
		}
		ix = uint32(len(c.neighKinds))
		c.neighKinds = append(c.neighKinds, nk)
		c.neighKindIx[nk] = ix
	}
	l.enc = binary.AppendVarint(l.enc, int64(r.At-l.lastAt))
	l.enc = binary.AppendUvarint(l.enc, uint64(ix))
	l.lastAt = r.At
	l.n++
	if macSwitch(&l.lastMAC, r.MAC) {
		l.switches = append(l.switches, c.cur)
	}
}

// neighChanges yields the changes of the entry k in record order (none if
// it has none).
func (c *Collector) neighChanges(k hostIP) iter.Seq[neighChange] {
	return func(yield func(neighChange) bool) {
		l := c.neigh[k]
		if l == nil {
			return
		}
		b, sw := l.enc, l.switches
		var at sim.Time
		var mac [6]byte
		for range l.n {
			d, n := binary.Varint(b)
			b = b[n:]
			ix, n := binary.Uvarint(b)
			b = b[n:]
			at += sim.Time(d)
			ch := neighChange{neighKind: c.neighKinds[ix], at: at}
			if macSwitch(&mac, ch.mac) {
				ch.switched, ch.seq, sw = true, sw[0], sw[1:]
			}
			if !yield(ch) {
				return
			}
		}
	}
}

// neighKeys returns the neighbour entries sorted by host then IP.
func (c *Collector) neighKeys() []hostIP {
	keys := slices.Clone(c.neighKey)
	slices.SortFunc(keys, func(x, y hostIP) int {
		return cmp.Or(cmp.Compare(x.host, y.host), x.ip.Compare(y.ip))
	})
	return keys
}

// arpChange is a change as the report prints it.
func (c *Collector) arpChange(ch neighChange) ARPChange {
	return ARPChange{
		At: Seconds(ch.at), Iface: ch.iface, MAC: macString(ch.mac), Owner: c.owner(ch.mac),
		From: ch.from, State: ch.to, Reason: ch.reason,
	}
}
