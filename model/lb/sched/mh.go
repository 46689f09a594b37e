package sched

import "math/bits"

// Maglev hashing (net/netfilter/ipvs/ip_vs_mh.c; Eisenbud et al., NSDI
// 2016, section 3.4): every destination walks its own permutation of a
// prime-sized lookup table and claims free slots in turn, as many per
// round as its scaled weight, until the table is full. A client's address
// (and port, with mh-port) hashes to one slot. Removing a destination
// frees only its slots for the others, so most clients keep their server.
// The table is rebuilt only on add, del and upd; a pick is one hash.

// Table size: CONFIG_IP_VS_MH_TAB_INDEX defaults to 12, which selects
// primes[12-8] = 4093 slots, and IP_VS_MH_TAB_BITS = 12/2 = 6 bounds the
// scaled weights.
const (
	mhTabSize = 4093
	mhTabBits = 6
)

// The fixed keys of generate_hash_secret: hash1 places clients and
// permutation offsets, hash2 gives the skips.
var (
	mhHash1 = hsipKey{2654435761, 2654435761}
	mhHash2 = hsipKey{2654446892, 2654446892}
)

// mhHashKey is ip_vs_mh_hashkey: hsiphash of the 32-bit sum
// offset + port + addr.
func mhHashKey(fold uint32, port uint16, key hsipKey, offset uint32) uint32 {
	return hsiphash32(offset+uint32(port)+fold, key)
}

// mhSetup is struct ip_vs_mh_dest_setup: where a destination's
// permutation starts, its step, where it stands, and its slots per round.
type mhSetup struct {
	offset, skip, perm uint32
	turns              int
}

// MH is the mh scheduler.
type MH struct {
	lookup []*Dest   // mhTabSize slots from Init; all nil while no weight
	setup  []mhSetup // per destination, in list order; reused
	used   [(mhTabSize + 63) / 64]uint64
	gcd    int
	rshift int
}

func init() { register("mh", func(Rand) Scheduler { return &MH{} }) }

// Name returns "mh".
func (m *MH) Name() string { return "mh" }

// Init allocates the lookup table and fills it (ip_vs_mh_init_svc).
func (m *MH) Init(svc *Service) {
	m.lookup = make([]*Dest, mhTabSize)
	m.changed(svc)
}

// AddDest rebuilds the table (ip_vs_mh_dest_changed).
func (m *MH) AddDest(svc *Service, _ *Dest) { m.changed(svc) }

// DelDest rebuilds the table (ip_vs_mh_dest_changed).
func (m *MH) DelDest(svc *Service, _ *Dest, _ int) { m.changed(svc) }

// UpdDest rebuilds the table (ip_vs_mh_dest_changed). Quiescing keeps a
// destination's last_weight, so its slots stay where they were.
func (m *MH) UpdDest(svc *Service, _ *Dest) { m.changed(svc) }

// changed is ip_vs_mh_dest_changed: new gcd and shift, then reassign.
func (m *MH) changed(svc *Service) {
	if m.lookup == nil {
		m.lookup = make([]*Dest, mhTabSize)
	}
	m.gcd = mhGCDWeight(svc.Dests)
	m.rshift = mhShiftWeight(svc.Dests, m.gcd)
	// ip_vs_mh_reassign refuses (-EINVAL) more destinations than slots and
	// leaves the old table.
	if len(svc.Dests) > mhTabSize {
		return
	}
	m.permutate(svc.Dests)
	m.populate(svc.Dests)
}

// mhGCDWeight is ip_vs_mh_gcd_weight: the gcd of the positive last
// weights, 0 when there is none.
func mhGCDWeight(dests []*Dest) int {
	g := 0
	for _, d := range dests {
		if w := d.LastWeight; w > 0 {
			if g > 0 {
				g = gcd(w, g)
			} else {
				g = w
			}
		}
	}
	return g
}

