package upstream

// getRoundRobin follows ngx_http_upstream_get_round_robin_peer: the only
// server of a single-server upstream unless it is down or full (its
// failures are not counted), else smooth weighted round robin over the
// list; when the primaries give nothing, the backups, once.
func (u *Upstream) getRoundRobin(r *Request, sec int64) (*Peer, error) {
	t := u.list(r)
	if t.single {
		p := &t.peers[0]
		if !p.Down && (p.MaxConns == 0 || p.Conns < p.MaxConns) {
			p.Conns++
			r.Current = p
			return p, nil
		}
	} else if i := u.smooth(r, t, sec, -1); i >= 0 {
		return u.take(r, i, sec), nil
	}
	if u.toBackup(r) {
		return u.getRoundRobin(r, sec)
	}
	return nil, ErrNoLive
}

// smooth is ngx_http_upstream_get_peer, the smooth weighted round robin:
// every candidate's current_weight grows by its effective_weight, the
// largest wins (the first on ties) and loses the total. Candidates are
// the peers not tried and not unavailable; with id >= 0 only those with
// that server string (the loop of ngx_http_upstream_get_chash_peer). It
// returns the winner's index or -1.
func (u *Upstream) smooth(r *Request, t *tier, sec int64, id int) int {
	best, total := -1, 0
	for i := range t.peers {
		p := &t.peers[i]
		if r.isTried(i) || p.unavailable(sec) || id >= 0 && p.id != id {
			continue
		}
		total += p.addWeight()
		if best < 0 || p.CurrentWeight > t.peers[best].CurrentWeight {
			best = i
		}
	}
	if best >= 0 {
		t.peers[best].CurrentWeight -= total
	}
	return best
}

// getLeastConn follows ngx_http_upstream_get_least_conn_peer: the
// candidate with the fewest connections per weight (conns_a*weight_b <
// conns_b*weight_a, first in list order); if others tie with it, smooth
// round robin among the tied ones from it on. Backups as round robin.
func (u *Upstream) getLeastConn(r *Request, sec int64) (*Peer, error) {
	t := u.list(r)
	if t.single {
		return u.getRoundRobin(r, sec)
	}
	best, many := -1, false
	for i := range t.peers {
		p := &t.peers[i]
		if r.isTried(i) || p.unavailable(sec) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := &t.peers[best]
		switch {
		case p.Conns*b.Weight < b.Conns*p.Weight:
			best, many = i, false
		case p.Conns*b.Weight == b.Conns*p.Weight:
			many = true
		}
	}
	if best < 0 {
		if u.toBackup(r) {
			return u.getLeastConn(r, sec)
		}
		return nil, ErrNoLive
	}
	if many {
		// The tie loop starts at the first least-loaded peer, which is
		// its own first candidate; best moves only to a larger
		// current_weight.
		total, first := 0, best
		for i := first; i < len(t.peers); i++ {
			p, b := &t.peers[i], &t.peers[best]
			if r.isTried(i) || p.Conns*b.Weight != b.Conns*p.Weight || p.unavailable(sec) {
				continue
			}
			total += p.addWeight()
			if p.CurrentWeight > t.peers[best].CurrentWeight {
				best = i
			}
		}
		t.peers[best].CurrentWeight -= total
	}
	return u.take(r, best, sec), nil
}
