package arp

import (
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// EntryStatus is one neighbour entry as the stepper's `show arp` prints it:
// what `ip -s neigh` shows of a struct neighbour (state, link address,
// used/confirmed/updated ages, probes) plus the entry timer's deadline.
type EntryStatus struct {
	Entry
	Used      sim.Time // last use by an outgoing packet (neigh->used)
	Probes    int      // solicitations sent in INCOMPLETE/PROBE (neigh->probes)
	Queued    int      // packets waiting for resolution (arp_queue)
	TimerAt   sim.Time // next neigh_timer_handler run, when TimerOn
	TimerOn   bool
	Reachable time.Duration // the cache's current reachable_time
}

// Show returns every entry in IP order with its timer, for a show view.
func (c *Cache) Show() []EntryStatus {
	out := make([]EntryStatus, 0, len(c.entries))
	for _, e := range c.sorted() {
		st := EntryStatus{Entry: e.snapshot(), Used: e.used, Probes: e.probes, Queued: len(e.queue), Reachable: c.reachableTime}
		if e.timer != nil {
			st.TimerAt, st.TimerOn = sim.Deadline(e.timer)
		}
		out = append(out, st)
	}
	return out
}
