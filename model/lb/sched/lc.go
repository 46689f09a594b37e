package sched

// lc is least-connection (ip_vs_lc.c) and wlc weighted least-connection
// (ip_vs_wlc.c). Both count a connection's overhead as
// ip_vs_dest_conn_overhead, active<<8 + inactive, and keep no state.
type lc struct{ noState }

type wlc struct{ noState }

func init() {
	register("lc", func(Rand) Scheduler { return lc{} })
	register("wlc", func(Rand) Scheduler { return wlc{} })
}

func (lc) Name() string  { return "lc" }
func (wlc) Name() string { return "wlc" }

// Schedule follows ip_vs_lc_schedule: the least overhead among the
// destinations neither overloaded nor quiesced; on a tie the first in the
// list (the newest) stays. (The function's comment still says
// activeconns<<5; the code calls ip_vs_dest_conn_overhead, <<8.)
func (lc) Schedule(svc *Service, _ *Request) *Dest {
	var least *Dest
	loh := 0
	for _, d := range svc.Dests {
		if d.Overloaded || d.Weight == 0 {
			continue
		}
		if doh := connOverhead(d); least == nil || doh < loh {
			least, loh = d, doh
		}
	}
	return least
}

// Schedule follows ip_vs_wlc_schedule: the least overhead/weight,
// compared cross-multiplied in 64 bits; the first destination neither
// overloaded nor quiesced starts, the rest skip only overloaded ones (a
// quiesced one cannot win: its side of the product is 0); ties keep the
// earlier one.
func (wlc) Schedule(svc *Service, _ *Request) *Dest {
	return leastWeighted(svc, connOverhead)
}

// leastWeighted is the two-stage walk wlc and sed share: overhead(d)/weight
// minimal, with the kernel's (__s64) cross-multiplication.
func leastWeighted(svc *Service, overhead func(*Dest) int) *Dest {
	first := -1
	for i, d := range svc.Dests {
		if !d.Overloaded && d.Weight > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	least := svc.Dests[first]
	loh := int64(overhead(least))
	for _, d := range svc.Dests[first+1:] {
		if d.Overloaded {
			continue
		}
		doh := int64(overhead(d))
		if loh*int64(d.Weight) > doh*int64(least.Weight) {
			least, loh = d, doh
		}
	}
	return least
}
