package sched

// sed is shortest expected delay (ip_vs_sed.c) and nq never queue
// (ip_vs_nq.c). Both weigh only active connections, counting the
// incoming one: ip_vs_sed_dest_overhead = activeconns + 1. Inactive
// connections (SYN_RECV, UDP) do not count at all.
type sed struct{ noState }

type nq struct{ noState }

func init() {
	register("sed", func(Rand) Scheduler { return sed{} })
	register("nq", func(Rand) Scheduler { return nq{} })
}

func (sed) Name() string { return "sed" }
func (nq) Name() string  { return "nq" }

// sedOverhead is ip_vs_sed_dest_overhead (and ip_vs_nq_dest_overhead).
func sedOverhead(d *Dest) int { return d.Active + 1 }

// Schedule follows ip_vs_sed_schedule: wlc's walk on (active+1)/weight.
func (sed) Schedule(svc *Service, _ *Request) *Dest {
	return leastWeighted(svc, sedOverhead)
}

// Schedule follows ip_vs_nq_schedule: the first destination in the list
// with no active connection wins at once; otherwise as sed, with a
// quiesced destination skipped.
func (nq) Schedule(svc *Service, _ *Request) *Dest {
	var least *Dest
	var loh int64
	for _, d := range svc.Dests {
		if d.Overloaded || d.Weight == 0 {
			continue
		}
		if d.Active == 0 {
			return d
		}
		doh := int64(sedOverhead(d))
		if least == nil || loh*int64(d.Weight) > doh*int64(least.Weight) {
			least, loh = d, doh
		}
	}
	return least
}
