package sched

import (
	"net/netip"
	"time"
)

// Locality-based least-connection (net/netfilter/ipvs/ip_vs_lblc.c): a
// table maps each destination address (the origin server a cache
// cluster serves) to the real server that took it last time; the address
// sticks to that server until it is quiesced, removed or overloaded in
// the lblc sense, then moves to the weighted least-connection server.
// lblcr (lblcr.go) keeps a set of servers per address in the same table.
//
// Ageing: the kernel collects stale entries from a periodic timer, not at
// lookup, and an entry past its expiration keeps steering until the
// collector reaches it (up to 30 minutes later). So the table is aged by
// CheckExpire, which the director calls every ExpireInterval from the
// service's creation, exactly as periodic_timer fires.

// ExpireInterval is CHECK_EXPIRE_INTERVAL: the period of the lblc and
// lblcr collectors.
const ExpireInterval = 60 * time.Second

// DefaultExpiration is DEFAULT_EXPIRATION, the default of the sysctls
// lblc_expiration and lblcr_expiration.
const DefaultExpiration = 24 * time.Hour

const (
	// entryTimeout is ENTRY_TIMEOUT: the age past which the collector
	// removes entries when the table holds more than maxSize.
	entryTimeout = 6 * time.Minute
	// countForFullExpiration is COUNT_FOR_FULL_EXPIRATION: every 30th
	// run is a full check against the expiration sysctl.
	countForFullExpiration = 30
	// IP_VS_LBLC_TAB_BITS (and _LBLCR_): 1024 buckets.
	localityTabBits = 10
	localityTabSize = 1 << localityTabBits
	localityTabMask = localityTabSize - 1
	// localityMaxSize is tbl->max_size, IP_VS_LBLC_TAB_SIZE*16.
	localityMaxSize = localityTabSize * 16
)

// Expirer is a scheduler whose table the kernel ages with a periodic
// timer (lblc, lblcr). The director calls CheckExpire every
// ExpireInterval, the first ExpireInterval after the service was created.
type Expirer interface {
	CheckExpire(now time.Duration)
}

// localityEntry is struct ip_vs_lblc_entry (dest) or struct
// ip_vs_lblcr_entry (set): what a destination address is bound to.
type localityEntry struct {
	addr    netip.Addr
	lastuse time.Duration
	dest    *Dest   // lblc
	set     destSet // lblcr
}

// localityTable is struct ip_vs_lblc_table / ip_vs_lblcr_table: buckets
// by hash_32 of the address, the entry count, and the collector's rover
// and counter. The order inside a bucket is not visible: addresses are
// unique and the collector always sweeps whole buckets.
type localityTable struct {
	buckets [localityTabSize][]localityEntry
	// entries is tbl->entries as the kernel counts it (see lblc's
	// replace).
	entries int
	rover   int
	counter int
}

func newLocalityTable() localityTable { return localityTable{counter: 1} }

func localityHashKey(a netip.Addr) uint32 {
	return hash32(foldAddr(a), localityTabBits)
}

// get is ip_vs_lblc_get / ip_vs_lblcr_get. The pointer is valid until the
// next add or collection.
func (t *localityTable) get(a netip.Addr) *localityEntry {
	b := t.buckets[localityHashKey(a)]
	for i := range b {
		if b[i].addr == a {
			return &b[i]
		}
	}
	return nil
}

// add is ip_vs_lblc_hash: link a new entry and count it.
func (t *localityTable) add(e localityEntry) {
	h := localityHashKey(e.addr)
	t.buckets[h] = append(t.buckets[h], e)
	t.entries++
}

// sweep removes the entries of bucket j that are stale at now (age
// reached maxAge) and returns how many it removed.
func (t *localityTable) sweep(j int, now, maxAge time.Duration) int {
	b := t.buckets[j]
	kept := 0
	for _, e := range b {
		if now < e.lastuse+maxAge { // time_before(now, lastuse + age)
			b[kept] = e
			kept++
		}
	}
	clear(b[kept:]) // drop the references the removed entries held
	t.buckets[j] = b[:kept]
	removed := len(b) - kept
	t.entries -= removed
	return removed
}