// mhShiftWeight is ip_vs_mh_shift_weight: how far to shift weight/gcd so
// the largest fits in IP_VS_MH_TAB_BITS bits (fls(max/gcd) - 6, at least
// 0), which bounds the slots a destination claims per round.
func mhShiftWeight(dests []*Dest, g int) int {
	if g < 1 {
		return 0
	}
	max := 0
	for _, d := range dests {
		if d.LastWeight > max {
			max = d.LastWeight
		}
	}
	shift := bits.Len(uint(max/g)) - mhTabBits
	if shift < 0 {
		return 0
	}
	return shift
}

// mhTurns is a destination's slots per round (ip_vs_mh_permutate):
// (lw / gcd) >> rshift, or 1 when that rounds to 0 for a non-zero lw.
func mhTurns(lw, g, rshift int) int {
	if t := (lw / g) >> rshift; t != 0 {
		return t
	}
	if lw != 0 {
		return 1
	}
	return 0
}

// permutate is ip_vs_mh_permutate: each destination's offset and skip
// from the hashes of its address and port.
func (m *MH) permutate(dests []*Dest) {
	if m.gcd < 1 {
		return
	}
	if cap(m.setup) < len(dests) {
		m.setup = make([]mhSetup, len(dests))
	}
	m.setup = m.setup[:len(dests)]
	for i, d := range dests {
		fold, port := foldAddr(d.Addr.Addr()), d.Addr.Port()
		ds := &m.setup[i]
		ds.offset = mhHashKey(fold, port, mhHash1, 0) % mhTabSize
		ds.skip = mhHashKey(fold, port, mhHash2, 0)%(mhTabSize-1) + 1
		ds.perm = ds.offset
		ds.turns = mhTurns(d.LastWeight, m.gcd, m.rshift)
	}
}

// populate is ip_vs_mh_populate: rounds over the list, each destination
// claiming its next free preferred slots, turns of them, until every slot
// is taken. Destinations with no turns (added at weight 0) get none.
func (m *MH) populate(dests []*Dest) {
	if m.gcd < 1 {
		clear(m.lookup) // ip_vs_mh_reset
		return
	}
	clear(m.used[:])
	n, count := 0, 0
	for n < mhTabSize {
		for i := 0; i < len(dests); {
			ds := &m.setup[i]
			if ds.turns < 1 {
				i++
				continue
			}
			c := ds.perm
			for m.used[c/64]&(1<<(c%64)) != 0 {
				ds.perm += ds.skip
				if ds.perm >= mhTabSize {
					ds.perm -= mhTabSize
				}
				c = ds.perm
			}
			m.used[c/64] |= 1 << (c % 64)
			m.lookup[c] = dests[i]
			if n++; n == mhTabSize {
				return
			}
			if count++; count >= ds.turns {
				count = 0
				i++
			}
		}
	}
}

// Schedule looks up the client's slot (ip_vs_mh_schedule).
func (m *MH) Schedule(svc *Service, r *Request) *Dest {
	if m.lookup == nil {
		return nil
	}
	var port uint16
	if svc.Flags&FlagMHPort != 0 {
		port = hashPort(r)
	}
	fold := foldAddr(r.Client.Addr())
	d := m.lookup[mhHashKey(fold, port, mhHash1, 0)%mhTabSize]
	if svc.Flags&FlagMHFallback != 0 {
		return m.fallback(d, fold, port)
	}
	// ip_vs_mh_get
	if d == nil || hashUnavailable(d) {
		return nil
	}
	return d
}

// fallback is ip_vs_mh_get_fallback: when the client's slot holds an
// unavailable destination, rehash the client with offsets ihash,
// ihash+1, ... (mod 4093) until a slot holds an available one.
func (m *MH) fallback(d *Dest, fold uint32, port uint16) *Dest {
	if d == nil {
		return nil
	}
	if !hashUnavailable(d) {
		return d
	}
	ihash := mhHashKey(fold, port, mhHash1, 0) % mhTabSize
	return hashFallback(mhTabSize, ihash, func(roff uint32) *Dest {
		return m.lookup[mhHashKey(fold, port, mhHash1, roff)%mhTabSize]
	})
}
