package sched

// Source hashing (net/netfilter/ipvs/ip_vs_sh.c): a 256-bucket table maps
// the hash of the client address (and port, with sh-port) to a
// destination. The table is refilled whenever a destination is added,
// removed or reweighted, so a client keeps its server only while the
// list and the weights stay the same.

// IP_VS_SH_TAB_BITS (CONFIG_IP_VS_SH_TAB_BITS default), shared with dh.
const (
	shTabBits = 8
	shTabSize = 1 << shTabBits
	shTabMask = shTabSize - 1
)

// bucketTable is the bucket array of sh and dh (struct ip_vs_sh_state).
type bucketTable [shTabSize]*Dest

// assign fills every bucket walking the list from its head and cycling.
// weighted is sh's rule (ip_vs_sh_reassign): a destination keeps taking
// buckets until ++count >= weight, so weight w takes w consecutive
// buckets and weight 0 still takes one. Without it (ip_vs_dh_reassign)
// each destination takes one. An empty list clears the table.
func (t *bucketTable) assign(dests []*Dest, weighted bool) {
	if len(dests) == 0 {
		*t = bucketTable{}
		return
	}
	i, count := 0, 0
	for b := range t {
		d := dests[i]
		t[b] = d
		count++
		if !weighted || count >= d.Weight {
			i = (i + 1) % len(dests)
			count = 0
		}
	}
}

// shHashKey is ip_vs_sh_hashkey (and, with port and offset 0,
// ip_vs_dh_hashkey): (offset + (port + addr) * 2654435761) & 255. The
// kernel multiplies in unsigned long; the low 8 bits are the same in 32.
func shHashKey(fold uint32, port uint16, offset uint32) uint32 {
	return (offset + (uint32(port)+fold)*goldenPrime32) & shTabMask
}

// SH is the sh scheduler.
type SH struct {
	tab bucketTable
}

func init() { register("sh", func(Rand) Scheduler { return &SH{} }) }

// Name returns "sh".
func (s *SH) Name() string { return "sh" }

// Init fills the table from the service's list (ip_vs_sh_init_svc).
func (s *SH) Init(svc *Service) { s.tab.assign(svc.Dests, true) }

// AddDest refills the table (ip_vs_sh_dest_changed).
func (s *SH) AddDest(svc *Service, _ *Dest) { s.tab.assign(svc.Dests, true) }

// DelDest refills the table (ip_vs_sh_dest_changed).
func (s *SH) DelDest(svc *Service, _ *Dest, _ int) { s.tab.assign(svc.Dests, true) }

// UpdDest refills the table (ip_vs_sh_dest_changed): a weight change
// moves buckets, quiescing included.
func (s *SH) UpdDest(svc *Service, _ *Dest) { s.tab.assign(svc.Dests, true) }

// Schedule picks the bucket of the client's address (ip_vs_sh_schedule).
func (s *SH) Schedule(svc *Service, r *Request) *Dest {
	var port uint16
	if svc.Flags&FlagSHPort != 0 {
		port = hashPort(r)
	}
	fold := foldAddr(r.Client.Addr())
	if svc.Flags&FlagSHFallback != 0 {
		return s.fallback(fold, port)
	}
	// ip_vs_sh_get
	d := s.tab[shHashKey(fold, port, 0)]
	if d == nil || hashUnavailable(d) {
		return nil
	}
	return d
}

// fallback is ip_vs_sh_get_fallback: when the client's bucket holds an
// unavailable destination, rehash with offsets ihash, ihash+1, ... so
// every bucket is tried once, in an order fixed by the client.
func (s *SH) fallback(fold uint32, port uint16) *Dest {
	ihash := shHashKey(fold, port, 0)
	d := s.tab[ihash]
	if d == nil {
		return nil
	}
	if !hashUnavailable(d) {
		return d
	}
	return hashFallback(shTabSize, ihash, func(roff uint32) *Dest {
		return s.tab[shHashKey(fold, port, roff)]
	})
}