// checkExpire is the body of ip_vs_lblc_check_expire and
// ip_vs_lblcr_check_expire: every 30th run a full check against the
// expiration; otherwise, only when the table holds more than maxSize
// entries, remove entries idle for ENTRY_TIMEOUT, bucket by bucket from
// the rover, until 4/3 of the excess (at most maxSize/2) are gone.
func (t *localityTable) checkExpire(now, expiration time.Duration) {
	if t.counter%countForFullExpiration == 0 {
		// ip_vs_lblc_full_check: every bucket, from the one after the rover.
		j := t.rover
		for i := 0; i < localityTabSize; i++ {
			j = (j + 1) & localityTabMask
			t.sweep(j, now, expiration)
		}
		t.rover = j
		t.counter = 1
		return
	}
	if t.entries <= localityMaxSize {
		t.counter++
		return
	}
	goal := (t.entries - localityMaxSize) * 4 / 3
	if goal > localityMaxSize/2 {
		goal = localityMaxSize / 2
	}
	j := t.rover
	for i := 0; i < localityTabSize; i++ {
		j = (j + 1) & localityTabMask
		goal -= t.sweep(j, now, entryTimeout)
		if goal <= 0 {
			break
		}
	}
	t.rover = j
}

// localityOverloaded is is_overloaded of ip_vs_lblc.c and ip_vs_lblcr.c:
// d has more active connections than its weight while some destination
// of the service has fewer than half its weight. It does not look at
// IP_VS_DEST_F_OVERLOAD.
func localityOverloaded(d *Dest, svc *Service) bool {
	if d.Active <= d.Weight {
		return false
	}
	for _, o := range svc.Dests {
		if o.Active*2 < o.Weight {
			return true
		}
	}
	return false
}

// LBLC is the lblc scheduler.
type LBLC struct {
	// Expiration is the sysctl lblc_expiration: the idle time after which
	// the full check drops an entry. 0 means DefaultExpiration.
	Expiration time.Duration
	tbl        localityTable
	// The kernel has no add_dest, del_dest or upd_dest here: entries keep
	// a removed destination, which the lookup skips as unavailable.
	noState
}

func init() { register("lblc", func(Rand) Scheduler { return &LBLC{} }) }

// Name returns "lblc".
func (s *LBLC) Name() string { return "lblc" }

// Init starts with an empty table (ip_vs_lblc_init_svc).
func (s *LBLC) Init(*Service) { s.tbl = newLocalityTable() }

// CheckExpire runs the periodic collector (ip_vs_lblc_check_expire).
func (s *LBLC) CheckExpire(now time.Duration) {
	s.tbl.checkExpire(now, expirationOr(s.Expiration))
}

func expirationOr(d time.Duration) time.Duration {
	if d == 0 {
		return DefaultExpiration
	}
	return d
}

// Schedule follows ip_vs_lblc_schedule: the cached server of the
// packet's destination address if it is available, has a weight and is
// not overloaded (localityOverloaded); otherwise the weighted
// least-connection server (__ip_vs_lblc_schedule, the same walk as wlc),
// which the entry then records.
func (s *LBLC) Schedule(svc *Service, r *Request) *Dest {
	addr := r.Dst.Addr()
	en := s.tbl.get(addr)
	if en != nil {
		en.lastuse = r.Now
		d := en.dest
		if d.Available && d.Weight > 0 && !localityOverloaded(d, svc) {
			return d
		}
	}
	d := leastWeighted(svc, connOverhead)
	if d == nil {
		return nil
	}
	s.record(en, addr, d, r.Now)
	return d
}

// record is ip_vs_lblc_new. An entry bound to another server is replaced
// by a new one; the kernel unlinks the old entry without decrementing
// tbl->entries and counts the new one, so entries overcounts by one per
// replacement for the life of the table. That only brings forward the
// partial collection (entries > max_size); it is kept as the kernel has it.
func (s *LBLC) record(en *localityEntry, addr netip.Addr, d *Dest, now time.Duration) {
	if en == nil {
		s.tbl.add(localityEntry{addr: addr, dest: d, lastuse: now})
		return
	}
	if en.dest == d {
		return
	}
	en.dest, en.lastuse = d, now
	s.tbl.entries++
}
