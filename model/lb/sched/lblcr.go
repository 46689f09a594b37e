package sched

import "time"

// Locality-based least-connection with replication
// (net/netfilter/ipvs/ip_vs_lblcr.c): like lblc, but a destination
// address maps to a set of servers. A hot address whose server is
// overloaded gains a second server instead of moving; a set that has not
// changed for lblcr_expiration sheds its most loaded member on the next
// lookup. The table and its collector are lblc's (localityTable).

// destSet is struct ip_vs_dest_set: the servers of one address, newest
// first (list_add_rcu), and when the set last changed.
type destSet struct {
	dests   []*Dest
	lastmod time.Duration
}

// insert is ip_vs_dest_set_insert: link d at the head unless check finds
// it there already; a change stamps lastmod.
func (s *destSet) insert(d *Dest, check bool, now time.Duration) {
	if check {
		for _, o := range s.dests {
			if o == d {
				return
			}
		}
	}
	s.dests = append(s.dests, nil)
	copy(s.dests[1:], s.dests)
	s.dests[0] = d
	s.lastmod = now
}

// erase is ip_vs_dest_set_erase: unlink d and stamp lastmod.
func (s *destSet) erase(d *Dest, now time.Duration) {
	for i, o := range s.dests {
		if o == d {
			copy(s.dests[i:], s.dests[i+1:])
			s.dests[len(s.dests)-1] = nil
			s.dests = s.dests[:len(s.dests)-1]
			s.lastmod = now
			return
		}
	}
}

// min is ip_vs_dest_set_min: the least overhead/weight among the members
// that are available, weighted and not IP_VS_DEST_F_OVERLOAD; ties keep
// the earlier (newer) member.
func (s *destSet) min() *Dest {
	first := -1
	for i, d := range s.dests {
		if !d.Overloaded && d.Weight > 0 && d.Available {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	least := s.dests[first]
	loh := int64(connOverhead(least))
	for _, d := range s.dests[first+1:] {
		if d.Overloaded {
			continue
		}
		doh := int64(connOverhead(d))
		if loh*int64(d.Weight) > doh*int64(least.Weight) && d.Available {
			least, loh = d, doh
		}
	}
	return least
}

// max is ip_vs_dest_set_max: the most overhead/weight among the weighted
// members, available or not; ties keep the earlier member.
func (s *destSet) max() *Dest {
	first := -1
	for i, d := range s.dests {
		if d.Weight > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	most := s.dests[first]
	moh := int64(connOverhead(most))
	for _, d := range s.dests[first+1:] {
		doh := int64(connOverhead(d))
		if moh*int64(d.Weight) < doh*int64(most.Weight) && d.Weight > 0 {
			most, moh = d, doh
		}
	}
	return most
}

// LBLCR is the lblcr scheduler.
type LBLCR struct {
	// Expiration is the sysctl lblcr_expiration: how long a set must stay
	// unchanged before it sheds a member, and the idle time after which
	// the full check drops an entry. 0 means DefaultExpiration.
	Expiration time.Duration
	tbl        localityTable
	// The kernel has no add_dest, del_dest or upd_dest here: entries keep
	// a removed destination, which the lookup skips as unavailable.
	noState
}

func init() { register("lblcr", func(Rand) Scheduler { return &LBLCR{} }) }

// Name returns "lblcr".
func (s *LBLCR) Name() string { return "lblcr" }

// Init starts with an empty table (ip_vs_lblcr_init_svc).
func (s *LBLCR) Init(*Service) { s.tbl = newLocalityTable() }

// CheckExpire runs the periodic collector (ip_vs_lblcr_check_expire).
func (s *LBLCR) CheckExpire(now time.Duration) {
	s.tbl.checkExpire(now, expirationOr(s.Expiration))
}

// Schedule follows ip_vs_lblcr_schedule. With an entry: take the set's
// least loaded member; if the set has more than one member and has not
// changed for the expiration, drop its most loaded member (after the
// pick, which may be the one dropped); if the pick is missing or
// overloaded (localityOverloaded), take the weighted least-connection
// server of the service and add it to the set. Without an entry: the
// weighted least-connection server starts a new set.
func (s *LBLCR) Schedule(svc *Service, r *Request) *Dest {
	addr := r.Dst.Addr()
	if en := s.tbl.get(addr); en != nil {
		en.lastuse = r.Now
		d := en.set.min()
		// time_after(jiffies, lastmod + expiration)
		if len(en.set.dests) > 1 && r.Now > en.set.lastmod+expirationOr(s.Expiration) {
			if m := en.set.max(); m != nil {
				en.set.erase(m, r.Now)
			}
		}
		if d != nil && !localityOverloaded(d, svc) {
			return d
		}
		d = leastWeighted(svc, connOverhead)
		if d == nil {
			return nil
		}
		en.set.insert(d, true, r.Now)
		return d
	}
	d := leastWeighted(svc, connOverhead)
	if d == nil {
		return nil
	}
	// ip_vs_lblcr_new
	e := localityEntry{addr: addr, lastuse: r.Now}
	e.set.insert(d, false, r.Now)
	s.tbl.add(e)
	return d
}
