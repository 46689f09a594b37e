package sched

// Destination hashing (net/netfilter/ipvs/ip_vs_dh.c): sh's 256-bucket
// table keyed by the packet's destination address, for cache clusters
// where the same origin server should always meet the same cache. Unlike
// sh, ip_vs_dh_reassign gives every destination one bucket in turn,
// whatever its weight, and there is no fallback.

// DH is the dh scheduler.
type DH struct {
	tab bucketTable
}

func init() { register("dh", func(Rand) Scheduler { return &DH{} }) }

// Name returns "dh".
func (s *DH) Name() string { return "dh" }

// Init fills the table from the service's list (ip_vs_dh_init_svc).
func (s *DH) Init(svc *Service) { s.tab.assign(svc.Dests, false) }

// AddDest refills the table (ip_vs_dh_dest_changed).
func (s *DH) AddDest(svc *Service, _ *Dest) { s.tab.assign(svc.Dests, false) }

// DelDest refills the table (ip_vs_dh_dest_changed).
func (s *DH) DelDest(svc *Service, _ *Dest, _ int) { s.tab.assign(svc.Dests, false) }

// UpdDest refills the table (ip_vs_dh_dest_changed); weights do not
// shape it, so the buckets stay where they were.
func (s *DH) UpdDest(svc *Service, _ *Dest) { s.tab.assign(svc.Dests, false) }

// Schedule picks the bucket of the packet's destination address
// (ip_vs_dh_schedule): nil when that destination is unavailable, quiesced
// or overloaded.
func (s *DH) Schedule(_ *Service, r *Request) *Dest {
	d := s.tab[shHashKey(foldAddr(r.Dst.Addr()), 0, 0)]
	if d == nil || !d.Available || d.Weight <= 0 || d.Overloaded {
		return nil
	}
	return d
}
